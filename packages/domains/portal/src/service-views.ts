import { DomainError, NotFoundError, uuidv7, type ActionRegistry, type DomainContext, type KernelServices, type PortalSessionInfo } from '@ubos/platform';
import { z } from 'zod';
import { requestCompleteDto, requestFinishDto, sharesUpdated, type HomeDto, type SetSharesInput } from './contracts.ts';
import type { PortalDB } from './db.ts';
import * as repo from './repository.ts';
import * as approvals from './repository-approvals.ts';
import * as views from './repository-views.ts';
import { brandingOf } from './service.ts';

/**
 * What the client sees (`portal.me.*`) and what staff share (`portal.shares.*`). Every read is
 * scoped to the session's client (`portal.clientId`), never to a client id from the input.
 */

export async function me(ctx: DomainContext, services: KernelServices, portal: PortalSessionInfo) {
  const db = ctx.db<PortalDB>();
  const [organization, client] = await Promise.all([repo.findOrganization(db, ctx.tenantId), repo.findClient(db, portal.clientId)]);
  const branding = await brandingOf(db, services, ctx.tenantId, { slug: organization?.slug ?? '', name: organization?.name ?? '' });
  return { portalUserId: portal.portalUserId, name: portal.name, email: portal.email, clientName: client?.name ?? '', branding };
}

export async function home(ctx: DomainContext, services: KernelServices, portal: PortalSessionInfo): Promise<HomeDto> {
  const db = ctx.db<PortalDB>();
  // One transaction, one connection: the queries run one after another.
  const profile = await me(ctx, services, portal);
  const pending = await approvals.listPendingApprovals(db, portal.clientId, 20);
  const requests = await views.listOpenRequests(db, portal.clientId);
  const projects = await views.listClientProjects(db, portal.clientId);
  const folders = await views.listSharedFolders(db, portal.clientId);
  const folderIds = folders.map((folder) => folder.id);
  const fileCount = await views.countFilesIn(db, folderIds);
  const recentFiles = await views.recentFilesIn(db, folderIds, 5);
  const decisions = await approvals.recentDecisions(db, portal.clientId, 5);
  const approvalCount = await approvals.countApprovals(db, portal.clientId);
  const recent: HomeDto['recent'] = [
    ...projects
      .slice(0, 5)
      .map((project) => ({ kind: 'project' as const, title: `${project.name}: ${project.status.replace('_', ' ')}`, at: project.updated_at })),
    ...recentFiles.map((file) => ({
      kind: 'file' as const,
      title: file.version > 1 ? `${file.name} (version ${file.version})` : file.name,
      at: file.updated_at,
    })),
    ...decisions.map((decision) => ({
      kind: 'approval' as const,
      title: `${decision.title}: ${decision.decision === 'approved' ? 'approved' : 'changes requested'}`,
      at: decision.decided_at,
    })),
  ]
    .sort((a, b) => b.at.getTime() - a.at.getTime())
    .slice(0, 10);
  return {
    me: profile,
    needsMe: {
      approvals: pending.map((row) => ({ id: row.id, title: row.title, version: row.current_version, createdAt: row.created_at })),
      fileRequests: requests.map((row) => ({ id: row.id, label: row.label, folderName: row.folder_name, expiresAt: row.expires_at })),
    },
    recent,
    counts: { projects: projects.length, files: fileCount, approvals: approvalCount },
  };
}

