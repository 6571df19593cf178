import { router, tenantProcedure } from '@ubos/platform';
import { z } from 'zod';
import * as c from './contracts.ts';
import * as milestoneService from './service-milestones.ts';
import * as projectService from './service-projects.ts';
import * as taskService from './service-tasks.ts';
import * as templateService from './service-templates.ts';

// Thin procedures (ARCHITECTURE.md §3): parse (inputs and DTOs from contracts.ts), authorize (the
// meta permission, declared in module.ts), call the service with the request's DomainContext.

const projects = router({
  create: tenantProcedure
    .meta({ permission: 'projects.project.write' })
    .input(c.createProjectInput)
    .output(c.projectDto)
    .mutation(({ ctx, input }) => projectService.createProject(ctx.domain, input)),
  createFromTemplate: tenantProcedure
    .meta({ permission: 'projects.project.write' })
    .input(c.createProjectFromTemplateInput)
    .output(c.boardDto)
    .mutation(({ ctx, input }) => projectService.createFromTemplate(ctx.domain, input)),
  get: tenantProcedure
    .meta({ permission: 'projects.project.read' })
    .input(c.idInput)
    .output(c.projectDto)
    .query(({ ctx, input }) => projectService.getProject(ctx.domain, input.id)),
  board: tenantProcedure
    .meta({ permission: 'projects.project.read' })
    .input(c.idInput)
    .output(c.boardDto)
    .query(({ ctx, input }) => projectService.getBoard(ctx.domain, input.id)),
  list: tenantProcedure
    .meta({ permission: 'projects.project.read' })
    .input(c.listProjectsInput)
    .output(c.pageOf(c.projectDto))
    .query(({ ctx, input }) => projectService.listProjects(ctx.domain, input)),
  update: tenantProcedure
    .meta({ permission: 'projects.project.write' })
    .input(c.updateProjectInput)
    .output(c.projectDto)
    .mutation(({ ctx, input: { id, ...changes } }) => projectService.updateProject(ctx.domain, id, changes)),
  complete: tenantProcedure
    .meta({ permission: 'projects.project.write' })
    .input(c.idInput)
    .output(c.projectDto)
    .mutation(({ ctx, input }) => projectService.completeProject(ctx.domain, input.id)),
});

const columns = router({
  create: tenantProcedure
    .meta({ permission: 'projects.project.write' })
    .input(c.createColumnInput)
    .output(c.columnDto)
    .mutation(({ ctx, input }) => projectService.createColumn(ctx.domain, input)),
});

const milestones = router({
  create: tenantProcedure
    .meta({ permission: 'projects.project.write' })
    .input(c.createMilestoneInput)
    .output(c.milestoneDto)
    .mutation(({ ctx, input }) => milestoneService.createMilestone(ctx.domain, input)),
  list: tenantProcedure
    .meta({ permission: 'projects.project.read' })
    .input(c.listMilestonesInput)
    .output(z.array(c.milestoneDto))
    .query(({ ctx, input }) => milestoneService.listMilestones(ctx.domain, input.projectId)),
  reach: tenantProcedure
    .meta({ permission: 'projects.project.write' })
    .input(c.idInput)
    .output(c.milestoneDto)
    .mutation(({ ctx, input }) => milestoneService.reachMilestone(ctx.domain, input.id)),
});

const tasks = router({
  create: tenantProcedure
    .meta({ permission: 'projects.task.write' })
    .input(c.createTaskInput)
    .output(c.taskDto)
    .mutation(({ ctx, input }) => taskService.createTask(ctx.domain, input)),
  get: tenantProcedure
    .meta({ permission: 'projects.project.read' })
    .input(c.idInput)
    .output(c.taskDto)
    .query(({ ctx, input }) => taskService.getTask(ctx.domain, input.id)),
  list: tenantProcedure
    .meta({ permission: 'projects.project.read' })
    .input(c.listTasksInput)
    .output(c.pageOf(c.taskDto))
    .query(({ ctx, input }) => taskService.listTasks(ctx.domain, input)),
  mine: tenantProcedure
    .meta({ permission: 'projects.project.read' })
    .input(c.pageInput)
    .output(c.pageOf(c.taskDto))
    .query(({ ctx, input }) => taskService.myOpenTasks(ctx.domain, input)),
  update: tenantProcedure
    .meta({ permission: 'projects.task.write' })
    .input(c.updateTaskInput)
    .output(c.taskDto)
    .mutation(({ ctx, input: { id, ...changes } }) => taskService.updateTask(ctx.domain, id, changes)),
  assign: tenantProcedure
    .meta({ permission: 'projects.task.write' })
    .input(c.assignTaskInput)
    .output(c.taskDto)
    .mutation(({ ctx, input }) => taskService.assignTask(ctx.domain, input.id, input.assigneeId)),
  move: tenantProcedure
    .meta({ permission: 'projects.task.write' })
    .input(c.moveTaskInput)
    .output(c.taskDto)
    .mutation(({ ctx, input }) => taskService.moveTask(ctx.domain, input)),
  complete: tenantProcedure
    .meta({ permission: 'projects.task.write' })
    .input(c.idInput)
    .output(c.taskDto)
    .mutation(({ ctx, input }) => taskService.completeTask(ctx.domain, input.id)),
  addChecklistItem: tenantProcedure
    .meta({ permission: 'projects.task.write' })
    .input(c.addChecklistItemInput)
    .output(c.taskDto)
    .mutation(({ ctx, input }) => taskService.addChecklistItem(ctx.domain, input.id, input.text)),
  toggleChecklistItem: tenantProcedure
    .meta({ permission: 'projects.task.write' })
    .input(c.toggleChecklistItemInput)
    .output(c.taskDto)
    .mutation(({ ctx, input }) => taskService.toggleChecklistItem(ctx.domain, input.id, input.itemId, input.done)),
});

const templates = router({
  create: tenantProcedure
    .meta({ permission: 'projects.template.manage' })
    .input(c.createTemplateInput)
    .output(c.templateDto)
    .mutation(({ ctx, input }) => templateService.createTemplate(ctx.domain, input)),
  update: tenantProcedure
    .meta({ permission: 'projects.template.manage' })
    .input(c.updateTemplateInput)
    .output(c.templateDto)
    .mutation(({ ctx, input: { id, ...changes } }) => templateService.updateTemplate(ctx.domain, id, changes)),
  archive: tenantProcedure
    .meta({ permission: 'projects.template.manage' })
    .input(c.idInput)
    .output(c.templateDto)
    .mutation(({ ctx, input }) => templateService.archiveTemplate(ctx.domain, input.id)),
  get: tenantProcedure
    .meta({ permission: 'projects.project.read' })
    .input(c.idInput)
    .output(c.templateDto)
    .query(({ ctx, input }) => templateService.getTemplate(ctx.domain, input.id)),
  list: tenantProcedure
    .meta({ permission: 'projects.project.read' })
    .input(c.pageInput)
    .output(c.pageOf(c.templateDto))
    .query(({ ctx, input }) => templateService.listTemplates(ctx.domain, input)),
});

export const projectsRouter = router({ projects, columns, milestones, tasks, templates });
