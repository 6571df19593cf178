import { DomainError, inspectBlob, NotFoundError, uuidv7, type DomainContext } from '@ubos/platform';
import {
  fileUploaded,
  fileVersioned,
  UPLOAD_URL_SECONDS,
  type CompleteUploadInput,
  type CreateUploadInput,
  type FileDto,
  type UploadResultDto,
  type UploadTicketDto,
} from './contracts.ts';
import { contentProblem, describeBytes } from './content-rules.ts';
import type { BlobRow, FilesDB } from './db.ts';
import * as repo from './repository-files.ts';
import { blobStore, toFileDto } from './service-common.ts';
import { liveFolder } from './service-folders.ts';
import { getSettings } from './service.ts';

/**
 * Uploads by signed form (ARCHITECTURE.md §7, §10): `createUpload` records a pending blob under a
 * key the server picks and returns a POST policy for exactly the declared size and type;
 * `completeUpload` checks what arrived (size, sniffed type, allow-list, scanner) and either makes
 * it a file (or a new version) or refuses it, deleting the object.
 */

/** A pending upload becomes expired (the sweeper deletes its object) this long after its form. */
export const PENDING_GRACE_SECONDS = 60 * 60;

export interface UploadRules {
  allowedTypes: readonly string[];
  maxBytes: number;
}

export interface PendingUpload {
  target: { folderId: string } | { fileId: string };
  name: string;
  contentType: string;
  size: number;
  requestId: string | null;
  uploaderName: string | null;
  uploaderEmail: string | null;
}

function typeList(types: readonly string[]): string {
  return types.length > 6 ? `${types.slice(0, 6).join(', ')} and ${types.length - 6} more` : types.join(', ');
}

/** Refuses a declared type or size the rules do not allow, in words, before anything is written. */
export function checkDeclared(rules: UploadRules, upload: { contentType: string; size: number }): void {
  if (!rules.allowedTypes.includes(upload.contentType)) {
    throw new DomainError('BAD_REQUEST', `Files of type ${upload.contentType} are not accepted here (accepted: ${typeList(rules.allowedTypes)})`, [
      { path: ['contentType'], message: 'Not an accepted type' },
    ]);
  }
  if (upload.size > rules.maxBytes) {
    throw new DomainError('BAD_REQUEST', `This file is ${describeBytes(upload.size)}; the largest file accepted is ${describeBytes(rules.maxBytes)}`, [
      { path: ['size'], message: 'Larger than the limit' },
    ]);
  }
}

/** The tenant's rules, narrowed by a file request's own when given. */
export async function tenantRules(ctx: DomainContext, narrower?: UploadRules): Promise<UploadRules> {
  const { settings } = await getSettings(ctx);
  if (!settings.enabled) throw new DomainError('PRECONDITION_FAILED', 'Files are switched off for this organization');
  if (!narrower) return { allowedTypes: settings.allowedTypes, maxBytes: settings.maxFileBytes };
  return {
    allowedTypes: narrower.allowedTypes.filter((type) => settings.allowedTypes.includes(type)),
    maxBytes: Math.min(narrower.maxBytes, settings.maxFileBytes),
  };
}

/** Records the pending blob and signs the form (the exact size, the declared type, ≤ 15 minutes). */
export async function createPendingUpload(ctx: DomainContext, rules: UploadRules, upload: PendingUpload): Promise<UploadTicketDto> {
  checkDeclared(rules, upload);
  const store = blobStore(ctx);
  const db = ctx.db<FilesDB>();
  const id = uuidv7();
  const key = `${ctx.tenantId}/files/versions/${id}`;
  const expiresAt = new Date(Date.now() + UPLOAD_URL_SECONDS * 1000);
  await repo.insertBlob(db, {
    id,
    tenantId: ctx.tenantId,
    storage: store.kind,
    key,
    name: upload.name,
    declaredSize: upload.size,
    declaredType: upload.contentType,
    folderId: 'folderId' in upload.target ? upload.target.folderId : null,
    fileId: 'fileId' in upload.target ? upload.target.fileId : null,
    requestId: upload.requestId,
    uploaderName: upload.uploaderName,
    uploaderEmail: upload.uploaderEmail,
    createdBy: ctx.actorId,
    expiresAt: new Date(expiresAt.getTime() + PENDING_GRACE_SECONDS * 1000),
  });
  const form = await store.presignPost({
    key,
    contentType: upload.contentType,
    minBytes: upload.size,
    maxBytes: upload.size,
    expiresInSeconds: UPLOAD_URL_SECONDS,
  });
  return { uploadId: id, method: 'POST', url: form.url, fields: form.fields, expiresAt, size: upload.size };
}

