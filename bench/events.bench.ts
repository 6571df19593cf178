// Event backbone benchmark, in a dedicated database (platform migrations + pg-boss schema),
// created here and dropped at the end. Figures printed; nothing asserted.
//  1. Sustained load: 500 events/s (each its own transaction, as a request would write it) for
//     SUSTAIN seconds -> commit->handler latency p50/p95/p99 and events lost.
//  2. Peak throughput with 1 ms handlers: writers as fast as they go for PEAK seconds; handled/s.
//  3. Drain of a BACKLOG-event backlog written while no worker ran (1 ms handlers): handled/s.
//  Each phase is repeated with a bare baseline: one table, statement NOTIFY trigger, LISTEN,
//  claim with FOR UPDATE SKIP LOCKED, handle, delete, commit, so our figures read as ratios.
// Usage: node bench/events.bench.ts [sustainSeconds=120] [peakSeconds=30] [backlog=100000] [rate=500]
// Needs Postgres at TEST_ADMIN_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { z } from 'zod';
import {
  APP_ROLE,
  OWNER_ROLE,
  createBoss,
  createDatabase,
  createLogger,
  defineEvent,
  ensureRoles,
  migrateDatabase,
  platformModule,
  startEventBackbone,
  uuidv7,
  withCredentials,
  withTenant,
  writeEvent,
  type Database,
  type EventBackbone,
  type PgBoss,
  type Subscription,
} from '@ubos/platform';

const SUSTAIN_SECONDS = Number(process.argv[2] ?? 120);
const PEAK_SECONDS = Number(process.argv[3] ?? 30);
const BACKLOG = Number(process.argv[4] ?? 100_000);
const RATE = Number(process.argv[5] ?? 500);
const CONSUMER_POOL = 20;
const adminUrl = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const APP_PASSWORD = 'ubos_app_test_password'; // the test harness's, so a concurrent test run keeps working
const dbName = `ubos_bench_events_${randomBytes(4).toString('hex')}`;
const appUrl = withCredentials(adminUrl, APP_ROLE, APP_PASSWORD, dbName);
const ownerUrl = withCredentials(adminUrl, OWNER_ROLE, undefined, dbName);
const superUrl = (() => {
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  return url.toString();
})();

const benchEvent = defineEvent({ type: 'bench.item.happened', version: 1, aggregateType: 'bench.item', payload: z.object({ n: z.number() }) });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}
const ms = (value: number) => `${value.toFixed(1)} ms`;

/** What the handlers of both systems report into. */
class Sink {
  handlerDelayMs = 0;
  readonly committedAt = new Map<string, number>();
  readonly latencies: number[] = [];
  readonly seen = new Set<string>();
  duplicates = 0;
  handled = 0;
  reset(): void {
    this.committedAt.clear();
    this.latencies.length = 0;
    this.seen.clear();
    this.duplicates = 0;
    this.handled = 0;
  }
  async handle(id: string): Promise<void> {
    const now = performance.now();
    if (this.seen.has(id)) this.duplicates += 1;
    else {
      this.seen.add(id);
      const committed = this.committedAt.get(id);
      if (committed !== undefined) this.latencies.push(Math.max(0, now - committed));
    }
    this.handled += 1;
    if (this.handlerDelayMs > 0) await sleep(this.handlerDelayMs);
  }
}

interface System {
  name: string;
  sink: Sink;
  /** Writes one event in its own transaction; resolves after COMMIT with its id. */
  write(n: number): Promise<string>;
  /** Writes `count` events at once (SQL), for the backlog phase; consumers must be stopped. */
  writeBacklog(count: number): Promise<void>;
  startConsumers(): Promise<void>;
  stopConsumers(): Promise<void>;
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await sleep(20);
  }
  return check();
}

/** Writes at `rate` events/s for `seconds`, each in its own transaction, at most 64 in flight. */
async function produceAtRate(system: System, rate: number, seconds: number): Promise<{ written: number; errors: number }> {
  const started = performance.now();
  let sent = 0;
  let inflight = 0;
  let errors = 0;
  const total = Math.round(rate * seconds);
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
    while (sent < due && inflight < 64) {
      const n = sent;
      sent += 1;
      inflight += 1;
      system
        .write(n)
        .then((id) => system.sink.committedAt.set(id, performance.now()))
        .catch(() => (errors += 1))
        .finally(() => (inflight -= 1));
    }
    await sleep(1);
  }
  await waitUntil(() => inflight === 0, 30_000);
  return { written: sent - errors, errors };
}

