import { createHash } from 'node:crypto';
import { DomainError, NotFoundError, uuidv7, type DomainContext, type PortalSessionInfo } from '@ubos/platform';
import {
  approvalCancelled,
  approvalRequested,
  approvalSubmitted,
  type ApprovalDto,
  type ApprovalStatus,
  type DecideInput,
  type RequestApprovalInput,
} from './contracts.ts';
import type { ApprovalRow, PortalDB } from './db.ts';
import * as repo from './repository.ts';
import * as approvals from './repository-approvals.ts';
import { notifyClientUsers } from './service-notify.ts';

/**
 * Approvals (§3): staff submit a deliverable — a file (followed version by version) or a text —
 * and the client approves it or asks for changes. A decision is bound to the exact version shown:
 * a new version of the file makes the approval pending again, and a decision sent for a version
 * that is no longer current is refused (the conditional INSERT in repository-approvals.ts).
 */

function statusOf(row: ApprovalRow, decided: Map<number, 'approved' | 'changes_requested'>): ApprovalStatus {
  if (row.cancelled_at) return 'cancelled';
  return decided.get(row.current_version) ?? 'pending';
}

async function toDtos(ctx: DomainContext, rows: ApprovalRow[]): Promise<ApprovalDto[]> {
  const db = ctx.db<PortalDB>();
  const decisions = await approvals.listDecisions(
    db,
    rows.map((row) => row.id),
  );
  const fileIds = rows.flatMap((row) => (row.file_id ? [row.file_id] : []));
  const files = fileIds.length > 0 ? await db.selectFrom('portal.files').select(['id', 'name']).where('id', 'in', fileIds).execute() : [];
  const fileNames = new Map(files.map((file) => [file.id, file.name]));
  return rows.map((row) => {
    const own = decisions.filter((decision) => decision.approval_id === row.id);
    const decided = new Map(own.map((decision) => [decision.version, decision.decision]));
    return {
      id: row.id,
      clientId: row.client_id,
      title: row.title,
      kind: row.kind,
      fileId: row.file_id,
      fileName: row.file_id ? (fileNames.get(row.file_id) ?? null) : null,
      body: row.body,
      version: row.current_version,
      status: statusOf(row, decided),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      decisions: own.map((decision) => ({
        version: decision.version,
        decision: decision.decision,
        comment: decision.comment,
        decidedBy: decision.decided_by,
        decidedByName: decision.decided_by_name,
        decidedAt: decision.decided_at,
      })),
    };
  });
}

function payloadOf(row: ApprovalRow) {
  return { approval_id: row.id, client_id: row.client_id, title: row.title, kind: row.kind, file_id: row.file_id, version: row.current_version };
}

/** `portal.approvals.request`: submits a file (its current version) or a text to the client. */
export async function requestApproval(ctx: DomainContext, input: RequestApprovalInput, publicUrl: string | null = null): Promise<ApprovalDto> {
  const db = ctx.db<PortalDB>();
  const client = await repo.findClient(db, input.clientId);
  if (!client || client.archived) throw new NotFoundError('Client', input.clientId);
  let version = 1;
  let subjectHash: string;
  if (input.fileId) {
    const file = await db.selectFrom('portal.files').selectAll().where('id', '=', input.fileId).where('archived', '=', false).executeTakeFirst();
    if (!file) throw new NotFoundError('File', input.fileId);
    if (file.client_id !== null && file.client_id !== input.clientId) {
      throw new DomainError('BAD_REQUEST', 'That file belongs to another client.', [{ path: ['fileId'], message: 'File of another client', code: 'custom' }]);
    }
    version = file.version;
    subjectHash = file.sha256;
  } else {
    subjectHash = createHash('sha256')
      .update(input.text ?? '', 'utf8')
      .digest('hex');
  }
  const row = await approvals.insertApproval(db, {
    tenantId: ctx.tenantId,
    id: uuidv7(),
    clientId: input.clientId,
    title: input.title,
    kind: input.fileId ? 'file' : 'text',
    fileId: input.fileId ?? null,
    body: input.fileId ? null : (input.text ?? null),
    version,
    subjectHash,
    requestedBy: ctx.actorId,
  });
  await ctx.emit(approvalRequested, { ...payloadOf(row), requested_by: ctx.actorId, new_version: false }, { aggregateId: row.id });
  await notifyClientUsers(ctx, { clientId: row.client_id, subject: `Waiting for your approval: ${row.title}`, page: 'approvals', message: '' }, publicUrl);
  const [dto] = await toDtos(ctx, [row]);
  if (!dto) throw new Error('approval vanished');
  return dto;
}

