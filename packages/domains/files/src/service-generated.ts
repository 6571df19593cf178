import { createHash } from 'node:crypto';
import { DomainError, uuidv7, type DomainContext } from '@ubos/platform';
import { fileUploaded } from './contracts.ts';
import type { FilesDB } from './db.ts';
import * as files from './repository-files.ts';
import * as folders from './repository-folders.ts';
import { blobStore, folderNameTaken } from './service-common.ts';
import { createFolder } from './service-folders.ts';

/**
 * Server-generated files (a sealed contract, an invoice PDF): bytes another domain made, stored
 * as a new file in a top-level folder of the client (found by name, created when missing). The
 * bytes are written first under a fresh server-made key, then the blob (ready), the file, its
 * version 1 and `files.file.uploaded` in the caller's transaction. The workflow action that calls
 * this (`files.storeGeneratedFile`) runs once per idempotency key, so a retried caller gets the
 * same file back; a rolled-back transaction leaves only unreferenced bytes behind.
 */

export interface StoreGeneratedInput {
  clientId: string;
  folderName: string;
  name: string;
  contentType: string;
  bytes: Buffer;
  /** The SHA-256 (hex) the caller computed; refused when the bytes do not match it. */
  sha256: string;
}

export async function storeGenerated(
  ctx: DomainContext,
  input: StoreGeneratedInput,
): Promise<{ fileId: string; folderId: string; sha256: string; size: number }> {
  // Checked before anything is written: a caller may go on without file storage.
  const store = blobStore(ctx);
  const sha256 = createHash('sha256').update(input.bytes).digest('hex');
  if (sha256 !== input.sha256) {
    throw new DomainError('BAD_REQUEST', 'The file received does not match its SHA-256, so it was not stored', [
      { path: ['sha256'], message: 'Does not match the bytes' },
    ]);
  }
  if (input.bytes.length === 0) throw new DomainError('BAD_REQUEST', 'An empty file cannot be stored', [{ path: ['contentBase64'], message: 'Empty' }]);
  const db = ctx.db<FilesDB>();
  const place = { parentId: null, clientId: input.clientId, projectId: null };
  let folder = await folders.findLiveFolderByName(db, place, input.folderName);
  if (!folder) {
    const created = await createFolder(ctx, { name: input.folderName, parentId: null, clientId: input.clientId, projectId: null });
    folder = await folders.findFolder(db, created.id);
    if (!folder) throw folderNameTaken(input.folderName);
  }
  const blobId = uuidv7();
  const key = `${ctx.tenantId}/files/versions/${blobId}`;
  await store.put(key, input.bytes, { contentType: input.contentType, contentLength: input.bytes.length });
  await files.insertBlob(db, {
    id: blobId,
    tenantId: ctx.tenantId,
    storage: store.kind,
    key,
    name: input.name,
    declaredSize: input.bytes.length,
    declaredType: input.contentType,
    folderId: folder.id,
    fileId: null,
    requestId: null,
    uploaderName: null,
    uploaderEmail: null,
    createdBy: ctx.actorId,
    expiresAt: new Date(),
  });
  await files.finishBlob(db, blobId, { state: 'ready', size: input.bytes.length, sniffedType: input.contentType, sha256, etag: null, reason: null });
  const file = await files.insertFile(db, {
    id: uuidv7(),
    tenantId: ctx.tenantId,
    folderId: folder.id,
    name: input.name,
    clientId: folder.client_id,
    projectId: folder.project_id,
    createdBy: ctx.actorId,
  });
  await files.insertVersion(db, {
    id: uuidv7(),
    tenantId: ctx.tenantId,
    fileId: file.id,
    version: 1,
    blobId,
    name: input.name,
    uploadedBy: ctx.actorId,
    requestId: null,
    uploaderName: null,
    uploaderEmail: null,
  });
  await ctx.emit(
    fileUploaded,
    {
      file_id: file.id,
      folder_id: folder.id,
      name: file.name,
      client_id: file.client_id,
      project_id: file.project_id,
      version: 1,
      size: input.bytes.length,
      content_type: input.contentType,
      sha256,
      uploaded_by: ctx.actorId,
      request_id: null,
      uploader_name: null,
      uploader_email: null,
    },
    { aggregateId: file.id },
  );
  return { fileId: file.id, folderId: folder.id, sha256, size: input.bytes.length };
}
