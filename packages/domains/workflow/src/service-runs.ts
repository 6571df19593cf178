// Runs: list, detail, operator retry and cancel.
import { DomainError, NotFoundError, type DomainContext } from '@ubos/platform';
import { runCancelled, runRetried, type IdInput, type ListRunsInput, type RunDetailDto, type RunDto, type RunPageDto, type StepDto } from './contracts.ts';
import type { WorkflowDB } from './db.ts';
import { findRun, listRuns, listSteps, lockRun, updateRun, updateStep, type RunRow, type StepRow } from './repository.ts';
import { wakeupScheduler } from './runtime.ts';

const iso = (value: Date | null): string | null => (value ? value.toISOString() : null);

function toRunDto(row: RunRow): RunDto {
  return {
    id: row.id,
    definitionId: row.definition_id,
    definitionVersion: row.definition_version,
    triggerEventId: row.trigger_event_id,
    triggerEventType: row.trigger_event_type,
    status: row.status,
    currentStep: row.current_step,
    error: row.error ?? null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    finishedAt: iso(row.finished_at),
  };
}

function toStepDto(row: StepRow): StepDto {
  return {
    index: row.step_index,
    key: row.step_key,
    action: row.action,
    status: row.status,
    input: row.input ?? null,
    output: row.output ?? null,
    error: row.error ?? null,
    attempts: row.attempts,
    scheduledFor: iso(row.scheduled_for),
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
  };
}

export async function listRunsPage(ctx: DomainContext, input: ListRunsInput): Promise<RunPageDto> {
  const rows = await listRuns(ctx.db<WorkflowDB>(), {
    definitionId: input.definitionId,
    status: input.status,
    from: input.from ? new Date(input.from) : undefined,
    to: input.to ? new Date(input.to) : undefined,
    after: input.cursor,
    limit: input.limit + 1,
  });
  const page = rows.slice(0, input.limit);
  return { items: page.map(toRunDto), nextCursor: rows.length > input.limit ? (page.at(-1)?.id ?? null) : null };
}

export async function getRun(ctx: DomainContext, input: IdInput): Promise<RunDetailDto> {
  const db = ctx.db<WorkflowDB>();
  const run = await findRun(db, input.id);
  if (!run) throw new NotFoundError('Workflow run', input.id);
  const steps = await listSteps(db, run.id);
  return { ...toRunDto(run), triggerEvent: run.trigger_event, steps: steps.map(toStepDto) };
}

/** Retries a failed run from its failed step (fresh attempts); earlier steps keep their results. */
export async function retryRun(ctx: DomainContext, input: IdInput): Promise<RunDetailDto> {
  const db = ctx.db<WorkflowDB>();
  const run = await lockRun(db, input.id);
  if (!run) throw new NotFoundError('Workflow run', input.id);
  if (run.status !== 'failed') throw new DomainError('PRECONDITION_FAILED', `Only a failed run can be retried; this one is ${run.status}`);
  const steps = await listSteps(db, run.id);
  const failed = steps.find((step) => step.status === 'failed') ?? steps[run.current_step];
  if (!failed) throw new DomainError('PRECONDITION_FAILED', 'The run has no failed step');
  const now = new Date();
  await updateStep(db, run.id, failed.step_index, { status: 'pending', attempts: 0, error: null, finished_at: null, scheduled_for: now });
  await updateRun(db, run.id, { status: 'running', current_step: failed.step_index, error: null, finished_at: null });
  await wakeupScheduler(ctx, { tenantId: ctx.tenantId, runId: run.id, stepIndex: failed.step_index }, now);
  await ctx.emit(
    runRetried,
    { run_id: run.id, definition_id: run.definition_id, definition_version: run.definition_version, from_step_key: failed.step_key },
    { aggregateId: run.id },
  );
  return getRun(ctx, { id: run.id });
}

/** Cancels a running run: pending and running steps are cancelled; queued jobs become no-ops. */
export async function cancelRun(ctx: DomainContext, input: IdInput): Promise<RunDetailDto> {
  const db = ctx.db<WorkflowDB>();
  const run = await lockRun(db, input.id);
  if (!run) throw new NotFoundError('Workflow run', input.id);
  if (run.status !== 'running' && run.status !== 'pending') {
    throw new DomainError('PRECONDITION_FAILED', `Only a running run can be cancelled; this one is ${run.status}`);
  }
  await db
    .updateTable('workflow.run_steps')
    .set({ status: 'cancelled', updated_at: new Date() })
    .where('run_id', '=', run.id)
    .where('status', 'in', ['pending', 'running', 'waiting'])
    .execute();
  await updateRun(db, run.id, { status: 'cancelled', finished_at: new Date() });
  await ctx.emit(runCancelled, { run_id: run.id, definition_id: run.definition_id, definition_version: run.definition_version }, { aggregateId: run.id });
  return getRun(ctx, { id: run.id });
}
