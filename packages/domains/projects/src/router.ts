import { router, tenantDb, tenantProcedure, type TenantContext } from '@ubos/platform';
import { z } from 'zod';
import {
  boardSchema,
  columnSchema,
  milestoneSchema,
  pageSchema,
  projectSchema,
  projectStatusSchema,
  taskSchema,
  taskStatusSchema,
  templateSchema,
  templateSkeletonSchema,
} from './contracts.ts';
import type { ProjectsDB } from './db.ts';
import * as service from './service.ts';

/** The projects domain's procedures: parse, authorize (meta), call the service. */
function svc(ctx: TenantContext): service.ServiceContext {
  return { trx: tenantDb<ProjectsDB>(ctx), tenantId: ctx.tenant.tenantId, userId: ctx.tenant.userId, eventMeta: ctx.eventMeta };
}

const id = z.uuid();
const name = z.string().trim().min(1).max(200);
const optionalText = z.string().max(10_000).nullable();
const date = z.iso.date().nullable();
const pageInput = { cursor: z.uuid().nullable().default(null), limit: z.number().int().min(1).max(100).default(50) };
const editableStatus = z.enum(['planned', 'active', 'on_hold', 'cancelled']);

const projectsRouter_ = router({
  create: tenantProcedure
    .meta({ permission: 'projects.project.write' })
    .input(
      z.object({
        name,
        description: optionalText.default(null),
        clientId: id.nullable().default(null),
        engagementId: id.nullable().default(null),
        status: z.enum(['planned', 'active', 'on_hold']).default('active'),
        startDate: date.default(null),
        dueDate: date.default(null),
      }),
    )
    .output(projectSchema)
    .mutation(({ ctx, input }) => service.createProject(svc(ctx), input)),
  createFromTemplate: tenantProcedure
    .meta({ permission: 'projects.project.write' })
    .input(
      z.object({
        templateId: id,
        name,
        clientId: id.nullable().default(null),
        engagementId: id.nullable().default(null),
        startDate: date.default(null),
        assigneeId: id.nullable().default(null),
      }),
    )
    .output(boardSchema)
    .mutation(({ ctx, input }) => service.createFromTemplate(svc(ctx), input)),
  get: tenantProcedure
    .meta({ permission: 'projects.project.read' })
    .input(z.object({ id }))
    .output(projectSchema)
    .query(({ ctx, input }) => service.getProject(svc(ctx), input.id)),
  board: tenantProcedure
    .meta({ permission: 'projects.project.read' })
    .input(z.object({ id }))
    .output(boardSchema)
    .query(({ ctx, input }) => service.getBoard(svc(ctx), input.id)),
  list: tenantProcedure
    .meta({ permission: 'projects.project.read' })
    .input(z.object({ ...pageInput, status: projectStatusSchema.nullable().default(null), clientId: id.nullable().default(null) }))
    .output(pageSchema(projectSchema))
    .query(({ ctx, input }) => service.listProjects(svc(ctx), input)),
  update: tenantProcedure
    .meta({ permission: 'projects.project.write' })
    .input(
      z.object({
        id,
        name: name.optional(),
        description: optionalText.optional(),
        clientId: id.nullable().optional(),
        engagementId: id.nullable().optional(),
        status: editableStatus.optional(),
        startDate: date.optional(),
        dueDate: date.optional(),
      }),
    )
    .output(projectSchema)
    .mutation(({ ctx, input }) => {
      const { id: projectId, ...patch } = input;
      return service.updateProject(svc(ctx), projectId, patch);
    }),
  complete: tenantProcedure
    .meta({ permission: 'projects.project.write' })
    .input(z.object({ id }))
    .output(projectSchema)
    .mutation(({ ctx, input }) => service.completeProject(svc(ctx), input.id)),
});

const columnsRouter = router({
  create: tenantProcedure
    .meta({ permission: 'projects.project.write' })
    .input(z.object({ projectId: id, name: z.string().trim().min(1).max(100), isDone: z.boolean().default(false) }))
    .output(columnSchema)
    .mutation(({ ctx, input }) => service.createColumn(svc(ctx), input.projectId, input)),
});

const milestonesRouter = router({
  create: tenantProcedure
    .meta({ permission: 'projects.project.write' })
    .input(z.object({ projectId: id, name, dueDate: date.default(null) }))
    .output(milestoneSchema)
    .mutation(({ ctx, input }) => service.createMilestone(svc(ctx), input.projectId, input)),
  list: tenantProcedure
    .meta({ permission: 'projects.project.read' })
    .input(z.object({ projectId: id }))
    .output(z.array(milestoneSchema))
    .query(({ ctx, input }) => service.listMilestones(svc(ctx), input.projectId)),
  reach: tenantProcedure
    .meta({ permission: 'projects.project.write' })
    .input(z.object({ id }))
    .output(milestoneSchema)
    .mutation(({ ctx, input }) => service.reachMilestone(svc(ctx), input.id)),
});

