import { DomainError, NotFoundError, type DomainContext } from '@ubos/platform';
import {
  DOWNLOAD_URL_SECONDS,
  fileArchived,
  fileMoved,
  fileRenamed,
  fileRestored,
  type AttachedDto,
  type AttachToProjectInput,
  type DownloadUrlDto,
  type DownloadUrlInput,
  type FileDto,
  type FilePageDto,
  type FileVersionDto,
  type ListFilesInput,
  type MoveFileInput,
  type RenameFileInput,
} from './contracts.ts';
import type { FileRow, FilesDB } from './db.ts';
import * as repo from './repository-files.ts';
import * as folders from './repository-folders.ts';
import { blobStore, decodeCursor, encodeCursor, folderNameTaken, isInline, isUniqueViolation, toFileDto } from './service-common.ts';
import { liveFolder } from './service-folders.ts';

/**
 * Files: listing, renaming, moving, archiving and restoring, versions and download URLs
 * (ARCHITECTURE.md §7). A file's client and project follow its folder when the folder has them.
 */

async function view(ctx: DomainContext, id: string): Promise<FileDto> {
  const row = await repo.findFileView(ctx.db<FilesDB>(), id);
  if (!row) throw new NotFoundError('File', id);
  return toFileDto(row);
}

async function lockedFile(ctx: DomainContext, id: string): Promise<FileRow> {
  const file = await repo.findFile(ctx.db<FilesDB>(), id, { forUpdate: true });
  if (!file) throw new NotFoundError('File', id);
  return file;
}

function archivedRefusal(file: FileRow): DomainError {
  return new DomainError('PRECONDITION_FAILED', `The file "${file.name}" is archived; restore it first`);
}

export async function listFiles(ctx: DomainContext, input: ListFilesInput): Promise<FilePageDto> {
  const rows = await repo.listFileViews(ctx.db<FilesDB>(), {
    folderId: input.folderId,
    clientId: input.clientId,
    projectId: input.projectId,
    includeArchived: input.includeArchived,
    after: decodeCursor(input.cursor),
    limit: input.limit + 1,
  });
  const items = rows.slice(0, input.limit);
  const last = items.at(-1);
  return {
    items: items.map(toFileDto),
    nextCursor: rows.length > input.limit && last ? encodeCursor({ name: last.name_key, id: last.id }) : null,
  };
}

export function getFile(ctx: DomainContext, id: string): Promise<FileDto> {
  return view(ctx, id);
}

function fields(file: Pick<FileRow, 'id' | 'folder_id' | 'name' | 'client_id' | 'project_id'>) {
  return { file_id: file.id, folder_id: file.folder_id, name: file.name, client_id: file.client_id, project_id: file.project_id };
}

export async function renameFile(ctx: DomainContext, input: RenameFileInput): Promise<FileDto> {
  const file = await lockedFile(ctx, input.id);
  if (file.archived_at) throw archivedRefusal(file);
  if (file.name !== input.name) {
    const row = await repo.updateFile(ctx.db<FilesDB>(), file.id, { name: input.name });
    await ctx.emit(fileRenamed, { ...fields(row), previous_name: file.name }, { aggregateId: file.id });
  }
  return view(ctx, file.id);
}

/** Moves a live file into a live folder (the folder's client and project, when it has them, become the file's). */
async function moveInto(ctx: DomainContext, file: FileRow, folderId: string, projectId?: string): Promise<boolean> {
  const folder = folderId === file.folder_id ? null : await liveFolder(ctx, folderId);
  const next = {
    folderId: folder?.id ?? file.folder_id,
    clientId: folder?.client_id ?? file.client_id,
    projectId: projectId ?? folder?.project_id ?? file.project_id,
  };
  if (next.folderId === file.folder_id && next.clientId === file.client_id && next.projectId === file.project_id) return false;
  const row = await repo.updateFile(ctx.db<FilesDB>(), file.id, next);
  await ctx.emit(fileMoved, { ...fields(row), previous_folder_id: file.folder_id, previous_project_id: file.project_id }, { aggregateId: file.id });
  return true;
}

export async function moveFile(ctx: DomainContext, input: MoveFileInput): Promise<FileDto> {
  const file = await lockedFile(ctx, input.id);
  if (file.archived_at) throw archivedRefusal(file);
  await moveInto(ctx, file, input.folderId);
  return view(ctx, file.id);
}

