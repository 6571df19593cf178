import { DomainError, hashLinkToken, newLinkToken, NotFoundError, uuidv7, type DomainContext } from '@ubos/platform';
import {
  requestCreated,
  requestLinkPath,
  requestRevoked,
  type CreatedRequestDto,
  type CreateRequestInput,
  type ListRequestsInput,
  type RequestDetailDto,
  type RequestDto,
  type RequestPageDto,
  type RequestState,
} from './contracts.ts';
import { describeBytes } from './content-rules.ts';
import type { FilesDB, RequestRow } from './db.ts';
import * as repo from './repository-requests.ts';
import { liveFolder } from './service-folders.ts';
import { tenantRules } from './service-uploads.ts';

/**
 * File requests (ARCHITECTURE.md §7): an upload-only link for someone without an account. The
 * token is 256 random bits shown once; only its SHA-256 is stored.
 */

/** The stored form of a request link's token (the kernel's link-token rule). */
export const hashToken = hashLinkToken;

export function requestState(row: Pick<RequestRow, 'revoked_at' | 'completed_at' | 'expires_at'>, now: Date = new Date()): RequestState {
  if (row.revoked_at) return 'revoked';
  if (row.completed_at) return 'completed';
  if (row.expires_at.getTime() <= now.getTime()) return 'expired';
  return 'open';
}

export function toRequestDto(row: RequestRow): RequestDto {
  return {
    id: row.id,
    label: row.label,
    folderId: row.folder_id,
    clientId: row.client_id,
    projectId: row.project_id,
    maxFiles: row.max_files,
    maxBytesPerFile: Number(row.max_bytes_per_file),
    allowedTypes: row.allowed_types,
    requireUploaderName: row.require_uploader_name,
    requireUploaderEmail: row.require_uploader_email,
    filesReceived: row.files_received,
    state: requestState(row),
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    completedAt: row.completed_at,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

/** Makes the request and its token; the caller shows the token once (it is never stored). */
export async function openRequest(ctx: DomainContext, input: CreateRequestInput): Promise<{ row: RequestRow; token: string }> {
  const folder = await liveFolder(ctx, input.folderId);
  const rules = await tenantRules(ctx);
  const allowedTypes = input.allowedTypes ? [...new Set(input.allowedTypes)] : [...rules.allowedTypes];
  const refused = allowedTypes.filter((type) => !rules.allowedTypes.includes(type));
  if (refused.length > 0) {
    throw new DomainError('BAD_REQUEST', `The organization does not accept ${refused.join(', ')}; a request can only ask for accepted types`, [
      { path: ['allowedTypes'], message: 'Includes types the organization does not accept' },
    ]);
  }
  const maxBytes = input.maxBytesPerFile ?? rules.maxBytes;
  if (maxBytes > rules.maxBytes) {
    throw new DomainError('BAD_REQUEST', `A request cannot allow files larger than the organization's limit of ${describeBytes(rules.maxBytes)}`, [
      { path: ['maxBytesPerFile'], message: 'Above the organization limit' },
    ]);
  }
  const token = newLinkToken();
  const row = await repo.insertRequest(ctx.db<FilesDB>(), {
    id: uuidv7(),
    tenant_id: ctx.tenantId,
    token_hash: hashToken(token),
    label: input.label,
    folder_id: folder.id,
    client_id: folder.client_id,
    project_id: folder.project_id,
    max_files: input.maxFiles,
    max_bytes_per_file: maxBytes,
    allowed_types: allowedTypes,
    require_uploader_name: input.requireUploaderName,
    require_uploader_email: input.requireUploaderEmail,
    expires_at: new Date(Date.now() + input.expiresInDays * 86_400_000),
    created_by: ctx.actorId,
  });
  await ctx.emit(
    requestCreated,
    {
      request_id: row.id,
      label: row.label,
      folder_id: row.folder_id,
      client_id: row.client_id,
      project_id: row.project_id,
      max_files: row.max_files,
      max_bytes_per_file: Number(row.max_bytes_per_file),
      expires_at: row.expires_at.toISOString(),
      created_by: row.created_by,
    },
    { aggregateId: row.id },
  );
  return { row, token };
}

export async function createRequest(ctx: DomainContext, input: CreateRequestInput, options: { publicUrl: string | null }): Promise<CreatedRequestDto> {
  const { row, token } = await openRequest(ctx, input);
  const path = requestLinkPath(token);
  return { request: toRequestDto(row), token, path, url: options.publicUrl ? new URL(path, options.publicUrl).toString() : path };
}

export async function listRequests(ctx: DomainContext, input: ListRequestsInput): Promise<RequestPageDto> {
  if (input.cursor !== null && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(input.cursor)) {
    throw new DomainError('BAD_REQUEST', 'This page cursor is not valid; start from the first page', [
      { path: ['cursor'], message: 'Not a cursor this list gave out' },
    ]);
  }
  const rows = await repo.listRequests(ctx.db<FilesDB>(), { ...input, before: input.cursor, limit: input.limit + 1 });
  const items = rows.slice(0, input.limit);
  return { items: items.map(toRequestDto), nextCursor: rows.length > input.limit ? (items.at(-1)?.id ?? null) : null };
}

export async function getRequest(ctx: DomainContext, id: string): Promise<RequestDetailDto> {
  const db = ctx.db<FilesDB>();
  const row = await repo.findRequest(db, id);
  if (!row) throw new NotFoundError('File request', id);
  const submissions = await repo.listSubmissions(db, row.id);
  return {
    ...toRequestDto(row),
    submissions: submissions.map((submission) => ({
      id: submission.id,
      fileId: submission.file_id,
      fileName: submission.file_name,
      size: Number(submission.size),
      contentType: submission.content_type,
      uploaderName: submission.uploader_name,
      uploaderEmail: submission.uploader_email,
      createdAt: submission.created_at,
    })),
  };
}

/** Revokes the link (the page then says so); revoking twice, or a completed request, changes nothing. */
export async function revokeRequest(ctx: DomainContext, id: string): Promise<RequestDto> {
  const db = ctx.db<FilesDB>();
  const revoked = await repo.revokeRequest(db, id, ctx.actorId);
  if (!revoked) {
    const row = await repo.findRequest(db, id);
    if (!row) throw new NotFoundError('File request', id);
    return toRequestDto(row);
  }
  await ctx.emit(
    requestRevoked,
    {
      request_id: revoked.id,
      label: revoked.label,
      folder_id: revoked.folder_id,
      client_id: revoked.client_id,
      project_id: revoked.project_id,
      revoked_by: ctx.actorId,
      files_received: revoked.files_received,
    },
    { aggregateId: revoked.id },
  );
  return toRequestDto(revoked);
}
