import type { PgBoss } from 'pg-boss';
import { sql, withSystem, type Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';

export const RETENTION_QUEUE = 'platform.outbox-retention';

export interface PruneResult {
  outbox: number;
  processedEvents: number;
}

/**
 * Deletes dispatched outbox rows older than the retention window (undispatched rows are
 * never pruned) and the processed_events bookkeeping of the same age, in bounded chunks so
 * no single transaction holds many locks.
 */
export async function pruneOutbox(db: Database, retentionDays: number, chunkSize = 5000): Promise<PruneResult> {
  const result: PruneResult = { outbox: 0, processedEvents: 0 };
  for (;;) {
    // platform.prune_outbox (SECURITY DEFINER): the app role holds no DELETE on the outbox.
    const pruned = await withSystem(db, (trx) => sql<{ pruned: number }>`SELECT platform.prune_outbox(${retentionDays}, ${chunkSize}) AS pruned`.execute(trx));
    const count = Number(pruned.rows[0]?.pruned ?? 0);
    result.outbox += count;
    if (count < chunkSize) break;
  }
  for (;;) {
    const deleted = await withSystem(db, (trx) =>
      sql`
        DELETE FROM platform.processed_events
         WHERE ctid IN (
           SELECT ctid FROM platform.processed_events
            WHERE processed_at < now() - make_interval(days => ${retentionDays})
            LIMIT ${chunkSize})`.execute(trx),
    );
    const count = Number(deleted.numAffectedRows ?? 0);
    result.processedEvents += count;
    if (count < chunkSize) break;
  }
  return result;
}

/** Schedules the hourly prune as a pg-boss cron job (one run cluster-wide) and works it. */
export async function scheduleRetention(boss: PgBoss, db: Database, options: { retentionDays: number; log: Logger; cron?: string }): Promise<void> {
  if (!(await boss.getQueue(RETENTION_QUEUE))) {
    await boss.createQueue(RETENTION_QUEUE, { policy: 'singleton', retryLimit: 2, deleteAfterSeconds: 3600 });
  }
  await boss.schedule(RETENTION_QUEUE, options.cron ?? '17 * * * *');
  await boss.work(RETENTION_QUEUE, { pollingIntervalSeconds: 30 }, async () => {
    const pruned = await pruneOutbox(db, options.retentionDays);
    options.log.info({ ...pruned, retentionDays: options.retentionDays }, 'outbox retention pass');
  });
}
