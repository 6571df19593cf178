import { DomainError, NotFoundError, uuidv7, writeEvent, type EventMeta } from '@ubos/platform';
import {
  columnCreated,
  milestoneCreated,
  milestoneReached,
  projectCompleted,
  projectCreated,
  projectUpdated,
  taskCompleted,
  taskCreated,
  taskMoved,
  taskUpdated,
  templateSaved,
  type BoardDto,
  type ChecklistItem,
  type ColumnDto,
  type MilestoneDto,
  type ProjectDto,
  type ProjectStatus,
  type TaskDto,
  type TaskStatus,
  type TemplateDto,
  type TemplateSkeleton,
} from './contracts.ts';
import type { Transaction } from 'kysely';
import { keyBetween, keysAfter } from './fractional-index.ts';
import * as repo from './repository.ts';
import type { ProjectsTrx } from './repository.ts';

/** What every projects service call needs: the tenant transaction and event metadata. */
export interface ServiceContext {
  trx: ProjectsTrx;
  tenantId: string;
  userId: string | null;
  eventMeta: EventMeta;
}

const DEFAULT_COLUMNS: { name: string; is_done: boolean }[] = [
  { name: 'To do', is_done: false },
  { name: 'In progress', is_done: false },
  { name: 'Done', is_done: true },
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

async function event<P extends Record<string, unknown>>(
  ctx: ServiceContext,
  contract: Parameters<typeof writeEvent<P>>[1],
  payload: P,
  aggregateId: string,
): Promise<void> {
  await writeEvent(ctx.trx as unknown as Transaction<unknown>, contract, payload, { ...ctx.eventMeta, aggregateId });
}

async function requireProject(ctx: ServiceContext, id: string, lock = false): Promise<ProjectDto> {
  const project = await repo.findProject(ctx.trx, id, { lock });
  if (!project) throw new NotFoundError('Project', id);
  return project;
}

async function requireTask(ctx: ServiceContext, id: string, lock = false): Promise<TaskDto> {
  const task = await repo.findTask(ctx.trx, id, { lock });
  if (!task) throw new NotFoundError('Task', id);
  return task;
}

function taskEventFields(task: TaskDto, project: ProjectDto) {
  return {
    task_id: task.id,
    project_id: task.project_id,
    client_id: project.client_id,
    title: task.title,
    status: task.status,
    assignee_id: task.assignee_id,
    due_date: task.due_date,
  };
}

// ---------------------------------------------------------------- projects

export interface CreateProjectInput {
  name: string;
  description: string | null;
  clientId: string | null;
  engagementId: string | null;
  status: ProjectStatus;
  startDate: string | null;
  dueDate: string | null;
}

async function insertProjectWithColumns(
  ctx: ServiceContext,
  input: CreateProjectInput,
  templateId: string | null,
  columns: { name: string; is_done: boolean }[],
): Promise<{ project: ProjectDto; columns: ColumnDto[] }> {
  if (input.status === 'completed') throw new DomainError('BAD_REQUEST', 'A project cannot be created completed');
  if (input.startDate && input.dueDate && input.dueDate < input.startDate) {
    throw new DomainError('BAD_REQUEST', 'The due date is before the start date', [{ path: ['dueDate'], message: 'Must not be before the start date' }]);
  }
  const project = await repo.insertProject(ctx.trx, {
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
    created_by: ctx.userId,
  });
  const positions = keysAfter(null, columns.length);
  const created = await repo.insertColumns(
    ctx.trx,
    columns.map((column, index) => ({
      id: uuidv7(),
      tenant_id: ctx.tenantId,
      project_id: project.id,
      name: column.name,
      is_done: column.is_done,
      position: positions[index] ?? keyBetween(null, null),
    })),
  );
  await event(
    ctx,
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
    project.id,
  );
  return { project, columns: created.sort((a, b) => (a.position < b.position ? -1 : 1)) };
}

export async function createProject(ctx: ServiceContext, input: CreateProjectInput): Promise<ProjectDto> {
  const { project } = await insertProjectWithColumns(ctx, input, null, DEFAULT_COLUMNS);
  return project;
}

export interface CreateFromTemplateInput {
  templateId: string;
  name: string;
  clientId: string | null;
  engagementId: string | null;
  startDate: string | null;
  assigneeId: string | null;
}

/** Project + columns + milestones + tasks from a template, in the caller's transaction. */
export async function createFromTemplate(ctx: ServiceContext, input: CreateFromTemplateInput): Promise<BoardDto> {
  const template = await repo.findTemplate(ctx.trx, input.templateId);
  if (!template) throw new NotFoundError('Template', input.templateId);
  const skeleton = template.skeleton;
  const startDate = input.startDate ?? todayIso();
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
    ctx.trx,
    skeleton.milestones.map((milestone) => {
      const id = uuidv7();
      milestoneIds.set(milestone.key, id);
      return { id, tenant_id: ctx.tenantId, project_id: project.id, name: milestone.name, due_date: addDays(startDate, milestone.offset_days) };
    }),
  );
  for (const milestone of milestones) {
    await event(
      ctx,
      milestoneCreated,
      { milestone_id: milestone.id, project_id: project.id, client_id: project.client_id, name: milestone.name, due_date: milestone.due_date },
      milestone.id,
    );
  }
  const firstColumn = columns[0];
  if (!firstColumn) throw new DomainError('BAD_REQUEST', 'The template defines no column');
  const positions = keysAfter(null, skeleton.tasks.length);
  const tasks = await repo.insertTasks(
    ctx.trx,
    skeleton.tasks.map((task, index) => {
      const milestoneId = task.milestone_key ? milestoneIds.get(task.milestone_key) : undefined;
      if (task.milestone_key && !milestoneId) {
        throw new DomainError('BAD_REQUEST', `Template task "${task.title}" names an unknown milestone "${task.milestone_key}"`);
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
        due_date: addDays(startDate, task.offset_days),
        checklist: task.checklist.map((text) => ({ id: uuidv7(), text, done: false })),
        position: positions[index] ?? keyBetween(null, null),
        created_by: ctx.userId,
      };
    }),
  );
  for (const task of tasks) {
    await event(ctx, taskCreated, { ...taskEventFields(task, project), column_id: task.column_id, milestone_id: task.milestone_id }, task.id);
  }
  return {
    project,
    columns: columns.map((column) => ({ ...column, tasks: tasks.filter((task) => task.column_id === column.id) })),
    milestones,
  };
}

