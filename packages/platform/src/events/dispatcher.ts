import { recordSpan } from '../tracing.ts';
import type pg from 'pg';
import type { JobInsert, PgBoss } from 'pg-boss';
import { createDatabase, type Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import type { Subscription } from '../module.ts';
import type { EventEnvelope } from './envelope.ts';
import { dispatchLag, eventJobsEnqueued, eventsDispatched, outboxPending } from './metrics.ts';
import { rowToEnvelope, type OutboxRow } from './outbox.ts';
import { Relay } from './relay.ts';
import { orderingKey, subscriptionMatches } from './subscriptions.ts';

export const OUTBOX_CHANNEL = 'ubos_outbox';

export interface DispatcherOptions {
  db: Database;
  boss: PgBoss;
  subscriptions: readonly Subscription[];
  log: Logger;
  /** Connection string for the dedicated LISTEN connection; defaults to the pool's settings. */
  listenConnectionString?: string;
  /** Rows claimed per transaction (default 500). */
  batchSize?: number;
  /** Fallback poll when no NOTIFY arrives (default 1000 ms). */
  pollIntervalMs?: number;
}

export interface DispatchResult {
  events: number;
  jobs: number;
}

/**
 * A job id that sorts like the event's outbox position within one dispatch transaction:
 * 48 bits of wall-clock ms, then the position. key_strict_fifo queues order a key's jobs by
 * (created_on, id), and every job of one dispatch batch shares created_on.
 */
export function orderedJobId(position: number, now: number = Date.now()): string {
  const bytes = Buffer.alloc(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70;
  bytes[8] = 0x80;
  bytes.writeUIntBE(position, 9, 6);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The job one subscription receives for one event. An `ordered` subscription's queue is
 * key_strict_fifo keyed by aggregate: one job per aggregate at a time, strictly oldest first,
 * and a job in retry or failed (dead-lettered) holds back the later events of its aggregate.
 */
export function jobFor(subscription: Subscription, event: EventEnvelope, position: number): JobInsert<EventEnvelope> {
  const job: JobInsert<EventEnvelope> = { data: event };
  if (subscription.ordered) {
    job.singletonKey = orderingKey(event);
    job.id = orderedJobId(position);
  }
  return job;
}

/**
 * Wakes this process's pg-boss workers of the queues a pass just filled, so they fetch at
 * once instead of at their next poll. Subscription queues do not use pg-boss's NOTIFY: every
 * notifying transaction takes Postgres's database-wide notify lock until its commit completes,
 * and dispatch commits queued behind the writers' own outbox NOTIFYs (measured: most of the
 * commit->handler latency under load). Workers of other processes find the jobs at their poll.
 */
export function wakeLocalWorkers(boss: PgBoss, queues: Iterable<string>): void {
  const wanted = new Set(queues);
  if (wanted.size === 0) return;
  for (const worker of boss.getWipData()) {
    if (wanted.has(worker.name)) boss.notifyWorker(worker.id);
  }
}

/**
 * The claim: undispatched outbox rows in position order, marked dispatched in the same
 * statement. The transaction-scoped advisory lock keeps dispatchers of several processes from
 * interleaving batches, so jobs of one aggregate are created in outbox order; a row another
 * dispatcher marked meanwhile fails the FOR UPDATE recheck.
 */
function claimSql(batchSize: number): string {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new Error(`Invalid dispatch batch size ${batchSize}`);
  // platform.claim_outbox (SECURITY DEFINER): the app role holds no UPDATE on the outbox.
  return `SELECT * FROM platform.claim_outbox(${batchSize})`;
}

/**
 * One dispatch pass, in ONE transaction: claim undispatched outbox rows in position order
 * (FOR UPDATE SKIP LOCKED), insert one pg-boss job per (row x matching subscription) through
 * this same transaction, mark the rows dispatched, commit. Either all of it happens or none:
 * an event is never lost between outbox and queue and never enqueued twice.
 *
 * It runs on a plain pooled client so the pass costs few round trips: BEGIN, the system
 * scope and the claim go as one simple-protocol query (no parameters: the batch size is a
 * validated integer), then one pg-boss insert per queue, then COMMIT.
 */
export async function dispatchBatch(db: Database, boss: PgBoss, subscriptions: readonly Subscription[], batchSize: number): Promise<DispatchResult> {
  const started = Date.now();
  const result = await dispatchPass(db, boss, subscriptions, batchSize);
  // A span per pass that moved events (empty polls would only be noise); each event's own trace
  // continues in its handlers through the envelope's trace_context.
  if (result.events > 0) recordSpan('outbox.dispatch', { 'ubos.events': result.events, 'ubos.jobs': result.jobs }, started, Date.now());
  return result;
}

async function dispatchPass(db: Database, boss: PgBoss, subscriptions: readonly Subscription[], batchSize: number): Promise<DispatchResult> {
  const client = await db.pool.connect();
  // A connection whose transaction could not be rolled back is discarded, not reused.
  let discard: Error | undefined;
  let rows: OutboxRow[];
  const perQueue = new Map<string, JobInsert<EventEnvelope>[]>();
  try {
    const results = (await client.query(
      `begin; select set_config('app.system', 'on', true); ${claimSql(batchSize)}`,
    )) as unknown as pg.QueryResult<OutboxRow>[];
    rows = results[2]?.rows ?? [];
    if (rows.length === 0) {
      await client.query('commit');
      return { events: 0, jobs: 0 };
    }
    rows.sort((a, b) => a.position - b.position);
    for (const row of rows) {
      const event = rowToEnvelope(row);
      for (const subscription of subscriptions) {
        if (!subscriptionMatches(subscription, event.type)) continue;
        const jobs = perQueue.get(subscription.name) ?? [];
        if (jobs.length === 0) perQueue.set(subscription.name, jobs);
        jobs.push(jobFor(subscription, event, row.position));
      }
    }
    const executor = {
      async executeSql(text: string, values?: unknown[]) {
        const result = await client.query(text, values);
        return { rows: result.rows };
      },
    };
    for (const [queue, jobs] of perQueue) {
      await boss.insert(queue, jobs, { db: executor });
    }
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch((rollbackError: unknown) => {
      discard = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    throw error;
  } finally {
    client.release(discard);
  }
  wakeLocalWorkers(boss, perQueue.keys());
  let jobs = 0;
  if (rows.length > 0) {
    eventsDispatched.inc(rows.length);
    const now = Date.now();
    for (const row of rows) dispatchLag.observe(Math.max(0, now - new Date(row.occurred_at).getTime()) / 1000);
    for (const [queue, queueJobs] of perQueue) {
      eventJobsEnqueued.inc({ subscription: queue, source: 'dispatch' }, queueJobs.length);
      jobs += queueJobs.length;
    }
  }
  return { events: rows.length, jobs };
}

/**
 * Moves committed outbox rows to pg-boss: the kernel's Relay with the outbox claim. Wakes on
 * LISTEN ubos_outbox (the outbox trigger NOTIFYs at commit), polls as a fallback, and loops while
 * batches come back full.
 */
export class Dispatcher {
  readonly #options: DispatcherOptions;
  readonly #batchSize: number;
  readonly #relay: Relay;
  /** Its own small pool, so a pass never queues behind handler transactions for a connection. */
  #dispatchDb: Database | null = null;

  constructor(options: DispatcherOptions) {
    this.#options = options;
    this.#batchSize = options.batchSize ?? 500;
    const { db, boss, subscriptions, listenConnectionString } = options;
    const batchSize = this.#batchSize;
    this.#relay = new Relay({
      name: 'ubos-outbox',
      channel: OUTBOX_CHANNEL,
      connection: listenConnectionString ? { connectionString: listenConnectionString } : { ...db.pool.options },
      batchSize,
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      log: options.log.child({ component: 'outbox-dispatcher' }),
      pass: async () => {
        const result = await dispatchBatch(this.#dispatchDb ?? db, boss, subscriptions, batchSize);
        outboxPending.set(result.events < batchSize ? 0 : batchSize);
        return result.events;
      },
    });
  }

  async start(): Promise<void> {
    const connectionString = this.#options.listenConnectionString ?? this.#options.db.pool.options.connectionString;
    this.#dispatchDb = connectionString ? createDatabase({ connectionString, max: 2, applicationName: 'ubos-outbox-dispatch' }) : null;
    await this.#relay.start();
  }

  /** Requests a pass; coalesces with one already running. */
  wake(): void {
    this.#relay.wake();
  }

  /** Runs passes until the outbox is drained; resolves when idle. For tests and shutdown. */
  async flush(): Promise<void> {
    await this.#relay.flush();
  }

  async stop(): Promise<void> {
    await this.#relay.stop();
    const dispatchDb = this.#dispatchDb;
    this.#dispatchDb = null;
    if (dispatchDb) await dispatchDb.close();
  }
}
