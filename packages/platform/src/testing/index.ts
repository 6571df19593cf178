import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { configSchema, loadTestSettings, type Config } from '../config.ts';
import { MemoryCache } from '../cache.ts';
import { createDatabase, withTenant, type Database } from '../db/database.ts';
import type { MigratableModule } from '../db/migrations.ts';
import { migrateDatabase } from '../db/migrate-all.ts';
import { APP_ROLE, OWNER_ROLE, ensureRoles, withCredentials } from '../db/roles.ts';
import { createLogger } from '../logger.ts';
import { MemoryRateLimiter } from '../rate-limit.ts';
import type { Context, CookieJar, CookieOptions, PortalSessionInfo, SessionInfo } from '../trpc/context.ts';
import { PermissionCatalog, type Role } from '../auth/permissions.ts';
import { createDomainRuntime, type DomainRuntime, type EventAdminRuntime } from '../domain/runtime.ts';
import type { DomainModule } from '../module.ts';
import { platformModule } from '../platform-module.ts';
import { uuidv7 } from '../ids.ts';
import { sql } from 'kysely';
import type { EntityReferenceKind } from '../domain/references.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    ubosTemplateDatabase: string;
  }
}

export const TEST_APP_PASSWORD = 'ubos_app_test_password';

function adminUrl(): string {
  return loadTestSettings().TEST_ADMIN_DATABASE_URL;
}

export function testRedisUrl(): string {
  return loadTestSettings().TEST_REDIS_URL;
}

function migrationFingerprint(modules: readonly MigratableModule[]): string {
  const hash = createHash('sha256');
  // Bump when the template's shape changes outside module migrations (e.g. the queue schema).
  hash.update('template-format:2');
  for (const module of modules) {
    hash.update(module.name);
    for (const migration of module.migrations) hash.update(migration.id).update(migration.sql);
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * Builds (once per migration set) a template database migrated with the real migrations.
 * Called from vitest's globalSetup; test files clone it with createTestDatabase().
 */
export async function prepareTemplateDatabase(modules: readonly MigratableModule[]): Promise<string> {
  const name = `ubos_tpl_${migrationFingerprint(modules)}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query('SELECT pg_advisory_lock(7100202)');
    await ensureRoles(admin, { appPassword: TEST_APP_PASSWORD });
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) {
      const building = `${name}_build`;
      await admin.query(`DROP DATABASE IF EXISTS ${building}`);
      await admin.query(`CREATE DATABASE ${building} OWNER ${OWNER_ROLE}`);
      await admin.query(`REVOKE ALL ON DATABASE ${building} FROM PUBLIC`);
      await admin.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${building} TO ${APP_ROLE}`);
      await migrateDatabase(withCredentials(adminUrl(), OWNER_ROLE, undefined, building), modules);
      await admin.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
    }
    await admin.query('SELECT pg_advisory_unlock(7100202)');
    return name;
  } finally {
    await admin.end();
  }
}

export interface TestDatabase {
  name: string;
  /** Connection string of the runtime role (ubos_app): RLS applies. */
  appUrl: string;
  /** Connection string of the owner role (migrations). */
  ownerUrl: string;
  /** Superuser connection string to the test database: fixtures and catalog checks only. */
  adminUrl: string;
  /** Pool connected as ubos_app. */
  db: Database;
  drop(): Promise<void>;
}

/** A fresh database for one test file, cloned from the migrated template, used as ubos_app. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const template = inject('ubosTemplateDatabase');
  if (!template) throw new Error('No template database: is the vitest globalSetup configured?');
  const name = `ubos_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template} OWNER ${OWNER_ROLE}`);
    await admin.query(`REVOKE ALL ON DATABASE ${name} FROM PUBLIC`);
    await admin.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${name} TO ${APP_ROLE}`);
  } finally {
    await admin.end();
  }
  const appUrl = withCredentials(adminUrl(), APP_ROLE, TEST_APP_PASSWORD, name);
  const db = createDatabase({ connectionString: appUrl, max: 5, applicationName: 'ubos-test' });
  return {
    name,
    appUrl,
    ownerUrl: withCredentials(adminUrl(), OWNER_ROLE, undefined, name),
    adminUrl: withCredentials(adminUrl(), new URL(adminUrl()).username || 'postgres', new URL(adminUrl()).password || undefined, name),
    db,
    async drop() {
      await db.close();
      const dropper = new pg.Client({ connectionString: adminUrl() });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

/** An in-memory cookie jar recording what a procedure set, for service-level tests. */
export class RecordingCookieJar implements CookieJar {
  readonly values = new Map<string, { value: string; options: CookieOptions | null }>();
  get(name: string): string | undefined {
    return this.values.get(name)?.value;
  }
  set(name: string, value: string, options: CookieOptions): void {
    this.values.set(name, { value, options });
  }
  clear(name: string): void {
    this.values.delete(name);
  }
}

/** Test defaults; call budgets are out of the way unless a test sets them (the rate-limit tests do). */
export function testConfig(overrides: Partial<Config> = {}): Config {
  const budgets = { RATE_LIMIT_UNITS_PER_IP: '1000000000', RATE_LIMIT_UNITS_PER_USER: '1000000000', RATE_LIMIT_UNITS_PER_TENANT: '1000000000' };
  return { ...configSchema.parse({ NODE_ENV: 'test', LOG_LEVEL: 'silent', METRICS_PORT: '0', ...budgets }), ...overrides };
}

