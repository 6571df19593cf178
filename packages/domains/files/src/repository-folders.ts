import { sql, type Transaction } from '@ubos/platform';
import type { FilesDB, FolderRow, TemplateRow } from './db.ts';

/** Queries on folders and templates (ARCHITECTURE.md §4). RLS scopes every one to the tenant. */

type Db = Transaction<FilesDB>;

export async function findFolder(db: Db, id: string, options: { forUpdate?: boolean } = {}): Promise<FolderRow | undefined> {
  const query = db.selectFrom('files.folders').selectAll().where('id', '=', id);
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

export interface NewFolder {
  id: string;
  tenantId: string;
  parentId: string | null;
  name: string;
  clientId: string | null;
  projectId: string | null;
  templateId: string | null;
  createdBy: string | null;
}

/**
 * Inserts the folder unless a live folder of that name is already in the same place (the partial
 * unique indexes decide, so two concurrent creations cannot both win): undefined then.
 */
export async function insertFolder(db: Db, folder: NewFolder): Promise<FolderRow | undefined> {
  return db
    .insertInto('files.folders')
    .values({
      id: folder.id,
      tenant_id: folder.tenantId,
      parent_id: folder.parentId,
      name: folder.name,
      client_id: folder.clientId,
      project_id: folder.projectId,
      template_id: folder.templateId,
      created_by: folder.createdBy,
    })
    .onConflict((conflict) => conflict.doNothing())
    .returningAll()
    .executeTakeFirst();
}

/** The live folder named `name` (any case) in the place a new folder would go. */
export async function findLiveFolderByName(
  db: Db,
  place: { parentId: string | null; clientId: string | null; projectId: string | null },
  name: string,
): Promise<FolderRow | undefined> {
  let query = db.selectFrom('files.folders').selectAll().where(sql<boolean>`lower(name) = lower(${name})`).where('archived_at', 'is', null);
  if (place.parentId) query = query.where('parent_id', '=', place.parentId);
  else {
    query = query
      .where('parent_id', 'is', null)
      .where(sql<boolean>`client_id IS NOT DISTINCT FROM ${place.clientId}::uuid`)
      .where(sql<boolean>`project_id IS NOT DISTINCT FROM ${place.projectId}::uuid`);
  }
  return query.executeTakeFirst();
}

export async function listFolders(db: Db, filter: { clientId: string | null; projectId: string | null; includeArchived: boolean }): Promise<FolderRow[]> {
  let query = db.selectFrom('files.folders').selectAll();
  if (filter.clientId) query = query.where('client_id', '=', filter.clientId);
  if (filter.projectId) query = query.where('project_id', '=', filter.projectId);
  if (!filter.includeArchived) query = query.where('archived_at', 'is', null);
  return query.orderBy(sql`lower(name)`).orderBy('id').limit(5000).execute();
}

/** The folder and every folder below it (live ones, unless `includeArchived`). */
export async function subtreeIds(db: Db, rootId: string, options: { includeArchived?: boolean } = {}): Promise<string[]> {
  const live = options.includeArchived ? sql`` : sql`AND f.archived_at IS NULL`;
  const result = await sql<{ id: string }>`
    WITH RECURSIVE tree(id) AS (
      SELECT id FROM files.folders WHERE id = ${rootId}
      UNION
      SELECT f.id FROM files.folders f JOIN tree t ON f.parent_id = t.id WHERE true ${live}
    )
    SELECT id FROM tree`.execute(db);
  return result.rows.map((row) => row.id);
}

/** The folder and its ancestors, nearest first. */
export async function ancestry(db: Db, folderId: string): Promise<FolderRow[]> {
  const result = await sql<FolderRow>`
    WITH RECURSIVE chain AS (
      SELECT f.*, 0 AS depth FROM files.folders f WHERE f.id = ${folderId}
      UNION ALL
      SELECT p.*, c.depth + 1 FROM files.folders p JOIN chain c ON p.id = c.parent_id WHERE c.depth < 100
    )
    SELECT id, tenant_id, parent_id, name, client_id, project_id, template_id, created_by, created_at, updated_at, archived_at
    FROM chain ORDER BY depth`.execute(db);
  return result.rows;
}

/** Serialises folder moves of one tenant, so two concurrent moves cannot make a cycle. */
export async function lockFolderMoves(db: Db, tenantId: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`files.folder-move:${tenantId}`}, 0))`.execute(db);
}

export async function updateFolder(db: Db, id: string, changes: { name?: string; parentId?: string | null; archivedAt?: Date | null }): Promise<FolderRow> {
  return db
    .updateTable('files.folders')
    .set({
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.parentId !== undefined ? { parent_id: changes.parentId } : {}),
      ...(changes.archivedAt !== undefined ? { archived_at: changes.archivedAt } : {}),
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function archiveFolders(db: Db, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('files.folders')
    .set({ archived_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
    .where('id', 'in', ids)
    .where('archived_at', 'is', null)
    .execute();
}

// ---- templates

export async function listTemplates(db: Db): Promise<TemplateRow[]> {
  return db.selectFrom('files.templates').selectAll().orderBy(sql`lower(name)`).orderBy('id').execute();
}

export async function findTemplate(db: Db, id: string, options: { forUpdate?: boolean } = {}): Promise<TemplateRow | undefined> {
  const query = db.selectFrom('files.templates').selectAll().where('id', '=', id);
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

/** Inserts the template unless one of that name exists (undefined then). */
export async function insertTemplate(db: Db, template: { id: string; tenantId: string; name: string; folders: unknown }): Promise<TemplateRow | undefined> {
  return db
    .insertInto('files.templates')
    .values({ id: template.id, tenant_id: template.tenantId, name: template.name, folders: JSON.stringify(template.folders) })
    .onConflict((conflict) => conflict.doNothing())
    .returningAll()
    .executeTakeFirst();
}

/** Seeds the default template for a tenant that has none (a concurrent seed wins harmlessly). */
export async function seedTemplate(db: Db, template: { id: string; tenantId: string; name: string; folders: unknown }): Promise<void> {
  await sql`
    INSERT INTO files.templates (id, tenant_id, name, folders)
    SELECT ${template.id}, ${template.tenantId}, ${template.name}, ${JSON.stringify(template.folders)}::jsonb
    WHERE NOT EXISTS (SELECT 1 FROM files.templates)
    ON CONFLICT DO NOTHING`.execute(db);
}

export async function updateTemplate(db: Db, id: string, changes: { name?: string; folders?: unknown }): Promise<TemplateRow> {
  return db
    .updateTable('files.templates')
    .set({
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.folders !== undefined ? { folders: JSON.stringify(changes.folders) } : {}),
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}
