import {
  createDomainContext,
  DomainError,
  NotFoundError,
  uuidv7,
  withTenant,
  type Context,
  type DomainContext,
  type Transaction,
  type UntypedDB,
} from '@ubos/platform';
import {
  requestCompleted,
  type CompleteLinkUploadInput,
  type CreateLinkUploadInput,
  type FinishedRequestDto,
  type FinishRequestLinkInput,
  type LinkUploadResultDto,
  type RequestLinkDto,
  type RequestLinkInput,
  type UploadTicketDto,
} from './contracts.ts';
import type { FilesDB, RequestRow } from './db.ts';
import * as files from './repository-files.ts';
import * as repo from './repository-requests.ts';
import { createPendingUpload, finalizeUpload, tenantRules, type UploadRules } from './service-uploads.ts';
import { hashToken, requestState } from './service-requests.ts';

/**
 * The public side of a file request (ARCHITECTURE.md §7): the token is the only credential and it
 * can do four things — read the link's own limits, get an upload form, complete that upload and
 * finish. It never lists, names or downloads a file or folder. The tenant comes from the token's
 * hash through a SECURITY DEFINER lookup; the work then runs inside that tenant's transaction.
 */

type LinkContext = Pick<Context, 'db' | 'log' | 'correlationId' | 'runtime' | 'rateLimiter' | 'ip'>;

const RATE_WINDOW_MS = 10 * 60_000;
const RATE_LIMIT = 300;
const INVALID_LINK = 'This link is not valid. Check that you copied all of it, or ask for a new one.';

interface Resolved {
  domain: DomainContext;
  request: RequestRow;
  organizationName: string;
}

async function withLink<T>(ctx: LinkContext, token: string, fn: (link: Resolved) => Promise<T>): Promise<T> {
  const limited = await ctx.rateLimiter.hit(`files.request-link:${ctx.ip}`, RATE_LIMIT, RATE_WINDOW_MS);
  if (!limited.allowed) throw new DomainError('TOO_MANY_REQUESTS', 'Too many attempts from this address; wait a few minutes and try again');
  const found = await repo.requestByTokenHash(ctx.db.kysely, hashToken(token));
  if (!found) throw new DomainError('NOT_FOUND', INVALID_LINK);
  return withTenant(ctx.db, { tenantId: found.tenant_id }, async (trx: Transaction<UntypedDB>) => {
    const domain = createDomainContext({
      trx,
      tenantId: found.tenant_id,
      actorId: null,
      correlationId: ctx.correlationId,
      causationId: null,
      log: ctx.log,
      services: ctx.runtime.services,
    });
    const request = await repo.findRequest(domain.db<FilesDB>(), found.id, { forUpdate: false });
    if (!request) throw new DomainError('NOT_FOUND', INVALID_LINK);
    return fn({ domain, request, organizationName: found.organization_name });
  });
}

function closedMessage(request: RequestRow, organization: string): string | null {
  const who = organization || 'the sender';
  switch (requestState(request)) {
    case 'revoked':
      return `This link was withdrawn by ${who}. Ask them for a new one if you still need to send files.`;
    case 'completed':
      return 'These files were already sent. Thank you! Ask for a new link to send more.';
    case 'expired':
      return `This link expired on ${request.expires_at.toISOString().slice(0, 10)}. Ask ${who} for a new one.`;
    default:
      return null;
  }
}

function refuseUnlessOpen(request: RequestRow, organization: string): void {
  const message = closedMessage(request, organization);
  if (message) throw new DomainError('PRECONDITION_FAILED', message);
}

function rulesOf(request: RequestRow): UploadRules {
  return { allowedTypes: request.allowed_types, maxBytes: Number(request.max_bytes_per_file) };
}

function remaining(request: RequestRow): number {
  return Math.max(0, request.max_files - request.files_received);
}

/** What the public page shows; changes nothing. */
export function openLink(ctx: LinkContext, input: RequestLinkInput): Promise<RequestLinkDto> {
  return withLink(ctx, input.token, async ({ domain, request, organizationName }) => {
    const rules = await tenantRules(domain, rulesOf(request)).catch(() => rulesOf(request));
    return {
      state: requestState(request),
      message: closedMessage(request, organizationName),
      label: request.label,
      organization: { name: organizationName, logoUrl: null },
      maxFiles: request.max_files,
      remainingFiles: remaining(request),
      maxBytesPerFile: rules.maxBytes,
      allowedTypes: [...rules.allowedTypes],
      requireUploaderName: request.require_uploader_name,
      requireUploaderEmail: request.require_uploader_email,
      expiresAt: request.expires_at,
    };
  });
}

export function createLinkUpload(ctx: LinkContext, input: CreateLinkUploadInput): Promise<UploadTicketDto> {
  return withLink(ctx, input.token, (link) => createUploadFor(link, input));
}