export async function createUpload(ctx: DomainContext, input: CreateUploadInput): Promise<UploadTicketDto> {
  const rules = await tenantRules(ctx);
  let target: PendingUpload['target'];
  if (input.fileId) {
    const file = await repo.findFile(ctx.db<FilesDB>(), input.fileId);
    if (!file) throw new NotFoundError('File', input.fileId);
    if (file.archived_at) throw new DomainError('PRECONDITION_FAILED', `The file "${file.name}" is archived; restore it to add a version`);
    target = { fileId: file.id };
  } else {
    target = { folderId: (await liveFolder(ctx, input.folderId ?? '')).id };
  }
  return createPendingUpload(ctx, rules, {
    target,
    name: input.name,
    contentType: input.contentType,
    size: input.size,
    requestId: null,
    uploaderName: null,
    uploaderEmail: null,
  });
}

/** What finalizing decided: a file version, or a refusal (the object is gone). */
export type Finalized = { status: 'ready'; file: FileDto; version: number; fileId: string } | { status: 'rejected'; reason: string };

/**
 * The checks of a completed upload, in order: it arrived with exactly the declared size, its bytes
 * are the declared type and that type is allowed, the scanner (when configured) finds nothing.
 * `claim` runs just before the file is written (a request link takes one of its slots there) and
 * may refuse with a reason. A refusal deletes the object and records the reason on the blob.
 */