const tasksRouter = router({
  create: tenantProcedure
    .meta({ permission: 'projects.task.write' })
    .input(
      z.object({
        projectId: id,
        columnId: id.nullable().default(null),
        milestoneId: id.nullable().default(null),
        title: z.string().trim().min(1).max(300),
        description: optionalText.default(null),
        assigneeId: id.nullable().default(null),
        dueDate: date.default(null),
        checklist: z.array(z.string().trim().min(1).max(500)).max(100).default([]),
      }),
    )
    .output(taskSchema)
    .mutation(({ ctx, input }) => service.createTask(svc(ctx), input)),
  get: tenantProcedure
    .meta({ permission: 'projects.project.read' })
    .input(z.object({ id }))
    .output(taskSchema)
    .query(({ ctx, input }) => service.getTask(svc(ctx), input.id)),
  list: tenantProcedure
    .meta({ permission: 'projects.project.read' })
    .input(z.object({ ...pageInput, projectId: id, status: taskStatusSchema.nullable().default(null) }))
    .output(pageSchema(taskSchema))
    .query(({ ctx, input }) => service.listTasks(svc(ctx), input)),
  mine: tenantProcedure
    .meta({ permission: 'projects.project.read' })
    .input(z.object(pageInput).default({ cursor: null, limit: 50 }))
    .output(pageSchema(taskSchema))
    .query(({ ctx, input }) => service.myOpenTasks(svc(ctx), input.cursor, input.limit)),
  update: tenantProcedure
    .meta({ permission: 'projects.task.write' })
    .input(
      z.object({
        id,
        title: z.string().trim().min(1).max(300).optional(),
        description: optionalText.optional(),
        dueDate: date.optional(),
        milestoneId: id.nullable().optional(),
      }),
    )
    .output(taskSchema)
    .mutation(({ ctx, input }) => {
      const { id: taskId, ...patch } = input;
      return service.updateTask(svc(ctx), taskId, patch);
    }),
  assign: tenantProcedure
    .meta({ permission: 'projects.task.write' })
    .input(z.object({ id, assigneeId: id.nullable() }))
    .output(taskSchema)
    .mutation(({ ctx, input }) => service.assignTask(svc(ctx), input.id, input.assigneeId)),
  move: tenantProcedure
    .meta({ permission: 'projects.task.write' })
    .input(
      z.object({
        id,
        columnId: id,
        previousTaskId: id.nullable().default(null),
        nextTaskId: id.nullable().default(null),
      }),
    )
    .output(taskSchema)
    .mutation(({ ctx, input }) =>
      service.moveTask(svc(ctx), { taskId: input.id, columnId: input.columnId, previousTaskId: input.previousTaskId, nextTaskId: input.nextTaskId }),
    ),
  complete: tenantProcedure
    .meta({ permission: 'projects.task.write' })
    .input(z.object({ id }))
    .output(taskSchema)
    .mutation(({ ctx, input }) => service.completeTask(svc(ctx), input.id)),
  addChecklistItem: tenantProcedure
    .meta({ permission: 'projects.task.write' })
    .input(z.object({ id, text: z.string().trim().min(1).max(500) }))
    .output(taskSchema)
    .mutation(({ ctx, input }) => service.addChecklistItem(svc(ctx), input.id, input.text)),
  toggleChecklistItem: tenantProcedure
    .meta({ permission: 'projects.task.write' })
    .input(z.object({ id, itemId: id, done: z.boolean().nullable().default(null) }))
    .output(taskSchema)
    .mutation(({ ctx, input }) => service.toggleChecklistItem(svc(ctx), input.id, input.itemId, input.done)),
});

const templatesRouter = router({
  create: tenantProcedure
    .meta({ permission: 'projects.template.manage' })
    .input(z.object({ name, description: optionalText.default(null), skeleton: templateSkeletonSchema }))
    .output(templateSchema)
    .mutation(({ ctx, input }) => service.createTemplate(svc(ctx), input)),
  update: tenantProcedure
    .meta({ permission: 'projects.template.manage' })
    .input(z.object({ id, name: name.optional(), description: optionalText.optional(), skeleton: templateSkeletonSchema.optional() }))
    .output(templateSchema)
    .mutation(({ ctx, input }) => {
      const { id: templateId, ...patch } = input;
      return service.updateTemplate(svc(ctx), templateId, patch);
    }),
  get: tenantProcedure
    .meta({ permission: 'projects.project.read' })
    .input(z.object({ id }))
    .output(templateSchema)
    .query(({ ctx, input }) => service.getTemplate(svc(ctx), input.id)),
  list: tenantProcedure
    .meta({ permission: 'projects.project.read' })
    .input(z.object(pageInput).default({ cursor: null, limit: 50 }))
    .output(pageSchema(templateSchema))
    .query(({ ctx, input }) => service.listTemplates(svc(ctx), input.cursor, input.limit)),
});

export const projectsRouter = router({
  projects: projectsRouter_,
  columns: columnsRouter,
  milestones: milestonesRouter,
  tasks: tasksRouter,
  templates: templatesRouter,
});
