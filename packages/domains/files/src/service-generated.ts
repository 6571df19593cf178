import { createHash } from 'node:crypto';
import { DomainError, uuidv7, type DomainContext } from '@ubos/platform';
import { z } from 'zod';
import { fileUploaded } from './contracts.ts';
import type { FilesDB } from './db.ts';
import * as repo from './repository-files.ts';
import * as folders from './repository-folders.ts';
import { blobStore } from './service-common.ts';

/**
 * Files another domain generated on the server (an invoice PDF), stored as a new file in a root
 * folder of the client or project ("Invoices"), made on first use. Called through the
 * `files.storeGeneratedFile` action, whose step key makes a retry return the first file; the bytes
 * are written to the store before the rows, so a rolled-back caller leaves at most an unreferenced
 * object (the same as an abandoned upload).
 */

export const MAX_GENERATED_BYTES = 10 * 1024 * 1024;

export const storeGeneratedFileInput = z.object({
  clientId: z.uuid().nullable().optional(),
  projectId: z.uuid().nullable().optional(),
  /** The root folder's name (created when missing); default "Generated". */
  folder: z.string().trim().min(1).max(200).optional(),
  name: z.string().trim().min(1).max(255),
  contentType: z.string().regex(/^[\w.+-]+\/[\w.+-]+$/),
  bytesBase64: z.string().min(1),
});
export type StoreGeneratedFileInput = z.infer<typeof storeGeneratedFileInput>;
export const storedGeneratedFileDto = z.object({ fileId: z.uuid(), folderId: z.uuid(), name: z.string(), size: z.number().int(), sha256: z.string() });

export async function storeGeneratedFile(ctx: DomainContext, input: StoreGeneratedFileInput): Promise<z.infer<typeof storedGeneratedFileDto>> {
  const db = ctx.db<FilesDB>();
  // Checked before anything is written: a caller may go on without storage.
  const store = blobStore(ctx);
  const bytes = Buffer.from(input.bytesBase64, 'base64');
  if (bytes.length === 0 || bytes.length > MAX_GENERATED_BYTES) throw new DomainError('BAD_REQUEST', 'A generated file is between 1 byte and 10 MB');
  const place = { parentId: null, clientId: input.clientId ?? null, projectId: input.projectId ?? null };
  const folderName = input.folder ?? 'Generated';
  const folder =
    (await folders.findLiveFolderByName(db, place, folderName)) ??
    (await folders.insertFolder(db, { id: uuidv7(), tenantId: ctx.tenantId, ...place, name: folderName, templateId: null, createdBy: ctx.actorId })) ??
    (await folders.findLiveFolderByName(db, place, folderName));
  if (!folder) throw new DomainError('CONFLICT', 'The folder for generated files could not be made; try again');
  const blobId = uuidv7();
  const key = `${ctx.tenantId}/files/versions/${blobId}`;
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  await store.put(key, bytes, { contentType: input.contentType, contentLength: bytes.length });
  await repo.insertBlob(db, {
    id: blobId,
    tenantId: ctx.tenantId,
    storage: store.kind,
    key,
    name: input.name,
    declaredSize: bytes.length,
    declaredType: input.contentType,
    folderId: folder.id,
    fileId: null,
    requestId: null,
    uploaderName: null,
    uploaderEmail: null,
    createdBy: ctx.actorId,
    expiresAt: new Date(),
  });
  await repo.finishBlob(db, blobId, { state: 'ready', size: bytes.length, sniffedType: input.contentType, sha256, etag: null, reason: null });
  const file = await repo.insertFile(db, {
    id: uuidv7(),
    tenantId: ctx.tenantId,
    folderId: folder.id,
    name: input.name,
    clientId: folder.client_id,
    projectId: folder.project_id,
    createdBy: ctx.actorId,
  });
  await repo.insertVersion(db, {
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
      size: bytes.length,
      content_type: input.contentType,
      sha256,
      uploaded_by: ctx.actorId,
      request_id: null,
      uploader_name: null,
      uploader_email: null,
    },
    { aggregateId: file.id },
  );
  return { fileId: file.id, folderId: folder.id, name: file.name, size: bytes.length, sha256 };
}
