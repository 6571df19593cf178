// Client portal benchmark (§3, issue 14). Figures:
//  home     portal.me.home through the tRPC caller as a portal session (the portal's tenant
//           transaction, RLS, every query of the page, DTO validation) for a client with 20 projects
//           (10 tasks and 2 milestones each), 2,000 files in 10 shared folders and 50 approvals (half
//           decided); another client of the tenant and another tenant hold as much. p50/p95/p99
//           (target p95 <= 50 ms). Also the per-request cost of resolving the portal cookie.
//  consume  100 concurrent sign-ins (100 portal users, one link each, all POSTed at once through
//           portal.auth.consume): wall time, sign-ins per second, per-call latency; then 100 concurrent
//           POSTs of ONE token (exactly one may succeed).
// Usage: node bench/portal.bench.ts [section ...]   (default: both)
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import * as platform from '@ubos/platform';
import { configSchema, createDatabase, createDomainRuntime, createLogger, type Context, type Database, type PortalSessionInfo } from '@ubos/platform';
import { modules } from '../apps/api/src/modules.ts';
import { portalModule } from '../packages/domains/portal/src/module.ts';
import { portalRouter } from '../packages/domains/portal/src/router.ts';
import { generatePortalToken, hashPortalToken, resolvePortalSession } from '../packages/domains/portal/src/sessions.ts';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}
function latencies(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const f = (value: number) => `${value.toFixed(2)} ms`;
  return `p50 ${f(percentile(sorted, 50))}  p95 ${f(percentile(sorted, 95))}  p99 ${f(percentile(sorted, 99))}  max ${f(sorted[sorted.length - 1] ?? Number.NaN)}`;
}
async function measure(total: number, inFlight: number, call: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  let started = 0;
  async function worker(): Promise<void> {
    while (started < total) {
      started += 1;
      const t0 = performance.now();
      await call();
      samples.push(performance.now() - t0);
    }
  }
  await Promise.all(Array.from({ length: inFlight }, () => worker()));
  return samples;
}

const runtime = createDomainRuntime([platform.platformModule, portalModule], null, {});
const config = configSchema.parse({
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  RATE_LIMIT_UNITS_PER_IP: '1000000000',
  RATE_LIMIT_UNITS_PER_USER: '1000000000',
  RATE_LIMIT_UNITS_PER_TENANT: '1000000000',
});
const log = createLogger({ level: 'silent' });
const createCaller = platform.createCallerFactory(portalRouter);
let ipCounter = 0;

function context(db: Database, portal: PortalSessionInfo | null): Context {
  ipCounter += 1;
  return {
    requestId: 'bench',
    correlationId: platform.uuidv7(),
    log,
    config,
    db,
    cache: new platform.MemoryCache(),
    rateLimiter: new platform.MemoryRateLimiter(),
    cookies: { get: () => undefined, set: () => undefined, clear: () => undefined },
    ip: `10.9.${Math.floor(ipCounter / 250) % 250}.${ipCounter % 250}`,
    userAgent: 'bench',
    session: null,
    portal,
    runtime,
  };
}

