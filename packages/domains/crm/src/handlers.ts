import type { EventContract, EventEnvelope, HandlerContext, Subscription } from '@ubos/platform';
// The projects domain's published contracts (ARCHITECTURE.md §3). Imported by path, not as
// `@ubos/projects/contracts`: @ubos/projects depends on @ubos/crm (it follows crm.client.merged), and
// a package dependency back would make the workspace graph cyclic, which turbo refuses.
import {
  milestoneCreated,
  milestoneReached,
  projectCompleted,
  projectCreated,
  projectUpdated,
  taskCompleted,
  taskCreated,
  taskMoved,
  taskUpdated,
} from '../../projects/src/contracts.ts';
// The files domain's published contracts, imported by path for the same reason: files will follow
// crm.client.merged (re-pointing a merged client's folders), so a package dependency would cycle.
import { fileUploaded, fileVersioned, requestCompleted } from '../../files/src/contracts.ts';
// revenue depends on nothing of crm's, but timeline/search/portal depend on both: by path, as with projects (docs/ENGINEERING.md).
import { invoiceDrafted } from '../../revenue/src/contracts.ts';
import {
  clientArchived,
  clientCreated,
  clientMerged,
  clientRestored,
  clientUpdated,
  contactArchived,
  contactCreated,
  contactMerged,
  contactRestored,
  contactUpdated,
  dealArchived,
  dealCreated,
  dealLost,
  dealStageChanged,
  dealUpdated,
  dealWon,
  importChunkProcessed,
  importRequested,
  noteArchived,
  noteCreated,
  noteUpdated,
} from './contracts.ts';
import type { CrmDB } from './db.ts';
import * as profile from './repository-profile.ts';
import type { Db } from './repository.ts';
import { linkToEngagement } from './service-deals.ts';
import { markImportFailed, processImportEvent } from './service-import.ts';

/**
 * Event subscriptions of the crm domain. The runner records processed_events and wraps each
 * call in the event's tenant transaction; handlers are idempotent anyway (redelivery, replay).
 * Every payload is parsed through its publisher's contract, crm's own or projects'.
 */

const clientEvents = [clientCreated, clientUpdated, clientArchived, clientRestored] as const;
const contactEvents = [contactCreated, contactUpdated, contactArchived, contactRestored] as const;
const dealEvents = [dealCreated, dealUpdated, dealStageChanged, dealWon, dealLost, dealArchived] as const;
const noteEvents = [noteCreated, noteUpdated, noteArchived] as const;
const projectEvents = [projectCreated, projectUpdated, projectCompleted] as const;
const taskEvents = [taskCreated, taskUpdated, taskMoved, taskCompleted] as const;
const milestoneEvents = [milestoneCreated, milestoneReached] as const;
/** A file arriving for a client (uploaded, a new version, a file request finished) is activity on it. */
const fileEvents = [fileUploaded, fileVersioned, requestCompleted] as const;
const closedProjectStatuses = new Set(['completed', 'cancelled', 'archived']);

function contractOf<Contract extends EventContract>(contracts: readonly Contract[], event: EventEnvelope): Contract | undefined {
  return contracts.find((contract) => contract.type === event.type);
}

function typesOf(...groups: (readonly EventContract[])[]): string[] {
  return groups.flat().map((contract) => contract.type);
}

async function target(db: Db, tenantId: string, clientId: string): Promise<string> {
  const resolved = await profile.resolveClient(db, clientId);
  await profile.ensureProfile(db, tenantId, resolved);
  return resolved;
}

/** What a projects.project.* event says about the project's place on its client's profile. */
function projectChange(event: EventEnvelope): { projectId: string; clientId: string | null; previousClientId: string | null; closed: boolean } | null {
  if (event.type === projectCreated.type) {
    const payload = projectCreated.payload.parse(event.payload);
    return { projectId: payload.project_id, clientId: payload.client_id, previousClientId: null, closed: closedProjectStatuses.has(payload.status) };
  }
  if (event.type === projectUpdated.type) {
    const payload = projectUpdated.payload.parse(event.payload);
    return {
      projectId: payload.project_id,
      clientId: payload.client_id,
      previousClientId: payload.previous_client_id ?? null,
      closed: closedProjectStatuses.has(payload.status),
    };
  }
  if (event.type === projectCompleted.type) {
    const payload = projectCompleted.payload.parse(event.payload);
    return { projectId: payload.project_id, clientId: payload.client_id, previousClientId: null, closed: true };
  }
  return null;
}

/**
 * What a projects.task.* event says about the task: open or done. A move says neither (null): a move
 * that completes or reopens a task is followed by its projects.task.completed / projects.task.updated.
 */
function taskChange(event: EventEnvelope): { taskId: string; clientId: string | null; done: boolean | null } | null {
  if (event.type === taskCompleted.type) {
    const payload = taskCompleted.payload.parse(event.payload);
    return { taskId: payload.task_id, clientId: payload.client_id, done: true };
  }
  if (event.type === taskMoved.type) {
    const payload = taskMoved.payload.parse(event.payload);
    return { taskId: payload.task_id, clientId: payload.client_id, done: null };
  }
  const contract = contractOf([taskCreated, taskUpdated], event);
  if (!contract) return null;
  const payload = contract.payload.parse(event.payload);
  return { taskId: payload.task_id, clientId: payload.client_id, done: payload.status === 'done' };
}

