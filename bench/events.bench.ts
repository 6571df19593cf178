// Event backbone benchmark, in a dedicated database (platform migrations + pg-boss schema),
// created here and dropped at the end. Figures printed; nothing asserted.
//  1. Sustained load: RATE events/s (each its own transaction, as a request would write it) for
//     SUSTAIN seconds -> commit->handler latency p50/p95/p99 and events lost. Measured at steady
//     state: after a 15 s warm-up at the same rate and, where the server runs without
//     autovacuum (this CI machine), a VACUUM (ANALYZE) standing in for it.
//  2. Peak throughput with 1 ms handlers: 24 writers (10 events per transaction) as fast as they go
//     for PEAK seconds; handled/s after a 3 s warm-up.
//  3. Drain of a BACKLOG-event backlog written while no worker ran (1 ms handlers): handled/s.
//  Each phase is repeated with a bare baseline: one table, statement NOTIFY trigger, LISTEN,
//  claim with FOR UPDATE SKIP LOCKED, handle, delete, commit, so our figures read as ratios.
// The producer runs in this process; the consumers (our worker: dispatcher + pg-boss + handler,
// or the baseline poller) in a child process, as a worker would in production. Latency compares
// wall-clock times (performance.timeOrigin + now()) taken in both processes.
// Usage: node bench/events.bench.ts [sustainSeconds=120] [peakSeconds=30] [backlog=100000] [rate=500]
// Needs Postgres at TEST_ADMIN_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres).
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
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

const benchEvent = defineEvent({ type: 'bench.item.happened', version: 1, aggregateType: 'bench.item', payload: z.object({ n: z.number() }) });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const wallNow = () => performance.timeOrigin + performance.now();
const CONSUMER_POOL = 20;

type SystemName = 'ubos' | 'baseline';
type Request =
  | { type: 'start'; system: SystemName }
  | { type: 'stop' }
  | { type: 'delay'; ms: number }
  | { type: 'reset' }
  | { type: 'count' }
  | { type: 'collect' };
interface Reply {
  seq: number;
  seen?: number;
  duplicates?: number;
  entries?: [string, number][];
}

// =============================================================================================
// Consumer process
// =============================================================================================

