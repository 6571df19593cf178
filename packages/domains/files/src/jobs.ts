import { sql, withTenant, type BlobStore, type Database, type JobDefinition, type Logger } from '@ubos/platform';
import type { FilesDB } from './db.ts';
import { expireBlobs } from './repository-files.ts';

/** Jobs of the files domain (ARCHITECTURE.md §5). */

const BATCH = 500;

/**
 * Marks pending uploads past their expiry `expired` and deletes whatever object arrived for them,
 * so no orphan bytes stay behind. The work list comes from a SECURITY DEFINER function (any
 * tenant); each tenant's rows are then changed inside that tenant's transaction, and only the
 * rows this pass really moved from pending have their objects deleted.
 */
export async function sweepExpiredUploads(db: Database, blobs: BlobStore, log: Logger): Promise<number> {
  let swept = 0;
  for (let pass = 0; pass < 100; pass += 1) {
    const due = await sql<{ id: string; tenant_id: string; key: string }>`SELECT id, tenant_id, key FROM files.expired_uploads(${BATCH})`.execute(db.kysely);
    if (due.rows.length === 0) break;
    const byTenant = new Map<string, string[]>();
    for (const row of due.rows) byTenant.set(row.tenant_id, [...(byTenant.get(row.tenant_id) ?? []), row.id]);
    for (const [tenantId, ids] of byTenant) {
      const keys = await withTenant<FilesDB, string[]>(db, { tenantId }, (trx) => expireBlobs(trx, ids));
      for (const key of keys) await blobs.delete(key);
      swept += keys.length;
    }
    if (due.rows.length < BATCH) break;
  }
  if (swept > 0) log.info({ swept }, 'expired uploads swept');
  return swept;
}

export const sweepUploads: JobDefinition = {
  name: 'files.sweep-expired-uploads',
  cron: '*/10 * * * *',
  async run(_data, { db, log, services }) {
    if (!services.blobs) return;
    await sweepExpiredUploads(db, services.blobs, log);
  },
};

export const filesJobs: JobDefinition[] = [sweepUploads];
