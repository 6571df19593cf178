import { sql, type Transaction } from '@ubos/platform';
import type { BlobRow, FilesDB, FileVersionRow } from './db.ts';

/** Queries on files, versions and blobs (ARCHITECTURE.md §4). RLS scopes every one to the tenant. */

type Db = Transaction<FilesDB>;

/** A file with what its current version says about the bytes. */
export interface FileView {
  id: string;
  tenant_id: string;
  folder_id: string;
  name: string;
  client_id: string | null;
  project_id: string | null;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
  archived_at: Date | null;
  name_key: string;
  version: number;
  size: number;
  content_type: string;
  sha256: string;
}

function fileViews(db: Db) {
  return db
    .selectFrom('files.files as f')
    .innerJoin('files.file_versions as v', 'v.id', 'f.current_version_id')
    .innerJoin('files.blobs as b', 'b.id', 'v.blob_id')
    .select([
      'f.id',
      'f.tenant_id',
      'f.folder_id',
      'f.name',
      'f.client_id',
      'f.project_id',
      'f.created_by',
      'f.created_at',
      'f.updated_at',
      'f.archived_at',
      'f.name_key',
      'v.version',
      sql<number>`COALESCE(b.size, b.declared_size)`.as('size'),
      sql<string>`b.declared_type`.as('content_type'),
      sql<string>`COALESCE(b.sha256, '')`.as('sha256'),
    ]);
}

export async function findFileView(db: Db, id: string): Promise<FileView | undefined> {
  return fileViews(db).where('f.id', '=', id).executeTakeFirst();
}

