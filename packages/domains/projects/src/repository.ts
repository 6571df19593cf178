import { sql, type Selectable, type Transaction } from 'kysely';
import type { ChecklistItem, ProjectStatus, TaskStatus, TemplateSkeleton } from './contracts.ts';
import type { ColumnsTable, MilestonesTable, ProjectsDB, ProjectsTable, StoredSkeleton, TasksTable, TemplatesTable } from './db.ts';

/**
 * Kysely queries against schema `projects` only. RLS scopes every statement to the current tenant.
 * Rows keep the tables' snake_case; the services map them to the camelCase DTOs.
 */
export type ProjectsTrx = Transaction<ProjectsDB>;

export type ProjectRow = Omit<Selectable<ProjectsTable>, 'tenant_id' | 'created_by'>;
export type ColumnRow = Omit<Selectable<ColumnsTable>, 'tenant_id' | 'created_at'>;
export type MilestoneRow = Omit<Selectable<MilestonesTable>, 'tenant_id' | 'created_at' | 'updated_at'>;
export type TaskRow = Omit<Selectable<TasksTable>, 'tenant_id' | 'created_by'>;
/** A template row with its skeleton read from the stored format. */
export type TemplateRow = Omit<Selectable<TemplatesTable>, 'tenant_id' | 'created_by' | 'skeleton'> & { skeleton: TemplateSkeleton };

const projectColumns = [
  'id',
  'name',
  'description',
  'client_id',
  'engagement_id',
  'template_id',
  'status',
  sql<string | null>`start_date::text`.as('start_date'),
  sql<string | null>`due_date::text`.as('due_date'),
  'completed_at',
  'created_at',
  'updated_at',
] as const;

const taskColumns = [
  'id',
  'project_id',
  'column_id',
  'milestone_id',
  'title',
  'description',
  'status',
  'assignee_id',
  sql<string | null>`due_date::text`.as('due_date'),
  'checklist',
  'position',
  'completed_at',
  'created_at',
  'updated_at',
] as const;

const milestoneColumns = ['id', 'project_id', 'name', sql<string | null>`due_date::text`.as('due_date'), 'reached_at'] as const;

// ---- projects ----

export interface NewProject {
  id: string;
  tenant_id: string;
  name: string;
  description: string | null;
  client_id: string | null;
  engagement_id: string | null;
  template_id: string | null;
  status: ProjectStatus;
  start_date: string | null;
  due_date: string | null;
  created_by: string | null;
}

export async function insertProject(trx: ProjectsTrx, row: NewProject): Promise<ProjectRow> {
  return trx.insertInto('projects.projects').values(row).returning(projectColumns).executeTakeFirstOrThrow();
}

export async function findProject(trx: ProjectsTrx, id: string, options: { lock?: boolean } = {}): Promise<ProjectRow | undefined> {
  let query = trx.selectFrom('projects.projects').select(projectColumns).where('id', '=', id);
  if (options.lock) query = query.forUpdate();
  return query.executeTakeFirst();
}

export async function listProjects(
  trx: ProjectsTrx,
  filter: { cursor: string | null; limit: number; status: ProjectStatus | null; clientId: string | null },
): Promise<ProjectRow[]> {
  let query = trx.selectFrom('projects.projects').select(projectColumns).orderBy('id', 'desc').limit(filter.limit);
  if (filter.cursor) query = query.where('id', '<', filter.cursor);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.clientId) query = query.where('client_id', '=', filter.clientId);
  return query.execute();
}

export interface ProjectPatch {
  name?: string;
  description?: string | null;
  client_id?: string | null;
  engagement_id?: string | null;
  status?: ProjectStatus;
  start_date?: string | null;
  due_date?: string | null;
  completed_at?: Date | null;
}

