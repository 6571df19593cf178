import { sql, type EventEnvelope, type HandlerContext, type Subscription } from '@ubos/platform';
import * as crm from '@ubos/crm/contracts';
import * as files from '@ubos/files/contracts';
import { organizationCreated } from '@ubos/identity/contracts';
import * as projects from '@ubos/projects/contracts';
import type { PortalDB } from './db.ts';
import * as repo from './repository.ts';
import { recordOrganization } from './service.ts';
import { onFileVersioned } from './service-approvals.ts';
import { applyClientMerge, applyContactMerge } from './service-merges.ts';

/**
 * Event subscriptions of the portal domain (ARCHITECTURE.md §5): the local copies the portal
 * reads (§3: never another domain's tables). Each parses the producer's event through its
 * published contract, is idempotent (upserts keyed by the producer's id) and ordered per
 * aggregate, so a later event of a record never lands before an earlier one.
 */

export const recordOrganizations: Subscription = {
  name: 'portal.organizations',
  events: [organizationCreated.type],
  async handle(event, ctx) {
    const payload = organizationCreated.payload.parse(event.payload);
    await recordOrganization(ctx, payload.name);
  },
};

const clientEvents = [crm.clientCreated, crm.clientUpdated, crm.clientArchived, crm.clientRestored];
const contactEvents = [crm.contactCreated, crm.contactUpdated, crm.contactArchived, crm.contactRestored];

export const recordClients: Subscription = {
  name: 'portal.crm-copy',
  events: [...clientEvents.map((contract) => contract.type), ...contactEvents.map((contract) => contract.type)],
  ordered: true,
  async handle(event, ctx) {
    const db = ctx.db<PortalDB>();
    if (event.type.startsWith('crm.client.')) {
      const client = crm.clientSnapshotSchema.parse(event.payload);
      await repo.upsertClient(db, { tenantId: event.tenant_id, id: client.client_id, name: client.name, archived: event.type === crm.clientArchived.type });
      return;
    }
    const contact = crm.contactSnapshotSchema.parse(event.payload);
    await repo.upsertContact(db, {
      tenantId: event.tenant_id,
      id: contact.contact_id,
      name: contact.name,
      email: contact.email_normalized ?? contact.email,
      clientIds: contact.client_ids,
      archived: event.type === crm.contactArchived.type,
    });
  },
};

/** crm merges: the survivor takes over the merged record's portal users and copies (service-merges.ts). */
export const applyCrmMerges: Subscription = {
  name: 'portal.crm-merges',
  events: [crm.clientMerged.type, crm.contactMerged.type],
  ordered: true,
  async handle(event, ctx) {
    if (event.type === crm.clientMerged.type) {
      const p = crm.clientMerged.payload.parse(event.payload);
      await applyClientMerge(ctx, { survivorId: p.survivor_id, mergedId: p.merged_id });
      return;
    }
    const p = crm.contactMerged.payload.parse(event.payload);
    await applyContactMerge(ctx, { survivorId: p.survivor_id, mergedId: p.merged_id, clientId: p.client_id, clientIds: p.client_ids });
  },
};

async function upsertProject(ctx: HandlerContext, event: EventEnvelope): Promise<void> {
  const db = ctx.db<PortalDB>();
  if (event.type === projects.projectCreated.type) {
    const p = projects.projectCreated.payload.parse(event.payload);
    await db
      .insertInto('portal.projects')
      .values({
        tenant_id: event.tenant_id,
        id: p.project_id,
        client_id: p.client_id,
        name: p.name,
        status: p.status,
        start_date: p.start_date,
        due_date: p.due_date,
        updated_at: event.occurred_at,
      })
      .onConflict((conflict) =>
        conflict
          .columns(['tenant_id', 'id'])
          .doUpdateSet({ client_id: p.client_id, name: p.name, status: p.status, start_date: p.start_date, due_date: p.due_date }),
      )
      .execute();
  } else if (event.type === projects.projectUpdated.type) {
    const p = projects.projectUpdated.payload.parse(event.payload);
    await db
      .insertInto('portal.projects')
      .values({ tenant_id: event.tenant_id, id: p.project_id, client_id: p.client_id, name: p.name, status: p.status, updated_at: event.occurred_at })
      .onConflict((conflict) =>
        conflict.columns(['tenant_id', 'id']).doUpdateSet({ client_id: p.client_id, name: p.name, status: p.status, updated_at: event.occurred_at }),
      )
      .execute();
    await db.updateTable('portal.tasks').set({ client_id: p.client_id }).where('project_id', '=', p.project_id).execute();
  } else if (event.type === projects.projectCompleted.type) {
    const p = projects.projectCompleted.payload.parse(event.payload);
    await db.updateTable('portal.projects').set({ status: 'completed', updated_at: event.occurred_at }).where('id', '=', p.project_id).execute();
  }
}