export async function projects(ctx: DomainContext, portal: PortalSessionInfo, projectId: string | undefined) {
  const db = ctx.db<PortalDB>();
  const rows = await views.listClientProjects(db, portal.clientId, projectId);
  const ids = rows.map((row) => row.id);
  const progress = await views.taskProgress(db, ids);
  const milestones = await views.listMilestones(db, ids);
  const tasks = await views.listSharedTasks(db, portal.clientId, ids);
  return {
    projects: rows.map((row) => {
      const counts = progress.get(row.id) ?? { done: 0, total: 0 };
      return {
        id: row.id,
        name: row.name,
        status: row.status,
        startDate: row.start_date,
        dueDate: row.due_date,
        progress: { ...counts, percent: counts.total === 0 ? (row.status === 'completed' ? 100 : 0) : Math.round((counts.done / counts.total) * 100) },
        milestones: milestones
          .filter((milestone) => milestone.project_id === row.id)
          .map((milestone) => ({ id: milestone.id, name: milestone.name, dueDate: milestone.due_date, reachedAt: milestone.reached_at })),
        tasks: tasks
          .filter((task) => task.project_id === row.id)
          .map((task) => ({ id: task.id, title: task.title, status: task.status, dueDate: task.due_date })),
      };
    }),
  };
}

export async function files(ctx: DomainContext, portal: PortalSessionInfo, folderId: string | undefined) {
  const db = ctx.db<PortalDB>();
  const shared = await views.listSharedFolders(db, portal.clientId);
  const folders = folderId ? shared.filter((folder) => folder.id === folderId) : shared;
  const contents = await views.listFilesIn(
    db,
    folders.map((folder) => folder.id),
  );
  const requests = await views.listOpenRequests(db, portal.clientId);
  return {
    folders: folders.map((folder) => ({
      id: folder.id,
      name: folder.name,
      parentId: folder.parent_id,
      files: contents
        .filter((file) => file.folder_id === folder.id)
        .map((file) => ({
          id: file.id,
          name: file.name,
          version: file.version,
          size: Number(file.size),
          contentType: file.content_type,
          updatedAt: file.updated_at,
        })),
    })),
    fileRequests: requests.map((row) => ({ id: row.id, label: row.label, folderId: row.folder_id, expiresAt: row.expires_at })),
  };
}

/**
 * A signed download URL of a file in a folder shared with the session's client: the portal decides
 * access from its own copy (the file must sit in the shared tree), then asks files through its
 * `files.signDownload` action (files alone knows the blob key). Anything else is not found.
 */
export async function download(ctx: DomainContext, actions: ActionRegistry, portal: PortalSessionInfo, fileId: string) {
  const db = ctx.db<PortalDB>();
  const shared = new Set((await views.listSharedFolders(db, portal.clientId)).map((folder) => folder.id));
  const file = await db.selectFrom('portal.files').select(['id', 'folder_id', 'archived']).where('id', '=', fileId).executeTakeFirst();
  if (!file || file.archived || !shared.has(file.folder_id)) throw new NotFoundError('File', fileId);
  const sign = actions.get('files.signDownload');
  if (!sign) throw new DomainError('PRECONDITION_FAILED', 'Downloads are not available on this server.');
  const signed = downloadOutput.parse(await sign.run({ fileId }, { ...ctx, idempotencyKey: `portal-download:${uuidv7()}` }));
  return { url: signed.url, filename: signed.filename, expiresAt: signed.expiresAt };
}

const downloadOutput = z.object({ url: z.string(), filename: z.string(), expiresAt: z.string() });

/** An open file request of the session's client, from the portal's copy; anything else is not found. */
async function ownOpenRequest(ctx: DomainContext, portal: PortalSessionInfo, requestId: string) {
  const open = await views.listOpenRequests(ctx.db<PortalDB>(), portal.clientId);
  if (!open.some((request) => request.id === requestId)) throw new NotFoundError('File request', requestId);
}

function action(actions: ActionRegistry, name: string) {
  const found = actions.get(name);
  if (!found) throw new DomainError('PRECONDITION_FAILED', 'Uploads are not available on this server.');
  return found;
}

/**
 * Uploading into a file request from the portal: the portal checks the request is an open one of
 * the session's client, then files' request actions apply the request's own rules (limits, types,
 * sniffing, slots); the uploader is the portal user.
 */
