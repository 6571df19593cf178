import { DomainError, NotFoundError, uuidv7, type DomainContext } from '@ubos/platform';
import {
  fileArchived,
  folderArchived,
  folderCreated,
  folderMoved,
  folderRenamed,
  type ArchiveFolderInput,
  type CreatedFoldersDto,
  type CreateFolderFromTemplateInput,
  type CreateFolderInput,
  type FolderArchiveDto,
  type FolderDto,
  type FolderTemplateNode,
  type ListFoldersInput,
  type MoveFolderInput,
  type RenameFolderInput,
} from './contracts.ts';
import type { FilesDB, FolderRow } from './db.ts';
import * as files from './repository-files.ts';
import * as repo from './repository-folders.ts';
import { folderNameTaken, isUniqueViolation, toFolderDto } from './service-common.ts';
import { resolveTemplate } from './service-templates.ts';

/** Folders: a tree per tenant, names unique per place among live folders (ARCHITECTURE.md §4). */

/** A live folder of the tenant, or NOT_FOUND (another tenant's id is simply not found). */
export async function liveFolder(ctx: DomainContext, id: string, options: { forUpdate?: boolean } = {}): Promise<FolderRow> {
  const folder = await repo.findFolder(ctx.db<FilesDB>(), id, options);
  if (!folder) throw new NotFoundError('Folder', id);
  if (folder.archived_at) throw new DomainError('PRECONDITION_FAILED', `The folder "${folder.name}" is archived`);
  return folder;
}

/** Where a new folder goes: under a live parent (taking its client and project) or at the top. */
async function placeOf(ctx: DomainContext, input: { parentId: string | null; clientId: string | null; projectId: string | null }) {
  if (!input.parentId) {
    await ctx.requireReferences([
      { kind: 'crm.client', id: input.clientId, path: ['clientId'], label: 'client' },
      { kind: 'projects.project', id: input.projectId, path: ['projectId'], label: 'project' },
    ]);
    return { parentId: null, clientId: input.clientId, projectId: input.projectId };
  }
  const parent = await liveFolder(ctx, input.parentId);
  if ((input.clientId && input.clientId !== parent.client_id) || (input.projectId && input.projectId !== parent.project_id)) {
    throw new DomainError('BAD_REQUEST', 'A sub-folder belongs to the client and project of its parent folder', [
      { path: [input.clientId && input.clientId !== parent.client_id ? 'clientId' : 'projectId'], message: 'Differs from the parent folder' },
    ]);
  }
  return { parentId: parent.id, clientId: parent.client_id, projectId: parent.project_id };
}

async function emitCreated(ctx: DomainContext, row: FolderRow): Promise<void> {
  await ctx.emit(
    folderCreated,
    {
      folder_id: row.id,
      parent_id: row.parent_id,
      name: row.name,
      client_id: row.client_id,
      project_id: row.project_id,
      template_id: row.template_id,
      created_by: row.created_by,
    },
    { aggregateId: row.id },
  );
}

export async function createFolder(ctx: DomainContext, input: CreateFolderInput): Promise<FolderDto> {
  const place = await placeOf(ctx, input);
  const row = await repo.insertFolder(ctx.db<FilesDB>(), {
    id: uuidv7(),
    tenantId: ctx.tenantId,
    ...place,
    name: input.name,
    templateId: null,
    createdBy: ctx.actorId,
  });
  if (!row) throw folderNameTaken(input.name);
  await emitCreated(ctx, row);
  return toFolderDto(row);
}

/**
 * Builds a template's tree in a place: find-or-create per folder, so running it twice (or for a
 * place that already has some of the folders) reuses what is there and creates the rest.
 */
export async function createFromTemplate(ctx: DomainContext, input: CreateFolderFromTemplateInput): Promise<CreatedFoldersDto> {
  // The place first: another tenant's parent id is not found before anything is seeded.
  const place = await placeOf(ctx, input);
  const template = await resolveTemplate(ctx, input.template);
  const db = ctx.db<FilesDB>();
  const folderIds: string[] = [];
  const rootFolderIds: string[] = [];
  let created = 0;
  const build = async (nodes: FolderTemplateNode[], parentId: string | null) => {
    for (const node of nodes) {
      const where = { parentId, clientId: place.clientId, projectId: place.projectId };
      let row = await repo.insertFolder(db, {
        id: uuidv7(),
        tenantId: ctx.tenantId,
        ...where,
        name: node.name,
        templateId: template.id,
        createdBy: ctx.actorId,
      });
      if (row) {
        created += 1;
        await emitCreated(ctx, row);
      } else {
        row = await repo.findLiveFolderByName(db, where, node.name);
        if (!row) throw folderNameTaken(node.name);
      }
      folderIds.push(row.id);
      if (parentId === place.parentId) rootFolderIds.push(row.id);
      await build(node.children, row.id);
    }
  };
  await build(template.folders, place.parentId);
  return { rootFolderIds, folderIds, created, templateId: template.id };
}

