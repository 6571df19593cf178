// Noisy tenant vs quiet tenant (issue 21): a quiet tenant at 5 req/s of crm.clients.list while a
// noisy tenant sends 1,000 req/s of the same call, through the real host over HTTP on 127.0.0.1.
// Three runs: the quiet tenant alone; with the noise and call budgets out of the way; with the noise
// and the default budgets (RATE_LIMIT_UNITS_PER_USER 3000, _PER_TENANT 20000, _PER_IP 6000 units
// a minute; the noisy load comes from its own address, as it would from its own office).
// The noisy load runs in a worker thread (its own event loop); the host and the quiet client share
// the main thread, so the quiet latency includes whatever the noise costs the host.
// Usage: node bench/noisy-tenant.bench.ts [seconds=15] [noisyRate=1000]
// Needs Postgres at TEST_ADMIN_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres).
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { APP_ROLE, OWNER_ROLE, configSchema, createDatabase, createLogger, ensureRoles, migrateDatabase, withCredentials, type Config } from '@ubos/platform';
import { modules } from '../apps/api/src/modules.ts';
import { buildServer, type Server } from '../apps/api/src/server.ts';

const SECONDS = Number(process.argv[2] ?? 15);
const NOISY_RATE = Number(process.argv[3] ?? 1000);
const QUIET_RATE = 5;
const adminUrl = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const APP_PASSWORD = 'ubos_app_test_password';
const dbName = `ubos_bench_noisy_${randomBytes(4).toString('hex')}`;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

const NOISE = `
const { workerData, parentPort } = require('node:worker_threads');
const { url, cookie, rate, seconds } = workerData;
const statuses = {};
let inFlight = 0, dropped = 0, sent = 0;
const perTick = Math.max(1, Math.round(rate / 100));
const started = Date.now();
const timer = setInterval(() => {
  if (Date.now() - started >= seconds * 1000) {
    clearInterval(timer);
    const wait = setInterval(() => { if (inFlight === 0) { clearInterval(wait); parentPort.postMessage({ statuses, dropped, sent }); } }, 20);
    return;
  }
  for (let i = 0; i < perTick; i += 1) {
    if (inFlight >= 256) { dropped += 1; continue; }
    inFlight += 1; sent += 1;
    fetch(url, { headers: { cookie, 'x-forwarded-for': '198.51.100.7' } })
      .then(async (response) => { await response.arrayBuffer(); statuses[response.status] = (statuses[response.status] ?? 0) + 1; })
      .catch(() => { statuses.error = (statuses.error ?? 0) + 1; })
      .finally(() => { inFlight -= 1; });
  }
}, 10);
`;

interface NoiseResult {
  statuses: Record<string, number>;
  dropped: number;
  sent: number;
}

function startNoise(url: string, cookie: string): Promise<NoiseResult> {
  const worker = new Worker(NOISE, { eval: true, workerData: { url, cookie, rate: NOISY_RATE, seconds: SECONDS } });
  return new Promise((resolve, reject) => {
    worker.once('message', (message: NoiseResult) => {
      void worker.terminate();
      resolve(message);
    });
    worker.once('error', reject);
  });
}

interface QuietRun {
  latencies: number[];
  /** Those of calls sent after the first two seconds (the noisy tenant's burst allowance is spent by then). */
  settled: number[];
  failures: number;
}

async function quietRun(url: string, cookie: string): Promise<QuietRun> {
  const latencies: number[] = [];
  const settled: number[] = [];
  let failures = 0;
  const total = SECONDS * QUIET_RATE;
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i += 1) {
    const t0 = performance.now();
    pending.push(
      fetch(url, { headers: { cookie } })
        .then(async (response) => {
          await response.arrayBuffer();
          if (response.status === 200) {
            latencies.push(performance.now() - t0);
            if (i >= 2 * QUIET_RATE) settled.push(performance.now() - t0);
          } else failures += 1;
        })
        .catch(() => {
          failures += 1;
        }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1000 / QUIET_RATE));
  }
  await Promise.all(pending);
  latencies.sort((a, b) => a - b);
  settled.sort((a, b) => a - b);
  return { latencies, settled, failures };
}

