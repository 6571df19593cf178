// Public contracts of the projects domain (ARCHITECTURE.md §3): its events (snake_case payloads),
// the procedures' input schemas and DTOs (camelCase). The only file other packages may import.
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

export const templateArchived = defineEvent({
  type: 'projects.template.archived',
  version: 1,
  aggregateType: 'projects.template',
  payload: z.object({ template_id: id, name: z.string() }),
});

export const templateSaved = defineEvent({
  type: 'projects.template.saved',
  version: 1,
  aggregateType: 'projects.template',
  payload: z.object({ template_id: id, name: z.string(), created: z.boolean(), milestone_count: z.number().int(), task_count: z.number().int() }),
});

// ---- inputs (the procedures' and actions' input schemas) ----

const name = z.string().trim().min(1).max(200);
const optionalText = z.string().max(10_000).nullable();
const taskTitle = z.string().trim().min(1).max(300);
const checklistText = z.string().trim().min(1).max(500);
const pageFields = { cursor: z.uuid().nullable().default(null), limit: z.number().int().min(1).max(100).default(50) };
/** The statuses an edit may set: `completed` only through projects.complete. */
export const editableProjectStatusSchema = z.enum(['planned', 'active', 'on_hold', 'cancelled']);

export const idInput = z.object({ id });
export const pageInput = z.object(pageFields).default({ cursor: null, limit: 50 });
export type PageInput = z.infer<typeof pageInput>;

export const createProjectInput = z.object({
  name,
  description: optionalText.default(null),
  clientId: id.nullable().default(null),
  engagementId: id.nullable().default(null),
  status: z.enum(['planned', 'active', 'on_hold']).default('active'),
  startDate: isoDate.default(null),
  dueDate: isoDate.default(null),
});
export type CreateProjectInput = z.infer<typeof createProjectInput>;

/** Also the input of the projects.createFromTemplate workflow action. */
export const createProjectFromTemplateInput = z.object({
  templateId: id,
  name,
  clientId: id.nullable().default(null),
  engagementId: id.nullable().default(null),
  startDate: isoDate.default(null),
  assigneeId: id.nullable().default(null),
});
export type CreateProjectFromTemplateInput = z.infer<typeof createProjectFromTemplateInput>;

export const listProjectsInput = z.object({ ...pageFields, status: projectStatusSchema.nullable().default(null), clientId: id.nullable().default(null) });
export type ListProjectsInput = z.infer<typeof listProjectsInput>;

export const updateProjectInput = z.object({
  id,
  name: name.optional(),
  description: optionalText.optional(),
  clientId: id.nullable().optional(),
  engagementId: id.nullable().optional(),
  status: editableProjectStatusSchema.optional(),
  startDate: isoDate.optional(),
  dueDate: isoDate.optional(),
});
export type UpdateProjectInput = Omit<z.infer<typeof updateProjectInput>, 'id'>;

export const createColumnInput = z.object({ projectId: id, name: z.string().trim().min(1).max(100), isDone: z.boolean().default(false) });
export type CreateColumnInput = z.infer<typeof createColumnInput>;

export const createMilestoneInput = z.object({ projectId: id, name, dueDate: isoDate.default(null) });
export type CreateMilestoneInput = z.infer<typeof createMilestoneInput>;
export const listMilestonesInput = z.object({ projectId: id });

/** Also the input of the projects.createTask workflow action. */
export const createTaskInput = z.object({
  projectId: id,
  columnId: id.nullable().default(null),
  milestoneId: id.nullable().default(null),
  title: taskTitle,
  description: optionalText.default(null),
  assigneeId: id.nullable().default(null),
  dueDate: isoDate.default(null),
  checklist: z.array(checklistText).max(100).default([]),
});
export type CreateTaskInput = z.infer<typeof createTaskInput>;

export const listTasksInput = z.object({ ...pageFields, projectId: id, status: taskStatusSchema.nullable().default(null) });
export type ListTasksInput = z.infer<typeof listTasksInput>;

export const updateTaskInput = z.object({
  id,
  title: taskTitle.optional(),
  description: optionalText.optional(),
  dueDate: isoDate.optional(),
  milestoneId: id.nullable().optional(),
});
export type UpdateTaskInput = Omit<z.infer<typeof updateTaskInput>, 'id'>;