export async function listFolders(ctx: DomainContext, input: ListFoldersInput): Promise<FolderDto[]> {
  return (await repo.listFolders(ctx.db<FilesDB>(), input)).map(toFolderDto);
}

export async function renameFolder(ctx: DomainContext, input: RenameFolderInput): Promise<FolderDto> {
  const folder = await liveFolder(ctx, input.id, { forUpdate: true });
  if (folder.name === input.name) return toFolderDto(folder);
  let row: FolderRow;
  try {
    row = await repo.updateFolder(ctx.db<FilesDB>(), folder.id, { name: input.name });
  } catch (error) {
    if (isUniqueViolation(error)) throw folderNameTaken(input.name);
    throw error;
  }
  await ctx.emit(
    folderRenamed,
    { folder_id: row.id, parent_id: row.parent_id, name: row.name, client_id: row.client_id, project_id: row.project_id, previous_name: folder.name },
    { aggregateId: row.id },
  );
  return toFolderDto(row);
}

export async function moveFolder(ctx: DomainContext, input: MoveFolderInput): Promise<FolderDto> {
  const db = ctx.db<FilesDB>();
  await repo.lockFolderMoves(db, ctx.tenantId);
  const folder = await liveFolder(ctx, input.id, { forUpdate: true });
  if (folder.parent_id === input.parentId) return toFolderDto(folder);
  if (input.parentId) {
    const target = await liveFolder(ctx, input.parentId);
    if (target.client_id !== folder.client_id || target.project_id !== folder.project_id) {
      throw new DomainError('BAD_REQUEST', 'A folder can only move within its own client and project', [
        { path: ['parentId'], message: 'Belongs to another client or project' },
      ]);
    }
    const chain = await repo.ancestry(db, target.id);
    if (chain.some((ancestor) => ancestor.id === folder.id)) {
      throw new DomainError('BAD_REQUEST', 'A folder cannot move into itself or one of its sub-folders', [
        { path: ['parentId'], message: 'Inside the folder being moved' },
      ]);
    }
  }
  let row: FolderRow;
  try {
    row = await repo.updateFolder(db, folder.id, { parentId: input.parentId });
  } catch (error) {
    if (isUniqueViolation(error)) throw folderNameTaken(folder.name);
    throw error;
  }
  await ctx.emit(
    folderMoved,
    { folder_id: row.id, parent_id: row.parent_id, name: row.name, client_id: row.client_id, project_id: row.project_id, previous_parent_id: folder.parent_id },
    { aggregateId: row.id },
  );
  return toFolderDto(row);
}

/**
 * Archives the folder, its sub-folders and their files. When there are files, only with
 * `confirm: true`: otherwise a refusal that says how many files would go.
 */
export async function archiveFolder(ctx: DomainContext, input: ArchiveFolderInput): Promise<FolderArchiveDto> {
  const db = ctx.db<FilesDB>();
  const folder = await liveFolder(ctx, input.id, { forUpdate: true });
  const ids = await repo.subtreeIds(db, folder.id);
  const fileCount = await files.countLiveFiles(db, ids);
  if (fileCount > 0 && !input.confirm) {
    throw new DomainError(
      'PRECONDITION_FAILED',
      `The folder "${folder.name}" holds ${fileCount === 1 ? '1 file' : `${fileCount} files`}; confirm to archive it with ${fileCount === 1 ? 'it' : 'them'}`,
      [{ path: ['confirm'], message: 'Confirm to archive the files too' }],
    );
  }
  const archivedFiles = await files.archiveFilesIn(db, ids);
  await repo.archiveFolders(db, ids);
  const row = await repo.findFolder(db, folder.id);
  if (!row) throw new NotFoundError('Folder', folder.id);
  await ctx.emit(
    folderArchived,
    {
      folder_id: row.id,
      parent_id: row.parent_id,
      name: row.name,
      client_id: row.client_id,
      project_id: row.project_id,
      folder_ids: ids,
      file_count: archivedFiles.length,
    },
    { aggregateId: row.id },
  );
  if (archivedFiles.length > 0) {
    await ctx.emitMany(
      fileArchived,
      archivedFiles.map((file) => ({
        aggregateId: file.id,
        payload: {
          file_id: file.id,
          folder_id: file.folder_id,
          name: file.name,
          client_id: file.client_id,
          project_id: file.project_id,
          with_folder_id: folder.id,
        },
      })),
    );
  }
  return { folder: toFolderDto(row), archivedFolderIds: ids, archivedFileCount: archivedFiles.length };
}