export async function getProject(ctx: ServiceContext, id: string): Promise<ProjectDto> {
  return requireProject(ctx, id);
}

export async function listProjects(
  ctx: ServiceContext,
  filter: { cursor: string | null; limit: number; status: ProjectStatus | null; clientId: string | null },
): Promise<{ items: ProjectDto[]; nextCursor: string | null }> {
  const rows = await repo.listProjects(ctx.trx, { ...filter, limit: filter.limit + 1 });
  const items = rows.slice(0, filter.limit);
  return { items, nextCursor: rows.length > filter.limit ? (items.at(-1)?.id ?? null) : null };
}

export async function getBoard(ctx: ServiceContext, id: string): Promise<BoardDto> {
  const project = await requireProject(ctx, id);
  const [columns, tasks, milestones] = await Promise.all([
    repo.listColumns(ctx.trx, id),
    repo.listBoardTasks(ctx.trx, id),
    repo.listMilestones(ctx.trx, id),
  ]);
  return { project, columns: columns.map((column) => ({ ...column, tasks: tasks.filter((task) => task.column_id === column.id) })), milestones };
}

export interface UpdateProjectInput {
  name?: string;
  description?: string | null;
  clientId?: string | null;
  engagementId?: string | null;
  status?: Exclude<ProjectStatus, 'completed'>;
  startDate?: string | null;
  dueDate?: string | null;
}

export async function updateProject(ctx: ServiceContext, id: string, input: UpdateProjectInput): Promise<ProjectDto> {
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
  if (changed.length === 0) return current;
  const project = await repo.updateProject(ctx.trx, id, patch);
  await event(
    ctx,
    projectUpdated,
    {
      project_id: project.id,
      client_id: project.client_id,
      name: project.name,
      status: project.status,
      changed,
      ...(patch.client_id !== undefined ? { previous_client_id: current.client_id } : {}),
    },
    project.id,
  );
  return project;
}

