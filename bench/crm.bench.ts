// CRM benchmark, in a dedicated database migrated with every module's real migrations:
//  1. crm.clients.create through the real host (buildServer: Fastify + tRPC HTTP adapter, session
//     cookie, permission guard, withTenant, zod in/out, custom-field validation, row + outbox event,
//     RLS on) vs a raw Fastify + pg route running the same SQL statements in one transaction.
//  2. crm.clients.list (50 rows, keyset) the same way.
//  3. Import of 100k contacts: crm.imports.create over HTTP, then the crm.import-chunks subscription
//     driven chunk by chunk through the kernel's handleEvent (what the pg-boss runner calls per job):
//     rows/s and peak memory.
//  4. The client filter matching anywhere (name, domain) over 100k clients of one organization: p50/p95.
// Usage: node bench/crm.bench.ts [requests=3000] [concurrency=16] [importRows=100000] [filterClients=100000]
// Needs Postgres at TEST_ADMIN_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres).
import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import pg from 'pg';
import {
  APP_ROLE,
  OWNER_ROLE,
  configSchema,
  createDatabase,
  createLogger,
  ensureRoles,
  handleEvent,
  migrateDatabase,
  rowToEnvelope,
  sql,
  subscriptionMatches,
  uuidv7,
  withCredentials,
  withTenant,
  type OutboxRow,
} from '@ubos/platform';
import { modules } from '../apps/api/src/modules.ts';
import { buildServer } from '../apps/api/src/server.ts';
import { importSubscription } from '../packages/domains/crm/src/handlers.ts';

const REQUESTS = Number(process.argv[2] ?? 3000);
const CONCURRENCY = Number(process.argv[3] ?? 16);
const IMPORT_ROWS = Number(process.argv[4] ?? 100_000);
const FILTER_CLIENTS = Number(process.argv[5] ?? 100_000);
const adminUrl = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const APP_PASSWORD = 'ubos_app_test_password'; // the test harness's, so a concurrent test run keeps working
const dbName = `ubos_bench_crm_${randomBytes(4).toString('hex')}`;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

interface Run {
  rps: number;
  p50: number;
  p99: number;
  /** CPU time of this process (server + load generator) per request, in µs. */
  cpuUs: number;
}

/** `total` requests with `concurrency` in flight; every response must be 200. */
async function load(total: number, concurrency: number, request: (i: number) => Promise<Response>): Promise<Run> {
  const latencies: number[] = [];
  let next = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      const t0 = performance.now();
      const response = await request(i);
      const body = await response.text();
      if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${body.slice(0, 300)}`);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  latencies.sort((a, b) => a - b);
  return { rps: total / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), cpuUs: (cpu.user + cpu.system) / total };
}

const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await ensureRoles(admin, { appPassword: APP_PASSWORD });
await admin.query(`CREATE DATABASE ${dbName} OWNER ${OWNER_ROLE}`);
await admin.query(`REVOKE ALL ON DATABASE ${dbName} FROM PUBLIC`);
await admin.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${dbName} TO ${APP_ROLE}`);
const ownerUrl = withCredentials(adminUrl, OWNER_ROLE, undefined, dbName);
const appUrl = withCredentials(adminUrl, APP_ROLE, APP_PASSWORD, dbName);
const db = createDatabase({ connectionString: appUrl, max: 10, applicationName: 'ubos-bench-crm' });
const rawPool = new pg.Pool({ connectionString: appUrl, max: 10, application_name: 'ubos-bench-raw' });
rawPool.on('error', () => undefined);
const log = createLogger({ level: 'silent' });