const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await ensureRoles(admin, { appPassword: APP_PASSWORD });
await admin.query(`CREATE DATABASE ${dbName} OWNER ${OWNER_ROLE}`);
await admin.query(`REVOKE ALL ON DATABASE ${dbName} FROM PUBLIC`);
await admin.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${dbName} TO ${APP_ROLE}`);
const ownerUrl = withCredentials(adminUrl, OWNER_ROLE, undefined, dbName);
const appUrl = withCredentials(adminUrl, APP_ROLE, APP_PASSWORD, dbName);
const db = createDatabase({ connectionString: appUrl, max: 10, applicationName: 'ubos-bench-noisy' });
const log = createLogger({ level: 'silent' });
const servers: Server[] = [];

async function host(overrides: Partial<Config>): Promise<string> {
  const config = {
    ...configSchema.parse({ NODE_ENV: 'test', LOG_LEVEL: 'silent', TRUST_PROXY: 'true' }),
    RATE_LIMIT_MAX: 10_000_000,
    WEB_DIST_DIR: '/nonexistent',
    ...overrides,
  };
  const server = await buildServer({ config, log, db, redis: null, boss: null });
  await server.listen({ port: 0, host: '127.0.0.1' });
  servers.push(server);
  const address = server.server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

async function signUp(base: string, name: string): Promise<string> {
  const response = await fetch(`${base}/trpc/identity.auth.signUp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `${name}-${dbName}@example.com`, password: 'correct horse battery staple 42', name, organizationName: `${name} Org` }),
  });
  if (response.status !== 200) throw new Error(`signUp failed: ${response.status} ${await response.text()}`);
  return (response.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
}

try {
  await migrateDatabase(ownerUrl, modules);
  const unlimited = await host({ RATE_LIMIT_UNITS_PER_IP: 1e9, RATE_LIMIT_UNITS_PER_USER: 1e9, RATE_LIMIT_UNITS_PER_TENANT: 1e9 });
  const defaults = await host({});
  const quiet = await signUp(unlimited, 'quiet');
  const noisy = await signUp(unlimited, 'noisy');
  for (const cookie of [quiet, noisy]) {
    for (let i = 0; i < 200; i += 1) {
      await fetch(`${unlimited}/trpc/crm.clients.create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie },
        body: JSON.stringify({ name: `Client ${i}` }),
      });
    }
  }
  const list = `/trpc/crm.clients.list?input=${encodeURIComponent(JSON.stringify({ limit: 50 }))}`;
  // Warm the paths.
  for (let i = 0; i < 100; i += 1) await fetch(`${unlimited}${list}`, { headers: { cookie: quiet } });

  const describe = (label: string, run: QuietRun, noise?: NoiseResult) => {
    const p50 = percentile(run.latencies, 50).toFixed(1);
    const p99 = `${percentile(run.latencies, 99).toFixed(1)} ms (after the first 2 s: p50 ${percentile(run.settled, 50).toFixed(1)}, p99 ${percentile(run.settled, 99).toFixed(1)})`;
    const noiseText = noise
      ? `; noisy tenant sent ${noise.sent} (${(noise.sent / SECONDS).toFixed(0)}/s, ${noise.dropped} not sent with 256 in flight): ${Object.entries(
          noise.statuses,
        )
          .map(([status, count]) => `${count}× ${status}`)
          .join(', ')}`
      : '';
    console.log(`  ${label.padEnd(34)} quiet p50 ${p50} ms, p99 ${p99} (${run.latencies.length} ok, ${run.failures} failed)${noiseText}`);
  };

  console.log(
    `crm.clients.list (50 rows), quiet tenant ${QUIET_RATE} req/s, noisy tenant ${NOISY_RATE} req/s offered, ${SECONDS} s each, 2 cores shared by host, client and Postgres`,
  );
  describe('quiet alone', await quietRun(`${defaults}${list}`, quiet));
  {
    const noise = startNoise(`${unlimited}${list}`, noisy);
    const run = await quietRun(`${unlimited}${list}`, quiet);
    describe('with noise, no call budgets', run, await noise);
  }
  {
    const noise = startNoise(`${defaults}${list}`, noisy);
    const run = await quietRun(`${defaults}${list}`, quiet);
    describe('with noise, default call budgets', run, await noise);
  }
} finally {
  for (const server of servers) await server.close();
  await db.close();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
}
