import { DomainError, NotFoundError, uuidv7, type DomainContext } from '@ubos/platform';
import {
  taskCompleted,
  taskCreated,
  taskMoved,
  taskUpdated,
  type ChecklistItem,
  type CreateTaskInput,
  type ListTasksInput,
  type MoveTaskInput,
  type Page,
  type PageInput,
  type TaskDto,
  type UpdateTaskInput,
} from './contracts.ts';
import type { ProjectsDB } from './db.ts';
import { keyBetween } from './fractional-index.ts';
import * as repo from './repository.ts';
import type { ColumnRow, MilestoneRow, TaskRow } from './repository.ts';
import { reach } from './service-milestones.ts';
import { pageOfRows, requireProject, requireTask, taskEventFields, toTaskDto } from './service.ts';

/** Tasks on a board: create, edit, assign, checklists, moves between fractional-index neighbours, completion. */

async function requireColumnOf(ctx: DomainContext, projectId: string, columnId: string | null): Promise<ColumnRow> {
  const db = ctx.db<ProjectsDB>();
  if (columnId === null) {
    const [first] = await repo.listColumns(db, projectId);
    if (!first) throw new DomainError('PRECONDITION_FAILED', 'The project has no column');
    return first;
  }
  const column = await repo.findColumn(db, columnId);
  if (!column || column.project_id !== projectId) throw new NotFoundError('Column', columnId);
  return column;
}

async function requireMilestoneOf(ctx: DomainContext, projectId: string, milestoneId: string): Promise<MilestoneRow> {
  const milestone = await repo.findMilestone(ctx.db<ProjectsDB>(), milestoneId);
  if (!milestone || milestone.project_id !== projectId) throw new NotFoundError('Milestone', milestoneId);
  return milestone;
}

export async function createTask(ctx: DomainContext, input: CreateTaskInput): Promise<TaskDto> {
  const db = ctx.db<ProjectsDB>();
  // The project row lock serialises position allocation on its board.
  const project = await requireProject(ctx, input.projectId, true);
  if (project.status === 'completed' || project.status === 'cancelled') {
    throw new DomainError('PRECONDITION_FAILED', `The project is ${project.status}`);
  }
  const column = await requireColumnOf(ctx, project.id, input.columnId);
  if (input.milestoneId) await requireMilestoneOf(ctx, project.id, input.milestoneId);
  await ctx.requireReferences([{ kind: 'identity.member', id: input.assigneeId, path: ['assigneeId'], label: 'assignee' }]);
  const position = keyBetween(await repo.lastTaskPosition(db, column.id), null);
  const [task] = await repo.insertTasks(db, [
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
      created_by: ctx.actorId,
    },
  ]);
  if (!task) throw new Error('task insert returned nothing');
  await ctx.emit(taskCreated, { ...taskEventFields(task, project), column_id: task.column_id, milestone_id: task.milestone_id }, { aggregateId: task.id });
  return toTaskDto(task);
}

export async function getTask(ctx: DomainContext, id: string): Promise<TaskDto> {
  return toTaskDto(await requireTask(ctx, id));
}

export async function listTasks(ctx: DomainContext, filter: ListTasksInput): Promise<Page<TaskDto>> {
  await requireProject(ctx, filter.projectId);
  const rows = await repo.listTasks(ctx.db<ProjectsDB>(), { ...filter, limit: filter.limit + 1 });
  return pageOfRows(rows, filter.limit, toTaskDto);
}

/** The caller's open tasks across every project (none for system work, which has no actor). */
export async function myOpenTasks(ctx: DomainContext, input: PageInput): Promise<Page<TaskDto>> {
  if (!ctx.actorId) return { items: [], nextCursor: null };
  const rows = await repo.listOpenTasksOf(ctx.db<ProjectsDB>(), ctx.actorId, input.cursor, input.limit + 1);
  return pageOfRows(rows, input.limit, toTaskDto);
}

async function applyTaskUpdate(ctx: DomainContext, current: TaskRow, patch: repo.TaskPatch, changed: string[]): Promise<TaskDto> {
  if (changed.length === 0) return toTaskDto(current);
  const project = await requireProject(ctx, current.project_id);
  const task = await repo.updateTask(ctx.db<ProjectsDB>(), current.id, patch);
  await ctx.emit(taskUpdated, { ...taskEventFields(task, project), changed }, { aggregateId: task.id });
  return toTaskDto(task);
}