async function upsertTask(ctx: HandlerContext, event: EventEnvelope): Promise<void> {
  const db = ctx.db<PortalDB>();
  if (event.type === projects.taskMoved.type) {
    const p = projects.taskMoved.payload.parse(event.payload);
    await db.updateTable('portal.tasks').set({ title: p.title, updated_at: event.occurred_at }).where('id', '=', p.task_id).execute();
    return;
  }
  const contract =
    event.type === projects.taskCreated.type ? projects.taskCreated : event.type === projects.taskUpdated.type ? projects.taskUpdated : projects.taskCompleted;
  const p = contract.payload.parse(event.payload);
  const status = event.type === projects.taskCompleted.type ? 'done' : p.status;
  await db
    .insertInto('portal.tasks')
    .values({
      tenant_id: event.tenant_id,
      id: p.task_id,
      project_id: p.project_id,
      client_id: p.client_id,
      title: p.title,
      status,
      due_date: p.due_date,
      updated_at: event.occurred_at,
    })
    .onConflict((conflict) =>
      conflict
        .columns(['tenant_id', 'id'])
        .doUpdateSet({ project_id: p.project_id, client_id: p.client_id, title: p.title, status, due_date: p.due_date, updated_at: event.occurred_at }),
    )
    .execute();
}

async function upsertMilestone(ctx: HandlerContext, event: EventEnvelope): Promise<void> {
  const db = ctx.db<PortalDB>();
  if (event.type === projects.milestoneCreated.type) {
    const p = projects.milestoneCreated.payload.parse(event.payload);
    await db
      .insertInto('portal.milestones')
      .values({ tenant_id: event.tenant_id, id: p.milestone_id, project_id: p.project_id, client_id: p.client_id, name: p.name, due_date: p.due_date })
      .onConflict((conflict) => conflict.columns(['tenant_id', 'id']).doUpdateSet({ name: p.name, due_date: p.due_date, client_id: p.client_id }))
      .execute();
    return;
  }
  const p = projects.milestoneReached.payload.parse(event.payload);
  await db
    .insertInto('portal.milestones')
    .values({ tenant_id: event.tenant_id, id: p.milestone_id, project_id: p.project_id, client_id: p.client_id, name: p.name, reached_at: p.reached_at })
    .onConflict((conflict) => conflict.columns(['tenant_id', 'id']).doUpdateSet({ name: p.name, reached_at: p.reached_at }))
    .execute();
}

export const recordProjects: Subscription = {
  name: 'portal.projects-copy',
  events: [
    projects.projectCreated.type,
    projects.projectUpdated.type,
    projects.projectCompleted.type,
    projects.taskCreated.type,
    projects.taskUpdated.type,
    projects.taskMoved.type,
    projects.taskCompleted.type,
    projects.milestoneCreated.type,
    projects.milestoneReached.type,
  ],
  ordered: true,
  async handle(event, ctx) {
    if (event.type.startsWith('projects.project.')) return upsertProject(ctx, event);
    if (event.type.startsWith('projects.task.')) return upsertTask(ctx, event);
    return upsertMilestone(ctx, event);
  },
};

async function recordFolder(ctx: HandlerContext, event: EventEnvelope): Promise<void> {
  const db = ctx.db<PortalDB>();
  if (event.type === files.folderArchived.type) {
    const p = files.folderArchived.payload.parse(event.payload);
    await db
      .updateTable('portal.folders')
      .set({ archived: true })
      .where('id', 'in', [p.folder_id, ...p.folder_ids])
      .execute();
    await db
      .updateTable('portal.files')
      .set({ archived: true })
      .where('folder_id', 'in', [p.folder_id, ...p.folder_ids])
      .execute();
    return;
  }
  const contract =
    event.type === files.folderCreated.type ? files.folderCreated : event.type === files.folderRenamed.type ? files.folderRenamed : files.folderMoved;
  const p = contract.payload.parse(event.payload);
  await db
    .insertInto('portal.folders')
    .values({ tenant_id: event.tenant_id, id: p.folder_id, parent_id: p.parent_id, client_id: p.client_id, name: p.name })
    .onConflict((conflict) => conflict.columns(['tenant_id', 'id']).doUpdateSet({ parent_id: p.parent_id, client_id: p.client_id, name: p.name }))
    .execute();
}