/** Marks the project completed; completing a completed project changes nothing. */
export async function completeProject(ctx: ServiceContext, id: string): Promise<ProjectDto> {
  const current = await requireProject(ctx, id, true);
  if (current.status === 'completed') return current;
  if (current.status === 'cancelled') throw new DomainError('PRECONDITION_FAILED', 'A cancelled project cannot be completed');
  const project = await repo.updateProject(ctx.trx, id, { status: 'completed', completed_at: new Date() });
  await event(
    ctx,
    projectCompleted,
    { project_id: project.id, client_id: project.client_id, name: project.name, completed_at: (project.completed_at ?? new Date()).toISOString() },
    project.id,
  );
  return project;
}

/** crm.client.merged: every project of the merged client now belongs to the survivor. Idempotent. */
export async function repointMergedClient(ctx: ServiceContext, mergedId: string, survivorId: string): Promise<number> {
  if (mergedId === survivorId) return 0;
  const projects = await repo.repointClient(ctx.trx, mergedId, survivorId);
  for (const project of projects) {
    await event(
      ctx,
      projectUpdated,
      { project_id: project.id, client_id: project.client_id, name: project.name, status: project.status, changed: ['client_id'], previous_client_id: mergedId },
      project.id,
    );
  }
  return projects.length;
}

// ---------------------------------------------------------------- columns and milestones

export async function createColumn(ctx: ServiceContext, projectId: string, input: { name: string; isDone: boolean }): Promise<ColumnDto> {
  const project = await requireProject(ctx, projectId, true);
  const position = keyBetween(await repo.lastColumnPosition(ctx.trx, projectId), null);
  const [column] = await repo.insertColumns(ctx.trx, [
    { id: uuidv7(), tenant_id: ctx.tenantId, project_id: projectId, name: input.name, is_done: input.isDone, position },
  ]);
  if (!column) throw new Error('column insert returned nothing');
  await event(ctx, columnCreated, { column_id: column.id, project_id: projectId, client_id: project.client_id, name: column.name, position }, projectId);
  return column;
}

export async function createMilestone(ctx: ServiceContext, projectId: string, input: { name: string; dueDate: string | null }): Promise<MilestoneDto> {
  const project = await requireProject(ctx, projectId);
  const [milestone] = await repo.insertMilestones(ctx.trx, [
    { id: uuidv7(), tenant_id: ctx.tenantId, project_id: projectId, name: input.name, due_date: input.dueDate },
  ]);
  if (!milestone) throw new Error('milestone insert returned nothing');
  await event(
    ctx,
    milestoneCreated,
    { milestone_id: milestone.id, project_id: projectId, client_id: project.client_id, name: milestone.name, due_date: milestone.due_date },
    milestone.id,
  );
  return milestone;
}

async function reach(ctx: ServiceContext, milestone: MilestoneDto, project: ProjectDto): Promise<MilestoneDto> {
  const reached = await repo.markMilestoneReached(ctx.trx, milestone.id);
  await event(
    ctx,
    milestoneReached,
    {
      milestone_id: reached.id,
      project_id: reached.project_id,
      client_id: project.client_id,
      name: reached.name,
      reached_at: (reached.reached_at ?? new Date()).toISOString(),
    },
    reached.id,
  );
  return reached;
}

/** Marks a milestone reached by hand; reaching a reached milestone changes nothing. */
export async function reachMilestone(ctx: ServiceContext, id: string): Promise<MilestoneDto> {
  const milestone = await repo.findMilestone(ctx.trx, id, { lock: true });
  if (!milestone) throw new NotFoundError('Milestone', id);
  if (milestone.reached_at) return milestone;
  return reach(ctx, milestone, await requireProject(ctx, milestone.project_id));
}

export async function listMilestones(ctx: ServiceContext, projectId: string): Promise<MilestoneDto[]> {
  await requireProject(ctx, projectId);
  return repo.listMilestones(ctx.trx, projectId);
}

// ---------------------------------------------------------------- tasks