export async function listApprovals(
  ctx: DomainContext,
  filter: { clientId?: string | undefined; status?: ApprovalStatus | undefined },
): Promise<{ items: ApprovalDto[] }> {
  const rows = await approvals.listApprovals(ctx.db<PortalDB>(), { clientId: filter.clientId });
  const items = await toDtos(ctx, rows);
  return { items: filter.status ? items.filter((item) => item.status === filter.status) : items };
}

export async function getApproval(ctx: DomainContext, approvalId: string): Promise<ApprovalDto> {
  const row = await approvals.findApproval(ctx.db<PortalDB>(), approvalId);
  if (!row) throw new NotFoundError('Approval', approvalId);
  const [dto] = await toDtos(ctx, [row]);
  if (!dto) throw new NotFoundError('Approval', approvalId);
  return dto;
}

export async function cancelApproval(ctx: DomainContext, approvalId: string): Promise<ApprovalDto> {
  const db = ctx.db<PortalDB>();
  const row = await approvals.cancelApproval(db, approvalId, ctx.actorId);
  if (!row) return getApproval(ctx, approvalId);
  await ctx.emit(approvalCancelled, { ...payloadOf(row), cancelled_by: ctx.actorId }, { aggregateId: row.id });
  return getApproval(ctx, approvalId);
}

/** A file under approval got a new version (files.file.versioned): the approval is pending again. */
export async function onFileVersioned(ctx: DomainContext, input: { fileId: string; version: number; sha256: string }): Promise<number> {
  const rows = await approvals.advanceFileApprovals(ctx.db<PortalDB>(), input.fileId, input.version, input.sha256);
  for (const row of rows) {
    await ctx.emit(approvalRequested, { ...payloadOf(row), requested_by: null, new_version: true }, { aggregateId: row.id });
  }
  return rows.length;
}

// ---------------------------------------------------------------- the client's side

export async function myApprovals(
  ctx: DomainContext,
  portal: PortalSessionInfo,
  filter: { approvalId?: string | undefined; status?: ApprovalStatus | undefined },
) {
  const rows = await approvals.listApprovals(ctx.db<PortalDB>(), { clientId: portal.clientId, approvalId: filter.approvalId });
  const items = await toDtos(ctx, rows);
  return { approvals: filter.status ? items.filter((item) => item.status === filter.status) : items };
}

/** `portal.me.approvals.decide`: the portal user's decision on the version shown. */
export async function decide(
  ctx: DomainContext,
  portal: PortalSessionInfo,
  input: DecideInput,
  meta: { ip: string | null; userAgent: string | null },
): Promise<ApprovalDto> {
  const db = ctx.db<PortalDB>();
  const comment = input.comment && input.comment.length > 0 ? input.comment : null;
  const decision = await approvals.insertDecision(db, {
    approvalId: input.approvalId,
    clientId: portal.clientId,
    version: input.version,
    decision: input.decision,
    comment,
    decidedBy: portal.portalUserId,
    ip: meta.ip,
    userAgent: meta.userAgent ? meta.userAgent.slice(0, 512) : null,
  });
  const row = await approvals.findApproval(db, input.approvalId, portal.clientId);
  if (!row) throw new NotFoundError('Approval', input.approvalId);
  if (!decision) {
    if (row.cancelled_at) throw new DomainError('CONFLICT', 'This approval was withdrawn by the team; there is nothing to decide.');
    if (row.current_version !== input.version) {
      throw new DomainError('CONFLICT', `A newer version (${row.current_version}) is waiting for you. Look at it and decide on that one.`);
    }
    throw new DomainError('CONFLICT', `Version ${input.version} has already been decided.`);
  }
  await ctx.emit(
    approvalSubmitted,
    { ...payloadOf(row), version: decision.version, decision: decision.decision, comment, portal_user_id: portal.portalUserId, portal_user_name: portal.name },
    { aggregateId: row.id },
  );
  const [dto] = await toDtos(ctx, [row]);
  if (!dto) throw new NotFoundError('Approval', input.approvalId);
  return dto;
}
