import { fromKysely, type JobInsert, type PgBoss } from 'pg-boss';
import { z } from 'zod';
import { sql, withSystem, withTenant, type Database, type Transaction, type UntypedDB } from '../db/database.ts';
import type { Subscription } from '../module.ts';
import type { EventEnvelope } from './envelope.ts';
import { jobFor } from './dispatcher.ts';
import { eventJobsEnqueued } from './metrics.ts';
import { rowToEnvelope, type OutboxRow } from './outbox.ts';
import { subscriptionMatches } from './subscriptions.ts';

export interface ReplayOptions {
  db: Database;
  boss: PgBoss;
  subscription: Subscription;
  /** Start of the range: an ISO time (occurred_at >= it) or an event id (that event and every later one). */
  from: string;
  /** One tenant's events (tenant admins) or every tenant's (null: operators, CLI). */
  tenantId: string | null;
  /**
   * Forget that the subscription processed the replayed events (delete its processed_events
   * rows for them) so the handler runs again: what rebuilding a read model needs. Without it,
   * already-processed events are skipped and only missing ones are applied. Default true.
   */
  reset?: boolean;
  /** Events per transaction (default 1000). */
  chunkSize?: number;
}

export interface ReplayResult {
  /** Events re-enqueued for the subscription. */
  enqueued: number;
  /** processed_events rows deleted. */
  reset: number;
  fromPosition: number | null;
}

const uuid = z.uuid();

/** Resolves `from` to the first outbox position of the range (null when it is empty). */
async function startPosition(trx: Transaction<UntypedDB>, from: string): Promise<number | null> {
  if (uuid.safeParse(from).success) {
    const row = await sql<{ position: number }>`SELECT position FROM platform.outbox WHERE id = ${from}::uuid`.execute(trx);
    if (!row.rows[0]) throw new Error(`Event ${from} is not in the outbox (pruned by retention, or another tenant's)`);
    return row.rows[0].position;
  }
  const time = new Date(from);
  if (Number.isNaN(time.getTime())) throw new Error(`--from must be an ISO time or an event id, got "${from}"`);
  const row = await sql<{ position: number | null }>`
    SELECT min(position) AS position FROM platform.outbox WHERE occurred_at >= ${time.toISOString()}::timestamptz`.execute(trx);
  return row.rows[0]?.position ?? null;
}

/**
 * Re-enqueues already-dispatched outbox events, from a time or an event id, for ONE
 * subscription. Each chunk runs in one transaction: clear processed_events for the chunk
 * (when reset), insert the jobs, commit, so a crash mid-replay leaves whole chunks.
 * Undispatched rows are left to the dispatcher, which delivers them anyway.
 */
export async function replayEvents(options: ReplayOptions): Promise<ReplayResult> {
  const { db, boss, subscription, tenantId } = options;
  const reset = options.reset ?? true;
  const chunkSize = options.chunkSize ?? 1000;
  const run = <T>(fn: (trx: Transaction<UntypedDB>) => Promise<T>): Promise<T> =>
    tenantId ? withTenant<UntypedDB, T>(db, { tenantId }, fn) : withSystem<UntypedDB, T>(db, fn);

  const fromPosition = await run((trx) => startPosition(trx, options.from));
  const result: ReplayResult = { enqueued: 0, reset: 0, fromPosition };
  if (fromPosition === null) return result;
  let cursor = fromPosition - 1;
  for (;;) {
    const chunk = await run(async (trx) => {
      const rows = await sql<OutboxRow>`
        SELECT position, id, tenant_id, type, version, payload, actor_id, aggregate_type, aggregate_id,
               correlation_id, causation_id, occurred_at, dispatched_at
          FROM platform.outbox
         WHERE position > ${cursor} AND dispatched_at IS NOT NULL
           AND (${tenantId}::uuid IS NULL OR tenant_id = ${tenantId}::uuid)
         ORDER BY position
         LIMIT ${chunkSize}`.execute(trx);
      const jobs: JobInsert<EventEnvelope>[] = [];
      for (const row of rows.rows) {
        const event = rowToEnvelope(row);
        if (subscriptionMatches(subscription, event.type)) jobs.push(jobFor(subscription, event, row.position));
      }
      let cleared = 0;
      if (jobs.length > 0) {
        const ids = jobs.map((job) => job.data?.id ?? '');
        if (reset) {
          const deleted = await sql`
            DELETE FROM platform.processed_events
             WHERE subscription = ${subscription.name} AND event_id = ANY(${ids}::uuid[])`.execute(trx);
          cleared = Number(deleted.numAffectedRows ?? 0);
        }
        await boss.insert(subscription.name, jobs, { db: fromKysely(trx) });
      }
      const last = rows.rows.at(-1);
      return { scanned: rows.rows.length, enqueued: jobs.length, cleared, last: last?.position ?? cursor };
    });
    result.enqueued += chunk.enqueued;
    result.reset += chunk.cleared;
    eventJobsEnqueued.inc({ subscription: subscription.name, source: 'replay' }, chunk.enqueued);
    cursor = chunk.last;
    if (chunk.scanned < chunkSize) return result;
  }
}