async function createUploadFor({ domain, request, organizationName }: Resolved, input: Omit<CreateLinkUploadInput, 'token'>): Promise<UploadTicketDto> {
  refuseUnlessOpen(request, organizationName);
  if (remaining(request) === 0) {
    throw new DomainError(
      'PRECONDITION_FAILED',
      `This link has already received the ${request.max_files === 1 ? 'file' : `${request.max_files} files`} it asked for`,
    );
  }
  if (request.require_uploader_name && !input.uploaderName) {
    throw new DomainError('BAD_REQUEST', 'Tell us your name before sending files', [{ path: ['uploaderName'], message: 'Required' }]);
  }
  if (request.require_uploader_email && !input.uploaderEmail) {
    throw new DomainError('BAD_REQUEST', 'Give your email address before sending files', [{ path: ['uploaderEmail'], message: 'Required' }]);
  }
  // Forms handed out but not yet completed are capped too, so a link cannot mint forms without end.
  if ((await files.countPendingForRequest(domain.db<FilesDB>(), request.id)) >= request.max_files * 3) {
    throw new DomainError('TOO_MANY_REQUESTS', 'Too many uploads are in progress on this link; finish or wait for them first');
  }
  return createPendingUpload(domain, await tenantRules(domain, rulesOf(request)), {
    target: { folderId: request.folder_id },
    name: input.name,
    contentType: input.contentType,
    size: input.size,
    requestId: request.id,
    uploaderName: input.uploaderName ?? null,
    uploaderEmail: input.uploaderEmail ?? null,
  });
}

export function completeLinkUpload(ctx: LinkContext, input: CompleteLinkUploadInput): Promise<LinkUploadResultDto> {
  return withLink(ctx, input.token, (link) => completeUploadFor(link, input.uploadId));
}

async function completeUploadFor({ domain, request, organizationName }: Resolved, uploadId: string): Promise<LinkUploadResultDto> {
  {
    const input = { uploadId };
    const db = domain.db<FilesDB>();
    const blob = await files.findBlob(db, input.uploadId, { forUpdate: true });
    // Only this link's own uploads: any other id is simply not found.
    if (!blob || blob.request_id !== request.id) throw new NotFoundError('Upload', input.uploadId);
    let after = request;
    const result = await finalizeUpload(domain, blob, await tenantRules(domain, rulesOf(request)), async () => {
      const taken = await repo.takeSlot(db, request.id);
      if (taken) {
        after = taken;
        return null;
      }
      const current = (await repo.findRequest(db, request.id)) ?? request;
      after = current;
      return closedMessage(current, organizationName) ?? `This link has already received the ${current.max_files} files it asked for, so this one was not kept`;
    });
    if (result.status === 'rejected') return { status: 'rejected', reason: result.reason, remainingFiles: remaining(after) };
    if (blob.state !== 'ready') {
      await repo.insertSubmission(db, {
        id: uuidv7(),
        tenantId: domain.tenantId,
        requestId: request.id,
        blobId: blob.id,
        fileId: result.fileId,
        uploaderName: blob.uploader_name,
        uploaderEmail: blob.uploader_email,
      });
    } else {
      after = (await repo.findRequest(db, request.id)) ?? request;
    }
    return { status: 'accepted', name: result.file.name, remainingFiles: remaining(after) };
  }
}

/** Finishes the request: `files.request.completed` is emitted once, by the one UPDATE that completes it. */
export function finishLink(ctx: LinkContext, input: FinishRequestLinkInput): Promise<FinishedRequestDto> {
  return withLink(ctx, input.token, (link) => finishFor(link));
}

async function finishFor({ domain, request, organizationName }: Resolved): Promise<FinishedRequestDto> {
  {
    const db = domain.db<FilesDB>();
    const completed = await repo.completeRequest(db, request.id);
    if (!completed) {
      const current = (await repo.findRequest(db, request.id)) ?? request;
      if (current.completed_at && !current.revoked_at) return { state: 'completed', filesReceived: current.files_received };
      refuseUnlessOpen(current, organizationName);
      throw new DomainError('PRECONDITION_FAILED', 'Add at least one file before finishing');
    }
    const submissions = await repo.listSubmissions(db, completed.id);
    const last = submissions.at(-1);
    await domain.emit(
      requestCompleted,
      {
        request_id: completed.id,
        label: completed.label,
        folder_id: completed.folder_id,
        client_id: completed.client_id,
        project_id: completed.project_id,
        file_ids: submissions.map((submission) => submission.file_id),
        file_names: submissions.map((submission) => submission.file_name),
        file_id: submissions[0]?.file_id ?? null,
        file_name: submissions[0]?.file_name ?? null,
        requested_by: completed.created_by,
        uploader_name: last?.uploader_name ?? null,
        uploader_email: last?.uploader_email ?? null,
      },
      { aggregateId: completed.id },
    );
    return { state: 'completed', filesReceived: completed.files_received };
  }
}

/**
 * The same three steps for a request addressed by id inside the tenant's transaction, for another
 * domain that checked who may upload (the client portal: a request of the portal session's client).
 * The uploader's name and email are the caller's.
 */
async function byId(domain: DomainContext, requestId: string): Promise<Resolved> {
  const request = await repo.findRequest(domain.db<FilesDB>(), requestId, { forUpdate: false });
  if (!request) throw new NotFoundError('File request', requestId);
  const organization = await domain.db<FilesDB>().selectFrom('files.organizations').select('name').where('tenant_id', '=', domain.tenantId).executeTakeFirst();
  return { domain, request, organizationName: organization?.name ?? '' };
}

export async function createRequestUpload(
  domain: DomainContext,
  input: { requestId: string } & Omit<CreateLinkUploadInput, 'token'>,
): Promise<UploadTicketDto> {
  return createUploadFor(await byId(domain, input.requestId), input);
}

export async function completeRequestUpload(domain: DomainContext, input: { requestId: string; uploadId: string }): Promise<LinkUploadResultDto> {
  return completeUploadFor(await byId(domain, input.requestId), input.uploadId);
}

export async function finishRequest(domain: DomainContext, requestId: string): Promise<FinishedRequestDto> {
  return finishFor(await byId(domain, requestId));
}
