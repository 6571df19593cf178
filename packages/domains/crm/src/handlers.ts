import { tenantDb, type EventEnvelope, type HandlerContext, type Subscription } from '@ubos/platform';
import { z } from 'zod';
import { clientMerged, clientSnapshotSchema, contactMerged, contactSnapshotSchema, dealSnapshotSchema } from './contracts.ts';
import type { CrmDB } from './db.ts';
import * as profile from './repository-profile.ts';
import type { Db } from './repository.ts';
import { linkToEngagement } from './service-deals.ts';
import { markImportFailed, processImportEvent } from './service-import.ts';

/**
 * Event subscriptions of the crm domain. The runner records processed_events and wraps each
 * call in the event's tenant transaction; handlers are idempotent anyway (redelivery, replay).
 */

// Payload shapes of other domains' events this domain reads (only the fields used here).
const projectEventSchema = z.looseObject({
  project_id: z.uuid(),
  client_id: z.uuid().nullable().optional(),
  status: z.string().optional(),
  engagement_id: z.uuid().nullable().optional(),
  previous_client_id: z.uuid().nullable().optional(),
});
const taskEventSchema = z.looseObject({ task_id: z.uuid(), client_id: z.uuid().nullable().optional(), status: z.string().optional() });
const clientIdSchema = z.looseObject({ client_id: z.uuid().nullable().optional() });
const closedProjectStatuses = new Set(['completed', 'cancelled', 'archived']);

async function target(db: Db, tenantId: string, clientId: string): Promise<string> {
  const resolved = await profile.resolveClient(db, clientId);
  await profile.ensureProfile(db, tenantId, resolved);
  return resolved;
}

/** Maintains crm.client_profiles from crm.* and projects.* events only. */
export async function applyToClientProfile(event: EventEnvelope, context: HandlerContext): Promise<void> {
  const db = tenantDb<CrmDB>(context);
  const tenantId = event.tenant_id;
  const at = event.occurred_at;
  const [domain, entity, action] = event.type.split('.');

  if (domain === 'crm' && entity === 'client') {
    if (action === 'merged') {
      const payload = clientMerged.payload.parse(event.payload);
      const survivor = await target(db, tenantId, payload.survivor_id);
      await profile.ensureProfile(db, tenantId, payload.merged_id);
      await profile.mergeProfiles(db, survivor, payload.merged_id);
      await profile.touch(db, survivor, at);
      return;
    }
    const snapshot = clientSnapshotSchema.parse(event.payload);
    await profile.ensureProfile(db, tenantId, snapshot.client_id);
    await profile.applyClientSnapshot(db, snapshot.client_id, { name: snapshot.name, status: snapshot.status, archived: action === 'archived' }, at);
    await profile.touch(db, snapshot.client_id, at);
    return;
  }

  if (domain === 'crm' && entity === 'contact') {
    if (action === 'merged') {
      const payload = contactMerged.payload.parse(event.payload);
      await profile.dropEntry(db, 'contacts', payload.merged_id, [], at);
      return;
    }
    const snapshot = contactSnapshotSchema.parse(event.payload);
    const active = action !== 'archived';
    const keep: string[] = [];
    for (const link of snapshot.relationships) {
      const clientId = await target(db, tenantId, link.client_id);
      if (active) {
        keep.push(clientId);
        await profile.putEntry(db, 'contacts', clientId, { id: snapshot.contact_id, name: snapshot.name, email: snapshot.email, role: link.role, at });
      } else {
        await profile.tombstone(db, 'contacts', clientId, snapshot.contact_id, at);
      }
      await profile.touch(db, clientId, at);
    }
    // A "created" event is a contact's first: there is nothing older to remove (and skipping the
    // scan keeps a 100k-row import cheap for this subscription).
    if (action !== 'created') await profile.dropEntry(db, 'contacts', snapshot.contact_id, keep, at);
    return;
  }

  if (domain === 'crm' && entity === 'deal') {
    const snapshot = dealSnapshotSchema.parse(event.payload);
    const clientId = await target(db, tenantId, snapshot.client_id);
    const open = snapshot.status === 'open' && action !== 'archived';
    if (open) {
      await profile.putEntry(db, 'open_deals', clientId, {
        id: snapshot.deal_id,
        title: snapshot.title,
        value_minor: snapshot.value_minor,
        currency: snapshot.currency,
        stage_id: snapshot.stage_id,
        at,
      });
    } else {
      await profile.tombstone(db, 'open_deals', clientId, snapshot.deal_id, at);
    }
    if (action !== 'created') await profile.dropEntry(db, 'open_deals', snapshot.deal_id, open ? [clientId] : [], at);
    await profile.touch(db, clientId, at);
    return;
  }

  if (domain === 'crm') {
    // Notes and other client-filed crm events only count as activity.
    const payload = clientIdSchema.parse(event.payload);
    if (payload.client_id) await profile.touch(db, await target(db, tenantId, payload.client_id), at);
    return;
  }

  if (domain === 'projects' && entity === 'project') {
    const payload = projectEventSchema.parse(event.payload);
    if (payload.previous_client_id) await profile.removeId(db, 'active_project_ids', payload.project_id, null);
    if (!payload.client_id) return;
    const clientId = await target(db, tenantId, payload.client_id);
    const closed = action === 'completed' || action === 'archived' || action === 'deleted' || closedProjectStatuses.has(payload.status ?? '');
    if (closed) await profile.removeId(db, 'active_project_ids', payload.project_id, null);
    else {
      await profile.removeId(db, 'active_project_ids', payload.project_id, clientId);
      await profile.addId(db, 'active_project_ids', clientId, payload.project_id);
    }
    await profile.touch(db, clientId, at);
    return;
  }

  if (domain === 'projects' && entity === 'task') {
    const payload = taskEventSchema.parse(event.payload);
    if (!payload.client_id) return;
    const clientId = await target(db, tenantId, payload.client_id);
    const done = action === 'completed' || action === 'archived' || action === 'deleted' || payload.status === 'done';
    if (done) await profile.removeId(db, 'open_task_ids', payload.task_id, null);
    else {
      await profile.removeId(db, 'open_task_ids', payload.task_id, clientId);
      await profile.addId(db, 'open_task_ids', clientId, payload.task_id);
    }
    await profile.touch(db, clientId, at);
    return;
  }

  if (domain === 'projects') {
    const payload = clientIdSchema.parse(event.payload);
    if (payload.client_id) await profile.touch(db, await target(db, tenantId, payload.client_id), at);
  }
}

