import { sql } from '@ubos/platform';
import type { Selectable, Updateable } from 'kysely';
import type { RebuildsTable } from './db.ts';
import type { SearchTrx } from './repository.ts';

/** SQL of index rebuilds: the job row (the outbox is read through the kernel's readOutbox). */

export type RebuildRow = Selectable<RebuildsTable>;

const activeStatuses = ['queued', 'running'] as const;

/**
 * Inserts a queued rebuild unless the tenant already has a queued or running one (partial unique
 * index): a concurrent second request waits for the first to commit, then inserts nothing.
 */
export async function insertRebuildIfNone(
  trx: SearchTrx,
  row: { id: string; tenant_id: string; requested_by: string | null },
): Promise<RebuildRow | undefined> {
  const result = await sql<RebuildRow>`
    INSERT INTO search.rebuilds (id, tenant_id, status, requested_by)
    VALUES (${row.id}, ${row.tenant_id}, 'queued', ${row.requested_by})
    ON CONFLICT (tenant_id) WHERE status IN ('queued', 'running') DO NOTHING
    RETURNING *`.execute(trx);
  return result.rows[0];
}

export async function findActiveRebuild(trx: SearchTrx): Promise<RebuildRow | undefined> {
  return trx.selectFrom('search.rebuilds').selectAll().where('status', 'in', activeStatuses).executeTakeFirst();
}

export async function findRebuild(trx: SearchTrx, id: string, options: { lock?: boolean } = {}): Promise<RebuildRow | undefined> {
  let query = trx.selectFrom('search.rebuilds').selectAll().where('id', '=', id);
  if (options.lock) query = query.forUpdate();
  return query.executeTakeFirst();
}

export async function latestRebuild(trx: SearchTrx): Promise<RebuildRow | undefined> {
  return trx.selectFrom('search.rebuilds').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
}

/** Whether a rebuild was requested after this one (a redriven old chunk must not resume it then). */
export async function hasNewerRebuild(trx: SearchTrx, row: RebuildRow): Promise<boolean> {
  const newer = await trx
    .selectFrom('search.rebuilds')
    .select('id')
    .where('id', '<>', row.id)
    .where((eb) => eb.or([eb('created_at', '>', row.created_at), eb.and([eb('created_at', '=', row.created_at), eb('id', '>', row.id)])]))
    .limit(1)
    .executeTakeFirst();
  return newer !== undefined;
}

export async function updateRebuild(trx: SearchTrx, id: string, changes: Updateable<RebuildsTable>): Promise<RebuildRow> {
  return trx
    .updateTable('search.rebuilds')
    .set({ ...changes, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function countDocuments(trx: SearchTrx): Promise<number> {
  const result = await sql<{ n: number }>`SELECT count(*)::int AS n FROM search.documents`.execute(trx);
  return result.rows[0]?.n ?? 0;
}