/** `writers` loops writing as fast as they can for `seconds`; returns events written. */
async function produceFlat(system: System, writers: number, seconds: number): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let written = 0;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (performance.now() < deadline) {
        const id = await system.write(written);
        system.sink.committedAt.set(id, performance.now());
        written += 1;
      }
    }),
  );
  return written;
}

interface Figures {
  sustained: { rate: number; written: number; lost: number; duplicates: number; p50: number; p95: number; p99: number; max: number };
  peak: { written: number; handledPerSecond: number };
  drain: { events: number; seconds: number; perSecond: number; complete: boolean };
}

async function measure(system: System): Promise<Figures> {
  const sink = system.sink;
  console.log(`\n[${system.name}] sustained ${RATE} events/s for ${SUSTAIN_SECONDS} s (no-op handler)...`);
  sink.reset();
  sink.handlerDelayMs = 0;
  await system.startConsumers();
  const produced = await produceAtRate(system, RATE, SUSTAIN_SECONDS);
  await waitUntil(() => sink.seen.size >= produced.written, 60_000);
  await sleep(1000); // any late duplicate would show up here
  const latencies = [...sink.latencies].sort((a, b) => a - b);
  const sustained = {
    rate: RATE,
    written: produced.written,
    lost: produced.written - [...sink.committedAt.keys()].filter((id) => sink.seen.has(id)).length,
    duplicates: sink.duplicates,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? Number.NaN,
  };
  console.log(`[${system.name}] sustained:`, JSON.stringify(sustained));

  console.log(`[${system.name}] peak with 1 ms handlers for ${PEAK_SECONDS} s...`);
  sink.reset();
  sink.handlerDelayMs = 1;
  const warm = 3;
  const handledAtWarm = { value: 0 };
  const warmTimer = setTimeout(() => (handledAtWarm.value = sink.seen.size), warm * 1000);
  const peakWritten = await produceFlat(system, 24, PEAK_SECONDS);
  clearTimeout(warmTimer);
  const handledInWindow = sink.seen.size - handledAtWarm.value;
  const peak = { written: peakWritten, handledPerSecond: handledInWindow / (PEAK_SECONDS - warm) };
  console.log(`[${system.name}] peak:`, JSON.stringify(peak));
  await waitUntil(() => sink.seen.size >= peakWritten, 300_000);

  console.log(`[${system.name}] drain of a ${BACKLOG} backlog with 1 ms handlers...`);
  await system.stopConsumers();
  sink.reset();
  await system.writeBacklog(BACKLOG);
  const started = performance.now();
  await system.startConsumers();
  const complete = await waitUntil(() => sink.seen.size >= BACKLOG, 900_000);
  const seconds = (performance.now() - started) / 1000;
  const drain = { events: sink.seen.size, seconds, perSecond: sink.seen.size / seconds, complete };
  console.log(`[${system.name}] drain:`, JSON.stringify(drain));
  await system.stopConsumers();
  return { sustained, peak, drain };
}

// ---------------------------------------------------------------------------------------------
// UBOS: outbox -> dispatcher -> pg-boss (one queue per subscription) -> idempotent handler
// ---------------------------------------------------------------------------------------------