async function consumer(appUrl: string): Promise<void> {
  const seen = new Map<string, number>();
  let duplicates = 0;
  let delayMs = 0;
  const handle = async (id: string) => {
    const now = wallNow();
    if (seen.has(id)) duplicates += 1;
    else seen.set(id, now);
    if (delayMs > 0) await sleep(delayMs);
  };

  // ubos: the event backbone as a worker runs it
  let db: Database | null = null;
  let boss: PgBoss | null = null;
  let backbone: EventBackbone | null = null;
  const subscription: Subscription = {
    name: 'bench.sink',
    events: ['bench.item.happened'],
    // Configured like the busiest real subscription (timeline.record-activity: batch 50, 4 pollers).
    batchSize: Number(process.env.BENCH_EVENTS_BATCH ?? 50),
    concurrency: Number(process.env.BENCH_EVENTS_CONCURRENCY ?? 4),
    async handle(event) {
      await handle(event.id);
    },
  };

  // baseline: LISTEN + SKIP LOCKED claim/delete loops
  let running = false;
  let pool: pg.Pool | null = null;
  let listener: pg.Client | null = null;
  let loops: Promise<void>[] = [];
  const wakers = new Set<() => void>();
  const wake = () => {
    for (const resolve of wakers) resolve();
    wakers.clear();
  };
  const BATCH = 50;
  const loop = async (consumerPool: pg.Pool) => {
    while (running) {
      const client = await consumerPool.connect();
      let claimed = 0;
      try {
        await client.query('BEGIN');
        const { rows } = await client.query<{ id: string }>(
          // = ANY(ARRAY(...)): the claim runs once as an init plan and the delete is a key lookup,
          // whatever the statistics say (an IN-join plan picked from stale statistics once ran for
          // minutes per statement when the table grew under it).
          `DELETE FROM bench_baseline.queue WHERE id = ANY(ARRAY(
             SELECT id FROM bench_baseline.queue ORDER BY id LIMIT ${BATCH} FOR UPDATE SKIP LOCKED))
           RETURNING event_id AS id`,
        );
        claimed = rows.length;
        await Promise.all(rows.map((row) => handle(row.id)));
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

  const start = async (system: SystemName) => {
    if (system === 'ubos') {
      db = createDatabase({ connectionString: appUrl, max: CONSUMER_POOL, applicationName: 'bench-worker' });
      // As a worker process runs it: pool of 10, supervising (expiry, deletion of completed jobs).
      boss = createBoss({ connectionString: appUrl, max: 10, supervise: true, schedule: false });
      boss.on('error', (error: Error) => console.error('pg-boss:', error.message));
      await boss.start();
      backbone = await startEventBackbone({
        db,
        boss,
        modules: [{ subscriptions: [subscription] }],
        log: createLogger({ level: 'warn' }),
      });
    } else {
      running = true;
      pool = new pg.Pool({ connectionString: appUrl, max: CONSUMER_POOL });
      listener = new pg.Client({ connectionString: appUrl });
      await listener.connect();
      listener.on('notification', wake);
      await listener.query('LISTEN bench_baseline');
      const consumerPool = pool;
      loops = Array.from({ length: 8 }, () => loop(consumerPool));
    }
  };
  const stop = async () => {
    await backbone?.stop();
    await boss?.stop({ graceful: true, close: true, timeout: 10_000 });
    await db?.close();
    backbone = null;
    boss = null;
    db = null;
    running = false;
    wake();
    await Promise.all(loops);
    loops = [];
    await listener?.end();
    await pool?.end();
    listener = null;
    pool = null;
  };

  process.on('message', (message: Request & { seq: number }) => {
    void (async () => {
      const reply: Reply = { seq: message.seq };
      switch (message.type) {
        case 'start':
          await start(message.system);
          break;
        case 'stop':
          await stop();
          break;
        case 'delay':
          delayMs = message.ms;
          break;
        case 'reset':
          seen.clear();
          duplicates = 0;
          break;
        case 'count':
          reply.seen = seen.size;
          break;
        case 'collect':
          reply.entries = [...seen.entries()];
          reply.duplicates = duplicates;
          break;
      }
      process.send?.(reply);
    })().catch((error: unknown) => {
      console.error('bench consumer:', error);
      process.exit(1);
    });
  });
  process.on('SIGTERM', () => process.exit(0));
  process.send?.({ seq: 0 });
}

// =============================================================================================
// Producer / driver process
// =============================================================================================

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}
const ms = (value: number) => `${value.toFixed(1)} ms`;

class Worker {
  readonly #child: ChildProcess;
  #seq = 0;
  readonly #pending = new Map<number, (reply: Reply) => void>();
  readonly ready: Promise<void>;
  constructor(child: ChildProcess) {
    this.#child = child;
    let resolveReady: () => void = () => undefined;
    this.ready = new Promise((resolve) => (resolveReady = resolve));
    child.on('message', (reply: Reply) => {
      if (reply.seq === 0) return resolveReady();
      this.#pending.get(reply.seq)?.(reply);
      this.#pending.delete(reply.seq);
    });
  }
  call(request: Request): Promise<Reply> {
    this.#seq += 1;
    const seq = this.#seq;
    return new Promise((resolve) => {
      this.#pending.set(seq, resolve);
      this.#child.send({ ...request, seq });
    });
  }
  async seen(): Promise<number> {
    return (await this.call({ type: 'count' })).seen ?? 0;
  }
  async waitForSeen(count: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await this.seen()) >= count) return true;
      await sleep(100);
    }
    return (await this.seen()) >= count;
  }
  kill(): void {
    // SIGTERM lets a profiled child (BENCH_PROF) write its profile.
    this.#child.kill(process.env.BENCH_PROF ? 'SIGTERM' : 'SIGKILL');
  }
}

interface Producer {
  name: SystemName;
  write(n: number): Promise<string>;
  /** Writes `count` events in one transaction (the peak phase, so the producer is not the limit). */
  writeMany(n: number, count: number): Promise<void>;
  writeBacklog(count: number): Promise<void>;
}

async function produceAtRate(
  producer: Producer,
  committedAt: Map<string, number>,
  rate: number,
  seconds: number,
): Promise<{ written: number; errors: number }> {
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
      producer
        .write(n)
        .then((id) => committedAt.set(id, wallNow()))
        .catch(() => (errors += 1))
        .finally(() => (inflight -= 1));
    }
    await sleep(1);
  }
  while (inflight > 0) await sleep(5);
  return { written: sent - errors, errors };
}

async function produceFlat(producer: Producer, writers: number, seconds: number): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let written = 0;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (performance.now() < deadline) {
        await producer.writeMany(written, 10);
        written += 10;
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

let statsQuery: () => Promise<Record<string, number>> = async () => ({});
let stopVacuum: () => void = () => undefined;
/** VACUUM (ANALYZE) now, when the server does not autovacuum (a no-op when it does). */
let standInForAutovacuum: () => Promise<void> = async () => undefined;
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 15);