async function recordFile(ctx: HandlerContext, event: EventEnvelope): Promise<void> {
  const db = ctx.db<PortalDB>();
  if (event.type === files.fileUploaded.type || event.type === files.fileVersioned.type) {
    const p = files.fileUploaded.payload.parse(event.payload);
    await db
      .insertInto('portal.files')
      .values({
        tenant_id: event.tenant_id,
        id: p.file_id,
        folder_id: p.folder_id,
        client_id: p.client_id,
        name: p.name,
        version: p.version,
        size: p.size,
        content_type: p.content_type,
        sha256: p.sha256,
        updated_at: event.occurred_at,
      })
      .onConflict((conflict) =>
        conflict
          .columns(['tenant_id', 'id'])
          .doUpdateSet({
            folder_id: p.folder_id,
            client_id: p.client_id,
            name: p.name,
            version: p.version,
            size: p.size,
            content_type: p.content_type,
            sha256: p.sha256,
            updated_at: event.occurred_at,
          })
          // A redelivered older version never replaces a newer one.
          .where('portal.files.version', '<=', p.version),
      )
      .execute();
    if (event.type === files.fileVersioned.type) await onFileVersioned(ctx, { fileId: p.file_id, version: p.version, sha256: p.sha256 });
    return;
  }
  const contract =
    event.type === files.fileRenamed.type
      ? files.fileRenamed
      : event.type === files.fileMoved.type
        ? files.fileMoved
        : event.type === files.fileArchived.type
          ? files.fileArchived
          : files.fileRestored;
  const p = contract.payload.parse(event.payload);
  await db
    .updateTable('portal.files')
    .set({
      folder_id: p.folder_id,
      client_id: p.client_id,
      name: p.name,
      archived: event.type === files.fileArchived.type,
      updated_at: sql<Date>`greatest(updated_at, ${event.occurred_at}::timestamptz)`,
    })
    .where('id', '=', p.file_id)
    .execute();
}

async function recordRequest(ctx: HandlerContext, event: EventEnvelope): Promise<void> {
  const db = ctx.db<PortalDB>();
  if (event.type === files.requestCreated.type) {
    const p = files.requestCreated.payload.parse(event.payload);
    await db
      .insertInto('portal.file_requests')
      .values({
        tenant_id: event.tenant_id,
        id: p.request_id,
        folder_id: p.folder_id,
        client_id: p.client_id,
        label: p.label,
        expires_at: p.expires_at,
        state: 'open',
      })
      .onConflict((conflict) => conflict.columns(['tenant_id', 'id']).doNothing())
      .execute();
    return;
  }
  const state = event.type === files.requestRevoked.type ? 'revoked' : 'completed';
  const p = (event.type === files.requestRevoked.type ? files.requestRevoked : files.requestCompleted).payload.parse(event.payload);
  await db
    .insertInto('portal.file_requests')
    .values({
      tenant_id: event.tenant_id,
      id: p.request_id,
      folder_id: p.folder_id,
      client_id: p.client_id,
      label: p.label,
      expires_at: event.occurred_at,
      state,
    })
    .onConflict((conflict) => conflict.columns(['tenant_id', 'id']).doUpdateSet({ state, updated_at: sql<Date>`now()` }))
    .execute();
}

export const recordFiles: Subscription = {
  name: 'portal.files-copy',
  events: [
    files.folderCreated.type,
    files.folderRenamed.type,
    files.folderMoved.type,
    files.folderArchived.type,
    files.fileUploaded.type,
    files.fileVersioned.type,
    files.fileRenamed.type,
    files.fileMoved.type,
    files.fileArchived.type,
    files.fileRestored.type,
    files.requestCreated.type,
    files.requestRevoked.type,
    files.requestCompleted.type,
  ],
  ordered: true,
  async handle(event, ctx) {
    if (event.type.startsWith('files.folder.')) return recordFolder(ctx, event);
    if (event.type.startsWith('files.file.')) return recordFile(ctx, event);
    return recordRequest(ctx, event);
  },
};

export const portalSubscriptions: readonly Subscription[] = [recordOrganizations, recordClients, applyCrmMerges, recordProjects, recordFiles];