/** One client of `tenantId` with its projects, files and approvals, in bulk SQL; returns a signed-in portal session. */
async function seedClient(db: Database, tenantId: string, label: string): Promise<PortalSessionInfo & { cookie: string }> {
  const clientId = platform.uuidv7();
  const contactId = platform.uuidv7();
  const userId = platform.uuidv7();
  const cookie = generatePortalToken();
  await platform.withTenant(db, { tenantId }, async (trx) => {
    const q = platform.sql;
    await q`INSERT INTO portal.clients (tenant_id, id, name) VALUES (${tenantId}, ${clientId}, ${`${label} client`})`.execute(trx);
    await q`INSERT INTO portal.users (tenant_id, id, client_id, contact_id, email, name) VALUES (${tenantId}, ${userId}, ${clientId}, ${contactId}, ${`${label}-${clientId}@bench.test`}, ${`${label} person`})`.execute(
      trx,
    );
    await q`INSERT INTO portal.projects (tenant_id, id, client_id, name, status, updated_at)
      SELECT ${tenantId}, gen_random_uuid(), ${clientId}, 'Project ' || i, 'active', now() - i * interval '1 hour' FROM generate_series(1, 20) i`.execute(trx);
    await q`INSERT INTO portal.tasks (tenant_id, id, project_id, client_id, title, status)
      SELECT ${tenantId}, gen_random_uuid(), p.id, ${clientId}, 'Task ' || i, CASE WHEN i % 3 = 0 THEN 'done' ELSE 'open' END
      FROM portal.projects p, generate_series(1, 10) i WHERE p.client_id = ${clientId}`.execute(trx);
    await q`INSERT INTO portal.milestones (tenant_id, id, project_id, client_id, name)
      SELECT ${tenantId}, gen_random_uuid(), p.id, ${clientId}, 'Milestone ' || i FROM portal.projects p, generate_series(1, 2) i WHERE p.client_id = ${clientId}`.execute(
      trx,
    );
    await q`INSERT INTO portal.folders (tenant_id, id, client_id, name) SELECT ${tenantId}, gen_random_uuid(), ${clientId}, 'Folder ' || i FROM generate_series(1, 10) i`.execute(
      trx,
    );
    await q`INSERT INTO portal.shares (tenant_id, client_id, kind, target_id) SELECT ${tenantId}, ${clientId}, 'folder', id FROM portal.folders WHERE client_id = ${clientId}`.execute(
      trx,
    );
    await q`INSERT INTO portal.files (tenant_id, id, folder_id, client_id, name, version, size, content_type, sha256, updated_at)
      SELECT ${tenantId}, gen_random_uuid(), f.id, ${clientId}, 'File ' || i || '.pdf', 1, 1000, 'application/pdf', repeat('a', 64), now() - i * interval '1 minute'
      FROM portal.folders f, generate_series(1, 200) i WHERE f.client_id = ${clientId}`.execute(trx);
    await q`INSERT INTO portal.file_requests (tenant_id, id, folder_id, client_id, label, expires_at, state)
      SELECT ${tenantId}, gen_random_uuid(), f.id, ${clientId}, 'Request ' || f.name, now() + interval '7 days', 'open' FROM portal.folders f WHERE f.client_id = ${clientId} LIMIT 3`.execute(
      trx,
    );
    await q`INSERT INTO portal.approvals (tenant_id, id, client_id, title, kind, body, current_version, subject_hash, created_at)
      SELECT ${tenantId}, gen_random_uuid(), ${clientId}, 'Deliverable ' || i, 'text', 'Text ' || i, 1, repeat('b', 64), now() - i * interval '1 hour' FROM generate_series(1, 50) i`.execute(
      trx,
    );
    await q`INSERT INTO portal.approval_decisions (tenant_id, approval_id, version, subject_hash, decision, decided_by)
      SELECT ${tenantId}, id, 1, subject_hash, 'approved', ${userId} FROM portal.approvals WHERE client_id = ${clientId} ORDER BY created_at LIMIT 25`.execute(
      trx,
    );
    const linkId = platform.uuidv7();
    await q`INSERT INTO portal.magic_links (tenant_id, id, portal_user_id, token_hash, expires_at, used_at) VALUES (${tenantId}, ${linkId}, ${userId}, ${hashPortalToken(generatePortalToken())}, now() + interval '10 minutes', now())`.execute(
      trx,
    );
    await q`INSERT INTO portal.sessions (tenant_id, id, portal_user_id, magic_link_id, expires_at) VALUES (${tenantId}, ${hashPortalToken(cookie)}, ${userId}, ${linkId}, now() + interval '12 hours')`.execute(
      trx,
    );
  });
  const session = await resolvePortalSession(db, cookie);
  if (!session) throw new Error('the seeded session did not resolve');
  return { ...session, cookie };
}