export async function updateProject(trx: ProjectsTrx, id: string, patch: ProjectPatch): Promise<ProjectRow> {
  return trx
    .updateTable('projects.projects')
    .set({ ...patch, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returning(projectColumns)
    .executeTakeFirstOrThrow();
}

/** Re-points every project of the merged client to the survivor; returns the rows it changed. */
export async function repointClient(trx: ProjectsTrx, mergedId: string, survivorId: string): Promise<ProjectRow[]> {
  return trx
    .updateTable('projects.projects')
    .set({ client_id: survivorId, updated_at: sql<Date>`now()` })
    .where('client_id', '=', mergedId)
    .returning(projectColumns)
    .execute();
}

// ---- columns ----

export async function insertColumns(
  trx: ProjectsTrx,
  rows: { id: string; tenant_id: string; project_id: string; name: string; position: string; is_done: boolean }[],
): Promise<ColumnRow[]> {
  if (rows.length === 0) return [];
  return trx.insertInto('projects.columns').values(rows).returning(['id', 'project_id', 'name', 'position', 'is_done']).execute();
}

export async function listColumns(trx: ProjectsTrx, projectId: string): Promise<ColumnRow[]> {
  return trx
    .selectFrom('projects.columns')
    .select(['id', 'project_id', 'name', 'position', 'is_done'])
    .where('project_id', '=', projectId)
    .orderBy('position')
    .execute();
}

export async function findColumn(trx: ProjectsTrx, id: string): Promise<ColumnRow | undefined> {
  return trx.selectFrom('projects.columns').select(['id', 'project_id', 'name', 'position', 'is_done']).where('id', '=', id).executeTakeFirst();
}

export async function lastColumnPosition(trx: ProjectsTrx, projectId: string): Promise<string | null> {
  const row = await trx
    .selectFrom('projects.columns')
    .select('position')
    .where('project_id', '=', projectId)
    .orderBy('position', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.position ?? null;
}

// ---- milestones ----

export async function insertMilestones(
  trx: ProjectsTrx,
  rows: { id: string; tenant_id: string; project_id: string; name: string; due_date: string | null }[],
): Promise<MilestoneRow[]> {
  if (rows.length === 0) return [];
  return trx.insertInto('projects.milestones').values(rows).returning(milestoneColumns).execute();
}

export async function findMilestone(trx: ProjectsTrx, id: string, options: { lock?: boolean } = {}): Promise<MilestoneRow | undefined> {
  let query = trx.selectFrom('projects.milestones').select(milestoneColumns).where('id', '=', id);
  if (options.lock) query = query.forUpdate();
  return query.executeTakeFirst();
}

export async function listMilestones(trx: ProjectsTrx, projectId: string): Promise<MilestoneRow[]> {
  return trx
    .selectFrom('projects.milestones')
    .select(milestoneColumns)
    .where('project_id', '=', projectId)
    .orderBy(sql`due_date NULLS LAST`)
    .orderBy('id')
    .execute();
}

export async function markMilestoneReached(trx: ProjectsTrx, id: string): Promise<MilestoneRow> {
  return trx
    .updateTable('projects.milestones')
    .set({ reached_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returning(milestoneColumns)
    .executeTakeFirstOrThrow();
}

export async function countOpenMilestoneTasks(trx: ProjectsTrx, milestoneId: string): Promise<number> {
  const row = await trx
    .selectFrom('projects.tasks')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('milestone_id', '=', milestoneId)
    .where('status', '=', 'open')
    .executeTakeFirstOrThrow();
  return row.n;
}

// ---- tasks ----

export interface NewTask {
  id: string;
  tenant_id: string;
  project_id: string;
  column_id: string;
  milestone_id: string | null;
  title: string;
  description: string | null;
  assignee_id: string | null;
  due_date: string | null;
  checklist: ChecklistItem[];
  position: string;
  created_by: string | null;
}

export async function insertTasks(trx: ProjectsTrx, rows: NewTask[]): Promise<TaskRow[]> {
  if (rows.length === 0) return [];
  return trx
    .insertInto('projects.tasks')
    .values(rows.map((row) => ({ ...row, checklist: JSON.stringify(row.checklist) })))
    .returning(taskColumns)
    .execute();
}

export async function findTask(trx: ProjectsTrx, id: string, options: { lock?: boolean } = {}): Promise<TaskRow | undefined> {
  let query = trx.selectFrom('projects.tasks').select(taskColumns).where('id', '=', id);
  if (options.lock) query = query.forUpdate();
  return query.executeTakeFirst();
}

export async function listTasks(
  trx: ProjectsTrx,
  filter: { projectId: string; cursor: string | null; limit: number; status: TaskStatus | null },
): Promise<TaskRow[]> {
  let query = trx.selectFrom('projects.tasks').select(taskColumns).where('project_id', '=', filter.projectId).orderBy('id').limit(filter.limit);
  if (filter.cursor) query = query.where('id', '>', filter.cursor);
  if (filter.status) query = query.where('status', '=', filter.status);
  return query.execute();
}

export async function listBoardTasks(trx: ProjectsTrx, projectId: string): Promise<TaskRow[]> {
  return trx.selectFrom('projects.tasks').select(taskColumns).where('project_id', '=', projectId).orderBy('position').orderBy('id').execute();
}

export async function listOpenTasksOf(trx: ProjectsTrx, assigneeId: string, cursor: string | null, limit: number): Promise<TaskRow[]> {
  let query = trx
    .selectFrom('projects.tasks')
    .select(taskColumns)
    .where('assignee_id', '=', assigneeId)
    .where('status', '=', 'open')
    .orderBy('id')
    .limit(limit);
  if (cursor) query = query.where('id', '>', cursor);
  return query.execute();
}

export interface TaskPatch {
  title?: string;
  description?: string | null;
  status?: TaskStatus;
  assignee_id?: string | null;
  due_date?: string | null;
  milestone_id?: string | null;
  column_id?: string;
  position?: string;
  checklist?: ChecklistItem[];
  completed_at?: Date | null;
}

export async function updateTask(trx: ProjectsTrx, id: string, patch: TaskPatch): Promise<TaskRow> {
  const { checklist, ...rest } = patch;
  return trx
    .updateTable('projects.tasks')
    .set({ ...rest, ...(checklist ? { checklist: JSON.stringify(checklist) } : {}), updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returning(taskColumns)
    .executeTakeFirstOrThrow();
}

export async function lastTaskPosition(trx: ProjectsTrx, columnId: string, excludeId?: string): Promise<string | null> {
  let query = trx.selectFrom('projects.tasks').select('position').where('column_id', '=', columnId);
  if (excludeId) query = query.where('id', '<>', excludeId);
  const row = await query.orderBy('position', 'desc').limit(1).executeTakeFirst();
  return row?.position ?? null;
}

/** The position right after `position` in the column, ignoring `excludeId` (the task being moved). */
export async function nextTaskPosition(trx: ProjectsTrx, columnId: string, position: string, excludeId: string): Promise<string | null> {
  const row = await trx
    .selectFrom('projects.tasks')
    .select('position')
    .where('column_id', '=', columnId)
    .where('position', '>', position)
    .where('id', '<>', excludeId)
    .orderBy('position')
    .limit(1)
    .executeTakeFirst();
  return row?.position ?? null;
}

export async function previousTaskPosition(trx: ProjectsTrx, columnId: string, position: string, excludeId: string): Promise<string | null> {
  const row = await trx
    .selectFrom('projects.tasks')
    .select('position')
    .where('column_id', '=', columnId)
    .where('position', '<', position)
    .where('id', '<>', excludeId)
    .orderBy('position', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.position ?? null;
}

// ---- templates ----

const templateColumns = ['id', 'name', 'description', 'skeleton', 'created_at', 'updated_at', 'archived_at'] as const;

/** The stored (snake_case) form of a skeleton; every field is written, as the input schema defaults them. */
function toStoredSkeleton(skeleton: TemplateSkeleton): StoredSkeleton {
  return {
    columns: skeleton.columns.map((column) => ({ name: column.name, is_done: column.isDone })),
    milestones: skeleton.milestones.map((milestone) => ({ key: milestone.key, name: milestone.name, offset_days: milestone.offsetDays })),
    tasks: skeleton.tasks.map((task) => ({
      title: task.title,
      description: task.description,
      milestone_key: task.milestoneKey,
      offset_days: task.offsetDays,
      checklist: task.checklist,
    })),
  };
}

function fromStoredSkeleton(stored: StoredSkeleton): TemplateSkeleton {
  return {
    columns: (stored.columns ?? []).map((column) => ({ name: column.name, isDone: column.is_done ?? false })),
    milestones: (stored.milestones ?? []).map((milestone) => ({ key: milestone.key, name: milestone.name, offsetDays: milestone.offset_days ?? null })),
    tasks: (stored.tasks ?? []).map((task) => ({
      title: task.title,
      description: task.description ?? null,
      milestoneKey: task.milestone_key ?? null,
      offsetDays: task.offset_days ?? null,
      checklist: task.checklist ?? [],
    })),
  };
}

function toTemplateRow(row: Omit<TemplateRow, 'skeleton'> & { skeleton: StoredSkeleton }): TemplateRow {
  return { ...row, skeleton: fromStoredSkeleton(row.skeleton) };
}

export async function insertTemplate(
  trx: ProjectsTrx,
  row: { id: string; tenant_id: string; name: string; description: string | null; skeleton: TemplateSkeleton; created_by: string | null },
): Promise<TemplateRow> {
  const inserted = await trx
    .insertInto('projects.templates')
    .values({ ...row, skeleton: JSON.stringify(toStoredSkeleton(row.skeleton)) })
    .returning(templateColumns)
    .executeTakeFirstOrThrow();
  return toTemplateRow(inserted);
}

export async function findTemplate(trx: ProjectsTrx, id: string): Promise<TemplateRow | undefined> {
  const row = await trx.selectFrom('projects.templates').select(templateColumns).where('id', '=', id).executeTakeFirst();
  return row ? toTemplateRow(row) : undefined;
}

export async function listTemplates(trx: ProjectsTrx, cursor: string | null, limit: number): Promise<TemplateRow[]> {
  let query = trx.selectFrom('projects.templates').select(templateColumns).where('archived_at', 'is', null).orderBy('id').limit(limit);
  if (cursor) query = query.where('id', '>', cursor);
  return (await query.execute()).map(toTemplateRow);
}

/** Archives a template once: the row when this call archived it, undefined when it already was. */
export async function archiveTemplate(trx: ProjectsTrx, id: string): Promise<TemplateRow | undefined> {
  const row = await trx
    .updateTable('projects.templates')
    .set({ archived_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('archived_at', 'is', null)
    .returning(templateColumns)
    .executeTakeFirst();
  return row ? toTemplateRow(row) : undefined;
}

export async function updateTemplate(
  trx: ProjectsTrx,
  id: string,
  patch: { name?: string; description?: string | null; skeleton?: TemplateSkeleton },
): Promise<TemplateRow> {
  const { skeleton, ...rest } = patch;
  const updated = await trx
    .updateTable('projects.templates')
    .set({ ...rest, ...(skeleton ? { skeleton: JSON.stringify(toStoredSkeleton(skeleton)) } : {}), updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returning(templateColumns)
    .executeTakeFirstOrThrow();
  return toTemplateRow(updated);
}
