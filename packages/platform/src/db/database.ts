import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import { z } from 'zod';

/** Untyped view of the whole database; each domain narrows it to its own schema type. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export type UntypedDB = {};

export interface Database {
  readonly pool: pg.Pool;
  readonly kysely: Kysely<UntypedDB>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  connectionString: string;
  max?: number;
  applicationName?: string;
}

// Return bigint (int8) as number when it fits; counts are int8 in Postgres.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => {
  const parsed = Number(value);
  return Number.isSafeInteger(parsed) ? parsed : value;
});

export function createDatabase(options: DatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'ubos',
    idleTimeoutMillis: 30_000,
  });
  // An idle client error (e.g. server restart) must not crash the process.
  pool.on('error', () => undefined);
  const kysely = new Kysely<UntypedDB>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  return {
    pool,
    kysely,
    async close() {
      if (closed) return;
      closed = true;
      await kysely.destroy();
      // Kysely only ends a pool it has used; end it ourselves when it never ran a query.
      if (!pool.ended) await pool.end();
    },
  };
}

const uuidSchema = z.uuid();

export interface TenantScope {
  tenantId: string;
  /** The acting user, visible to policies that let a user see their own rows across tenants. */
  userId?: string | null;
}

/**
 * Runs fn in a transaction whose `app.tenant_id` (and `app.user_id`) are set with
 * set_config(..., true), so they vanish at commit/rollback and a pooled connection never
 * carries a tenant into the next request.
 */
export async function withTenant<DB, T>(
  db: Database,
  scope: TenantScope,
  fn: (trx: Transaction<DB>) => Promise<T>,
): Promise<T> {
  const tenantId = uuidSchema.parse(scope.tenantId);
  const userId = scope.userId ? uuidSchema.parse(scope.userId) : '';
  return db.kysely.transaction().execute(async (trx) => {
    await sql`select set_config('app.tenant_id', ${tenantId}, true), set_config('app.user_id', ${userId}, true)`.execute(trx);
    return fn(trx as unknown as Transaction<DB>);
  });
}

/**
 * A transaction with no tenant: only global tables (users, sessions, tenants registry)
 * and rows a policy exposes to `app.user_id` are visible.
 */
export async function withUser<DB, T>(
  db: Database,
  userId: string | null,
  fn: (trx: Transaction<DB>) => Promise<T>,
): Promise<T> {
  const user = userId ? uuidSchema.parse(userId) : '';
  return db.kysely.transaction().execute(async (trx) => {
    await sql`select set_config('app.tenant_id', '', true), set_config('app.user_id', ${user}, true)`.execute(trx);
    return fn(trx as unknown as Transaction<DB>);
  });
}

/**
 * Platform-internal cross-tenant work (outbox dispatch, retention). Only the platform
 * tables whose policies honour `app.system` become visible; domain tables stay closed.
 */
export async function withSystem<DB, T>(db: Database, fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  return db.kysely.transaction().execute(async (trx) => {
    await sql`select set_config('app.system', 'on', true)`.execute(trx);
    return fn(trx as unknown as Transaction<DB>);
  });
}

export function typed<DB>(trx: Transaction<UntypedDB> | Kysely<UntypedDB>): Kysely<DB> {
  return trx as unknown as Kysely<DB>;
}

export { sql };
export type { Transaction, Kysely };