export interface TestContextOptions {
  db: Database;
  session?: SessionInfo | null;
  /** A client portal session (§3); a separate principal from `session`. */
  portal?: PortalSessionInfo | null;
  config?: Config;
  ip?: string;
  cookies?: CookieJar;
  /** The modules whose permissions and actions the context's runtime knows (the platform module is always in). */
  modules?: readonly DomainModule[];
  /** Event admin runtime (dead letters, replay) when the test has a pg-boss. */
  events?: EventAdminRuntime | null;
  /** A runtime built elsewhere; wins over `modules` and `events`. */
  runtime?: DomainRuntime;
}

function withPlatform(modules: readonly DomainModule[] = []): DomainModule[] {
  return modules.some((module) => module.name === 'platform') ? [...modules] : [platformModule, ...modules];
}

/** The runtime a host builds from `modules` (plus the platform module), for tests. */
export function testRuntime(modules: readonly DomainModule[] = [], events: EventAdminRuntime | null = null): DomainRuntime {
  return createDomainRuntime(withPlatform(modules), events);
}

export function testContext(options: TestContextOptions): Context {
  return {
    requestId: uuidv7(),
    correlationId: uuidv7(),
    log: createLogger({ level: 'silent' }),
    config: options.config ?? testConfig(),
    db: options.db,
    cache: new MemoryCache(),
    rateLimiter: new MemoryRateLimiter(),
    cookies: options.cookies ?? new RecordingCookieJar(),
    ip: options.ip ?? '127.0.0.1',
    userAgent: 'vitest',
    session: options.session ?? null,
    portal: options.portal ?? null,
    runtime: options.runtime ?? testRuntime(options.modules, options.events ?? null),
  };
}

/**
 * A session for a member with `role` in `tenantId`, for tests that do not exercise login: the
 * role's default permissions of `modules` (plus the platform module's).
 */
export function testSession(input: {
  userId: string;
  tenantId: string | null;
  role: Role | null;
  email?: string;
  modules?: readonly DomainModule[];
}): SessionInfo {
  const catalog = new PermissionCatalog(withPlatform(input.modules));
  return {
    sessionId: uuidv7(),
    userId: input.userId,
    email: input.email ?? `${input.userId}@example.test`,
    name: 'Test User',
    tenantId: input.tenantId,
    role: input.role,
    permissions: new Set(input.role ? catalog.forRole(input.role) : []),
    expiresAt: new Date(Date.now() + 3_600_000),
  };
}

/**
 * Polls `check` every `intervalMs` until it holds; throws `timed out waiting for <what>` after
 * `timeoutMs`. For tests that wait on asynchronous delivery (events, jobs, workers).
 */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** What a cross-tenant case expects when tenant B calls a procedure with tenant A's ids. */
export type CrossTenantExpectation =
  /** NOT_FOUND, nothing written for B. */
  | 'not_found'
  /** An empty list / search result (B has no records at all), nothing written for B. */
  | 'empty'
  /** A call that concerns only the caller's own tenant: made by a third tenant, A stays untouched. */
  | 'own'
  /** BAD_REQUEST (e.g. B names A's client as a reference), nothing written for B. */
  | 'bad_request';

export interface CrossTenantCase<Caller, Fixture> {
  expect: CrossTenantExpectation;
  call(b: Caller, a: Fixture): Promise<unknown>;
}

/**
 * A domain's cross-tenant cases, kept in its own `test/cross-tenant.cases.ts` and run by the
 * host's cross-tenant test against the composed app: every procedure of the domain's router
 * needs a case (keys are paths inside the router, e.g. `settings.get`).
 */
export interface CrossTenantSuite<Caller, Fixture> {
  createCaller(ctx: Context): Caller;
  /**
   * Creates tenant A's records through A's caller; returns what the cases need (ids). `seed`
   * records other domains' ids (a client, a member) as existing in A, for records that name them.
   */
  setup(a: Caller, seed: (refs: readonly { kind: EntityReferenceKind; id?: string }[]) => Promise<string[]>): Promise<Fixture>;
  /** Everything A can see of its fixture, to prove that a B call changed none of it. */
  snapshot(a: Caller, fixture: Fixture): Promise<unknown>;
  cases: Record<string, CrossTenantCase<Caller, Fixture>>;
}

export function defineCrossTenantCases<Caller, Fixture>(suite: CrossTenantSuite<Caller, Fixture>): CrossTenantSuite<Caller, Fixture> {
  return suite;
}

/**
 * Records ids of another domain as existing in a tenant (platform.entity_references), for a domain's
 * tests that store such ids (a project's client, a task's assignee) without that domain's module.
 * Returns the ids; one is made for each kind given without one.
 */
export async function seedReferences(db: Database, tenantId: string, refs: readonly { kind: EntityReferenceKind; id?: string }[]): Promise<string[]> {
  const rows = refs.map((ref) => ({ kind: ref.kind, id: ref.id ?? uuidv7() }));
  await withTenant(db, { tenantId }, async (trx) => {
    for (const row of rows) {
      await sql`INSERT INTO platform.entity_references (tenant_id, kind, id) VALUES (${tenantId}, ${row.kind}, ${row.id}) ON CONFLICT DO NOTHING`.execute(trx);
    }
  });
  return rows.map((row) => row.id);
}
