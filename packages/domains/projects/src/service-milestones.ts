import { NotFoundError, uuidv7, type DomainContext } from '@ubos/platform';
import { milestoneCreated, milestoneReached, type CreateMilestoneInput, type MilestoneDto } from './contracts.ts';
import type { ProjectsDB } from './db.ts';
import * as repo from './repository.ts';
import type { MilestoneRow, ProjectRow } from './repository.ts';
import { requireProject, toMilestoneDto } from './service.ts';

/** Milestones: created by hand or from a template, reached by hand or by completing their last open task. */

export async function createMilestone(ctx: DomainContext, input: CreateMilestoneInput): Promise<MilestoneDto> {
  const project = await requireProject(ctx, input.projectId);
  const [milestone] = await repo.insertMilestones(ctx.db<ProjectsDB>(), [
    { id: uuidv7(), tenant_id: ctx.tenantId, project_id: input.projectId, name: input.name, due_date: input.dueDate },
  ]);
  if (!milestone) throw new Error('milestone insert returned nothing');
  await ctx.emit(
    milestoneCreated,
    { milestone_id: milestone.id, project_id: input.projectId, client_id: project.client_id, name: milestone.name, due_date: milestone.due_date },
    { aggregateId: milestone.id },
  );
  return toMilestoneDto(milestone);
}

/** Marks the milestone reached and says so (projects.milestone.reached). */
export async function reach(ctx: DomainContext, milestone: MilestoneRow, project: ProjectRow): Promise<MilestoneRow> {
  const reached = await repo.markMilestoneReached(ctx.db<ProjectsDB>(), milestone.id);
  await ctx.emit(
    milestoneReached,
    {
      milestone_id: reached.id,
      project_id: reached.project_id,
      client_id: project.client_id,
      name: reached.name,
      reached_at: (reached.reached_at ?? new Date()).toISOString(),
    },
    { aggregateId: reached.id },
  );
  return reached;
}

/** Marks a milestone reached by hand; reaching a reached milestone changes nothing. */
export async function reachMilestone(ctx: DomainContext, id: string): Promise<MilestoneDto> {
  const milestone = await repo.findMilestone(ctx.db<ProjectsDB>(), id, { lock: true });
  if (!milestone) throw new NotFoundError('Milestone', id);
  if (milestone.reached_at) return toMilestoneDto(milestone);
  return toMilestoneDto(await reach(ctx, milestone, await requireProject(ctx, milestone.project_id)));
}

export async function listMilestones(ctx: DomainContext, projectId: string): Promise<MilestoneDto[]> {
  await requireProject(ctx, projectId);
  return (await repo.listMilestones(ctx.db<ProjectsDB>(), projectId)).map(toMilestoneDto);
}
