import { DomainError, NotFoundError, uuidv7, type DomainContext } from '@ubos/platform';
import {
  templateArchived,
  templateSaved,
  type CreateTemplateInput,
  type Page,
  type PageInput,
  type TemplateDto,
  type TemplateSkeleton,
  type UpdateTemplateInput,
} from './contracts.ts';
import type { ProjectsDB } from './db.ts';
import * as repo from './repository.ts';
import { pageOfRows, toTemplateDto } from './service.ts';

/** Project templates: the skeleton (columns, milestones, tasks) a project made from one starts with. */

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
    if (task.milestoneKey && !keys.has(task.milestoneKey)) {
      throw new DomainError('BAD_REQUEST', `Task "${task.title}" names an unknown milestone`, [
        { path: ['skeleton', 'tasks', index, 'milestoneKey'], message: 'Unknown milestone key' },
      ]);
    }
  });
}

export async function createTemplate(ctx: DomainContext, input: CreateTemplateInput): Promise<TemplateDto> {
  assertSkeleton(input.skeleton);
  const template = await repo.insertTemplate(ctx.db<ProjectsDB>(), {
    id: uuidv7(),
    tenant_id: ctx.tenantId,
    name: input.name,
    description: input.description,
    skeleton: input.skeleton,
    created_by: ctx.actorId,
  });
  await ctx.emit(
    templateSaved,
    {
      template_id: template.id,
      name: template.name,
      created: true,
      milestone_count: input.skeleton.milestones.length,
      task_count: input.skeleton.tasks.length,
    },
    { aggregateId: template.id },
  );
  return toTemplateDto(template);
}

export async function updateTemplate(ctx: DomainContext, id: string, input: UpdateTemplateInput): Promise<TemplateDto> {
  const db = ctx.db<ProjectsDB>();
  const current = await repo.findTemplate(db, id);
  if (!current) throw new NotFoundError('Template', id);
  if (current.archived_at) throw new DomainError('PRECONDITION_FAILED', 'This template is archived; it can no longer be edited');
  if (input.skeleton) assertSkeleton(input.skeleton);
  const template = await repo.updateTemplate(db, id, input);
  await ctx.emit(
    templateSaved,
    {
      template_id: template.id,
      name: template.name,
      created: false,
      milestone_count: template.skeleton.milestones.length,
      task_count: template.skeleton.tasks.length,
    },
    { aggregateId: template.id },
  );
  return toTemplateDto(template);
}

/** Archives a template (no delete: projects and deals keep naming it). Idempotent: archiving twice changes nothing. */
export async function archiveTemplate(ctx: DomainContext, id: string): Promise<TemplateDto> {
  const db = ctx.db<ProjectsDB>();
  const archived = await repo.archiveTemplate(db, id);
  if (!archived) {
    const current = await repo.findTemplate(db, id);
    if (!current) throw new NotFoundError('Template', id);
    return toTemplateDto(current);
  }
  await ctx.emit(templateArchived, { template_id: archived.id, name: archived.name }, { aggregateId: archived.id });
  return toTemplateDto(archived);
}

export async function getTemplate(ctx: DomainContext, id: string): Promise<TemplateDto> {
  const template = await repo.findTemplate(ctx.db<ProjectsDB>(), id);
  if (!template) throw new NotFoundError('Template', id);
  return toTemplateDto(template);
}

export async function listTemplates(ctx: DomainContext, input: PageInput): Promise<Page<TemplateDto>> {
  const rows = await repo.listTemplates(ctx.db<ProjectsDB>(), input.cursor, input.limit + 1);
  return pageOfRows(rows, input.limit, toTemplateDto);
}