function ubosSystem(producerDb: Database, consumerDb: Database, admin: pg.Client): System {
  const sink = new Sink();
  const tenantId = uuidv7();
  let boss: PgBoss | null = null;
  let backbone: EventBackbone | null = null;
  const subscription: Subscription = {
    name: 'bench.sink',
    events: ['bench.item.happened'],
    batchSize: Number(process.env.BENCH_EVENTS_BATCH ?? 50),
    concurrency: Number(process.env.BENCH_EVENTS_CONCURRENCY ?? 2),
    async handle(event) {
      await sink.handle(event.id);
    },
  };
  return {
    name: 'ubos',
    sink,
    async write(n) {
      const event = await withTenant(producerDb, { tenantId }, (trx) =>
        writeEvent(trx, benchEvent, { n }, { tenantId, actorId: null, correlationId: 'bench', aggregateId: String(n % 1000) }),
      );
      return event.id;
    },
    async writeBacklog(count) {
      await admin.query(
        `INSERT INTO platform.outbox (id, tenant_id, type, version, payload, aggregate_type, aggregate_id, correlation_id, occurred_at)
         SELECT gen_random_uuid(), $1, 'bench.item.happened', 1, jsonb_build_object('n', g), 'bench.item', (g % 1000)::text, 'bench', now()
           FROM generate_series(1, $2) g`,
        [tenantId, count],
      );
    },
    async startConsumers() {
      boss = createBoss({ connectionString: appUrl, max: 6, supervise: false, schedule: false });
      boss.on('error', (error: Error) => console.error('pg-boss:', error.message));
      await boss.start();
      backbone = await startEventBackbone({
        db: consumerDb,
        boss,
        modules: [{ subscriptions: [subscription] }],
        log: createLogger({ level: 'warn' }),
        queueSettings: { completedRetentionSeconds: 60 },
      });
    },
    async stopConsumers() {
      await backbone?.stop();
      await boss?.stop({ graceful: true, close: true, timeout: 10_000 });
      backbone = null;
      boss = null;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Baseline: one table, NOTIFY on insert, LISTEN, SKIP LOCKED claim + delete in one transaction
// ---------------------------------------------------------------------------------------------

function baselineSystem(producerPool: pg.Pool, consumerPool: pg.Pool, admin: pg.Client): System {
  const sink = new Sink();
  let running = false;
  let listener: pg.Client | null = null;
  let loops: Promise<void>[] = [];
  const wakers = new Set<() => void>();
  const CONSUMERS = 8;
  const BATCH = 50;
  const wake = () => {
    for (const resolve of wakers) resolve();
    wakers.clear();
  };
  const loop = async () => {
    while (running) {
      const client = await consumerPool.connect();
      let claimed = 0;
      try {
        await client.query('BEGIN');
        const { rows } = await client.query<{ id: string }>(
          `DELETE FROM bench_baseline.queue WHERE id IN (
             SELECT id FROM bench_baseline.queue ORDER BY id LIMIT ${BATCH} FOR UPDATE SKIP LOCKED)
           RETURNING event_id AS id`,
        );
        claimed = rows.length;
        await Promise.all(rows.map((row) => sink.handle(row.id)));
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        console.error('baseline consumer:', error instanceof Error ? error.message : error);
      } finally {
        client.release();
      }
      if (claimed < BATCH && running) {
        await new Promise<void>((resolve) => {
          wakers.add(resolve);
          setTimeout(resolve, 1000); // poll fallback
        });
      }
    }
  };
  return {
    name: 'baseline',
    sink,
    async write(n) {
      const client = await producerPool.connect();
      try {
        await client.query('BEGIN');
        const { rows } = await client.query<{ event_id: string }>(
          'INSERT INTO bench_baseline.queue (event_id, payload) VALUES (gen_random_uuid(), $1) RETURNING event_id',
          [JSON.stringify({ n })],
        );
        await client.query('COMMIT');
        return rows[0]?.event_id ?? '';
      } finally {
        client.release();
      }
    },
    async writeBacklog(count) {
      await admin.query(
        `INSERT INTO bench_baseline.queue (event_id, payload) SELECT gen_random_uuid(), jsonb_build_object('n', g) FROM generate_series(1, $1) g`,
        [count],
      );
    },
    async startConsumers() {
      running = true;
      listener = new pg.Client({ connectionString: appUrl });
      await listener.connect();
      listener.on('notification', wake);
      await listener.query('LISTEN bench_baseline');
      loops = Array.from({ length: CONSUMERS }, () => loop());
    },
    async stopConsumers() {
      running = false;
      wake();
      await Promise.all(loops);
      await listener?.end();
      listener = null;
    },
  };
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const roles = await admin.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [APP_ROLE]);
  if (roles.rowCount === 0) await ensureRoles(admin, { appPassword: APP_PASSWORD });
  await admin.query(`CREATE DATABASE ${dbName} OWNER ${OWNER_ROLE}`);
  await admin.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${dbName} TO ${APP_ROLE}`);
  const inDb = new pg.Client({ connectionString: superUrl });
  let producerDb: Database | null = null;
  let consumerDb: Database | null = null;
  let producerPool: pg.Pool | null = null;
  let consumerPool: pg.Pool | null = null;
  try {
    await migrateDatabase(ownerUrl, [platformModule]);
    await inDb.connect();
    await inDb.query(`
      CREATE SCHEMA bench_baseline;
      CREATE TABLE bench_baseline.queue (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, event_id uuid NOT NULL, payload jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
      CREATE FUNCTION bench_baseline.notify() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('bench_baseline', ''); RETURN NULL; END $$;
      CREATE TRIGGER queue_notify AFTER INSERT ON bench_baseline.queue FOR EACH STATEMENT EXECUTE FUNCTION bench_baseline.notify();
      GRANT USAGE ON SCHEMA bench_baseline TO ${APP_ROLE};
      GRANT SELECT, INSERT, UPDATE, DELETE ON bench_baseline.queue TO ${APP_ROLE};`);

    const cpus = (await import('node:os')).cpus().length;
    const load = (await import('node:os')).loadavg().map((value) => value.toFixed(2)).join(' ');
    console.log(`events bench: database ${dbName}; ${cpus} CPUs, load average ${load}; sustain ${SUSTAIN_SECONDS} s at ${RATE}/s, peak ${PEAK_SECONDS} s, backlog ${BACKLOG}`);

    producerDb = createDatabase({ connectionString: appUrl, max: 16, applicationName: 'bench-producer' });
    consumerDb = createDatabase({ connectionString: appUrl, max: CONSUMER_POOL, applicationName: 'bench-consumer' });
    const ubos = await measure(ubosSystem(producerDb, consumerDb, inDb));

    producerPool = new pg.Pool({ connectionString: appUrl, max: 16 });
    consumerPool = new pg.Pool({ connectionString: appUrl, max: CONSUMER_POOL });
    const baseline = await measure(baselineSystem(producerPool, consumerPool, inDb));

    const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a');
    console.log('\n=== events bench results ===');
    console.log(`sustained ${RATE}/s for ${SUSTAIN_SECONDS} s, commit -> handler latency:`);
    console.log(`  ubos:     p50 ${ms(ubos.sustained.p50)}  p95 ${ms(ubos.sustained.p95)}  p99 ${ms(ubos.sustained.p99)}  max ${ms(ubos.sustained.max)}  lost ${ubos.sustained.lost}  applied twice ${ubos.sustained.duplicates}  (target p50 <= 10 ms, p99 <= 50 ms, 0 lost)`);
    console.log(`  baseline: p50 ${ms(baseline.sustained.p50)}  p95 ${ms(baseline.sustained.p95)}  p99 ${ms(baseline.sustained.p99)}  max ${ms(baseline.sustained.max)}  lost ${baseline.sustained.lost}`);
    console.log(`  ratio ubos/baseline: p50 ${ratio(ubos.sustained.p50, baseline.sustained.p50)}, p99 ${ratio(ubos.sustained.p99, baseline.sustained.p99)}`);
    console.log(`peak throughput, 1 ms handlers:`);
    console.log(`  ubos:     ${ubos.peak.handledPerSecond.toFixed(0)} events/s (target >= 1000)`);
    console.log(`  baseline: ${baseline.peak.handledPerSecond.toFixed(0)} events/s   ratio ${ratio(ubos.peak.handledPerSecond, baseline.peak.handledPerSecond)}`);
    console.log(`drain of a ${BACKLOG} backlog, 1 ms handlers:`);
    console.log(`  ubos:     ${ubos.drain.perSecond.toFixed(0)} events/s in ${ubos.drain.seconds.toFixed(1)} s${ubos.drain.complete ? '' : ' (INCOMPLETE)'} = ${((ubos.drain.perSecond / ubos.peak.handledPerSecond) * 100).toFixed(0)}% of peak (target >= 80%)`);
    console.log(`  baseline: ${baseline.drain.perSecond.toFixed(0)} events/s in ${baseline.drain.seconds.toFixed(1)} s   ratio ${ratio(ubos.drain.perSecond, baseline.drain.perSecond)}`);
  } finally {
    await producerDb?.close();
    await consumerDb?.close();
    await producerPool?.end();
    await consumerPool?.end();
    await inDb.end().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

await main();
