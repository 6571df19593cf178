import { sql, type Kysely, type Transaction } from '@ubos/platform';
import type { PortalDB } from './db.ts';

/**
 * What the client sees, read from the portal's local copies (projects, files, requests). Every
 * query takes the session's client id: an id of another client narrows to nothing.
 */

type Db = Transaction<PortalDB> | Kysely<PortalDB>;

// ---------------------------------------------------------------- projects

export function listClientProjects(db: Db, clientId: string, projectId?: string) {
  let query = db.selectFrom('portal.projects').selectAll().where('client_id', '=', clientId).orderBy('updated_at', 'desc').orderBy('id').limit(200);
  if (projectId) query = query.where('id', '=', projectId);
  return query.execute();
}

/** Done and total tasks per project (the progress bar), for the given projects. */
export async function taskProgress(db: Db, projectIds: readonly string[]): Promise<Map<string, { done: number; total: number }>> {
  if (projectIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('portal.tasks')
    .select(['project_id', sql<number>`count(*)::int`.as('total'), sql<number>`count(*) FILTER (WHERE status = 'done')::int`.as('done')])
    .where('project_id', 'in', projectIds)
    .groupBy('project_id')
    .execute();
  return new Map(rows.map((row) => [row.project_id, { done: row.done, total: row.total }]));
}

export function listMilestones(db: Db, projectIds: readonly string[]) {
  if (projectIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('portal.milestones').selectAll().where('project_id', 'in', projectIds).orderBy('due_date').orderBy('id').execute();
}

/** The tasks staff made client-visible, of the client's own projects only. */
export function listSharedTasks(db: Db, clientId: string, projectIds: readonly string[]) {
  if (projectIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('portal.tasks as t')
    .innerJoin('portal.shares as s', (join) =>
      join.onRef('s.tenant_id', '=', 't.tenant_id').onRef('s.target_id', '=', 't.id').on('s.kind', '=', 'task').on('s.client_id', '=', clientId),
    )
    .select(['t.id', 't.project_id', 't.title', 't.status', 't.due_date'])
    .where('t.project_id', 'in', projectIds)
    .orderBy('t.due_date')
    .orderBy('t.id')
    .execute();
}

// ---------------------------------------------------------------- files

/** The folders shared with the client and every live folder below them. */
export function listSharedFolders(db: Db, clientId: string) {
  return db
    .withRecursive('tree(id, parent_id, name)', (qb) =>
      qb
        .selectFrom('portal.folders as f')
        .innerJoin('portal.shares as s', (join) =>
          join.onRef('s.tenant_id', '=', 'f.tenant_id').onRef('s.target_id', '=', 'f.id').on('s.kind', '=', 'folder').on('s.client_id', '=', clientId),
        )
        .select(['f.id', sql<string | null>`NULL::uuid`.as('parent_id'), 'f.name'])
        .where('f.archived', '=', false)
        .unionAll((inner) =>
          inner
            .selectFrom('portal.folders as c')
            .innerJoin('tree', 'tree.id', 'c.parent_id')
            .select(['c.id', 'c.parent_id', 'c.name'])
            .where('c.archived', '=', false),
        ),
    )
    .selectFrom('tree')
    .select(['id', 'parent_id', 'name'])
    .limit(1000)
    .execute();
}

export function listFilesIn(db: Db, folderIds: readonly string[]) {
  if (folderIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('portal.files')
    .select(['id', 'folder_id', 'name', 'version', 'size', 'content_type', 'updated_at'])
    .where('folder_id', 'in', folderIds)
    .where('archived', '=', false)
    .orderBy('folder_id')
    .orderBy('name')
    .limit(5000)
    .execute();
}

export function countFilesIn(db: Db, folderIds: readonly string[]) {
  if (folderIds.length === 0) return Promise.resolve(0);
  return db
    .selectFrom('portal.files')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('folder_id', 'in', folderIds)
    .where('archived', '=', false)
    .executeTakeFirstOrThrow()
    .then((row) => row.n);
}

export function recentFilesIn(db: Db, folderIds: readonly string[], limit: number) {
  if (folderIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('portal.files')
    .select(['id', 'name', 'version', 'updated_at'])
    .where('folder_id', 'in', folderIds)
    .where('archived', '=', false)
    .orderBy('updated_at', 'desc')
    .limit(limit)
    .execute();
}

export function listOpenRequests(db: Db, clientId: string) {
  return db
    .selectFrom('portal.file_requests as r')
    .leftJoin('portal.folders as f', (join) => join.onRef('f.tenant_id', '=', 'r.tenant_id').onRef('f.id', '=', 'r.folder_id'))
    .select(['r.id', 'r.label', 'r.folder_id', 'r.expires_at', 'f.name as folder_name'])
    .where('r.client_id', '=', clientId)
    .where('r.state', '=', 'open')
    .where('r.expires_at', '>', sql<Date>`now()`)
    .orderBy('r.expires_at')
    .limit(200)
    .execute();
}

// ---------------------------------------------------------------- shares

export function listShares(db: Db, clientId: string) {
  return db.selectFrom('portal.shares').select(['kind', 'target_id']).where('client_id', '=', clientId).orderBy('kind').orderBy('target_id').execute();
}

export async function replaceShares(
  db: Db,
  input: { tenantId: string; clientId: string; kind: 'folder' | 'task'; ids: readonly string[]; by: string | null },
): Promise<void> {
  let del = db.deleteFrom('portal.shares').where('client_id', '=', input.clientId).where('kind', '=', input.kind);
  if (input.ids.length > 0) del = del.where('target_id', 'not in', input.ids);
  await del.execute();
  if (input.ids.length === 0) return;
  await db
    .insertInto('portal.shares')
    .values(input.ids.map((id) => ({ tenant_id: input.tenantId, client_id: input.clientId, kind: input.kind, target_id: id, shared_by: input.by })))
    .onConflict((conflict) => conflict.doNothing())
    .execute();
}

/** Of `ids`, the folders that may be shared with the client: live, and the client's own or no client's. */
export async function shareableFolders(db: Db, clientId: string, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('portal.folders')
    .select('id')
    .where('id', 'in', ids)
    .where('archived', '=', false)
    .where((eb) => eb.or([eb('client_id', '=', clientId), eb('client_id', 'is', null)]))
    .execute();
  return new Set(rows.map((row) => row.id));
}

/** Of `ids`, the tasks of the client's own projects. */
export async function shareableTasks(db: Db, clientId: string, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('portal.tasks as t')
    .innerJoin('portal.projects as p', (join) => join.onRef('p.tenant_id', '=', 't.tenant_id').onRef('p.id', '=', 't.project_id'))
    .select('t.id')
    .where('t.id', 'in', ids)
    .where('p.client_id', '=', clientId)
    .execute();
  return new Set(rows.map((row) => row.id));
}
