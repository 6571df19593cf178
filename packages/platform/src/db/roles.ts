import type pg from 'pg';

export const OWNER_ROLE = 'ubos_owner';
export const APP_ROLE = 'ubos_app';

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Creates the two database roles if missing. Needs a role with CREATEROLE (a superuser
 * in the embedded default, tests and CI; a DBA in production, see infra/postgres).
 * - ubos_owner: owns schemas and tables, runs migrations. Not superuser, no BYPASSRLS.
 * - ubos_app:   runs every request. Not superuser, no BYPASSRLS, owns nothing.
 */
export async function ensureRoles(admin: pg.Pool | pg.Client, options: { appPassword: string; ownerPassword?: string }): Promise<void> {
  await admin.query(`
    DO $$
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${OWNER_ROLE}') THEN
        CREATE ROLE ${OWNER_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB;
      END IF;
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
        CREATE ROLE ${APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB NOINHERIT;
      END IF;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- another process created it concurrently
    END
    $$;
  `);
  await admin.query(`ALTER ROLE ${APP_ROLE} PASSWORD ${quoteLiteral(options.appPassword)}`);
  if (options.ownerPassword) {
    await admin.query(`ALTER ROLE ${OWNER_ROLE} PASSWORD ${quoteLiteral(options.ownerPassword)}`);
  }
}

/** Creates a database owned by ubos_owner if it does not exist. */
export async function ensureDatabase(admin: pg.Pool | pg.Client, name: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`Unsafe database name: ${name}`);
  const existing = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  if (existing.rowCount === 0) {
    await admin.query(`CREATE DATABASE ${name} OWNER ${OWNER_ROLE}`);
  }
  await admin.query(`REVOKE ALL ON DATABASE ${name} FROM PUBLIC`);
  await admin.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${name} TO ${APP_ROLE}`);
  await admin.query(`GRANT ALL ON DATABASE ${name} TO ${OWNER_ROLE}`);
}

/** Replaces the user (and password) of a postgres URL. */
export function withCredentials(url: string, user: string, password?: string, database?: string): string {
  const parsed = new URL(url);
  parsed.username = user;
  parsed.password = password ?? '';
  if (database) parsed.pathname = `/${database}`;
  return parsed.toString();
}
