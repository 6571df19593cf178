import { DomainError, NotFoundError, uuidv7, type DomainContext } from '@ubos/platform';
import {
  columnCreated,
  milestoneCreated,
  projectCompleted,
  projectCreated,
  projectUpdated,
  taskCreated,
  type BoardDto,
  type ColumnDto,
  type CreateColumnInput,
  type CreateProjectFromTemplateInput,
  type CreateProjectInput,
  type ListProjectsInput,
  type Page,
  type ProjectDto,
  type ProjectStatus,
  type UpdateProjectInput,
} from './contracts.ts';
import type { ProjectsDB } from './db.ts';
import { keyBetween, keysAfter } from './fractional-index.ts';
import * as repo from './repository.ts';
import type { ColumnRow, MilestoneRow, ProjectRow, TaskRow } from './repository.ts';
import { pageOfRows, requireProject, taskEventFields, toColumnDto, toMilestoneDto, toProjectDto, toTaskDto } from './service.ts';

/** Projects, their columns and their boards (a project made from a template included). */

const DEFAULT_COLUMNS: { name: string; isDone: boolean }[] = [
  { name: 'To do', isDone: false },
  { name: 'In progress', isDone: false },
  { name: 'Done', isDone: true },
];

function addDays(isoDate: string | null, days: number | null): string | null {
  if (isoDate === null || days === null) return null;
  const date = new Date(`${isoDate}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

function todayIso(): string {
  return new Date().toISOString().slice(0, 10);
}

function toBoardDto(project: ProjectRow, columns: ColumnRow[], tasks: TaskRow[], milestones: MilestoneRow[]): BoardDto {
  return {
    project: toProjectDto(project),
    columns: columns.map((column) => ({ ...toColumnDto(column), tasks: tasks.filter((task) => task.column_id === column.id).map(toTaskDto) })),
    milestones: milestones.map(toMilestoneDto),
  };
}

/** A project to insert: a procedure's input, or what a template makes (any status but completed). */
type NewProject = Omit<CreateProjectInput, 'status'> & { status: ProjectStatus };

async function insertProjectWithColumns(
  ctx: DomainContext,
  input: NewProject,
  templateId: string | null,
  columns: { name: string; isDone: boolean }[],
): Promise<{ project: ProjectRow; columns: ColumnRow[] }> {
  const db = ctx.db<ProjectsDB>();
  if (input.status === 'completed') throw new DomainError('BAD_REQUEST', 'A project cannot be created completed');
  if (input.startDate && input.dueDate && input.dueDate < input.startDate) {
    throw new DomainError('BAD_REQUEST', 'The due date is before the start date', [{ path: ['dueDate'], message: 'Must not be before the start date' }]);
  }
  await ctx.requireReferences([
    { kind: 'crm.client', id: input.clientId, path: ['clientId'], label: 'client' },
    { kind: 'crm.engagement', id: input.engagementId, path: ['engagementId'], label: 'engagement' },
  ]);
  const project = await repo.insertProject(db, {
    id: uuidv7(),
    tenant_id: ctx.tenantId,
    name: input.name,
    description: input.description,
    client_id: input.clientId,
    engagement_id: input.engagementId,
    template_id: templateId,
    status: input.status,
    start_date: input.startDate,
    due_date: input.dueDate,
    created_by: ctx.actorId,
  });
  const positions = keysAfter(null, columns.length);
  const created = await repo.insertColumns(
    db,
    columns.map((column, index) => ({
      id: uuidv7(),
      tenant_id: ctx.tenantId,
      project_id: project.id,
      name: column.name,
      is_done: column.isDone,
      position: positions[index] ?? keyBetween(null, null),
    })),
  );
  await ctx.emit(
    projectCreated,
    {
      project_id: project.id,
      client_id: project.client_id,
      engagement_id: project.engagement_id,
      template_id: project.template_id,
      name: project.name,
      status: project.status,
      start_date: project.start_date,
      due_date: project.due_date,
    },
    { aggregateId: project.id },
  );
  return { project, columns: created.sort((a, b) => (a.position < b.position ? -1 : 1)) };
}

export async function createProject(ctx: DomainContext, input: CreateProjectInput): Promise<ProjectDto> {
  const { project } = await insertProjectWithColumns(ctx, input, null, DEFAULT_COLUMNS);
  return toProjectDto(project);
}

/** Project + columns + milestones + tasks from a template, in the caller's transaction. */
export async function createFromTemplate(ctx: DomainContext, input: CreateProjectFromTemplateInput): Promise<BoardDto> {
  const db = ctx.db<ProjectsDB>();
  const template = await repo.findTemplate(db, input.templateId);
  if (!template) throw new NotFoundError('Template', input.templateId);
  if (template.archived_at) {
    throw new DomainError('PRECONDITION_FAILED', `The template “${template.name}” is archived; choose another template`, [
      { path: ['templateId'], message: 'This template is archived' },
    ]);
  }
  const skeleton = template.skeleton;
  const startDate = input.startDate ?? todayIso();
  await ctx.requireReferences([{ kind: 'identity.member', id: input.assigneeId, path: ['assigneeId'], label: 'assignee' }]);
  const { project, columns } = await insertProjectWithColumns(
    ctx,
    {
      name: input.name,
      description: template.description,
      clientId: input.clientId,
      engagementId: input.engagementId,
      status: 'active',
      startDate,
      dueDate: null,
    },
    template.id,
    skeleton.columns.length > 0 ? skeleton.columns : DEFAULT_COLUMNS,
  );
  const milestoneIds = new Map<string, string>();
  const milestones = await repo.insertMilestones(
    db,
    skeleton.milestones.map((milestone) => {
      const id = uuidv7();
      milestoneIds.set(milestone.key, id);
      return { id, tenant_id: ctx.tenantId, project_id: project.id, name: milestone.name, due_date: addDays(startDate, milestone.offsetDays) };
    }),
  );
  for (const milestone of milestones) {
    await ctx.emit(
      milestoneCreated,
      { milestone_id: milestone.id, project_id: project.id, client_id: project.client_id, name: milestone.name, due_date: milestone.due_date },
      { aggregateId: milestone.id },
    );
  }
  const firstColumn = columns[0];
  if (!firstColumn) throw new DomainError('BAD_REQUEST', 'The template defines no column');
  const positions = keysAfter(null, skeleton.tasks.length);
  const tasks = await repo.insertTasks(
    db,
    skeleton.tasks.map((task, index) => {
      const milestoneId = task.milestoneKey ? milestoneIds.get(task.milestoneKey) : undefined;
      if (task.milestoneKey && !milestoneId) {
        throw new DomainError('BAD_REQUEST', `Template task "${task.title}" names an unknown milestone "${task.milestoneKey}"`);
      }
      return {
        id: uuidv7(),
        tenant_id: ctx.tenantId,
        project_id: project.id,
        column_id: firstColumn.id,
        milestone_id: milestoneId ?? null,
        title: task.title,
        description: task.description,
        assignee_id: input.assigneeId,
        due_date: addDays(startDate, task.offsetDays),
        checklist: task.checklist.map((text) => ({ id: uuidv7(), text, done: false })),
        position: positions[index] ?? keyBetween(null, null),
        created_by: ctx.actorId,
      };
    }),
  );
  for (const task of tasks) {
    await ctx.emit(taskCreated, { ...taskEventFields(task, project), column_id: task.column_id, milestone_id: task.milestone_id }, { aggregateId: task.id });
  }
  return toBoardDto(project, columns, tasks, milestones);
}

export async function getProject(ctx: DomainContext, id: string): Promise<ProjectDto> {
  return toProjectDto(await requireProject(ctx, id));
}

export async function listProjects(ctx: DomainContext, filter: ListProjectsInput): Promise<Page<ProjectDto>> {
  const rows = await repo.listProjects(ctx.db<ProjectsDB>(), { ...filter, limit: filter.limit + 1 });
  return pageOfRows(rows, filter.limit, toProjectDto);
}

export async function getBoard(ctx: DomainContext, id: string): Promise<BoardDto> {
  const db = ctx.db<ProjectsDB>();
  const project = await requireProject(ctx, id);
  const [columns, tasks, milestones] = await Promise.all([repo.listColumns(db, id), repo.listBoardTasks(db, id), repo.listMilestones(db, id)]);
  return toBoardDto(project, columns, tasks, milestones);
}

export async function updateProject(ctx: DomainContext, id: string, input: UpdateProjectInput): Promise<ProjectDto> {
  const current = await requireProject(ctx, id, true);
  if (current.status === 'completed') throw new DomainError('PRECONDITION_FAILED', 'A completed project cannot be edited');
  const patch: repo.ProjectPatch = {};
  const changed: string[] = [];
  const consider = <K extends keyof repo.ProjectPatch>(key: K, value: repo.ProjectPatch[K] | undefined, before: unknown) => {
    if (value === undefined || value === before) return;
    patch[key] = value;
    changed.push(key);
  };
  consider('name', input.name, current.name);
  consider('description', input.description, current.description);
  consider('client_id', input.clientId, current.client_id);
  consider('engagement_id', input.engagementId, current.engagement_id);
  consider('status', input.status, current.status);
  consider('start_date', input.startDate, current.start_date);
  consider('due_date', input.dueDate, current.due_date);
  const start = patch.start_date !== undefined ? patch.start_date : current.start_date;
  const due = patch.due_date !== undefined ? patch.due_date : current.due_date;
  if (start && due && due < start) {
    throw new DomainError('BAD_REQUEST', 'The due date is before the start date', [{ path: ['dueDate'], message: 'Must not be before the start date' }]);
  }
  if (changed.length === 0) return toProjectDto(current);
  await ctx.requireReferences([
    { kind: 'crm.client', id: patch.client_id, path: ['clientId'], label: 'client' },
    { kind: 'crm.engagement', id: patch.engagement_id, path: ['engagementId'], label: 'engagement' },
  ]);
  const project = await repo.updateProject(ctx.db<ProjectsDB>(), id, patch);
  await ctx.emit(
    projectUpdated,
    {
      project_id: project.id,
      client_id: project.client_id,
      name: project.name,
      status: project.status,
      changed,
      ...(patch.client_id !== undefined ? { previous_client_id: current.client_id } : {}),
    },
    { aggregateId: project.id },
  );
  return toProjectDto(project);
}

/** Marks the project completed; completing a completed project changes nothing. */
export async function completeProject(ctx: DomainContext, id: string): Promise<ProjectDto> {
  const current = await requireProject(ctx, id, true);
  if (current.status === 'completed') return toProjectDto(current);
  if (current.status === 'cancelled') throw new DomainError('PRECONDITION_FAILED', 'A cancelled project cannot be completed');
  const project = await repo.updateProject(ctx.db<ProjectsDB>(), id, { status: 'completed', completed_at: new Date() });
  await ctx.emit(
    projectCompleted,
    { project_id: project.id, client_id: project.client_id, name: project.name, completed_at: (project.completed_at ?? new Date()).toISOString() },
    { aggregateId: project.id },
  );
  return toProjectDto(project);
}

/** crm.client.merged: every project of the merged client now belongs to the survivor. Idempotent. */
export async function repointMergedClient(ctx: DomainContext, mergedId: string, survivorId: string): Promise<number> {
  if (mergedId === survivorId) return 0;
  const projects = await repo.repointClient(ctx.db<ProjectsDB>(), mergedId, survivorId);
  for (const project of projects) {
    await ctx.emit(
      projectUpdated,
      {
        project_id: project.id,
        client_id: project.client_id,
        name: project.name,
        status: project.status,
        changed: ['client_id'],
        previous_client_id: mergedId,
      },
      { aggregateId: project.id },
    );
  }
  return projects.length;
}

export async function createColumn(ctx: DomainContext, input: CreateColumnInput): Promise<ColumnDto> {
  const db = ctx.db<ProjectsDB>();
  const project = await requireProject(ctx, input.projectId, true);
  const position = keyBetween(await repo.lastColumnPosition(db, input.projectId), null);
  const [column] = await repo.insertColumns(db, [
    { id: uuidv7(), tenant_id: ctx.tenantId, project_id: input.projectId, name: input.name, is_done: input.isDone, position },
  ]);
  if (!column) throw new Error('column insert returned nothing');
  await ctx.emit(
    columnCreated,
    { column_id: column.id, project_id: input.projectId, client_id: project.client_id, name: column.name, position },
    { aggregateId: input.projectId },
  );
  return toColumnDto(column);
}
