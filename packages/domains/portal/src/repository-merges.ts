import { sql, type Kysely, type Transaction } from '@ubos/platform';
import type { PortalDB } from './db.ts';

type Db = Transaction<PortalDB> | Kysely<PortalDB>;

/** The portal's copies that name a client, re-pointed by a merge (portal.shares is moved apart: its key holds the client). */
const clientColumnTables = ['users', 'projects', 'milestones', 'tasks', 'folders', 'files', 'file_requests', 'approvals'] as const;

/**
 * Records a client merge and re-points every copy of the merged client to the survivor. A merge
 * into a client that was itself merged before follows the chain: earlier merges into `merged`
 * now resolve to `survivor` too. Idempotent: a second run finds nothing left to move.
 */
export async function applyClientMerge(db: Db, input: { tenantId: string; survivorId: string; mergedId: string }): Promise<void> {
  const { tenantId, survivorId, mergedId } = input;
  await db.updateTable('portal.client_merges').set({ survivor_id: survivorId }).where('survivor_id', '=', mergedId).execute();
  await db
    .insertInto('portal.client_merges')
    .values({ tenant_id: tenantId, merged_id: mergedId, survivor_id: survivorId })
    .onConflict((conflict) => conflict.columns(['tenant_id', 'merged_id']).doUpdateSet({ survivor_id: survivorId }))
    .execute();
  // Shares: the survivor gets what the merged client saw (the insert's trigger names the survivor).
  await sql`
    INSERT INTO portal.shares (tenant_id, client_id, kind, target_id, shared_by, shared_at)
    SELECT tenant_id, ${survivorId}::uuid, kind, target_id, shared_by, shared_at FROM portal.shares WHERE client_id = ${mergedId}::uuid
    ON CONFLICT DO NOTHING`.execute(db);
  await db.deleteFrom('portal.shares').where('client_id', '=', mergedId).execute();
  for (const table of clientColumnTables) {
    await sql`UPDATE ${sql.table(`portal.${table}`)} SET client_id = ${survivorId}::uuid WHERE client_id = ${mergedId}::uuid`.execute(db);
  }
  await sql`UPDATE portal.contacts SET client_ids = array_replace(client_ids, ${mergedId}::uuid, ${survivorId}::uuid) WHERE ${mergedId}::uuid = ANY (client_ids)`.execute(
    db,
  );
  await db.updateTable('portal.clients').set({ archived: true }).where('id', '=', mergedId).execute();
}

export function usersOfContacts(db: Db, contactIds: readonly string[]) {
  return db.selectFrom('portal.users').selectAll().where('contact_id', 'in', contactIds).execute();
}

/** Moves a portal user to another contact (and client); conditional on its current contact. */
export function moveUserToContact(db: Db, input: { portalUserId: string; fromContactId: string; toContactId: string; clientId: string }) {
  return db
    .updateTable('portal.users')
    .set({ contact_id: input.toContactId, client_id: input.clientId })
    .where('id', '=', input.portalUserId)
    .where('contact_id', '=', input.fromContactId)
    .returningAll()
    .executeTakeFirst();
}

export function archiveContact(db: Db, contactId: string) {
  return db.updateTable('portal.contacts').set({ archived: true }).where('id', '=', contactId).execute();
}
