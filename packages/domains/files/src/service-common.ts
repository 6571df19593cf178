import { DomainError, type BlobStore, type DomainContext } from '@ubos/platform';
import { inlineSafeTypes, type FileDto, type FolderDto } from './contracts.ts';
import type { FolderRow } from './db.ts';
import type { FileView } from './repository-files.ts';

/** Shared by the files services: DTO mapping, the blob store, error wording. */

export function toFolderDto(row: FolderRow): FolderDto {
  return {
    id: row.id,
    parentId: row.parent_id,
    name: row.name,
    clientId: row.client_id,
    projectId: row.project_id,
    templateId: row.template_id,
    archivedAt: row.archived_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function isInline(contentType: string): boolean {
  return inlineSafeTypes.includes(contentType);
}

export function toFileDto(row: FileView): FileDto {
  return {
    id: row.id,
    folderId: row.folder_id,
    name: row.name,
    clientId: row.client_id,
    projectId: row.project_id,
    version: row.version,
    size: Number(row.size),
    contentType: row.content_type,
    sha256: row.sha256,
    inline: isInline(row.content_type),
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    archivedAt: row.archived_at,
  };
}

/** The deployment's blob store, or a clear refusal when none is configured (§7). */
export function blobStore(ctx: DomainContext): BlobStore {
  const store = ctx.services.blobs;
  if (!store) throw new DomainError('PRECONDITION_FAILED', 'File storage is not configured on this server');
  return store;
}

/** True when `error` is Postgres's unique violation (of `constraint`, when given). */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const pg = error as { code?: unknown; constraint?: unknown };
  return pg.code === '23505' && (constraint === undefined || pg.constraint === constraint);
}

export function folderNameTaken(name: string): DomainError {
  return new DomainError('CONFLICT', `A folder named "${name}" already exists here`, [{ path: ['name'], message: 'This name is taken in this folder' }]);
}

/** An opaque keyset cursor over (name_key, id). */
export function encodeCursor(parts: { name: string; id: string }): string {
  return Buffer.from(JSON.stringify([parts.name, parts.id])).toString('base64url');
}

export function decodeCursor(cursor: string | null): { name: string; id: string } | null {
  if (cursor === null) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && typeof parsed[0] === 'string' && typeof parsed[1] === 'string' && /^[0-9a-f-]{36}$/i.test(parsed[1])) {
      return { name: parsed[0], id: parsed[1] };
    }
  } catch {
    // Falls through to the refusal.
  }
  throw new DomainError('BAD_REQUEST', 'This page cursor is not valid; start from the first page', [
    { path: ['cursor'], message: 'Not a cursor this list gave out' },
  ]);
}