export interface CreateTaskInput {
  projectId: string;
  columnId: string | null;
  milestoneId: string | null;
  title: string;
  description: string | null;
  assigneeId: string | null;
  dueDate: string | null;
  checklist: string[];
}

async function requireColumnOf(ctx: ServiceContext, projectId: string, columnId: string | null): Promise<ColumnDto> {
  if (columnId === null) {
    const [first] = await repo.listColumns(ctx.trx, projectId);
    if (!first) throw new DomainError('PRECONDITION_FAILED', 'The project has no column');
    return first;
  }
  const column = await repo.findColumn(ctx.trx, columnId);
  if (!column || column.project_id !== projectId) throw new NotFoundError('Column', columnId);
  return column;
}

async function requireMilestoneOf(ctx: ServiceContext, projectId: string, milestoneId: string): Promise<MilestoneDto> {
  const milestone = await repo.findMilestone(ctx.trx, milestoneId);
  if (!milestone || milestone.project_id !== projectId) throw new NotFoundError('Milestone', milestoneId);
  return milestone;
}

export async function createTask(ctx: ServiceContext, input: CreateTaskInput): Promise<TaskDto> {
  // The project row lock serialises position allocation on its board.
  const project = await requireProject(ctx, input.projectId, true);
  if (project.status === 'completed' || project.status === 'cancelled') {
    throw new DomainError('PRECONDITION_FAILED', `The project is ${project.status}`);
  }
  const column = await requireColumnOf(ctx, project.id, input.columnId);
  if (input.milestoneId) await requireMilestoneOf(ctx, project.id, input.milestoneId);
  const position = keyBetween(await repo.lastTaskPosition(ctx.trx, column.id), null);
  const [task] = await repo.insertTasks(ctx.trx, [
    {
      id: uuidv7(),
      tenant_id: ctx.tenantId,
      project_id: project.id,
      column_id: column.id,
      milestone_id: input.milestoneId,
      title: input.title,
      description: input.description,
      assignee_id: input.assigneeId,
      due_date: input.dueDate,
      checklist: input.checklist.map((text) => ({ id: uuidv7(), text, done: false })),
      position,
      created_by: ctx.userId,
    },
  ]);
  if (!task) throw new Error('task insert returned nothing');
  await event(ctx, taskCreated, { ...taskEventFields(task, project), column_id: task.column_id, milestone_id: task.milestone_id }, task.id);
  return task;
}

export async function getTask(ctx: ServiceContext, id: string): Promise<TaskDto> {
  return requireTask(ctx, id);
}

export async function listTasks(
  ctx: ServiceContext,
  filter: { projectId: string; cursor: string | null; limit: number; status: TaskStatus | null },
): Promise<{ items: TaskDto[]; nextCursor: string | null }> {
  await requireProject(ctx, filter.projectId);
  const rows = await repo.listTasks(ctx.trx, { ...filter, limit: filter.limit + 1 });
  const items = rows.slice(0, filter.limit);
  return { items, nextCursor: rows.length > filter.limit ? (items.at(-1)?.id ?? null) : null };
}

export async function myOpenTasks(ctx: ServiceContext, cursor: string | null, limit: number): Promise<{ items: TaskDto[]; nextCursor: string | null }> {
  if (!ctx.userId) return { items: [], nextCursor: null };
  const rows = await repo.listOpenTasksOf(ctx.trx, ctx.userId, cursor, limit + 1);
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
}

async function applyTaskUpdate(ctx: ServiceContext, current: TaskDto, patch: repo.TaskPatch, changed: string[]): Promise<TaskDto> {
  if (changed.length === 0) return current;
  const project = await requireProject(ctx, current.project_id);
  const task = await repo.updateTask(ctx.trx, current.id, patch);
  await event(ctx, taskUpdated, { ...taskEventFields(task, project), changed }, task.id);
  return task;
}

export interface UpdateTaskInput {
  title?: string;
  description?: string | null;
  dueDate?: string | null;
  milestoneId?: string | null;
}

