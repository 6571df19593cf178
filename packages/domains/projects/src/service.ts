import { NotFoundError, type DomainContext } from '@ubos/platform';
import type { ColumnDto, MilestoneDto, Page, ProjectDto, TaskDto, TemplateDto } from './contracts.ts';
import type { ProjectsDB } from './db.ts';
import * as repo from './repository.ts';
import type { ColumnRow, MilestoneRow, ProjectRow, TaskRow, TemplateRow } from './repository.ts';

/**
 * What the projects services share: the row → DTO mappers, the lookups that answer NOT_FOUND and
 * keyset pages. Each service receives the DomainContext (ARCHITECTURE.md §3); the services by
 * concern are service-projects.ts (projects, columns, boards), service-milestones.ts,
 * service-tasks.ts and service-templates.ts.
 */

export function toProjectDto(row: ProjectRow): ProjectDto {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    clientId: row.client_id,
    engagementId: row.engagement_id,
    templateId: row.template_id,
    status: row.status,
    startDate: row.start_date,
    dueDate: row.due_date,
    completedAt: row.completed_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toColumnDto(row: ColumnRow): ColumnDto {
  return { id: row.id, projectId: row.project_id, name: row.name, position: row.position, isDone: row.is_done };
}

export function toMilestoneDto(row: MilestoneRow): MilestoneDto {
  return { id: row.id, projectId: row.project_id, name: row.name, dueDate: row.due_date, reachedAt: row.reached_at };
}

export function toTaskDto(row: TaskRow): TaskDto {
  return {
    id: row.id,
    projectId: row.project_id,
    columnId: row.column_id,
    milestoneId: row.milestone_id,
    title: row.title,
    description: row.description,
    status: row.status,
    assigneeId: row.assignee_id,
    dueDate: row.due_date,
    checklist: row.checklist,
    position: row.position,
    completedAt: row.completed_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toTemplateDto(row: TemplateRow): TemplateDto {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    skeleton: row.skeleton,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    archivedAt: row.archived_at,
  };
}

/** One keyset page from `limit + 1` rows ordered by id: the extra row only says there is more. */
export function pageOfRows<Row extends { id: string }, T>(rows: Row[], limit: number, map: (row: Row) => T): Page<T> {
  const items = rows.slice(0, limit);
  return { items: items.map(map), nextCursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
}

export async function requireProject(ctx: DomainContext, id: string, lock = false): Promise<ProjectRow> {
  const project = await repo.findProject(ctx.db<ProjectsDB>(), id, { lock });
  if (!project) throw new NotFoundError('Project', id);
  return project;
}

export async function requireTask(ctx: DomainContext, id: string, lock = false): Promise<TaskRow> {
  const task = await repo.findTask(ctx.db<ProjectsDB>(), id, { lock });
  if (!task) throw new NotFoundError('Task', id);
  return task;
}

/** The fields every projects.task.* event carries (snake_case, as event payloads are). */
export function taskEventFields(task: TaskRow, project: ProjectRow) {
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
