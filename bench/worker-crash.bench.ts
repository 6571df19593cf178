// Event-to-effect lag across a worker kill -9 (issue 21): events are written at a steady rate;
// a worker process (production queue settings: heartbeats every 5 s, failed after 10 s without one,
// supervisor and monitor passes every 5 s) handles them; it is killed with SIGKILL mid-stream and a
// second worker starts at once. Each effect row stamps when it happened, so the lag of every event
// (commit of the event -> its effect) is a query. Prints p50/p99/max for all events and for those
// written within 2 s before the kill (the ones in flight), and counts effects applied twice.
// Usage: node bench/worker-crash.bench.ts [seconds=30] [eventsPerSecond=40]
// Needs Postgres at TEST_ADMIN_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { z } from 'zod';
import {
  APP_ROLE,
  OWNER_ROLE,
  createDatabase,
  defineEvent,
  ensureRoles,
  migrateDatabase,
  uuidv7,
  withCredentials,
  withTenant,
  writeEvent,
} from '@ubos/platform';
import { modules } from '../apps/api/src/modules.ts';

const SECONDS = Number(process.argv[2] ?? 30);
const RATE = Number(process.argv[3] ?? 40);
const KILL_AT_SECONDS = Math.min(10, SECONDS / 3);
const adminUrl = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const APP_PASSWORD = 'ubos_app_test_password';
const dbName = `ubos_bench_crash_${randomBytes(4).toString('hex')}`;
const happened = defineEvent({ type: 'bench.crash.happened', version: 1, aggregateType: 'bench.thing', payload: z.object({ n: z.number() }) });
const workerScript = fileURLToPath(new URL('./fixtures/crash-worker.ts', import.meta.url));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await ensureRoles(admin, { appPassword: APP_PASSWORD });
await admin.query(`CREATE DATABASE ${dbName} OWNER ${OWNER_ROLE}`);
await admin.query(`REVOKE ALL ON DATABASE ${dbName} FROM PUBLIC`);
await admin.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${dbName} TO ${APP_ROLE}`);
const ownerUrl = withCredentials(adminUrl, OWNER_ROLE, undefined, dbName);
const appUrl = withCredentials(adminUrl, APP_ROLE, APP_PASSWORD, dbName);
const db = createDatabase({ connectionString: appUrl, max: 4, applicationName: 'ubos-bench-crash' });
const children: ChildProcess[] = [];

function startWorker(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [workerScript], { env: { ...process.env, UBOS_BENCH_APP_URL: appUrl }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker exited early (${code}): ${stderr}`)));
  });
}

const dbAdmin = new pg.Client({ connectionString: withCredentials(adminUrl, new URL(adminUrl).username || 'postgres', undefined, dbName) });
try {
  await migrateDatabase(ownerUrl, modules);
  await dbAdmin.connect();
  await dbAdmin.query(`CREATE TABLE public.crash_effects (event_id uuid PRIMARY KEY, occurred_at timestamptz NOT NULL, applied_at timestamptz NOT NULL, times int NOT NULL);
                       GRANT SELECT, INSERT, UPDATE ON public.crash_effects TO ${APP_ROLE}`);
  const first = await startWorker();
  const tenantId = uuidv7();
  const started = Date.now();
  let killedAt: Date | null = null;
  let written = 0;
  while (Date.now() - started < SECONDS * 1000) {
    const due = Math.floor(((Date.now() - started) / 1000) * RATE);
    for (; written < due; written += 1) {
      const n = written;
      await withTenant(db, { tenantId }, (trx) =>
        writeEvent(trx, happened, { n }, { tenantId, actorId: null, correlationId: `crash-${n}`, aggregateId: String(n) }),
      );
    }
    if (!killedAt && Date.now() - started >= KILL_AT_SECONDS * 1000) {
      first.kill('SIGKILL');
      killedAt = new Date();
      void startWorker();
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  // Wait for every effect (at most 90 s).
  for (let waited = 0; waited < 90_000; waited += 500) {
    const { rows } = await dbAdmin.query<{ n: number }>('SELECT count(*)::int AS n FROM public.crash_effects');
    if ((rows[0]?.n ?? 0) >= written) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const { rows } = await dbAdmin.query<{ lag_ms: number; occurred_at: Date; times: number }>(
    `SELECT extract(epoch FROM applied_at - occurred_at) * 1000 AS lag_ms, occurred_at, times FROM public.crash_effects`,
  );
  const lags = rows.map((row) => Number(row.lag_ms)).sort((a, b) => a - b);
  const killMs = killedAt?.getTime() ?? 0;
  const inFlight = rows
    .filter((row) => row.occurred_at.getTime() >= killMs - 2000 && row.occurred_at.getTime() <= killMs)
    .map((row) => Number(row.lag_ms))
    .sort((a, b) => a - b);
  const twice = rows.filter((row) => row.times > 1).length;
  const fmt = (values: number[]) =>
    `p50 ${(percentile(values, 50) / 1000).toFixed(2)} s, p99 ${(percentile(values, 99) / 1000).toFixed(2)} s, max ${((values.at(-1) ?? Number.NaN) / 1000).toFixed(2)} s`;
  console.log(`event -> effect lag, ${written} events at ${RATE}/s over ${SECONDS} s, worker kill -9 at ${KILL_AT_SECONDS} s, a new worker started at once`);
  console.log(`  effects: ${rows.length} of ${written}, applied twice: ${twice}`);
  console.log(`  all events            : ${fmt(lags)}`);
  console.log(`  written 2 s before the kill: ${fmt(inFlight)} (${inFlight.length} events; target p99 < 20 s)`);
} finally {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await dbAdmin.end().catch(() => undefined);
  await db.close();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
}