export const assignTaskInput = z.object({ id, assigneeId: id.nullable() });

export const moveTaskInput = z.object({
  id,
  columnId: id,
  /** The task that will sit right above (null: none given). */
  previousTaskId: id.nullable().default(null),
  /** The task that will sit right below (null: none given). */
  nextTaskId: id.nullable().default(null),
});
export type MoveTaskInput = z.infer<typeof moveTaskInput>;

export const addChecklistItemInput = z.object({ id, text: checklistText });
export const toggleChecklistItemInput = z.object({ id, itemId: id, done: z.boolean().nullable().default(null) });

/** A template's skeleton: what a project made from it starts with (input and DTO alike). */
export const templateSkeletonSchema = z.object({
  columns: z
    .array(z.object({ name: z.string().trim().min(1).max(100), isDone: z.boolean().default(false) }))
    .max(20)
    .default([]),
  milestones: z
    .array(
      z.object({
        key: z.string().min(1).max(50),
        name: z.string().trim().min(1).max(200),
        offsetDays: z.number().int().min(0).max(3650).nullable().default(null),
      }),
    )
    .max(100)
    .default([]),
  tasks: z
    .array(
      z.object({
        title: taskTitle,
        description: optionalText.default(null),
        milestoneKey: z.string().min(1).max(50).nullable().default(null),
        offsetDays: z.number().int().min(0).max(3650).nullable().default(null),
        checklist: z.array(checklistText).max(100).default([]),
      }),
    )
    .max(500)
    .default([]),
});
export type TemplateSkeleton = z.infer<typeof templateSkeletonSchema>;

export const createTemplateInput = z.object({ name, description: optionalText.default(null), skeleton: templateSkeletonSchema });
export type CreateTemplateInput = z.infer<typeof createTemplateInput>;
export const updateTemplateInput = z.object({ id, name: name.optional(), description: optionalText.optional(), skeleton: templateSkeletonSchema.optional() });
export type UpdateTemplateInput = Omit<z.infer<typeof updateTemplateInput>, 'id'>;

// ---- DTOs (the procedures' outputs, camelCase) ----

export const checklistItemDto = z.object({ id, text: z.string(), done: z.boolean() });
export type ChecklistItem = z.infer<typeof checklistItemDto>;

export const projectDto = z.object({
  id,
  name: z.string(),
  description: z.string().nullable(),
  clientId,
  engagementId: z.uuid().nullable(),
  templateId: z.uuid().nullable(),
  status: projectStatusSchema,
  startDate: isoDate,
  dueDate: isoDate,
  completedAt: z.date().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type ProjectDto = z.infer<typeof projectDto>;

export const columnDto = z.object({ id, projectId: id, name: z.string(), position: z.string(), isDone: z.boolean() });
export type ColumnDto = z.infer<typeof columnDto>;

export const milestoneDto = z.object({
  id,
  projectId: id,
  name: z.string(),
  dueDate: isoDate,
  reachedAt: z.date().nullable(),
});
export type MilestoneDto = z.infer<typeof milestoneDto>;

export const taskDto = z.object({
  id,
  projectId: id,
  columnId: id,
  milestoneId: z.uuid().nullable(),
  title: z.string(),
  description: z.string().nullable(),
  status: taskStatusSchema,
  assigneeId: z.uuid().nullable(),
  dueDate: isoDate,
  checklist: z.array(checklistItemDto),
  position: z.string(),
  completedAt: z.date().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type TaskDto = z.infer<typeof taskDto>;

export const templateDto = z.object({
  id,
  name: z.string(),
  description: z.string().nullable(),
  skeleton: templateSkeletonSchema,
  createdAt: z.date(),
  updatedAt: z.date(),
  /** Archived templates leave the list and make no new projects; what they made stays. */
  archivedAt: z.date().nullable(),
});
export type TemplateDto = z.infer<typeof templateDto>;

export const boardColumnDto = columnDto.extend({ tasks: z.array(taskDto) });
export const boardDto = z.object({
  project: projectDto,
  columns: z.array(boardColumnDto),
  milestones: z.array(milestoneDto),
});
export type BoardDto = z.infer<typeof boardDto>;

/** A keyset page: `nextCursor` is the last item's id, null on the last page. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
