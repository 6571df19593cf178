import type { Subscription } from '@ubos/platform';
import { contactArchived, contactCreated, contactMerged, contactRestored, contactUpdated } from '@ubos/crm/contracts';
import type { SchedulingDB } from './db.ts';
import { upsertContactEmail } from './repository.ts';

/**
 * Event subscriptions of the scheduling domain (ARCHITECTURE.md §5). Handlers parse crm's events
 * through crm's contract and are idempotent (an upsert of the latest snapshot).
 */

/** A local copy of crm's contact emails, so a booking's attendee is matched without reading crm's tables. */
export const recordContactEmails: Subscription = {
  name: 'scheduling.contact-emails',
  events: [contactCreated.type, contactUpdated.type, contactArchived.type, contactRestored.type, contactMerged.type],
  ordered: true,
  async handle(event, ctx) {
    const db = ctx.db<SchedulingDB>();
    if (event.type === contactMerged.type) {
      const merged = contactMerged.payload.parse(event.payload);
      await upsertContactEmail(db, { tenantId: event.tenant_id, contactId: merged.merged_id, email: null, clientId: null, archived: true });
      return;
    }
    const contact = contactCreated.payload.parse(event.payload);
    const email = contact.email_normalized ?? contact.email?.trim().toLowerCase() ?? null;
    await upsertContactEmail(db, {
      tenantId: event.tenant_id,
      contactId: contact.contact_id,
      email,
      clientId: contact.client_id,
      archived: event.type === contactArchived.type,
    });
  },
};

export const schedulingSubscriptions: readonly Subscription[] = [recordContactEmails];
