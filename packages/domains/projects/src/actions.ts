import { defineAction } from '@ubos/platform';
import { z } from 'zod';
import { createProjectFromTemplateInput, createTaskInput } from './contracts.ts';
import { createFromTemplate } from './service-projects.ts';
import { completeTask, createTask } from './service-tasks.ts';

/**
 * Workflow actions of the projects domain (ARCHITECTURE.md §3). The kit validates each input and
 * output and runs the action at most once per step key (`run_id:step_key`) in the step's tenant
 * transaction: a retried or replayed step returns the stored result and creates nothing new.
 * The outputs keep their snake_case field names: stored workflow definitions reference them
 * (`{{ steps.project.output.project_id }}`).
 */

export const createFromTemplateActionOutput = z.object({
  project_id: z.uuid(),
  client_id: z.uuid().nullable(),
  milestone_ids: z.array(z.uuid()),
  task_ids: z.array(z.uuid()),
});

export const createFromTemplateAction = defineAction({
  name: 'projects.createFromTemplate',
  description: 'Create a project skeleton (columns, milestones, tasks) from a template',
  input: createProjectFromTemplateInput,
  output: createFromTemplateActionOutput,
  async run(input, ctx) {
    const board = await createFromTemplate(ctx, input);
    return {
      project_id: board.project.id,
      client_id: board.project.clientId,
      milestone_ids: board.milestones.map((milestone) => milestone.id),
      task_ids: board.columns.flatMap((column) => column.tasks.map((task) => task.id)),
    };
  },
});

export const createTaskActionOutput = z.object({ task_id: z.uuid(), project_id: z.uuid() });

export const createTaskAction = defineAction({
  name: 'projects.createTask',
  description: 'Create a task on a project board (e.g. a review task)',
  input: createTaskInput,
  output: createTaskActionOutput,
  async run(input, ctx) {
    const task = await createTask(ctx, input);
    return { task_id: task.id, project_id: task.projectId };
  },
});

const completeTaskActionInput = z.object({ taskId: z.uuid() });
export const completeTaskActionOutput = z.object({ task_id: z.uuid(), project_id: z.uuid(), completed_at: z.string() });

export const completeTaskAction = defineAction({
  name: 'projects.completeTask',
  description: 'Complete a task (reaches its milestone when it was the last open task)',
  input: completeTaskActionInput,
  output: completeTaskActionOutput,
  async run(input, ctx) {
    const task = await completeTask(ctx, input.taskId);
    return { task_id: task.id, project_id: task.projectId, completed_at: (task.completedAt ?? new Date()).toISOString() };
  },
});

export const projectsActions = [createFromTemplateAction, createTaskAction, completeTaskAction];
