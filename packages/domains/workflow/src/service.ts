// Business rules of the workflow API: definitions (versioned), dry runs, runs, templates.
import { DomainError, NotFoundError, uuidv7, writeEvent, type EventMeta, type Transaction, type UntypedDB } from '@ubos/platform';
import {
  definitionCreated,
  definitionDeleted,
  definitionDisabled,
  definitionEnabled,
  definitionUpdated,
  runCancelled,
  runRetried,
  SCHEDULE_EVENT_TYPE,
  triggerKey,
  type DefinitionDto,
  type DefinitionSpec,
  type RunDetailDto,
  type RunDto,
  type RunStatus,
  type StepDto,
} from './contracts.ts';
import { findTemplate, workflowTemplates } from './flagship.ts';
import { evaluateCondition, renderTemplate, TemplateError, traceCondition, type ConditionTrace } from './interpreter.ts';
import type { ActionRegistry } from './registry.ts';
import {
  findDefinition,
  findRun,
  findSpec,
  insertDefinition,
  insertVersion,
  listDefinitions,
  listRuns,
  listSteps,
  listVersions,
  lockRun,
  refreshScheduleRow,
  updateRun,
  updateStep,
  wf,
  type DefinitionRow,
  type RunRow,
  type StepRow,
} from './repository.ts';
import { buildContext, stepStartTime, wakeupScheduler } from './runtime.ts';
import { assertValidDefinition, validateDefinition } from './validation.ts';

/** What a service call needs from the tRPC tenant context. */
export interface ServiceContext {
  trx: Transaction<UntypedDB>;
  eventMeta: EventMeta;
  tenant: { tenantId: string; userId: string };
}

const iso = (value: Date | null): string | null => (value ? value.toISOString() : null);

async function toDefinitionDto(ctx: ServiceContext, row: DefinitionRow): Promise<DefinitionDto> {
  return definitionDtoOf(row, await findSpec(wf(ctx.trx), row.id, row.current_version));
}

