import type { Subscription } from '@ubos/platform';
import * as crm from '@ubos/crm/contracts';
import type { EmailDB } from './db-email.ts';
import * as repo from './repository-threads.ts';
import { autoLinkThread, dropStaleAutoLinks } from './service-store.ts';

/**
 * communications' copy of crm contact emails (no reads of crm tables): kept from crm's contract
 * events, and thread links follow it — a contact's new address links the threads that carry it,
 * an old one's automatic links go; a merged contact or client moves to the survivor.
 */

async function applyContact(ctx: Parameters<Subscription['handle']>[1], contact: crm.ContactSnapshot, active: boolean): Promise<void> {
  const db = ctx.db<EmailDB>();
  const email = contact.email_normalized ?? contact.email?.trim().toLowerCase() ?? null;
  await repo.upsertContactEmail(db, { tenantId: ctx.tenantId, contactId: contact.contact_id, email, clientIds: contact.client_ids, active });
  await dropStaleAutoLinks(ctx, contact.contact_id);
  if (active && email) for (const thread of await repo.threadsWithAddress(db, email)) await autoLinkThread(ctx, thread.id);
}

export const keepContactEmails: Subscription = {
  name: 'communications.contact-emails',
  events: [crm.contactCreated.type, crm.contactUpdated.type, crm.contactRestored.type, crm.contactArchived.type, crm.contactMerged.type, crm.clientMerged.type],
  // One contact's changes in order (an email change then another must not cross).
  ordered: true,
  async handle(event, ctx) {
    const db = ctx.db<EmailDB>();
    switch (event.type) {
      case crm.contactCreated.type:
      case crm.contactUpdated.type:
      case crm.contactRestored.type:
        return applyContact(ctx, crm.contactUpdated.payload.parse(event.payload), true);
      case crm.contactArchived.type:
        return applyContact(ctx, crm.contactArchived.payload.parse(event.payload), false);
      case crm.contactMerged.type: {
        const payload = crm.contactMerged.payload.parse(event.payload);
        // The loser's address still belongs to that person: it stays as an alias of the survivor,
        // on the survivor's clients, and the threads of both addresses follow.
        await db
          .updateTable('communications.contact_emails')
          .set({ client_ids: payload.client_ids })
          .where('contact_id', 'in', [payload.merged_id, payload.survivor_id])
          .execute();
        await db.updateTable('communications.thread_links').set({ contact_id: payload.survivor_id }).where('contact_id', '=', payload.merged_id).execute();
        await dropStaleAutoLinks(ctx, payload.survivor_id);
        const rows = await db
          .selectFrom('communications.contact_emails')
          .select('email')
          .where('contact_id', 'in', [payload.merged_id, payload.survivor_id])
          .execute();
        for (const row of rows) {
          if (!row.email) continue;
          for (const thread of await repo.threadsWithAddress(db, row.email)) await autoLinkThread(ctx, thread.id);
        }
        return;
      }
      case crm.clientMerged.type: {
        const payload = crm.clientMerged.payload.parse(event.payload);
        await repo.repointClient(db, payload.merged_id, payload.survivor_id);
        return;
      }
      default:
        return;
    }
  },
};

export const emailSubscriptions: readonly Subscription[] = [keepContactEmails];