export async function archiveFile(ctx: DomainContext, id: string): Promise<FileDto> {
  const file = await lockedFile(ctx, id);
  if (!file.archived_at) {
    const row = await repo.updateFile(ctx.db<FilesDB>(), file.id, { archivedAt: new Date() });
    await ctx.emit(fileArchived, { ...fields(row), with_folder_id: null }, { aggregateId: file.id });
  }
  return view(ctx, file.id);
}

/** Restores the file and, when its folder was archived too, that folder and its archived ancestors. */
export async function restoreFile(ctx: DomainContext, id: string): Promise<FileDto> {
  const db = ctx.db<FilesDB>();
  const file = await lockedFile(ctx, id);
  if (!file.archived_at) return view(ctx, file.id);
  const restoredFolderIds: string[] = [];
  const chain = await folders.ancestry(db, file.folder_id);
  // Top-most first, so each restored folder's parent is live again before it.
  for (const folder of chain.reverse()) {
    if (!folder.archived_at) continue;
    try {
      await folders.updateFolder(db, folder.id, { archivedAt: null });
    } catch (error) {
      if (isUniqueViolation(error)) throw folderNameTaken(folder.name);
      throw error;
    }
    restoredFolderIds.push(folder.id);
  }
  const row = await repo.updateFile(db, file.id, { archivedAt: null });
  await ctx.emit(fileRestored, { ...fields(row), restored_folder_ids: restoredFolderIds }, { aggregateId: file.id });
  return view(ctx, file.id);
}

export async function listVersions(ctx: DomainContext, id: string): Promise<FileVersionDto[]> {
  const db = ctx.db<FilesDB>();
  const file = await repo.findFile(db, id);
  if (!file) throw new NotFoundError('File', id);
  return (await repo.listVersions(db, file.id)).map((row) => ({
    id: row.id,
    fileId: row.file_id,
    version: row.version,
    name: row.name,
    size: Number(row.size),
    contentType: row.content_type,
    sha256: row.sha256,
    uploadedBy: row.uploaded_by,
    requestId: row.request_id,
    uploaderName: row.uploader_name,
    uploaderEmail: row.uploader_email,
    createdAt: row.created_at,
  }));
}

/**
 * A signed download URL of the current (or a given) version, valid ≤ 300 s. Inline only when
 * asked for and the type is inline-safe (images, PDF); SVG, HTML and the rest download.
 */
export async function downloadUrl(ctx: DomainContext, input: DownloadUrlInput): Promise<DownloadUrlDto> {
  const db = ctx.db<FilesDB>();
  const file = await repo.findFileView(db, input.id);
  if (!file) throw new NotFoundError('File', input.id);
  if (file.archived_at) throw new DomainError('PRECONDITION_FAILED', `The file "${file.name}" is archived; restore it to download it`);
  const version = await repo.findVersion(db, file.id, input.version ?? file.version);
  if (!version) throw new NotFoundError('Version', `${input.version ?? file.version} of file ${file.id}`);
  if (version.state !== 'ready') throw new DomainError('PRECONDITION_FAILED', 'This version is not ready to download');
  const disposition = input.disposition === 'inline' && isInline(version.content_type) ? 'inline' : 'attachment';
  const expiresAt = new Date(Date.now() + DOWNLOAD_URL_SECONDS * 1000);
  const url = await blobStore(ctx).presignGet({
    key: version.key,
    expiresInSeconds: DOWNLOAD_URL_SECONDS,
    filename: file.name,
    contentType: version.content_type,
    disposition,
  });
  return { url, expiresAt, filename: file.name, contentType: version.content_type, disposition };
}

/**
 * Attaches files to a project: their project becomes it, and they move into `folderId`, or by
 * default into the project's top folder when it has one.
 */
export async function attachToProject(ctx: DomainContext, input: AttachToProjectInput): Promise<AttachedDto> {
  const db = ctx.db<FilesDB>();
  await ctx.requireReferences([{ kind: 'projects.project', id: input.projectId, path: ['projectId'], label: 'project' }]);
  const ids = [...new Set([...(input.fileId ? [input.fileId] : []), ...(input.fileIds ?? [])])];
  let folderId: string | null = null;
  if (input.folderId) folderId = (await liveFolder(ctx, input.folderId)).id;
  else {
    const candidates = await folders.listFolders(db, { clientId: null, projectId: input.projectId, includeArchived: false });
    folderId = candidates.find((folder) => folder.parent_id === null)?.id ?? null;
  }
  for (const id of ids.sort()) {
    const file = await lockedFile(ctx, id);
    if (file.archived_at) throw archivedRefusal(file);
    await moveInto(ctx, file, folderId ?? file.folder_id, input.projectId);
  }
  return { fileIds: ids, projectId: input.projectId, folderId };
}