/** Maintains crm.client_profiles from crm.*, projects.* and files.* events only. */
export async function applyToClientProfile(event: EventEnvelope, context: HandlerContext): Promise<void> {
  const db = context.db<CrmDB>();
  const tenantId = event.tenant_id;
  const at = event.occurred_at;

  if (event.type === clientMerged.type) {
    const payload = clientMerged.payload.parse(event.payload);
    const survivor = await target(db, tenantId, payload.survivor_id);
    await profile.ensureProfile(db, tenantId, payload.merged_id);
    await profile.mergeProfiles(db, survivor, payload.merged_id);
    await profile.touch(db, survivor, at);
    return;
  }

  const client = contractOf(clientEvents, event);
  if (client) {
    const snapshot = client.payload.parse(event.payload);
    await profile.ensureProfile(db, tenantId, snapshot.client_id);
    await profile.applyClientSnapshot(db, snapshot.client_id, { name: snapshot.name, status: snapshot.status, archived: client === clientArchived }, at);
    await profile.touch(db, snapshot.client_id, at);
    return;
  }

  if (event.type === contactMerged.type) {
    const payload = contactMerged.payload.parse(event.payload);
    await profile.dropEntry(db, 'contacts', payload.merged_id, [], at);
    return;
  }

  const contact = contractOf(contactEvents, event);
  if (contact) {
    const snapshot = contact.payload.parse(event.payload);
    const active = contact !== contactArchived;
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
    if (contact !== contactCreated) await profile.dropEntry(db, 'contacts', snapshot.contact_id, keep, at);
    return;
  }

  const deal = contractOf(dealEvents, event);
  if (deal) {
    const snapshot = deal.payload.parse(event.payload);
    const clientId = await target(db, tenantId, snapshot.client_id);
    const open = snapshot.status === 'open' && deal !== dealArchived;
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
    if (deal !== dealCreated) await profile.dropEntry(db, 'open_deals', snapshot.deal_id, open ? [clientId] : [], at);
    await profile.touch(db, clientId, at);
    return;
  }

  // Notes (and projects' milestones below) only count as activity on the client they are filed under.
  const note = contractOf(noteEvents, event);
  if (note) {
    const payload = note.payload.parse(event.payload);
    if (payload.client_id) await profile.touch(db, await target(db, tenantId, payload.client_id), at);
    return;
  }

  const project = projectChange(event);
  if (project) {
    if (project.previousClientId) await profile.removeId(db, 'active_project_ids', project.projectId, null);
    if (!project.clientId) return;
    const clientId = await target(db, tenantId, project.clientId);
    if (project.closed) await profile.removeId(db, 'active_project_ids', project.projectId, null);
    else {
      await profile.removeId(db, 'active_project_ids', project.projectId, clientId);
      await profile.addId(db, 'active_project_ids', clientId, project.projectId);
    }
    await profile.touch(db, clientId, at);
    return;
  }

  const task = taskChange(event);
  if (task) {
    if (!task.clientId) return;
    const clientId = await target(db, tenantId, task.clientId);
    if (task.done === true) await profile.removeId(db, 'open_task_ids', task.taskId, null);
    else if (task.done === false) {
      await profile.removeId(db, 'open_task_ids', task.taskId, clientId);
      await profile.addId(db, 'open_task_ids', clientId, task.taskId);
    }
    await profile.touch(db, clientId, at);
    return;
  }

  const milestone = contractOf(milestoneEvents, event);
  if (milestone) {
    const payload = milestone.payload.parse(event.payload);
    if (payload.client_id) await profile.touch(db, await target(db, tenantId, payload.client_id), at);
    return;
  }

  const file = contractOf(fileEvents, event);
  if (file) {
    const payload = file.payload.parse(event.payload);
    if (payload.client_id) await profile.touch(db, await target(db, tenantId, payload.client_id), at);
  }
}

export const clientProfileSubscription: Subscription = {
  name: 'crm.client-profile',
  events: typesOf(
    [...clientEvents, clientMerged],
    [...contactEvents, contactMerged],
    dealEvents,
    noteEvents,
    projectEvents,
    taskEvents,
    milestoneEvents,
    fileEvents,
  ),
  ordered: true,
  handle: applyToClientProfile,
};

/**
 * Keeps engagement.project_ids and invoice_ids up to date: a project created for an engagement,
 * and an invoice drafted for one (revenue.invoice.drafted), are recorded on it.
 * (projects.project.updated carries no engagement_id.)
 */
export const engagementLinksSubscription: Subscription = {
  name: 'crm.engagement-links',
  events: [projectCreated.type, invoiceDrafted.type],
  async handle(event, context) {
    if (event.type === invoiceDrafted.type) {
      const invoice = invoiceDrafted.payload.parse(event.payload);
      if (invoice.engagement_id) await linkToEngagement(context, invoice.engagement_id, 'invoice', invoice.invoice_id);
      return;
    }
    const payload = projectCreated.payload.parse(event.payload);
    if (payload.engagement_id) await linkToEngagement(context, payload.engagement_id, 'project', payload.project_id);
  },
};

/** The background CSV import: one chunk per delivery, each in its own transaction. */
export const importSubscription: Subscription = {
  name: 'crm.import-chunks',
  events: [importRequested.type, importChunkProcessed.type],
  retryLimit: 5,
  timeoutSeconds: 300,
  handle: processImportEvent,
  // A chunk that keeps failing marks the import failed (with the error) instead of leaving it "running".
  onDeadLetter: (event, failure, context) => markImportFailed(context, event, failure),
};

export const crmSubscriptions: readonly Subscription[] = [clientProfileSubscription, engagementLinksSubscription, importSubscription];