function definitionDtoOf(row: DefinitionRow, spec: DefinitionSpec | undefined): DefinitionDto {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    triggerEvent: row.trigger_event,
    version: row.current_version,
    enabled: row.enabled,
    templateKey: row.template_key,
    missingActions: row.missing_actions,
    spec: spec ?? null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

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

// ----- definitions -----------------------------------------------------------------------------

export async function createDefinition(
  ctx: ServiceContext,
  registry: ActionRegistry,
  input: { spec: unknown; enabled?: boolean | undefined },
): Promise<DefinitionDto> {
  const { spec } = assertValidDefinition(input.spec, registry);
  return insertValidated(ctx, spec as DefinitionSpec, { enabled: input.enabled ?? true, templateKey: null, missingActions: [] });
}

async function insertValidated(
  ctx: ServiceContext,
  spec: DefinitionSpec,
  options: { enabled: boolean; templateKey: string | null; missingActions: string[] },
): Promise<DefinitionDto> {
  const id = uuidv7();
  const row = await insertDefinition(wf(ctx.trx), {
    id,
    tenantId: ctx.tenant.tenantId,
    spec,
    enabled: options.enabled,
    templateKey: options.templateKey,
    missingActions: options.missingActions,
    createdBy: ctx.tenant.userId,
  });
  await writeEvent(
    ctx.trx,
    definitionCreated,
    { definitionId: id, version: 1, name: spec.name, triggerEvent: triggerKey(spec.trigger), enabled: options.enabled, templateKey: options.templateKey },
    { ...ctx.eventMeta, aggregateId: id },
  );
  await refreshScheduleRow(wf(ctx.trx), id);
  return toDefinitionDto(ctx, row);
}

/** Editing creates a new version; runs keep the version they started with. */
export async function updateDefinition(
  ctx: ServiceContext,
  registry: ActionRegistry,
  input: { id: string; spec: unknown; expectedVersion?: number | undefined },
): Promise<DefinitionDto> {
  const db = wf(ctx.trx);
  const current = await findDefinition(db, input.id, { forUpdate: true });
  if (!current) throw new NotFoundError('Workflow definition', input.id);
  if (input.expectedVersion !== undefined && input.expectedVersion !== current.current_version) {
    throw new DomainError('CONFLICT', `The definition is at version ${current.current_version}, not ${input.expectedVersion}: reload and edit again`);
  }
  const { spec } = assertValidDefinition(input.spec, registry);
  const validSpec = spec as DefinitionSpec;
  const version = current.current_version + 1;
  await insertVersion(db, { tenantId: ctx.tenant.tenantId, definitionId: current.id, version, spec: validSpec, createdBy: ctx.tenant.userId });
  const row = await db
    .updateTable('workflow.definitions')
    .set({
      name: validSpec.name,
      description: validSpec.description,
      trigger_event: triggerKey(validSpec.trigger),
      current_version: version,
      missing_actions: [],
      updated_at: new Date(),
    })
    .where('id', '=', current.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await writeEvent(
    ctx.trx,
    definitionUpdated,
    { definitionId: current.id, version, name: validSpec.name, triggerEvent: triggerKey(validSpec.trigger) },
    { ...ctx.eventMeta, aggregateId: current.id },
  );
  await refreshScheduleRow(db, current.id);
  return toDefinitionDto(ctx, row);
}

export async function setDefinitionEnabled(ctx: ServiceContext, registry: ActionRegistry, input: { id: string; enabled: boolean }): Promise<DefinitionDto> {
  const db = wf(ctx.trx);
  const current = await findDefinition(db, input.id, { forUpdate: true });
  if (!current) throw new NotFoundError('Workflow definition', input.id);
  let missing: string[] = [];
  if (input.enabled) {
    const spec = await findSpec(db, current.id, current.current_version);
    const result = validateDefinition(spec, registry);
    missing = result.missingActions;
    if (result.issues.length > 0) {
      throw new DomainError(
        'PRECONDITION_FAILED',
        missing.length > 0
          ? `The workflow waits for actions that are not available: ${missing.join(', ')}`
          : 'The workflow is not valid against the current actions: edit it first',
        result.issues,
      );
    }
  }
  if (current.enabled === input.enabled) return toDefinitionDto(ctx, current);
  const row = await db
    .updateTable('workflow.definitions')
    .set({ enabled: input.enabled, missing_actions: missing, updated_at: new Date() })
    .where('id', '=', current.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await writeEvent(
    ctx.trx,
    input.enabled ? definitionEnabled : definitionDisabled,
    { definitionId: current.id, version: current.current_version },
    { ...ctx.eventMeta, aggregateId: current.id },
  );
  await refreshScheduleRow(db, current.id);
  return toDefinitionDto(ctx, row);
}

export async function deleteDefinition(ctx: ServiceContext, input: { id: string }): Promise<{ id: string }> {
  const db = wf(ctx.trx);
  const current = await findDefinition(db, input.id, { forUpdate: true });
  if (!current) throw new NotFoundError('Workflow definition', input.id);
  await db.updateTable('workflow.definitions').set({ deleted_at: new Date(), enabled: false, updated_at: new Date() }).where('id', '=', current.id).execute();
  await writeEvent(ctx.trx, definitionDeleted, { definitionId: current.id }, { ...ctx.eventMeta, aggregateId: current.id });
  await refreshScheduleRow(db, current.id);
  return { id: current.id };
}

export async function getDefinition(ctx: ServiceContext, input: { id: string }): Promise<DefinitionDto & { versions: { version: number; createdAt: string }[] }> {
  const db = wf(ctx.trx);
  const row = await findDefinition(db, input.id);
  if (!row) throw new NotFoundError('Workflow definition', input.id);
  const versions = await listVersions(db, row.id);
  return { ...(await toDefinitionDto(ctx, row)), versions: versions.map((v) => ({ version: v.version, createdAt: v.createdAt.toISOString() })) };
}

export async function listAllDefinitions(ctx: ServiceContext): Promise<DefinitionDto[]> {
  const rows = await listDefinitions(wf(ctx.trx));
  return rows.map((row) => definitionDtoOf(row, row.spec));
}

// ----- dry run ---------------------------------------------------------------------------------

export interface DryRunResult {
  valid: boolean;
  issues: { path: (string | number)[]; message: string }[];
  triggerMatched: boolean;
  eventTypeMatched: boolean;
  conditions: ConditionTrace | null;
  steps: {
    key: string;
    action: string;
    condition: ConditionTrace | null;
    wouldRun: boolean;
    input: unknown;
    inputIssues: { path: (string | number)[]; message: string }[];
    startsAt: string;
  }[];
}

/**
 * Evaluates a definition against a sample event without side effects: which conditions match
 * and each step's rendered input. Earlier steps' outputs come from `stepOutputs` when given.
 */
export function dryRun(
  registry: ActionRegistry,
  input: { spec: unknown; event: Record<string, unknown>; stepOutputs?: Record<string, unknown> | undefined },
): DryRunResult {
  const validation = validateDefinition(input.spec, registry);
  if (!validation.spec) {
    return { valid: false, issues: validation.issues, triggerMatched: false, eventTypeMatched: false, conditions: null, steps: [] };
  }
  const spec = validation.spec;
  const event = JSON.parse(JSON.stringify(input.event)) as Record<string, unknown>;
  const eventTypeMatched = event.type === undefined || event.type === (spec.trigger.event ?? SCHEDULE_EVENT_TYPE);
  const conditions = spec.trigger.conditions ? traceCondition(spec.trigger.conditions, { event }) : null;
  const triggerMatched = eventTypeMatched && (conditions?.matched ?? true);
  const now = Date.now();
  const fakeRun = { id: '00000000-0000-7000-8000-000000000000', trigger_event: event };
  const earlier: StepRow[] = [];
  const steps: DryRunResult['steps'] = [];
  for (const [index, step] of spec.steps.entries()) {
    const context = buildContext(fakeRun, earlier);
    const condition = step.if ? traceCondition(step.if, context) : null;
    const wouldRun = condition?.matched ?? true;
    let rendered: unknown = null;
    const inputIssues: { path: (string | number)[]; message: string }[] = [];
    try {
      rendered = renderTemplate(step.input, context);
      const action = registry.get(step.action);
      const parsed = action?.input.safeParse(rendered);
      if (parsed && !parsed.success) {
        for (const issue of parsed.error.issues) {
          inputIssues.push({ path: issue.path.map((s) => (typeof s === 'number' ? s : String(s))), message: issue.message });
        }
      }
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      inputIssues.push({ path: error.path, message: error.message });
    }
    steps.push({
      key: step.key,
      action: step.action,
      condition,
      wouldRun,
      input: rendered,
      inputIssues,
      startsAt: stepStartTime(step, context, now).toISOString(),
    });
    const output = input.stepOutputs && Object.hasOwn(input.stepOutputs, step.key) ? input.stepOutputs[step.key] : null;
    earlier.push({
      tenant_id: '',
      run_id: fakeRun.id,
      step_index: index,
      step_key: step.key,
      action: step.action,
      status: wouldRun ? 'succeeded' : 'skipped',
      input: rendered,
      output: JSON.parse(JSON.stringify(output ?? null)) as unknown,
      error: null,
      attempts: 0,
      scheduled_for: null,
      started_at: null,
      finished_at: null,
      updated_at: new Date(now),
    });
  }
  return { valid: validation.issues.length === 0, issues: validation.issues, triggerMatched, eventTypeMatched, conditions, steps };
}

/** Dry run of a saved definition (its current version) or of an unsaved spec. */
export async function dryRunDefinition(
  ctx: ServiceContext,
  registry: ActionRegistry,
  input: { definitionId?: string | undefined; spec?: unknown; event: Record<string, unknown>; stepOutputs?: Record<string, unknown> | undefined },
): Promise<DryRunResult> {
  let spec = input.spec;
  if (input.definitionId) {
    const definition = await findDefinition(wf(ctx.trx), input.definitionId);
    if (!definition) throw new NotFoundError('Workflow definition', input.definitionId);
    spec = await findSpec(wf(ctx.trx), definition.id, definition.current_version);
  }
  if (spec === undefined) throw new DomainError('BAD_REQUEST', 'Give a definitionId or a spec', [{ path: ['spec'], message: 'Required' }]);
  return dryRun(registry, { spec, event: input.event, stepOutputs: input.stepOutputs });
}

/** Whether an event would start a run of this definition: used by tests and the dry run. */
export function triggerMatches(spec: DefinitionSpec, event: { type: string }): boolean {
  return (spec.trigger.event ?? SCHEDULE_EVENT_TYPE) === event.type && evaluateCondition(spec.trigger.conditions, { event });
}

// ----- runs ------------------------------------------------------------------------------------

export async function listRunsPage(
  ctx: ServiceContext,
  input: { definitionId?: string | undefined; status?: RunStatus | undefined; from?: string | undefined; to?: string | undefined; cursor?: string | undefined; limit: number },
): Promise<{ items: RunDto[]; nextCursor: string | null }> {
  const rows = await listRuns(wf(ctx.trx), {
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

export async function getRun(ctx: ServiceContext, input: { id: string }): Promise<RunDetailDto> {
  const db = wf(ctx.trx);
  const run = await findRun(db, input.id);
  if (!run) throw new NotFoundError('Workflow run', input.id);
  const steps = await listSteps(db, run.id);
  return { ...toRunDto(run), triggerEvent: run.trigger_event, steps: steps.map(toStepDto) };
}

/** Retries a failed run from its failed step (fresh attempts); earlier steps keep their results. */
export async function retryRun(ctx: ServiceContext, input: { id: string }): Promise<RunDetailDto> {
  const db = wf(ctx.trx);
  const run = await lockRun(db, input.id);
  if (!run) throw new NotFoundError('Workflow run', input.id);
  if (run.status !== 'failed') throw new DomainError('PRECONDITION_FAILED', `Only a failed run can be retried; this one is ${run.status}`);
  const steps = await listSteps(db, run.id);
  const failed = steps.find((step) => step.status === 'failed') ?? steps[run.current_step];
  if (!failed) throw new DomainError('PRECONDITION_FAILED', 'The run has no failed step');
  const now = new Date();
  await updateStep(db, run.id, failed.step_index, { status: 'pending', attempts: 0, error: null, finished_at: null, scheduled_for: now });
  await updateRun(db, run.id, { status: 'running', current_step: failed.step_index, error: null, finished_at: null });
  await wakeupScheduler(ctx.trx, { tenantId: ctx.tenant.tenantId, runId: run.id, stepIndex: failed.step_index }, now);
  await writeEvent(
    ctx.trx,
    runRetried,
    { runId: run.id, definitionId: run.definition_id, definitionVersion: run.definition_version, fromStepKey: failed.step_key },
    { ...ctx.eventMeta, aggregateId: run.id },
  );
  return getRun(ctx, { id: run.id });
}

/** Cancels a running run: pending and running steps are cancelled; queued jobs become no-ops. */
export async function cancelRun(ctx: ServiceContext, input: { id: string }): Promise<RunDetailDto> {
  const db = wf(ctx.trx);
  const run = await lockRun(db, input.id);
  if (!run) throw new NotFoundError('Workflow run', input.id);
  if (run.status !== 'running' && run.status !== 'pending') {
    throw new DomainError('PRECONDITION_FAILED', `Only a running run can be cancelled; this one is ${run.status}`);
  }
  await db
    .updateTable('workflow.run_steps')
    .set({ status: 'cancelled', updated_at: new Date() })
    .where('run_id', '=', run.id)
    .where('status', 'in', ['pending', 'running'])
    .execute();
  await updateRun(db, run.id, { status: 'cancelled', finished_at: new Date() });
  await writeEvent(
    ctx.trx,
    runCancelled,
    { runId: run.id, definitionId: run.definition_id, definitionVersion: run.definition_version },
    { ...ctx.eventMeta, aggregateId: run.id },
  );
  return getRun(ctx, { id: run.id });
}

// ----- templates -------------------------------------------------------------------------------

export interface TemplateSummary {
  key: string;
  title: string;
  summary: string;
  triggerEvent: string;
  actions: string[];
  missingActions: string[];
  spec: unknown;
}

export function listTemplates(registry: ActionRegistry): TemplateSummary[] {
  return workflowTemplates.map((template) => {
    const actions = [...new Set(template.spec.steps.map((step) => step.action))];
    return {
      key: template.key,
      title: template.title,
      summary: template.summary,
      triggerEvent: triggerKey(template.spec.trigger),
      actions,
      missingActions: actions.filter((name) => !registry.has(name)),
      spec: template.spec,
    };
  });
}

/**
 * Installs a template as a new definition the tenant can edit. When any of its actions is not
 * registered (or its inputs do not fit the registered actions) it installs disabled and lists what
 * it waits for.
 */
export async function installTemplate(ctx: ServiceContext, registry: ActionRegistry, input: { key: string }): Promise<DefinitionDto & { issues: { path: (string | number)[]; message: string }[] }> {
  const template = findTemplate(input.key);
  if (!template) throw new NotFoundError('Workflow template', input.key);
  const result = validateDefinition(template.spec, registry);
  if (!result.spec) throw new DomainError('BAD_REQUEST', `Template ${template.key} is not a valid definition`, result.issues);
  const spec = result.spec;
  const enabled = result.issues.length === 0;
  const dto = await insertValidated(ctx, spec, { enabled, templateKey: template.key, missingActions: result.missingActions });
  return { ...dto, issues: result.issues };
}