async function measure(producer: Producer, worker: Worker, options: { sustain: number; peak: number; backlog: number; rate: number }): Promise<Figures> {
  const name = producer.name;
  console.log(`\n[${name}] sustained ${options.rate} events/s for ${options.sustain} s (no-op handler)...`);
  await worker.call({ type: 'reset' });
  await worker.call({ type: 'delay', ms: 0 });
  await worker.call({ type: 'start', system: name });
  // Steady state, not a fresh install: WARMUP s at the same rate (not measured), then the
  // statistics a running database has (see standInForAutovacuum), then the measured run.
  const warmup = await produceAtRate(producer, new Map(), options.rate, WARMUP_SECONDS);
  await worker.waitForSeen(warmup.written, 60_000);
  await standInForAutovacuum();
  await worker.call({ type: 'reset' });
  const committedAt = new Map<string, number>();
  const statsBefore = process.env.BENCH_STATS ? await statsQuery() : null;
  const produced = await produceAtRate(producer, committedAt, options.rate, options.sustain);
  if (statsBefore) {
    const after = await statsQuery();
    console.log(
      `[${name}] db stats during the sustained phase: ${JSON.stringify(Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (statsBefore[k] ?? 0)])))}`,
    );
  }
  await worker.waitForSeen(produced.written, 60_000);
  await sleep(1000); // a late duplicate would show up here
  const collected = await worker.call({ type: 'collect' });
  const seen = new Map(collected.entries ?? []);
  const latencies: number[] = [];
  let lost = 0;
  for (const [id, committed] of committedAt) {
    const handled = seen.get(id);
    if (handled === undefined) lost += 1;
    else latencies.push(Math.max(0, handled - committed));
  }
  latencies.sort((a, b) => a - b);
  const sustained = {
    rate: options.rate,
    written: produced.written,
    lost,
    duplicates: collected.duplicates ?? 0,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? Number.NaN,
  };
  console.log(`[${name}] sustained:`, JSON.stringify(sustained));

  console.log(`[${name}] peak with 1 ms handlers for ${options.peak} s...`);
  await worker.call({ type: 'reset' });
  await worker.call({ type: 'delay', ms: 1 });
  const warm = 3;
  let atWarm = 0;
  const warmTimer = setTimeout(() => void worker.seen().then((count) => (atWarm = count)), warm * 1000);
  const written = await produceFlat(producer, 24, options.peak);
  const atEnd = await worker.seen();
  clearTimeout(warmTimer);
  const peak = { written, handledPerSecond: (atEnd - atWarm) / (options.peak - warm) };
  console.log(`[${name}] peak:`, JSON.stringify(peak));
  await worker.waitForSeen(written, 600_000);

  console.log(`[${name}] drain of a ${options.backlog} backlog with 1 ms handlers...`);
  await worker.call({ type: 'stop' });
  await worker.call({ type: 'reset' });
  await producer.writeBacklog(options.backlog);
  const started = performance.now();
  await worker.call({ type: 'start', system: name });
  const complete = await worker.waitForSeen(options.backlog, 900_000);
  const seconds = (performance.now() - started) / 1000;
  const events = await worker.seen();
  const drain = { events, seconds, perSecond: events / seconds, complete };
  console.log(`[${name}] drain:`, JSON.stringify(drain));
  await worker.call({ type: 'stop' });
  return { sustained, peak, drain };
}