export async function updateTask(ctx: DomainContext, id: string, input: UpdateTaskInput): Promise<TaskDto> {
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

export async function assignTask(ctx: DomainContext, id: string, assigneeId: string | null): Promise<TaskDto> {
  const current = await requireTask(ctx, id, true);
  if (current.assignee_id === assigneeId) return toTaskDto(current);
  await ctx.requireReferences([{ kind: 'identity.member', id: assigneeId, path: ['assigneeId'], label: 'assignee' }]);
  return applyTaskUpdate(ctx, current, { assignee_id: assigneeId }, ['assignee_id']);
}

export async function addChecklistItem(ctx: DomainContext, id: string, text: string): Promise<TaskDto> {
  const current = await requireTask(ctx, id, true);
  if (current.checklist.length >= 100) throw new DomainError('BAD_REQUEST', 'A checklist holds at most 100 items');
  const checklist: ChecklistItem[] = [...current.checklist, { id: uuidv7(), text, done: false }];
  return applyTaskUpdate(ctx, current, { checklist }, ['checklist']);
}

export async function toggleChecklistItem(ctx: DomainContext, id: string, itemId: string, done: boolean | null): Promise<TaskDto> {
  const current = await requireTask(ctx, id, true);
  const item = current.checklist.find((entry) => entry.id === itemId);
  if (!item) throw new NotFoundError('Checklist item', itemId);
  const next = done ?? !item.done;
  if (next === item.done) return toTaskDto(current);
  const checklist = current.checklist.map((entry) => (entry.id === itemId ? { ...entry, done: next } : entry));
  return applyTaskUpdate(ctx, current, { checklist }, ['checklist']);
}

/**
 * Moves a task to a column, between two neighbours: only the moved row gets a new fractional key.
 * With one neighbour the other is looked up; with none the task goes to the end of the column.
 */
export async function moveTask(ctx: DomainContext, input: MoveTaskInput): Promise<TaskDto> {
  const db = ctx.db<ProjectsDB>();
  const current = await requireTask(ctx, input.id);
  const project = await requireProject(ctx, current.project_id, true);
  const column = await requireColumnOf(ctx, project.id, input.columnId);
  const neighbour = async (id: string | null): Promise<TaskRow | null> => {
    if (id === null) return null;
    if (id === current.id) throw new DomainError('BAD_REQUEST', 'A task cannot be its own neighbour');
    const task = await repo.findTask(db, id);
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
    high = await repo.nextTaskPosition(db, column.id, previous.position, current.id);
  } else if (next) {
    high = next.position;
    low = await repo.previousTaskPosition(db, column.id, next.position, current.id);
  } else {
    low = await repo.lastTaskPosition(db, column.id, current.id);
    high = null;
  }
  const alreadyThere = column.id === current.column_id && (low === null || current.position > low) && (high === null || current.position < high);
  if (alreadyThere) return toTaskDto(current);
  const position = keyBetween(low, high);
  // The board's done state and a task's status agree: into a done column completes the task, out of
  // one (on a board that has one) reopens it.
  const hasDoneColumn = column.is_done || (await repo.listColumns(db, project.id)).some((c) => c.is_done);
  const completes = column.is_done && current.status === 'open';
  const reopens = !column.is_done && hasDoneColumn && current.status === 'done';
  const task = await repo.updateTask(db, current.id, {
    column_id: column.id,
    position,
    ...(completes ? { status: 'done' as const, completed_at: new Date() } : {}),
    ...(reopens ? { status: 'open' as const, completed_at: null } : {}),
  });
  await ctx.emit(
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
    { aggregateId: task.id },
  );
  if (completes) await recordCompletion(ctx, task, project);
  if (reopens) await ctx.emit(taskUpdated, { ...taskEventFields(task, project), changed: ['status'] }, { aggregateId: task.id });
  return toTaskDto(task);
}

/** Completes a task (idempotent) and reaches its milestone when it was the last open task. */
export async function completeTask(ctx: DomainContext, id: string): Promise<TaskDto> {
  const db = ctx.db<ProjectsDB>();
  const current = await requireTask(ctx, id, true);
  if (current.status === 'done') return toTaskDto(current);
  const project = await requireProject(ctx, current.project_id);
  // A completed task sits in the board's done column (the first one, at its end) when the board has one.
  const columns = await repo.listColumns(db, project.id);
  const done = columns.some((c) => c.id === current.column_id && c.is_done) ? undefined : columns.find((c) => c.is_done);
  const placement = done ? { column_id: done.id, position: keyBetween(await repo.lastTaskPosition(db, done.id, current.id), null) } : {};
  const task = await repo.updateTask(db, id, { status: 'done', completed_at: new Date(), ...placement });
  if (done) {
    await ctx.emit(
      taskMoved,
      {
        task_id: task.id,
        project_id: task.project_id,
        client_id: project.client_id,
        title: task.title,
        from_column_id: current.column_id,
        to_column_id: done.id,
        position: task.position,
      },
      { aggregateId: task.id },
    );
  }
  await recordCompletion(ctx, task, project);
  return toTaskDto(task);
}

/** projects.task.completed for a task just marked done, and its milestone reached when it was the last open one. */
async function recordCompletion(ctx: DomainContext, task: TaskRow, project: Awaited<ReturnType<typeof requireProject>>): Promise<void> {
  const db = ctx.db<ProjectsDB>();
  await ctx.emit(
    taskCompleted,
    { ...taskEventFields(task, project), milestone_id: task.milestone_id, completed_at: (task.completed_at ?? new Date()).toISOString() },
    { aggregateId: task.id },
  );
  if (task.milestone_id) {
    const milestone = await repo.findMilestone(db, task.milestone_id, { lock: true });
    if (milestone && !milestone.reached_at && (await repo.countOpenMilestoneTasks(db, milestone.id)) === 0) {
      await reach(ctx, milestone, project);
    }
  }
}