export async function finalizeUpload(ctx: DomainContext, blob: BlobRow, rules: UploadRules, claim?: () => Promise<string | null>): Promise<Finalized> {
  const db = ctx.db<FilesDB>();
  if (blob.state === 'ready') {
    const version = await repo.findVersionByBlob(db, blob.id);
    const view = version ? await repo.findFileView(db, version.file_id) : undefined;
    if (!version || !view) throw new NotFoundError('Upload', blob.id);
    return { status: 'ready', file: toFileDto(view), version: version.version, fileId: view.id };
  }
  if (blob.state === 'rejected') return { status: 'rejected', reason: blob.reject_reason ?? 'The file was refused' };
  if (blob.state === 'expired') return { status: 'rejected', reason: 'This upload expired before it was completed; upload the file again' };

  const store = blobStore(ctx);
  const head = await store.head(blob.key);
  if (!head) throw new DomainError('PRECONDITION_FAILED', 'The file has not arrived yet: send it with the upload form, then complete the upload');
  const reject = async (reason: string, details: { sniffedType?: string | null; sha256?: string | null } = {}): Promise<Finalized> => {
    await store.delete(blob.key);
    await repo.finishBlob(db, blob.id, {
      state: 'rejected',
      size: head.size,
      sniffedType: details.sniffedType ?? null,
      sha256: details.sha256 ?? null,
      etag: head.etag,
      reason,
    });
    return { status: 'rejected', reason };
  };
  if (head.size !== blob.declared_size) {
    return reject(`The file received is ${describeBytes(head.size)}, not the ${describeBytes(blob.declared_size)} declared, so it was refused`);
  }
  if (head.size > rules.maxBytes) return reject(`The file is ${describeBytes(head.size)}; the largest file accepted is ${describeBytes(rules.maxBytes)}`);
  const inspected = await inspectBlob(store, blob.key);
  if (!inspected) throw new DomainError('PRECONDITION_FAILED', 'The file has not arrived yet: send it with the upload form, then complete the upload');
  const inspection = { sniffedType: inspected.sniffedType, sha256: inspected.sha256 };
  const problem = contentProblem(blob.declared_type, inspection, rules.allowedTypes);
  if (problem) return reject(problem, inspection);
  const scanner = ctx.services.scanner;
  if (scanner) {
    let result: Awaited<ReturnType<typeof scanner.scan>>;
    try {
      result = await scanner.scan(await store.read(blob.key));
    } catch (error) {
      // The upload stays pending (this transaction rolls back): completing it later scans it again.
      ctx.log.error({ err: error, scanner: scanner.name, upload: blob.id }, 'virus scan failed');
      throw new DomainError('PRECONDITION_FAILED', 'The virus scanner did not answer, so the file is not ready yet; complete the upload again in a minute');
    }
    if (!result.clean) return reject(`The file contains malware (${result.signature}) and was removed`, inspection);
  }
  const claimed = async (): Promise<string | null> => {
    const refusal = claim ? await claim() : null;
    if (!refusal) {
      await repo.finishBlob(db, blob.id, {
        state: 'ready',
        size: head.size,
        sniffedType: inspection.sniffedType,
        sha256: inspection.sha256,
        etag: head.etag,
        reason: null,
      });
    }
    return refusal;
  };
  // The declared type, which the bytes were just found to match (text/markdown stays markdown).
  const contentType = blob.declared_type;
  const common = {
    size: head.size,
    content_type: contentType,
    sha256: inspection.sha256,
    uploaded_by: ctx.actorId,
    request_id: blob.request_id,
    uploader_name: blob.uploader_name,
    uploader_email: blob.uploader_email,
  };
  const versionRow = {
    id: uuidv7(),
    tenantId: ctx.tenantId,
    blobId: blob.id,
    name: blob.name,
    uploadedBy: ctx.actorId,
    requestId: blob.request_id,
    uploaderName: blob.uploader_name,
    uploaderEmail: blob.uploader_email,
  };

  let fileId: string;
  let version: number;
  if (blob.folder_id) {
    const folder = await liveFolder(ctx, blob.folder_id).catch(() => null);
    if (!folder) return reject('The folder this file was going to was archived or removed; upload it again into another folder');
    const refusal = await claimed();
    if (refusal) return reject(refusal, inspection);
    const file = await repo.insertFile(db, {
      id: uuidv7(),
      tenantId: ctx.tenantId,
      folderId: folder.id,
      name: blob.name,
      clientId: folder.client_id,
      projectId: folder.project_id,
      createdBy: ctx.actorId,
    });
    await repo.insertVersion(db, { ...versionRow, fileId: file.id, version: 1 });
    await ctx.emit(
      fileUploaded,
      { file_id: file.id, folder_id: file.folder_id, name: file.name, client_id: file.client_id, project_id: file.project_id, version: 1, ...common },
      { aggregateId: file.id },
    );
    fileId = file.id;
    version = 1;
  } else {
    const current = await repo.findFile(db, blob.file_id ?? '');
    if (!current || current.archived_at) return reject('The file this was a new version of was archived or removed; restore it and upload again');
    const refusal = await claimed();
    if (refusal) return reject(refusal, inspection);
    // Archived between the check and the lock: the blob is already marked ready, so refuse loudly (rolls back).
    const file = await repo.nextVersion(db, current.id);
    if (!file) throw new DomainError('CONFLICT', 'The file was archived while this version was being added; restore it and upload again');
    await repo.insertVersion(db, { ...versionRow, fileId: file.id, version: file.version_count });
    await ctx.emit(
      fileVersioned,
      {
        file_id: file.id,
        folder_id: file.folder_id,
        name: file.name,
        client_id: file.client_id,
        project_id: file.project_id,
        version: file.version_count,
        ...common,
      },
      { aggregateId: file.id },
    );
    fileId = file.id;
    version = file.version_count;
  }
  const view = await repo.findFileView(db, fileId);
  if (!view) throw new NotFoundError('File', fileId);
  return { status: 'ready', file: toFileDto(view), version, fileId };
}

export async function completeUpload(ctx: DomainContext, input: CompleteUploadInput): Promise<UploadResultDto> {
  const blob = await repo.findBlob(ctx.db<FilesDB>(), input.uploadId, { forUpdate: true });
  // An upload made through a file request link is completed through that link only.
  if (!blob || blob.request_id !== null) throw new NotFoundError('Upload', input.uploadId);
  const result = await finalizeUpload(ctx, blob, await tenantRules(ctx));
  return result.status === 'ready' ? { status: 'ready', file: result.file, version: result.version } : result;
}