export async function requestUpload(
  ctx: DomainContext,
  actions: ActionRegistry,
  portal: PortalSessionInfo,
  input: { requestId: string; name: string; contentType: string; size: number },
) {
  await ownOpenRequest(ctx, portal, input.requestId);
  const result = await action(actions, 'files.createRequestUpload').run(
    { ...input, uploaderName: portal.name, uploaderEmail: portal.email },
    { ...ctx, idempotencyKey: `portal-upload:${uuidv7()}` },
  );
  return ticketOutput.parse(result);
}

const ticketOutput = z.object({ uploadId: z.uuid(), url: z.string(), fields: z.record(z.string(), z.string()), expiresAt: z.string(), size: z.number().int() });

export async function requestComplete(ctx: DomainContext, actions: ActionRegistry, portal: PortalSessionInfo, input: { requestId: string; uploadId: string }) {
  await ownOpenRequest(ctx, portal, input.requestId);
  return requestCompleteDto.parse(
    await action(actions, 'files.completeRequestUpload').run(input, { ...ctx, idempotencyKey: `portal-upload-complete:${input.uploadId}` }),
  );
}

export async function requestFinish(ctx: DomainContext, actions: ActionRegistry, portal: PortalSessionInfo, requestId: string) {
  await ownOpenRequest(ctx, portal, requestId);
  return requestFinishDto.parse(
    await action(actions, 'files.finishRequest').run({ requestId }, { ...ctx, idempotencyKey: `portal-request-finish:${requestId}` }),
  );
}

// ---------------------------------------------------------------- staff: what a client sees

export async function getShares(ctx: DomainContext, clientId: string) {
  if (!(await repo.findClient(ctx.db<PortalDB>(), clientId))) throw new NotFoundError('Client', clientId);
  const rows = await views.listShares(ctx.db<PortalDB>(), clientId);
  return {
    clientId,
    folderIds: rows.filter((row) => row.kind === 'folder').map((row) => row.target_id),
    taskIds: rows.filter((row) => row.kind === 'task').map((row) => row.target_id),
  };
}

/** `portal.shares.set`: replaces what the client sees (folders and client-visible tasks). */
export async function setShares(ctx: DomainContext, input: SetSharesInput) {
  const db = ctx.db<PortalDB>();
  const client = await repo.findClient(db, input.clientId);
  if (!client) throw new NotFoundError('Client', input.clientId);
  const folderIds = [...new Set(input.folderIds)];
  const taskIds = [...new Set(input.taskIds)];
  const folders = await views.shareableFolders(db, input.clientId, folderIds);
  const badFolder = folderIds.findIndex((id) => !folders.has(id));
  if (badFolder >= 0) {
    throw new DomainError('BAD_REQUEST', 'One of the folders does not exist, is archived, or belongs to another client.', [
      { path: ['folderIds', badFolder], message: 'Not a folder of this client', code: 'custom' },
    ]);
  }
  const tasks = await views.shareableTasks(db, input.clientId, taskIds);
  const badTask = taskIds.findIndex((id) => !tasks.has(id));
  if (badTask >= 0) {
    throw new DomainError('BAD_REQUEST', "One of the tasks does not exist or is not in this client's projects.", [
      { path: ['taskIds', badTask], message: 'Not a task of this client', code: 'custom' },
    ]);
  }
  const before = await getShares(ctx, input.clientId);
  await views.replaceShares(db, { tenantId: ctx.tenantId, clientId: input.clientId, kind: 'folder', ids: folderIds, by: ctx.actorId });
  await views.replaceShares(db, { tenantId: ctx.tenantId, clientId: input.clientId, kind: 'task', ids: taskIds, by: ctx.actorId });
  const after = await getShares(ctx, input.clientId);
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((id, index) => id === b[index]);
  if (!same(before.folderIds, after.folderIds) || !same(before.taskIds, after.taskIds)) {
    await ctx.emit(
      sharesUpdated,
      { client_id: input.clientId, folder_ids: after.folderIds, task_ids: after.taskIds, updated_by: ctx.actorId },
      { aggregateId: input.clientId },
    );
  }
  return after;
}