async function main(): Promise<void> {
  const SUSTAIN = Number(process.argv[2] ?? 120);
  const PEAK = Number(process.argv[3] ?? 30);
  const BACKLOG = Number(process.argv[4] ?? 100_000);
  const RATE = Number(process.argv[5] ?? 500);
  const adminUrl = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const APP_PASSWORD = 'ubos_app_test_password'; // the test harness's, so a concurrent test run keeps working
  const dbName = `ubos_bench_events_${randomBytes(4).toString('hex')}`;
  const appUrl = withCredentials(adminUrl, APP_ROLE, APP_PASSWORD, dbName);
  const ownerUrl = withCredentials(adminUrl, OWNER_ROLE, undefined, dbName);
  const superUrl = new URL(adminUrl);
  superUrl.pathname = `/${dbName}`;

  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const roles = await admin.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [APP_ROLE]);
  if (roles.rowCount === 0) await ensureRoles(admin, { appPassword: APP_PASSWORD });
  await admin.query(`CREATE DATABASE ${dbName} OWNER ${OWNER_ROLE}`);
  await admin.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${dbName} TO ${APP_ROLE}`);
  const inDb = new pg.Client({ connectionString: superUrl.toString() });
  let producerDb: Database | null = null;
  let producerPool: pg.Pool | null = null;
  let worker: Worker | null = null;
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

    console.log(
      `events bench: database ${dbName}; ${cpus().length} CPUs, load average ${loadavg()
        .map((value) => value.toFixed(2))
        .join(' ')}; ` +
        `sustain ${SUSTAIN} s at ${RATE}/s, peak ${PEAK} s, backlog ${BACKLOG}; consumers in a child process ` +
        `(subscription batch ${process.env.BENCH_EVENTS_BATCH ?? 50}, ${process.env.BENCH_EVENTS_CONCURRENCY ?? 4} pollers)`,
    );
    // Postgres on this CI machine runs with autovacuum = off. Without it the queue tables keep
    // every dead tuple and are never analyzed (the planner then picks an O(table) plan for
    // pg-boss's complete), so latency climbs for as long as the bench runs. A production
    // Postgres autovacuums; do what its launcher would (default naptime 60 s), for both systems.
    const autovacuum = await inDb.query<{ setting: string }>(`SELECT setting FROM pg_settings WHERE name = 'autovacuum'`);
    let vacuumTimer: NodeJS.Timeout | null = null;
    if (autovacuum.rows[0]?.setting !== 'on') {
      const vacuumEvery = Number(process.env.BENCH_VACUUM_SECONDS ?? 60);
      console.log(
        `autovacuum is off on this server: the bench runs VACUUM (ANALYZE) every ${vacuumEvery} s in its place, ` +
          `and once after each system's ${WARMUP_SECONDS} s warm-up`,
      );
      standInForAutovacuum = async () => {
        await inDb.query('VACUUM (ANALYZE)');
      };
      let vacuuming = false;
      vacuumTimer = setInterval(() => {
        if (vacuuming) return;
        vacuuming = true;
        inDb
          .query('VACUUM (ANALYZE)')
          .catch((error: unknown) => console.error('vacuum:', error instanceof Error ? error.message : error))
          .finally(() => (vacuuming = false));
      }, vacuumEvery * 1000);
      vacuumTimer.unref();
    }
    stopVacuum = () => {
      if (vacuumTimer) clearInterval(vacuumTimer);
    };
    statsQuery = async () => {
      const { rows } = await inDb.query<Record<string, number>>(
        `SELECT xact_commit::int AS commits, xact_rollback::int AS rollbacks, tup_returned::int AS returned, tup_fetched::int AS fetched FROM pg_stat_database WHERE datname = current_database()`,
      );
      const tables = await inDb.query<{ name: string; seq: number; seqtup: number; idxtup: number }>(
        `SELECT schemaname || '.' || relname AS name, coalesce(seq_scan, 0)::int AS seq, coalesce(seq_tup_read, 0)::int AS seqtup, coalesce(idx_tup_fetch, 0)::int AS idxtup
           FROM pg_stat_user_tables WHERE schemaname IN ('pgboss', 'platform', 'bench_baseline')`,
      );
      const result: Record<string, number> = { ...(rows[0] ?? {}) };
      for (const table of tables.rows) {
        result[`${table.name}:seq`] = table.seq;
        result[`${table.name}:seqtup`] = table.seqtup;
        result[`${table.name}:idxtup`] = table.idxtup;
      }
      return result;
    };
    worker = new Worker(
      fork(fileURLToPath(import.meta.url), ['--consumer', appUrl], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        execArgv: process.env.BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`] : [],
      }),
    );
    await worker.ready;

    producerDb = createDatabase({ connectionString: appUrl, max: 16, applicationName: 'bench-producer' });
    const tenantId = uuidv7();
    const ubosProducer: Producer = {
      name: 'ubos',
      async write(n) {
        const db = producerDb as Database;
        const event = await withTenant(db, { tenantId }, (trx) =>
          writeEvent(trx, benchEvent, { n }, { tenantId, actorId: null, correlationId: 'bench', aggregateId: String(n % 1000) }),
        );
        return event.id;
      },
      async writeMany(n, count) {
        const db = producerDb as Database;
        await withTenant(db, { tenantId }, async (trx) => {
          for (let i = 0; i < count; i += 1) {
            await writeEvent(trx, benchEvent, { n: n + i }, { tenantId, actorId: null, correlationId: 'bench', aggregateId: String((n + i) % 1000) });
          }
        });
      },
      async writeBacklog(count) {
        await inDb.query(
          `INSERT INTO platform.outbox (id, tenant_id, type, version, payload, aggregate_type, aggregate_id, correlation_id, occurred_at)
           SELECT gen_random_uuid(), $1, 'bench.item.happened', 1, jsonb_build_object('n', g), 'bench.item', (g % 1000)::text, 'bench', now()
             FROM generate_series(1, $2) g`,
          [tenantId, count],
        );
      },
    };
    const options = { sustain: SUSTAIN, peak: PEAK, backlog: BACKLOG, rate: RATE };
    const ubos = await measure(ubosProducer, worker, options);

    producerPool = new pg.Pool({ connectionString: appUrl, max: 16 });
    producerPool.on('error', () => undefined); // DROP DATABASE at the end ends idle clients
    const pool = producerPool;
    const baselineProducer: Producer = {
      name: 'baseline',
      async write(n) {
        const client = await pool.connect();
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
      async writeMany(n, count) {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          for (let i = 0; i < count; i += 1) {
            await client.query('INSERT INTO bench_baseline.queue (event_id, payload) VALUES (gen_random_uuid(), $1)', [JSON.stringify({ n: n + i })]);
          }
          await client.query('COMMIT');
        } finally {
          client.release();
        }
      },
      async writeBacklog(count) {
        await inDb.query(
          `INSERT INTO bench_baseline.queue (event_id, payload) SELECT gen_random_uuid(), jsonb_build_object('n', g) FROM generate_series(1, $1) g`,
          [count],
        );
      },
    };
    const baseline = await measure(baselineProducer, worker, options);

    const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a');
    console.log(
      `\n=== events bench results (load average now ${loadavg()
        .map((value) => value.toFixed(2))
        .join(' ')}) ===`,
    );
    console.log(`sustained ${RATE}/s for ${SUSTAIN} s, commit -> handler latency:`);
    console.log(
      `  ubos:     p50 ${ms(ubos.sustained.p50)}  p95 ${ms(ubos.sustained.p95)}  p99 ${ms(ubos.sustained.p99)}  max ${ms(ubos.sustained.max)}  ` +
        `lost ${ubos.sustained.lost} of ${ubos.sustained.written}  applied twice ${ubos.sustained.duplicates}  (target p50 <= 10 ms, p99 <= 50 ms, 0 lost)`,
    );
    console.log(
      `  baseline: p50 ${ms(baseline.sustained.p50)}  p95 ${ms(baseline.sustained.p95)}  p99 ${ms(baseline.sustained.p99)}  max ${ms(baseline.sustained.max)}  lost ${baseline.sustained.lost} of ${baseline.sustained.written}`,
    );
    console.log(`  ratio ubos/baseline: p50 ${ratio(ubos.sustained.p50, baseline.sustained.p50)}, p99 ${ratio(ubos.sustained.p99, baseline.sustained.p99)}`);
    console.log('peak throughput, 1 ms handlers:');
    console.log(`  ubos:     ${ubos.peak.handledPerSecond.toFixed(0)} events/s (target >= 1000)`);
    console.log(
      `  baseline: ${baseline.peak.handledPerSecond.toFixed(0)} events/s   ratio ${ratio(ubos.peak.handledPerSecond, baseline.peak.handledPerSecond)}`,
    );
    console.log(`drain of a ${BACKLOG} backlog, 1 ms handlers:`);
    console.log(
      `  ubos:     ${ubos.drain.perSecond.toFixed(0)} events/s in ${ubos.drain.seconds.toFixed(1)} s${ubos.drain.complete ? '' : ' (INCOMPLETE)'} = ` +
        `${((ubos.drain.perSecond / ubos.peak.handledPerSecond) * 100).toFixed(0)}% of peak (target >= 80%)`,
    );
    console.log(
      `  baseline: ${baseline.drain.perSecond.toFixed(0)} events/s in ${baseline.drain.seconds.toFixed(1)} s${baseline.drain.complete ? '' : ' (INCOMPLETE)'}   ratio ${ratio(ubos.drain.perSecond, baseline.drain.perSecond)}`,
    );
  } finally {
    stopVacuum();
    worker?.kill();
    await producerDb?.close();
    await producerPool?.end();
    await inDb.end().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

if (process.argv[2] === '--consumer') {
  await consumer(process.argv[3] ?? '');
} else {
  await main();
}
