import { createHash } from 'node:crypto';
import pg from 'pg';
import { APP_ROLE, OWNER_ROLE } from './roles.ts';

/**
 * A forward-only migration. `sql` runs in one transaction, as the owner role, with
 * `search_path` set to the module's schema. Write it idempotently (IF NOT EXISTS, ...)
 * so a fresh database and an upgraded one end up identical.
 */
export interface Migration {
  id: string;
  sql: string;
}

export interface MigratableModule {
  name: string;
  migrations: readonly Migration[];
}

export interface MigrationResult {
  applied: { module: string; id: string }[];
  skipped: number;
}

const MIGRATION_LOCK_KEY = 7_100_201;

function checksum(sqlText: string): string {
  return createHash('sha256').update(sqlText).digest('hex');
}

function assertSchemaName(name: string): void {
  if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`Module name "${name}" is not a valid schema name`);
}

/**
 * Applies every module's pending migrations in order. Connects with `connectionString`;
 * when that login is not ubos_owner (e.g. a superuser), it SET ROLEs to ubos_owner so
 * every object is owned by the owner role, never by a superuser.
 */
export async function runMigrations(connectionString: string, modules: readonly MigratableModule[]): Promise<MigrationResult> {
  const client = new pg.Client({ connectionString, application_name: 'ubos-migrate' });
  await client.connect();
  const result: MigrationResult = { applied: [], skipped: 0 };
  try {
    const who = await client.query<{ current_user: string }>('SELECT current_user');
    if (who.rows[0]?.current_user !== OWNER_ROLE) {
      await client.query(`SET ROLE ${OWNER_ROLE}`);
    }
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS platform`);
    await client.query(`
      CREATE TABLE IF NOT EXISTS platform.schema_migrations (
        module text NOT NULL,
        id text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (module, id)
      )`);
    const seenNames = new Set<string>();
    for (const module of modules) {
      assertSchemaName(module.name);
      if (seenNames.has(module.name)) throw new Error(`Module "${module.name}" is registered twice`);
      seenNames.add(module.name);
      const done = await client.query<{ id: string; checksum: string }>('SELECT id, checksum FROM platform.schema_migrations WHERE module = $1', [module.name]);
      const applied = new Map(done.rows.map((row) => [row.id, row.checksum]));
      const seenIds = new Set<string>();
      for (const migration of module.migrations) {
        if (seenIds.has(migration.id)) throw new Error(`Migration ${module.name}/${migration.id} is declared twice`);
        seenIds.add(migration.id);
        const sum = checksum(migration.sql);
        const previous = applied.get(migration.id);
        if (previous !== undefined) {
          if (previous !== sum) {
            throw new Error(`Migration ${module.name}/${migration.id} was changed after it was applied; migrations are forward-only, add a new one`);
          }
          result.skipped += 1;
          continue;
        }
        await client.query('BEGIN');
        try {
          await client.query(`CREATE SCHEMA IF NOT EXISTS ${module.name}`);
          await client.query(`GRANT USAGE ON SCHEMA ${module.name} TO ${APP_ROLE}`);
          await client.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${module.name} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${APP_ROLE}`);
          await client.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${module.name} GRANT USAGE, SELECT ON SEQUENCES TO ${APP_ROLE}`);
          await client.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${module.name} GRANT EXECUTE ON FUNCTIONS TO ${APP_ROLE}`);
          await client.query(`SET LOCAL search_path TO ${module.name}, platform, public`);
          await client.query(migration.sql);
          await client.query('INSERT INTO platform.schema_migrations (module, id, checksum) VALUES ($1, $2, $3)', [module.name, migration.id, sum]);
          await client.query('COMMIT');
          result.applied.push({ module: module.name, id: migration.id });
        } catch (error) {
          await client.query('ROLLBACK');
          const message = error instanceof Error ? error.message : String(error);
          throw new Error(`Migration ${module.name}/${migration.id} failed: ${message}`, { cause: error });
        }
      }
    }
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    return result;
  } finally {
    await client.end();
  }
}