export async function updateTask(ctx: ServiceContext, id: string, input: UpdateTaskInput): Promise<TaskDto> {
  const current = await requireTask(ctx, id, true);
  const patch: repo.TaskPatch = {};
  const changed: string[] = [];
  if (input.title !== undefined && input.title !== current.title) {
    patch.title = input.title;
    changed.push('title');
  }
  if (input.description !== undefined && input.description !== current.description) {
    patch.description = input.description;
    changed.push('description');
  }
  if (input.dueDate !== undefined && input.dueDate !== current.due_date) {
    patch.due_date = input.dueDate;
    changed.push('due_date');
  }
  if (input.milestoneId !== undefined && input.milestoneId !== current.milestone_id) {
    if (input.milestoneId) await requireMilestoneOf(ctx, current.project_id, input.milestoneId);
    patch.milestone_id = input.milestoneId;
    changed.push('milestone_id');
  }
  return applyTaskUpdate(ctx, current, patch, changed);
}

export async function assignTask(ctx: ServiceContext, id: string, assigneeId: string | null): Promise<TaskDto> {
  const current = await requireTask(ctx, id, true);
  if (current.assignee_id === assigneeId) return current;
  return applyTaskUpdate(ctx, current, { assignee_id: assigneeId }, ['assignee_id']);
}

export async function addChecklistItem(ctx: ServiceContext, id: string, text: string): Promise<TaskDto> {
  const current = await requireTask(ctx, id, true);
  if (current.checklist.length >= 100) throw new DomainError('BAD_REQUEST', 'A checklist holds at most 100 items');
  const checklist: ChecklistItem[] = [...current.checklist, { id: uuidv7(), text, done: false }];
  return applyTaskUpdate(ctx, current, { checklist }, ['checklist']);
}

export async function toggleChecklistItem(ctx: ServiceContext, id: string, itemId: string, done: boolean | null): Promise<TaskDto> {
  const current = await requireTask(ctx, id, true);
  const item = current.checklist.find((entry) => entry.id === itemId);
  if (!item) throw new NotFoundError('Checklist item', itemId);
  const next = done ?? !item.done;
  if (next === item.done) return current;
  const checklist = current.checklist.map((entry) => (entry.id === itemId ? { ...entry, done: next } : entry));
  return applyTaskUpdate(ctx, current, { checklist }, ['checklist']);
}

export interface MoveTaskInput {
  taskId: string;
  columnId: string;
  /** The task that will sit right above (null/absent: none given). */
  previousTaskId: string | null;
  /** The task that will sit right below (null/absent: none given). */
  nextTaskId: string | null;
}

/**
 * Moves a task to a column, between two neighbours: only the moved row gets a new fractional key.
 * With one neighbour the other is looked up; with none the task goes to the end of the column.
 */
export async function moveTask(ctx: ServiceContext, input: MoveTaskInput): Promise<TaskDto> {
  const current = await requireTask(ctx, input.taskId);
  const project = await requireProject(ctx, current.project_id, true);
  const column = await requireColumnOf(ctx, project.id, input.columnId);
  const neighbour = async (id: string | null): Promise<TaskDto | null> => {
    if (id === null) return null;
    if (id === current.id) throw new DomainError('BAD_REQUEST', 'A task cannot be its own neighbour');
    const task = await repo.findTask(ctx.trx, id);
    if (!task || task.column_id !== column.id) throw new NotFoundError('Neighbour task', id);
    return task;
  };
  const previous = await neighbour(input.previousTaskId);
  const next = await neighbour(input.nextTaskId);
  let low: string | null;
  let high: string | null;
  if (previous && next) {
    if (previous.position >= next.position) {
      throw new DomainError('CONFLICT', 'The neighbours are not in that order any more; reload the board');
    }
    low = previous.position;
    high = next.position;
  } else if (previous) {
    low = previous.position;
    high = await repo.nextTaskPosition(ctx.trx, column.id, previous.position, current.id);
  } else if (next) {
    high = next.position;
    low = await repo.previousTaskPosition(ctx.trx, column.id, next.position, current.id);
  } else {
    low = await repo.lastTaskPosition(ctx.trx, column.id, current.id);
    high = null;
  }
  const alreadyThere =
    column.id === current.column_id && (low === null || current.position > low) && (high === null || current.position < high);
  if (alreadyThere) return current;
  const position = keyBetween(low, high);
  const task = await repo.updateTask(ctx.trx, current.id, { column_id: column.id, position });
  await event(
    ctx,
    taskMoved,
    {
      task_id: task.id,
      project_id: task.project_id,
      client_id: project.client_id,
      title: task.title,
      from_column_id: current.column_id,
      to_column_id: column.id,
      position,
    },
    task.id,
  );
  return task;
}

