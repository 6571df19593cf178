import { sql, type Kysely, type Transaction, type UntypedDB } from '@ubos/platform';
import type { RequestState } from './contracts.ts';
import type { FilesDB, RequestRow } from './db.ts';

/** Queries on file requests and their submissions (ARCHITECTURE.md §4). */

type Db = Transaction<FilesDB>;

export async function insertRequest(
  db: Db,
  request: Omit<RequestRow, 'files_received' | 'revoked_at' | 'revoked_by' | 'completed_at' | 'created_at'>,
): Promise<RequestRow> {
  return db.insertInto('files.requests').values(request).returningAll().executeTakeFirstOrThrow();
}

export async function findRequest(db: Db, id: string, options: { forUpdate?: boolean } = {}): Promise<RequestRow | undefined> {
  const query = db.selectFrom('files.requests').selectAll().where('id', '=', id);
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

const stateCondition: Record<RequestState, ReturnType<typeof sql<boolean>>> = {
  revoked: sql<boolean>`revoked_at IS NOT NULL`,
  completed: sql<boolean>`revoked_at IS NULL AND completed_at IS NOT NULL`,
  expired: sql<boolean>`revoked_at IS NULL AND completed_at IS NULL AND expires_at <= now()`,
  open: sql<boolean>`revoked_at IS NULL AND completed_at IS NULL AND expires_at > now()`,
};

/** Newest first; ids are uuid v7, so the id is the keyset cursor. */
export async function listRequests(
  db: Db,
  filter: {
    folderId?: string | undefined;
    clientId?: string | undefined;
    projectId?: string | undefined;
    state?: RequestState | undefined;
    before: string | null;
    limit: number;
  },
): Promise<RequestRow[]> {
  let query = db.selectFrom('files.requests').selectAll();
  if (filter.folderId) query = query.where('folder_id', '=', filter.folderId);
  if (filter.clientId) query = query.where('client_id', '=', filter.clientId);
  if (filter.projectId) query = query.where('project_id', '=', filter.projectId);
  if (filter.state) query = query.where(stateCondition[filter.state]);
  if (filter.before) query = query.where('id', '<', filter.before);
  return query.orderBy('id', 'desc').limit(filter.limit).execute();
}

export async function listSubmissions(db: Db, requestId: string) {
  return db
    .selectFrom('files.request_submissions as s')
    .innerJoin('files.files as f', 'f.id', 's.file_id')
    .innerJoin('files.blobs as b', 'b.id', 's.blob_id')
    .select([
      's.id',
      's.file_id',
      'f.name as file_name',
      sql<number>`COALESCE(b.size, b.declared_size)`.as('size'),
      sql<string>`b.declared_type`.as('content_type'),
      's.uploader_name',
      's.uploader_email',
      's.created_at',
    ])
    .where('s.request_id', '=', requestId)
    .orderBy('s.created_at')
    .orderBy('s.id')
    .execute();
}

export async function insertSubmission(
  db: Db,
  submission: { id: string; tenantId: string; requestId: string; blobId: string; fileId: string; uploaderName: string | null; uploaderEmail: string | null },
): Promise<void> {
  await db
    .insertInto('files.request_submissions')
    .values({
      id: submission.id,
      tenant_id: submission.tenantId,
      request_id: submission.requestId,
      blob_id: submission.blobId,
      file_id: submission.fileId,
      uploader_name: submission.uploaderName,
      uploader_email: submission.uploaderEmail,
    })
    .execute();
}

/** Revokes an open or expired request (not a completed one); undefined when nothing changed. */
export async function revokeRequest(db: Db, id: string, revokedBy: string | null): Promise<RequestRow | undefined> {
  return db
    .updateTable('files.requests')
    .set({ revoked_at: sql<Date>`now()`, revoked_by: revokedBy })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .where('completed_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

/**
 * Takes one of the link's file slots: a conditional UPDATE, so concurrent uploads can never take
 * more than max_files (the CHECK backs it up). Undefined when the link is full, closed or expired.
 */
export async function takeSlot(db: Db, id: string): Promise<RequestRow | undefined> {
  return db
    .updateTable('files.requests')
    .set({ files_received: sql<number>`files_received + 1` })
    .where('id', '=', id)
    .where(sql<boolean>`files_received < max_files`)
    .where('revoked_at', 'is', null)
    .where('completed_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .returningAll()
    .executeTakeFirst();
}

/** Completes an open request that received files, exactly once (the WHERE completed_at IS NULL). */
export async function completeRequest(db: Db, id: string): Promise<RequestRow | undefined> {
  return db
    .updateTable('files.requests')
    .set({ completed_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('completed_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .where('files_received', '>', 0)
    .returningAll()
    .executeTakeFirst();
}

/** The link's request and organization from the token's hash, before any tenant is known (SECURITY DEFINER). */
export async function requestByTokenHash(
  db: Kysely<UntypedDB>,
  tokenHash: string,
): Promise<{ id: string; tenant_id: string; organization_name: string } | undefined> {
  const result = await sql<{ id: string; tenant_id: string; organization_name: string }>`
    SELECT id, tenant_id, organization_name FROM files.request_by_token_hash(${tokenHash})`.execute(db);
  return result.rows[0];
}