try {
  await migrateDatabase(ownerUrl, modules);

  // ---------------------------------------------------------------- the real host
  const server = await buildServer({
    config: {
      ...configSchema.parse({ NODE_ENV: 'test', LOG_LEVEL: 'silent' }),
      RATE_LIMIT_MAX: 10_000_000,
      RATE_LIMIT_UNITS_PER_IP: 1e9,
      RATE_LIMIT_UNITS_PER_USER: 1e9,
      RATE_LIMIT_UNITS_PER_TENANT: 1e9,
      WEB_DIST_DIR: '/nonexistent/ubos-web-dist',
    },
    log,
    db,
    redis: null,
    boss: null,
  });
  await server.listen({ port: 0, host: '127.0.0.1' });
  const address = server.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const signUp = await fetch(`${base}/trpc/identity.auth.signUp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `bench-${dbName}@example.com`, password: 'correct horse battery staple 42', name: 'Bench', organizationName: 'Bench Org' }),
  });
  if (signUp.status !== 200) throw new Error(`signUp failed: ${signUp.status} ${await signUp.text()}`);
  const cookie = (signUp.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
  const me = (await signUp.json()) as { result: { data: { activeOrganization: { id: string } } } };
  const tenantId = me.result.data.activeOrganization.id;

  // ---------------------------------------------------------------- the raw baseline
  const raw = Fastify({ logger: false });
  raw.post('/raw/clients', async (request) => {
    const input = request.body as { name: string };
    const client = await rawPool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`select set_config('app.tenant_id', $1, true), set_config('app.user_id', $2, true)`, [tenantId, '']);
      await client.query(`SELECT * FROM crm.custom_fields WHERE deleted_at IS NULL AND entity = 'client' ORDER BY entity, position, key`);
      const id = uuidv7();
      const inserted = await client.query(
        `INSERT INTO crm.clients (id, tenant_id, name, name_normalized, domain, website, status, owner_id, tags, custom_fields, updated_at, deleted_at, merged_into)
         VALUES ($1, $2, $3, $4, NULL, NULL, 'lead', NULL, '{}', '{}', now(), NULL, NULL) RETURNING *`,
        [id, tenantId, input.name, input.name.toLowerCase()],
      );
      await client.query(
        `INSERT INTO platform.outbox (id, tenant_id, type, version, payload, actor_id, aggregate_type, aggregate_id, correlation_id, causation_id, occurred_at)
         VALUES ($1, $2, 'crm.client.created', 1, $3::jsonb, NULL, 'crm.client', $4, $5, NULL, now())`,
        [uuidv7(), tenantId, JSON.stringify({ client_id: id, name: input.name }), id, uuidv7()],
      );
      await client.query('COMMIT');
      return inserted.rows[0];
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  });
  raw.get('/raw/clients', async (request) => {
    const limit = Number((request.query as { limit?: string }).limit ?? 50);
    const client = await rawPool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`select set_config('app.tenant_id', $1, true), set_config('app.user_id', $2, true)`, [tenantId, '']);
      const rows = await client.query(
        `SELECT *, lower(name)::text AS sort_key FROM crm.clients WHERE deleted_at IS NULL ORDER BY lower(name) ASC, id ASC LIMIT $1`,
        [limit + 1],
      );
      await client.query('COMMIT');
      return { items: rows.rows.slice(0, limit), nextCursor: rows.rows.length > limit ? 'x' : null };
    } finally {
      client.release();
    }
  });
  await raw.listen({ port: 0, host: '127.0.0.1' });
  const rawAddress = raw.server.address();
  const rawBase = `http://127.0.0.1:${typeof rawAddress === 'object' && rawAddress ? rawAddress.port : 0}`;

  const trpcCreate = (i: number) =>
    fetch(`${base}/trpc/crm.clients.create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ name: `Client ${i}` }),
    });
  const rawCreate = (i: number) =>
    fetch(`${rawBase}/raw/clients`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: `Raw ${i}` }) });
  const listInput = encodeURIComponent(JSON.stringify({ limit: 50 }));
  const trpcList = () => fetch(`${base}/trpc/crm.clients.list?input=${listInput}`, { headers: { cookie } });
  const rawList = () => fetch(`${rawBase}/raw/clients?limit=50`);

  // Warm both paths, then alternate the measured runs so neither gets the quieter machine.
  await load(300, CONCURRENCY, trpcCreate);
  await load(300, CONCURRENCY, rawCreate);
  const createRuns = { trpc: [] as Run[], raw: [] as Run[] };
  for (let round = 0; round < 2; round += 1) {
    createRuns.raw.push(await load(REQUESTS, CONCURRENCY, rawCreate));
    createRuns.trpc.push(await load(REQUESTS, CONCURRENCY, trpcCreate));
  }
  await load(200, CONCURRENCY, trpcList);
  await load(200, CONCURRENCY, rawList);
  const listRuns = { trpc: [] as Run[], raw: [] as Run[] };
  for (let round = 0; round < 2; round += 1) {
    listRuns.raw.push(await load(REQUESTS, CONCURRENCY, rawList));
    listRuns.trpc.push(await load(REQUESTS, CONCURRENCY, trpcList));
  }
  const best = (runs: Run[]) => runs.reduce((a, b) => (b.rps > a.rps ? b : a));
  const fmt = (run: Run) => `${run.rps.toFixed(0)} req/s (p50 ${run.p50.toFixed(1)} ms, p99 ${run.p99.toFixed(1)} ms, ${run.cpuUs.toFixed(0)} µs node CPU/req)`;
  const clients = await withTenant(
    db,
    { tenantId },
    async (trx) => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM crm.clients`.execute(trx)).rows[0]?.n ?? 0,
  );
  console.log(`crm.clients.create, ${REQUESTS} requests x2 rounds, ${CONCURRENCY} in flight, real HTTP on 127.0.0.1 (best round each)`);
  console.log(`  tRPC host : ${fmt(best(createRuns.trpc))}`);
  console.log(`  raw route : ${fmt(best(createRuns.raw))}`);
  console.log(`  ratio     : ${((best(createRuns.trpc).rps / best(createRuns.raw).rps) * 100).toFixed(0)}% (target >= 60%)`);
  console.log(`crm.clients.list (50 rows of ${clients}, sorted by name), ${REQUESTS} requests x2 rounds`);
  console.log(`  tRPC host : ${fmt(best(listRuns.trpc))}`);
  console.log(`  raw route : ${fmt(best(listRuns.raw))}`);
  console.log(`  ratio     : ${((best(listRuns.trpc).rps / best(listRuns.raw).rps) * 100).toFixed(0)}% (target >= 50%)`);
  await raw.close();
  for (const kind of ['client', 'contact']) {
    const t0 = performance.now();
    const response = await fetch(`${base}/trpc/crm.duplicates.list?input=${encodeURIComponent(JSON.stringify({ kind }))}`, { headers: { cookie } });
    const groups = ((await response.json()) as { result: { data: unknown[] } }).result.data.length;
    console.log(`crm.duplicates.list kind=${kind} over ${clients} clients: ${(performance.now() - t0).toFixed(0)} ms, ${groups} groups`);
  }

  // ---------------------------------------------------------------- import of 100k contacts
  const lines = ['Name,Email,Phone,Title'];
  for (let i = 0; i < IMPORT_ROWS; i += 1) lines.push(`Person ${i},person.${i}@example.com,+1 555 ${String(i).padStart(6, '0')},"Title, ${i % 17}"`);
  const csv = `${lines.join('\r\n')}\r\n`;
  lines.length = 0;
  global.gc?.();
  const baseline = process.memoryUsage();
  let peakRss = baseline.rss;
  let peakHeap = baseline.heapUsed;
  const sampler = setInterval(() => {
    const usage = process.memoryUsage();
    peakRss = Math.max(peakRss, usage.rss);
    peakHeap = Math.max(peakHeap, usage.heapUsed);
  }, 20);
  const importStarted = performance.now();
  const created = await fetch(`${base}/trpc/crm.imports.create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ kind: 'contacts', csv, fileName: 'bench.csv', mapping: { Name: 'name', Email: 'email', Phone: 'phone', Title: 'title' } }),
  });
  if (created.status !== 200) throw new Error(`imports.create failed: ${created.status} ${(await created.text()).slice(0, 300)}`);
  const importId = ((await created.json()) as { result: { data: { id: string } } }).result.data.id;
  const uploadSeconds = (performance.now() - importStarted) / 1000;
  const chunkTimes: number[] = [];
  let lastPosition = 0;
  for (;;) {
    const pending = await withTenant(
      db,
      { tenantId },
      async (trx) =>
        (await sql<OutboxRow>`SELECT * FROM platform.outbox WHERE position > ${lastPosition} AND type LIKE 'crm.import.%' ORDER BY position`.execute(trx)).rows,
    );
    const wanted = pending.filter((row) => subscriptionMatches(importSubscription, row.type));
    if (pending.length > 0) lastPosition = Math.max(...pending.map((row) => Number(row.position)));
    if (wanted.length === 0) break;
    for (const row of wanted) {
      const t0 = performance.now();
      await handleEvent(db, importSubscription, rowToEnvelope(row), { log });
      chunkTimes.push(performance.now() - t0);
    }
  }
  const importSeconds = (performance.now() - importStarted) / 1000;
  clearInterval(sampler);
  const status = await fetch(`${base}/trpc/crm.imports.get?input=${encodeURIComponent(JSON.stringify({ id: importId }))}`, { headers: { cookie } });
  const result = ((await status.json()) as { result: { data: { status: string; rowsDone: number; createdCount: number; errorCount: number } } }).result.data;
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
  chunkTimes.sort((a, b) => a - b);
  console.log(`import of ${IMPORT_ROWS} contacts (${mb(Buffer.byteLength(csv))} CSV, chunks of 2,000 rows, one event per contact)`);
  console.log(`  status ${result.status}: ${result.rowsDone} rows done, ${result.createdCount} created, ${result.errorCount} errors`);
  console.log(`  upload (imports.create over HTTP: parse, split, store): ${uploadSeconds.toFixed(2)} s`);
  console.log(
    `  total ${importSeconds.toFixed(1)} s = ${(IMPORT_ROWS / importSeconds).toFixed(0)} rows/s; per chunk p50 ${percentile(chunkTimes, 50).toFixed(0)} ms, max ${(chunkTimes.at(-1) ?? 0).toFixed(0)} ms`,
  );
  console.log(`  peak RSS ${mb(peakRss)} (baseline ${mb(baseline.rss)}), peak heap ${mb(peakHeap)} (baseline ${mb(baseline.heapUsed)})`);

  // ---------------------------------------------------------------- filter anywhere over 100k clients
  // Its own organization (the figures above stay about their own data): FILTER_CLIENTS clients whose
  // names and domains are built from words, then crm.clients.list({ q }) over HTTP, one request at a
  // time, for a match-anywhere filter (ILIKE '%q%' on the trigram GIN indexes of migration 0006).
  const filterSignUp = await fetch(`${base}/trpc/identity.auth.signUp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: `filter-${dbName}@example.com`,
      password: 'correct horse battery staple 42',
      name: 'Filter',
      organizationName: 'Filter Org',
    }),
  });
  const filterCookie = (filterSignUp.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
  const filterTenant = ((await filterSignUp.json()) as { result: { data: { activeOrganization: { id: string } } } }).result.data.activeOrganization.id;
  const words = ['Cedar', 'Oak', 'Pine', 'Maple', 'Birch', 'Willow', 'Harbor', 'Summit', 'River', 'Stone', 'Iron', 'Blue', 'North', 'Golden', 'Silver'];
  const kinds = ['Works', 'Studio', 'Partners', 'Labs', 'Group', 'Farms', 'Logistics', 'Bakery', 'Dental', 'Legal'];
  const seedStarted = performance.now();
  for (let from = 0; from < FILTER_CLIENTS; from += 10_000) {
    await withTenant(db, { tenantId: filterTenant }, async (trx) => {
      await sql`
        INSERT INTO crm.clients (id, tenant_id, name, name_normalized, domain, status, tags, custom_fields, updated_at)
        SELECT gen_random_uuid(), ${filterTenant}::uuid, n.name, lower(n.name), n.domain, 'active', '{}', '{}', now()
        FROM (
          SELECT (${words}::text[])[1 + (i * 7) % ${words.length}] || ' ' || (${words}::text[])[1 + (i / 15) % ${words.length}] || ' ' ||
                 (${kinds}::text[])[1 + i % ${kinds.length}] || ' ' || i AS name,
                 lower((${words}::text[])[1 + (i / 3) % ${words.length}]) || '-' || i || '.example' AS domain
          FROM generate_series(${from}::int, ${Math.min(from + 10_000, FILTER_CLIENTS) - 1}::int) AS i
        ) n`.execute(trx);
    });
  }
  // Fresh statistics, as autovacuum's analyze would have after a bulk load (the owner may analyze its tables).
  const analyzer = new pg.Client({ connectionString: ownerUrl });
  await analyzer.connect();
  await analyzer.query('ANALYZE crm.clients');
  await analyzer.end();
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  const filterLatency = async (q: string, runs: number) => {
    const input = encodeURIComponent(JSON.stringify({ q, limit: 50 }));
    const times: number[] = [];
    let found = 0;
    for (let i = 0; i < runs + 20; i += 1) {
      const t0 = performance.now();
      const response = await fetch(`${base}/trpc/crm.clients.list?input=${input}`, { headers: { cookie: filterCookie } });
      const body = (await response.json()) as { result?: { data: { items: unknown[] } } };
      if (response.status !== 200 || !body.result) throw new Error(`clients.list q=${q}: HTTP ${response.status}`);
      if (i >= 20) times.push(performance.now() - t0); // the first 20 warm up
      found = body.result.data.items.length;
    }
    times.sort((x, y) => x - y);
    return { p50: percentile(times, 50), p95: percentile(times, 95), found };
  };
  console.log(
    `crm.clients.list filter anywhere (ILIKE '%q%', trigram GIN) over ${FILTER_CLIENTS} clients of one organization (seeded in ${seedSeconds.toFixed(1)} s), 200 requests each, one at a time, first page of 50`,
  );
  for (const q of ['cedar', 'r wor', 'willow-42', 'bakery 9999', 'zzqx', 'ak']) {
    const figure = await filterLatency(q, 200);
    console.log(`  q=${JSON.stringify(q).padEnd(14)} p50 ${figure.p50.toFixed(1)} ms, p95 ${figure.p95.toFixed(1)} ms (${figure.found} rows on the page)`);
  }
  await server.close();
} finally {
  await rawPool.end().catch(() => undefined);
  await db.close();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
}