export async function findFile(db: Db, id: string, options: { forUpdate?: boolean } = {}) {
  const query = db.selectFrom('files.files').selectAll().where('id', '=', id);
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

export interface FileListFilter {
  folderId?: string | undefined;
  clientId?: string | undefined;
  projectId?: string | undefined;
  includeArchived: boolean;
  after: { name: string; id: string } | null;
  limit: number;
}

/** One keyset page sorted by (name_key = lower(name), id): one range of the tenant-leading index. */
export async function listFileViews(db: Db, filter: FileListFilter): Promise<FileView[]> {
  let query = fileViews(db);
  if (filter.folderId) query = query.where('f.folder_id', '=', filter.folderId);
  if (filter.clientId) query = query.where('f.client_id', '=', filter.clientId);
  if (filter.projectId) query = query.where('f.project_id', '=', filter.projectId);
  if (!filter.includeArchived) query = query.where('f.archived_at', 'is', null);
  if (filter.after) query = query.where(sql<boolean>`(f.name_key, f.id) > (${filter.after.name}, ${filter.after.id}::uuid)`);
  return query.orderBy('f.name_key').orderBy('f.id').limit(filter.limit).execute();
}

export async function countLiveFiles(db: Db, folderIds: string[]): Promise<number> {
  if (folderIds.length === 0) return 0;
  const row = await db
    .selectFrom('files.files')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('folder_id', 'in', folderIds)
    .where('archived_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Archives the live files of these folders; returns them. */
export async function archiveFilesIn(db: Db, folderIds: string[]) {
  if (folderIds.length === 0) return [];
  return db
    .updateTable('files.files')
    .set({ archived_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
    .where('folder_id', 'in', folderIds)
    .where('archived_at', 'is', null)
    .returning(['id', 'folder_id', 'name', 'client_id', 'project_id'])
    .execute();
}

export async function updateFile(
  db: Db,
  id: string,
  changes: { name?: string; folderId?: string; clientId?: string | null; projectId?: string | null; archivedAt?: Date | null },
) {
  return db
    .updateTable('files.files')
    .set({
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.folderId !== undefined ? { folder_id: changes.folderId } : {}),
      ...(changes.clientId !== undefined ? { client_id: changes.clientId } : {}),
      ...(changes.projectId !== undefined ? { project_id: changes.projectId } : {}),
      ...(changes.archivedAt !== undefined ? { archived_at: changes.archivedAt } : {}),
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export interface VersionView extends FileVersionRow {
  size: number;
  content_type: string;
  sha256: string;
  key: string;
  state: BlobRow['state'];
}

export async function listVersions(db: Db, fileId: string): Promise<VersionView[]> {
  return versionViews(db).where('v.file_id', '=', fileId).orderBy('v.version', 'desc').execute();
}

export async function findVersion(db: Db, fileId: string, version: number): Promise<VersionView | undefined> {
  return versionViews(db).where('v.file_id', '=', fileId).where('v.version', '=', version).executeTakeFirst();
}

function versionViews(db: Db) {
  return db
    .selectFrom('files.file_versions as v')
    .innerJoin('files.blobs as b', 'b.id', 'v.blob_id')
    .selectAll('v')
    .select([
      sql<number>`COALESCE(b.size, b.declared_size)`.as('size'),
      sql<string>`b.declared_type`.as('content_type'),
      sql<string>`COALESCE(b.sha256, '')`.as('sha256'),
      'b.key',
      'b.state',
    ]);
}

export async function findVersionByBlob(db: Db, blobId: string): Promise<FileVersionRow | undefined> {
  return db.selectFrom('files.file_versions').selectAll().where('blob_id', '=', blobId).executeTakeFirst();
}

// ---- blobs (uploads)

export async function insertBlob(
  db: Db,
  blob: {
    id: string;
    tenantId: string;
    storage: 'local' | 's3';
    key: string;
    name: string;
    declaredSize: number;
    declaredType: string;
    folderId: string | null;
    fileId: string | null;
    requestId: string | null;
    uploaderName: string | null;
    uploaderEmail: string | null;
    createdBy: string | null;
    expiresAt: Date;
  },
): Promise<BlobRow> {
  return db
    .insertInto('files.blobs')
    .values({
      id: blob.id,
      tenant_id: blob.tenantId,
      storage: blob.storage,
      key: blob.key,
      name: blob.name,
      declared_size: blob.declaredSize,
      declared_type: blob.declaredType,
      folder_id: blob.folderId,
      file_id: blob.fileId,
      request_id: blob.requestId,
      uploader_name: blob.uploaderName,
      uploader_email: blob.uploaderEmail,
      created_by: blob.createdBy,
      expires_at: blob.expiresAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findBlob(db: Db, id: string, options: { forUpdate?: boolean } = {}): Promise<BlobRow | undefined> {
  const query = db.selectFrom('files.blobs').selectAll().where('id', '=', id);
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

export async function countPendingForRequest(db: Db, requestId: string): Promise<number> {
  const row = await db
    .selectFrom('files.blobs')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('request_id', '=', requestId)
    .where('state', '=', 'pending')
    .where('expires_at', '>', sql<Date>`now()`)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function finishBlob(
  db: Db,
  id: string,
  outcome: { state: 'ready' | 'rejected'; size: number | null; sniffedType: string | null; sha256: string | null; etag: string | null; reason: string | null },
): Promise<void> {
  await db
    .updateTable('files.blobs')
    .set({
      state: outcome.state,
      size: outcome.size,
      sniffed_type: outcome.sniffedType,
      sha256: outcome.sha256,
      etag: outcome.etag,
      reject_reason: outcome.reason,
      finalized_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .execute();
}

/** Marks these pending uploads expired (those still pending); returns their keys. */
export async function expireBlobs(db: Db, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .updateTable('files.blobs')
    .set({ state: 'expired', finalized_at: sql<Date>`now()` })
    .where('id', 'in', ids)
    .where('state', '=', 'pending')
    .returning('key')
    .execute();
  return rows.map((row) => row.key);
}

export async function insertFile(
  db: Db,
  file: { id: string; tenantId: string; folderId: string; name: string; clientId: string | null; projectId: string | null; createdBy: string | null },
) {
  return db
    .insertInto('files.files')
    .values({
      id: file.id,
      tenant_id: file.tenantId,
      folder_id: file.folderId,
      name: file.name,
      client_id: file.clientId,
      project_id: file.projectId,
      created_by: file.createdBy,
      version_count: 1,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Takes the next version number of a live file: one conditional UPDATE, whose row lock orders
 * concurrent uploads, so the numbers are 1, 2, … without gaps or duplicates.
 */
export async function nextVersion(db: Db, fileId: string) {
  return db
    .updateTable('files.files')
    .set({ version_count: sql<number>`version_count + 1`, updated_at: sql<Date>`now()` })
    .where('id', '=', fileId)
    .where('archived_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

export async function insertVersion(
  db: Db,
  version: {
    id: string;
    tenantId: string;
    fileId: string;
    version: number;
    blobId: string;
    name: string;
    uploadedBy: string | null;
    requestId: string | null;
    uploaderName: string | null;
    uploaderEmail: string | null;
  },
): Promise<void> {
  await db
    .insertInto('files.file_versions')
    .values({
      id: version.id,
      tenant_id: version.tenantId,
      file_id: version.fileId,
      version: version.version,
      blob_id: version.blobId,
      name: version.name,
      uploaded_by: version.uploadedBy,
      request_id: version.requestId,
      uploader_name: version.uploaderName,
      uploader_email: version.uploaderEmail,
    })
    .execute();
  await db.updateTable('files.files').set({ current_version_id: version.id }).where('id', '=', version.fileId).execute();
}