/** Completes a task (idempotent) and reaches its milestone when it was the last open task. */
export async function completeTask(ctx: ServiceContext, id: string): Promise<TaskDto> {
  const current = await requireTask(ctx, id, true);
  if (current.status === 'done') return current;
  const project = await requireProject(ctx, current.project_id);
  const task = await repo.updateTask(ctx.trx, id, { status: 'done', completed_at: new Date() });
  await event(
    ctx,
    taskCompleted,
    { ...taskEventFields(task, project), milestone_id: task.milestone_id, completed_at: (task.completed_at ?? new Date()).toISOString() },
    task.id,
  );
  if (task.milestone_id) {
    const milestone = await repo.findMilestone(ctx.trx, task.milestone_id, { lock: true });
    if (milestone && !milestone.reached_at && (await repo.countOpenMilestoneTasks(ctx.trx, milestone.id)) === 0) {
      await reach(ctx, milestone, project);
    }
  }
  return task;
}

// ---------------------------------------------------------------- templates

export async function createTemplate(
  ctx: ServiceContext,
  input: { name: string; description: string | null; skeleton: TemplateSkeleton },
): Promise<TemplateDto> {
  assertSkeleton(input.skeleton);
  const template = await repo.insertTemplate(ctx.trx, {
    id: uuidv7(),
    tenant_id: ctx.tenantId,
    name: input.name,
    description: input.description,
    skeleton: input.skeleton,
    created_by: ctx.userId,
  });
  await event(
    ctx,
    templateSaved,
    { template_id: template.id, name: template.name, created: true, milestone_count: input.skeleton.milestones.length, task_count: input.skeleton.tasks.length },
    template.id,
  );
  return template;
}

export async function updateTemplate(
  ctx: ServiceContext,
  id: string,
  input: { name?: string; description?: string | null; skeleton?: TemplateSkeleton },
): Promise<TemplateDto> {
  const current = await repo.findTemplate(ctx.trx, id);
  if (!current) throw new NotFoundError('Template', id);
  if (input.skeleton) assertSkeleton(input.skeleton);
  const template = await repo.updateTemplate(ctx.trx, id, input);
  await event(
    ctx,
    templateSaved,
    {
      template_id: template.id,
      name: template.name,
      created: false,
      milestone_count: template.skeleton.milestones.length,
      task_count: template.skeleton.tasks.length,
    },
    template.id,
  );
  return template;
}

function assertSkeleton(skeleton: TemplateSkeleton): void {
  const keys = new Set<string>();
  skeleton.milestones.forEach((milestone, index) => {
    if (keys.has(milestone.key)) {
      throw new DomainError('BAD_REQUEST', `Milestone key "${milestone.key}" is used twice`, [
        { path: ['skeleton', 'milestones', index, 'key'], message: 'Duplicate key' },
      ]);
    }
    keys.add(milestone.key);
  });
  skeleton.tasks.forEach((task, index) => {
    if (task.milestone_key && !keys.has(task.milestone_key)) {
      throw new DomainError('BAD_REQUEST', `Task "${task.title}" names an unknown milestone`, [
        { path: ['skeleton', 'tasks', index, 'milestone_key'], message: 'Unknown milestone key' },
      ]);
    }
  });
}

export async function getTemplate(ctx: ServiceContext, id: string): Promise<TemplateDto> {
  const template = await repo.findTemplate(ctx.trx, id);
  if (!template) throw new NotFoundError('Template', id);
  return template;
}

export async function listTemplates(ctx: ServiceContext, cursor: string | null, limit: number): Promise<{ items: TemplateDto[]; nextCursor: string | null }> {
  const rows = await repo.listTemplates(ctx.trx, cursor, limit + 1);
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
}
