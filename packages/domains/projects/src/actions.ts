import { tenantDb, withIdempotency, type ActionContext, type ActionDefinition } from '@ubos/platform';
import { z } from 'zod';
import type { ProjectsDB } from './db.ts';
import * as service from './service.ts';

/**
 * Workflow actions. Each honours the step's idempotency key: the key and the result are stored
 * in platform.idempotency_keys in the same transaction as the work, so a retried or replayed
 * step returns the stored result and creates nothing.
 */
function serviceContext(context: ActionContext): service.ServiceContext {
  return { trx: tenantDb<ProjectsDB>(context), tenantId: context.tenantId, userId: context.actorId, eventMeta: context.eventMeta };
}

async function once<T>(context: ActionContext, scope: string, output: z.ZodType<T>, run: () => Promise<T>): Promise<T> {
  const key = z.string().min(1).max(500).parse(context.idempotencyKey);
  const stored = await withIdempotency(context.trx, { tenantId: context.tenantId, scope, key }, async () => output.parse(await run()));
  return output.parse(stored);
}

const createFromTemplateInput = z.object({
  templateId: z.uuid(),
  name: z.string().trim().min(1).max(200),
  clientId: z.uuid().nullable().default(null),
  engagementId: z.uuid().nullable().default(null),
  startDate: z.iso.date().nullable().default(null),
  assigneeId: z.uuid().nullable().default(null),
});
const createFromTemplateOutput = z.object({
  project_id: z.uuid(),
  client_id: z.uuid().nullable(),
  milestone_ids: z.array(z.uuid()),
  task_ids: z.array(z.uuid()),
});

export const createFromTemplateAction: ActionDefinition<z.input<typeof createFromTemplateInput>, z.infer<typeof createFromTemplateOutput>> = {
  name: 'projects.createFromTemplate',
  description: 'Create a project skeleton (columns, milestones, tasks) from a template',
  input: createFromTemplateInput,
  output: createFromTemplateOutput,
  run: (raw, context) =>
    once(context, 'projects.createFromTemplate', createFromTemplateOutput, async () => {
      const input = createFromTemplateInput.parse(raw);
      const board = await service.createFromTemplate(serviceContext(context), input);
      return {
        project_id: board.project.id,
        client_id: board.project.client_id,
        milestone_ids: board.milestones.map((milestone) => milestone.id),
        task_ids: board.columns.flatMap((column) => column.tasks.map((task) => task.id)),
      };
    }),
};

const createTaskInput = z.object({
  projectId: z.uuid(),
  columnId: z.uuid().nullable().default(null),
  milestoneId: z.uuid().nullable().default(null),
  title: z.string().trim().min(1).max(300),
  description: z.string().max(10_000).nullable().default(null),
  assigneeId: z.uuid().nullable().default(null),
  dueDate: z.iso.date().nullable().default(null),
  checklist: z.array(z.string().trim().min(1).max(500)).max(100).default([]),
});
const createTaskOutput = z.object({ task_id: z.uuid(), project_id: z.uuid() });

export const createTaskAction: ActionDefinition<z.input<typeof createTaskInput>, z.infer<typeof createTaskOutput>> = {
  name: 'projects.createTask',
  description: 'Create a task on a project board (e.g. a review task)',
  input: createTaskInput,
  output: createTaskOutput,
  run: (raw, context) =>
    once(context, 'projects.createTask', createTaskOutput, async () => {
      const task = await service.createTask(serviceContext(context), createTaskInput.parse(raw));
      return { task_id: task.id, project_id: task.project_id };
    }),
};

const completeTaskInput = z.object({ taskId: z.uuid() });
const completeTaskOutput = z.object({ task_id: z.uuid(), project_id: z.uuid(), completed_at: z.string() });

export const completeTaskAction: ActionDefinition<z.input<typeof completeTaskInput>, z.infer<typeof completeTaskOutput>> = {
  name: 'projects.completeTask',
  description: 'Complete a task (reaches its milestone when it was the last open task)',
  input: completeTaskInput,
  output: completeTaskOutput,
  run: (raw, context) =>
    once(context, 'projects.completeTask', completeTaskOutput, async () => {
      const task = await service.completeTask(serviceContext(context), completeTaskInput.parse(raw).taskId);
      return { task_id: task.id, project_id: task.project_id, completed_at: (task.completed_at ?? new Date()).toISOString() };
    }),
};

export const projectsActions = [createFromTemplateAction, createTaskAction, completeTaskAction] as const;