export const clientProfileSubscription: Subscription = {
  name: 'crm.client-profile',
  events: ['crm.client.*', 'crm.contact.*', 'crm.deal.*', 'crm.note.*', 'projects.project.*', 'projects.task.*', 'projects.milestone.*'],
  ordered: true,
  handle: applyToClientProfile,
};

const engagementLinkSchema = z.looseObject({ engagement_id: z.uuid().nullable().optional(), project_id: z.uuid().optional(), invoice_id: z.uuid().optional() });

/** Keeps engagement.project_ids / invoice_ids up to date from other domains' events. */
export const engagementLinksSubscription: Subscription = {
  name: 'crm.engagement-links',
  events: ['projects.project.created', 'projects.project.updated', 'revenue.invoice.created'],
  async handle(event, context) {
    const payload = engagementLinkSchema.parse(event.payload);
    if (!payload.engagement_id) return;
    if (event.type.startsWith('projects.') && payload.project_id) await linkToEngagement(context, payload.engagement_id, 'project', payload.project_id);
    if (event.type.startsWith('revenue.') && payload.invoice_id) await linkToEngagement(context, payload.engagement_id, 'invoice', payload.invoice_id);
  },
};

/** The background CSV import: one chunk per delivery, each in its own transaction. */
export const importSubscription: Subscription = {
  name: 'crm.import-chunks',
  events: ['crm.import.requested', 'crm.import.chunk_processed'],
  retryLimit: 5,
  timeoutSeconds: 300,
  handle: processImportEvent,
  // A chunk that keeps failing marks the import failed (with the error) instead of leaving it "running".
  onDeadLetter: (event, failure, context) => markImportFailed(context, event, failure),
};

export const crmSubscriptions: readonly Subscription[] = [clientProfileSubscription, engagementLinksSubscription, importSubscription];
