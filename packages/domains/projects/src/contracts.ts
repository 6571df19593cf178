// Public contracts of the projects domain: event and DTO schemas other packages may import.
import { defineEvent } from '@ubos/platform';
import { z } from 'zod';

const id = z.uuid();
const clientId = z.uuid().nullable();
const isoDate = z.iso.date().nullable();

export const projectStatuses = ['planned', 'active', 'on_hold', 'completed', 'cancelled'] as const;
export const projectStatusSchema = z.enum(projectStatuses);
export type ProjectStatus = z.infer<typeof projectStatusSchema>;
export const taskStatusSchema = z.enum(['open', 'done']);
export type TaskStatus = z.infer<typeof taskStatusSchema>;

export const projectCreated = defineEvent({
  type: 'projects.project.created',
  version: 1,
  aggregateType: 'projects.project',
  payload: z.object({
    project_id: id,
    client_id: clientId,
    engagement_id: z.uuid().nullable(),
    template_id: z.uuid().nullable(),
    name: z.string(),
    status: projectStatusSchema,
    start_date: isoDate,
    due_date: isoDate,
  }),
});

export const projectUpdated = defineEvent({
  type: 'projects.project.updated',
  version: 1,
  aggregateType: 'projects.project',
  payload: z.object({
    project_id: id,
    client_id: clientId,
    name: z.string(),
    status: projectStatusSchema,
    /** Names of the fields this update changed. */
    changed: z.array(z.string()),
    /** Set when the change re-pointed the project after a CRM merge. */
    previous_client_id: z.uuid().nullable().optional(),
  }),
});

export const projectCompleted = defineEvent({
  type: 'projects.project.completed',
  version: 1,
  aggregateType: 'projects.project',
  payload: z.object({ project_id: id, client_id: clientId, name: z.string(), completed_at: z.string() }),
});

const taskFields = {
  task_id: id,
  project_id: id,
  client_id: clientId,
  title: z.string(),
  status: taskStatusSchema,
  assignee_id: z.uuid().nullable(),
  due_date: isoDate,
};

export const taskCreated = defineEvent({
  type: 'projects.task.created',
  version: 1,
  aggregateType: 'projects.task',
  payload: z.object({ ...taskFields, column_id: id, milestone_id: z.uuid().nullable() }),
});

export const taskUpdated = defineEvent({
  type: 'projects.task.updated',
  version: 1,
  aggregateType: 'projects.task',
  payload: z.object({ ...taskFields, changed: z.array(z.string()) }),
});

export const taskMoved = defineEvent({
  type: 'projects.task.moved',
  version: 1,
  aggregateType: 'projects.task',
  payload: z.object({
    task_id: id,
    project_id: id,
    client_id: clientId,
    title: z.string(),
    from_column_id: id,
    to_column_id: id,
    position: z.string(),
  }),
});

export const taskCompleted = defineEvent({
  type: 'projects.task.completed',
  version: 1,
  aggregateType: 'projects.task',
  payload: z.object({ ...taskFields, milestone_id: z.uuid().nullable(), completed_at: z.string() }),
});

export const milestoneReached = defineEvent({
  type: 'projects.milestone.reached',
  version: 1,
  aggregateType: 'projects.milestone',
  payload: z.object({ milestone_id: id, project_id: id, client_id: clientId, name: z.string(), reached_at: z.string() }),
});

export const milestoneCreated = defineEvent({
  type: 'projects.milestone.created',
  version: 1,
  aggregateType: 'projects.milestone',
  payload: z.object({ milestone_id: id, project_id: id, client_id: clientId, name: z.string(), due_date: isoDate }),
});

export const columnCreated = defineEvent({
  type: 'projects.column.created',
  version: 1,
  aggregateType: 'projects.project',
  payload: z.object({ column_id: id, project_id: id, client_id: clientId, name: z.string(), position: z.string() }),
});

export const templateSaved = defineEvent({
  type: 'projects.template.saved',
  version: 1,
  aggregateType: 'projects.template',
  payload: z.object({ template_id: id, name: z.string(), created: z.boolean(), milestone_count: z.number().int(), task_count: z.number().int() }),
});

export const projectsEvents = [
  milestoneCreated,
  columnCreated,
  templateSaved,
  projectCreated,
  projectUpdated,
  projectCompleted,
  taskCreated,
  taskUpdated,
  taskMoved,
  taskCompleted,
  milestoneReached,
] as const;

// ---- DTOs ----

export const checklistItemSchema = z.object({ id: z.uuid(), text: z.string(), done: z.boolean() });
export type ChecklistItem = z.infer<typeof checklistItemSchema>;

export const projectSchema = z.object({
  id,
  name: z.string(),
  description: z.string().nullable(),
  client_id: clientId,
  engagement_id: z.uuid().nullable(),
  template_id: z.uuid().nullable(),
  status: projectStatusSchema,
  start_date: isoDate,
  due_date: isoDate,
  completed_at: z.date().nullable(),
  created_at: z.date(),
  updated_at: z.date(),
});
export type ProjectDto = z.infer<typeof projectSchema>;

export const columnSchema = z.object({ id, project_id: id, name: z.string(), position: z.string(), is_done: z.boolean() });
export type ColumnDto = z.infer<typeof columnSchema>;

export const milestoneSchema = z.object({
  id,
  project_id: id,
  name: z.string(),
  due_date: isoDate,
  reached_at: z.date().nullable(),
});
export type MilestoneDto = z.infer<typeof milestoneSchema>;

export const taskSchema = z.object({
  id,
  project_id: id,
  column_id: id,
  milestone_id: z.uuid().nullable(),
  title: z.string(),
  description: z.string().nullable(),
  status: taskStatusSchema,
  assignee_id: z.uuid().nullable(),
  due_date: isoDate,
  checklist: z.array(checklistItemSchema),
  position: z.string(),
  completed_at: z.date().nullable(),
  created_at: z.date(),
  updated_at: z.date(),
});
export type TaskDto = z.infer<typeof taskSchema>;

export const templateSkeletonSchema = z.object({
  columns: z.array(z.object({ name: z.string().trim().min(1).max(100), is_done: z.boolean().default(false) })).max(20).default([]),
  milestones: z
    .array(z.object({ key: z.string().min(1).max(50), name: z.string().trim().min(1).max(200), offset_days: z.number().int().min(0).max(3650).nullable().default(null) }))
    .max(100)
    .default([]),
  tasks: z
    .array(
      z.object({
        title: z.string().trim().min(1).max(300),
        description: z.string().max(10_000).nullable().default(null),
        milestone_key: z.string().min(1).max(50).nullable().default(null),
        offset_days: z.number().int().min(0).max(3650).nullable().default(null),
        checklist: z.array(z.string().trim().min(1).max(500)).max(100).default([]),
      }),
    )
    .max(500)
    .default([]),
});
export type TemplateSkeleton = z.infer<typeof templateSkeletonSchema>;

export const templateSchema = z.object({
  id,
  name: z.string(),
  description: z.string().nullable(),
  skeleton: templateSkeletonSchema,
  created_at: z.date(),
  updated_at: z.date(),
});
export type TemplateDto = z.infer<typeof templateSchema>;

export const boardSchema = z.object({
  project: projectSchema,
  columns: z.array(columnSchema.extend({ tasks: z.array(taskSchema) })),
  milestones: z.array(milestoneSchema),
});
export type BoardDto = z.infer<typeof boardSchema>;

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}