async function withDatabase(run: (db: Database, adminUrl: string, dbName: string) => Promise<void>): Promise<void> {
  const adminUrl = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const appPassword = 'ubos_app_test_password';
  const dbName = `ubos_bench_portal_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await platform.ensureRoles(admin, { appPassword });
  await admin.query(`CREATE DATABASE ${dbName} OWNER ${platform.OWNER_ROLE}`);
  await admin.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${dbName} TO ${platform.APP_ROLE}`);
  const db = createDatabase({ connectionString: platform.withCredentials(adminUrl, platform.APP_ROLE, appPassword, dbName), max: 10 });
  try {
    await platform.migrateDatabase(platform.withCredentials(adminUrl, platform.OWNER_ROLE, undefined, dbName), modules);
    await run(db, adminUrl, dbName);
  } finally {
    await db.close();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

async function home(): Promise<void> {
  await withDatabase(async (db, adminUrl, dbName) => {
    const tenantId = platform.uuidv7();
    const session = await seedClient(db, tenantId, 'measured');
    await seedClient(db, tenantId, 'neighbour');
    await seedClient(db, platform.uuidv7(), 'other-tenant');
    const owner = new pg.Client({ connectionString: platform.withCredentials(adminUrl, 'postgres', undefined, dbName) });
    await owner.connect();
    await owner.query('ANALYZE');
    await owner.end();
    const caller = createCaller(context(db, session));
    const first = await caller.me.home();
    if (first.counts.projects !== 20 || first.counts.files !== 2000 || first.counts.approvals !== 50 || first.needsMe.approvals.length !== 20) {
      throw new Error(`unexpected home: ${JSON.stringify(first.counts)} ${first.needsMe.approvals.length}`);
    }
    for (let i = 0; i < 30; i += 1) await caller.me.home();
    const sequential = await measure(300, 1, () => caller.me.home());
    const concurrent = await measure(300, 4, () => caller.me.home());
    const resolve = await measure(500, 1, () => resolvePortalSession(db, session.cookie));
    console.log(
      'portal.me.home for a client with 20 projects (200 tasks, 40 milestones), 2,000 shared files in 10 folders, 50 approvals; a neighbour client and another tenant hold as much',
    );
    console.log(`  1 in flight : ${latencies(sequential)}`);
    console.log(`  4 in flight : ${latencies(concurrent)}`);
    console.log(`  resolving the portal cookie (per request): ${latencies(resolve)}`);
    console.log('  target: home p95 <= 50 ms');
  });
}

async function consume(): Promise<void> {
  await withDatabase(async (db) => {
    const tenantId = platform.uuidv7();
    const slug = `bench-${randomBytes(3).toString('hex')}`;
    const SIGN_INS = 100;
    const tokens: string[] = [];
    await platform.withTenant(db, { tenantId }, async (trx) => {
      const q = platform.sql;
      await q`INSERT INTO portal.organizations (tenant_id, name, slug) VALUES (${tenantId}, 'Bench Studio', ${slug})`.execute(trx);
      const clientId = platform.uuidv7();
      await q`INSERT INTO portal.clients (tenant_id, id, name) VALUES (${tenantId}, ${clientId}, 'Bench client')`.execute(trx);
      for (let i = 0; i < SIGN_INS + 1; i += 1) {
        const userId = platform.uuidv7();
        const token = generatePortalToken();
        tokens.push(token);
        await q`INSERT INTO portal.users (tenant_id, id, client_id, contact_id, email, name) VALUES (${tenantId}, ${userId}, ${clientId}, ${platform.uuidv7()}, ${`user${i}@bench.test`}, ${`User ${i}`})`.execute(
          trx,
        );
        await q`INSERT INTO portal.magic_links (tenant_id, id, portal_user_id, token_hash, expires_at) VALUES (${tenantId}, ${platform.uuidv7()}, ${userId}, ${hashPortalToken(token)}, now() + interval '15 minutes')`.execute(
          trx,
        );
      }
    });
    const samples: number[] = [];
    const t0 = performance.now();
    const results = await Promise.allSettled(
      tokens.slice(0, SIGN_INS).map(async (token) => {
        const started = performance.now();
        await createCaller(context(db, null)).auth.consume({ tenantSlug: slug, token });
        samples.push(performance.now() - started);
      }),
    );
    const wall = performance.now() - t0;
    const ok = results.filter((result) => result.status === 'fulfilled').length;
    console.log(`${SIGN_INS} concurrent sign-ins (portal.auth.consume, one link each, pool of 10 connections)`);
    console.log(`  ${ok} signed in, wall ${wall.toFixed(0)} ms, ${((ok / wall) * 1000).toFixed(0)} sign-ins/s; per call ${latencies(samples)}`);
    const last = tokens[SIGN_INS] ?? '';
    const t1 = performance.now();
    const race = await Promise.allSettled(Array.from({ length: 100 }, () => createCaller(context(db, null)).auth.consume({ tenantSlug: slug, token: last })));
    const sessions = await platform.withTenant(db, { tenantId }, (trx) =>
      platform.sql<{ n: number }>`SELECT count(*)::int AS n FROM portal.sessions`.execute(trx),
    );
    console.log(
      `  100 concurrent POSTs of one token: ${race.filter((result) => result.status === 'fulfilled').length} succeeded, ${(performance.now() - t1).toFixed(0)} ms; sessions in all: ${sessions.rows[0]?.n} (expected ${SIGN_INS + 1})`,
    );
  });
}

const sections = { home, consume };
const wanted = process.argv.slice(2);
for (const [name, run] of Object.entries(sections)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.log(`\n== ${name}`);
  await run();
}
