import { recordSpan, tracingEnabled } from '../tracing.ts';
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  CompiledQuery,
  Kysely,
  PostgresAdapter,
  PostgresDriver,
  PostgresIntrospector,
  PostgresQueryCompiler,
  sql,
  type DatabaseConnection,
  type Dialect,
  type Transaction,
  type TransactionSettings,
} from 'kysely';
import pg from 'pg';
import { z } from 'zod';

/** Untyped view of the whole database; each domain narrows it to its own schema type. */
// biome-ignore lint/complexity/noBannedTypes: Kysely's database type with no tables known is the empty object type
export type UntypedDB = {};

export interface Database {
  readonly pool: pg.Pool;
  readonly kysely: Kysely<UntypedDB>;
  /**
   * The pool typed with the caller's own tables, for statements outside a scoped transaction
   * (identity's global users and sessions). Tenant work goes through withTenant / ctx.db<DB>().
   */
  as<DB>(): Kysely<DB>;
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

/**
 * Statements to run in the same round trip as BEGIN: the scope of the transaction
 * (set_config of app.tenant_id / app.user_id / app.system). Consumed by the first
 * transaction begun inside withScope(), so a transaction its callback opens on another
 * connection begins normally.
 */
interface TransactionPrelude {
  sql: string;
  used: boolean;
}
const transactionPrelude = new AsyncLocalStorage<TransactionPrelude>();

/**
 * Kysely's Postgres driver, except that BEGIN and the transaction's set_config calls go to
 * the server as one simple-protocol query: one round trip less for every scoped transaction
 * (each request, each event handler, each dispatch pass). The prelude holds only literals we
 * validated (uuids, 'on'), never caller text.
 */
class ScopedPostgresDriver extends PostgresDriver {
  override async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const prelude = transactionPrelude.getStore();
    if (!prelude || prelude.used || settings.isolationLevel || settings.accessMode) {
      return super.beginTransaction(connection, settings);
    }
    prelude.used = true;
    try {
      await connection.executeQuery(CompiledQuery.raw(`begin; ${prelude.sql}`));
    } catch (error) {
      // Kysely rolls back only a transaction whose begin succeeded; this one began and then
      // failed in the prelude, so end it here before the connection goes back to the pool.
      await connection.executeQuery(CompiledQuery.raw('rollback')).catch(() => undefined);
      throw new TransactionPreludeError(error);
    }
  }
}

/** A statement of a transaction's prelude failed; the transaction was rolled back and its callback never ran. */
export class TransactionPreludeError extends Error {
  constructor(cause: unknown) {
    super(`transaction prelude failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'TransactionPreludeError';
  }
}

function scopedPostgresDialect(pool: pg.Pool): Dialect {
  return {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new ScopedPostgresDriver({ pool }),
    createQueryCompiler: () => new PostgresQueryCompiler(),
    createIntrospector: (db) => new PostgresIntrospector(db),
  };
}

/** Runs fn in a transaction whose first round trip is `begin; <preludeSql>`. */
async function withScope<DB, T>(db: Database, preludeSql: string, fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  const prelude: TransactionPrelude = { sql: preludeSql, used: false };
  return transactionPrelude.run(prelude, () =>
    db.kysely.transaction().execute(async (trx) => {
      // A Database whose driver does not read the prelude still gets its scope.
      if (!prelude.used) {
        try {
          await sql.raw(preludeSql).execute(trx);
        } catch (error) {
          throw new TransactionPreludeError(error);
        }
      }
      return fn(trx as unknown as Transaction<DB>);
    }),
  );
}

export function createDatabase(options: DatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'ubos',
    idleTimeoutMillis: 30_000,
  });
  // An idle client error (e.g. server restart) must not crash the process.
  pool.on('error', () => undefined);
  // Nor may one of a client checked out by a transaction: the pool listens only to idle clients,
  // and a connection terminated mid-transaction (57P01 on a restart, ECONNRESET) emits 'error' on
  // the client, an unhandled event that exited the process. The failed query rejects on its own;
  // the pool discards the broken client when it is released.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  const kysely = new Kysely<UntypedDB>({
    dialect: scopedPostgresDialect(pool),
    // One span per statement when tracing is on (a no-op otherwise): the driver reports the duration.
    log: (event) => {
      if (!tracingEnabled()) return;
      const end = Date.now();
      const attributes = {
        'db.system.name': 'postgresql',
        'db.query.text': event.query.sql.slice(0, 2000),
        ...(event.level === 'error' ? { error: true } : {}),
      };
      recordSpan('db.query', attributes, end - event.queryDurationMillis, end);
    },
  });
  let closed = false;
  return {
    pool,
    kysely,
    as<DB>(): Kysely<DB> {
      return kysely as unknown as Kysely<DB>;
    },
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

/** The set_config of a tenant scope; the ids are validated uuids, so safe to inline as literals. */
function tenantScopeSql(scope: TenantScope): string {
  const tenantId = uuidSchema.parse(scope.tenantId);
  const userId = scope.userId ? uuidSchema.parse(scope.userId) : '';
  return `select set_config('app.tenant_id', '${tenantId}', true), set_config('app.user_id', '${userId}', true)`;
}

/**
 * Runs fn in a transaction whose `app.tenant_id` (and `app.user_id`) are set with
 * set_config(..., true), so they vanish at commit/rollback and a pooled connection never
 * carries a tenant into the next request.
 */
export async function withTenant<DB, T>(db: Database, scope: TenantScope, fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  return withScope(db, tenantScopeSql(scope), fn);
}

/**
 * withTenant, plus platform-internal statements sent in the same round trip as BEGIN (the
 * event runner records processed_events this way). `statements` must hold only literals the
 * caller validated. If one fails, fn never runs and TransactionPreludeError is thrown.
 */
export async function withTenantPrelude<DB, T>(db: Database, scope: TenantScope, statements: string, fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  return withScope(db, `${tenantScopeSql(scope)}; ${statements}`, fn);
}

/**
 * A transaction with no tenant: only global tables (users, sessions, tenants registry)
 * and rows a policy exposes to `app.user_id` are visible.
 */
export async function withUser<DB, T>(db: Database, userId: string | null, fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  const user = userId ? uuidSchema.parse(userId) : '';
  return withScope(db, `select set_config('app.tenant_id', '', true), set_config('app.user_id', '${user}', true)`, fn);
}

/**
 * Platform-internal cross-tenant work (outbox dispatch, retention). Only the platform
 * tables whose policies honour `app.system` become visible; domain tables stay closed.
 */
export async function withSystem<DB, T>(db: Database, fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  return withScope(db, `select set_config('app.system', 'on', true)`, fn);
}

export { sql };
export type { Transaction, Kysely };
