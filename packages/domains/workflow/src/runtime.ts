// Run creation and step execution. Storage is workflow.runs / workflow.run_steps; the
// transport (pg-boss job or wake-up row) is injected as a StepScheduler.
import {
  sql,
  uuidv7,
  withTenant,
  writeEvent,
  type ActionDefinition,
  type Database,
  type EventEnvelope,
  type EventMeta,
  type FieldIssue,
  type Logger,
  type Transaction,
  type UntypedDB,
} from '@ubos/platform';
import type { Kysely } from 'kysely';
import { runCompleted, runFailed, runStarted, SCHEDULE_EVENT_TYPE, type DefinitionSpec, type RetryPolicy, type StepSpec } from './contracts.ts';
import type { WorkflowDB } from './db.ts';
import { evaluateCondition, renderString, renderTemplate, TemplateError } from './interpreter.ts';
import type { ActionRegistry } from './registry.ts';
import {
  claimStep,
  findEnabledDefinition,
  findSpec,
  findTriggeredDefinitions,
  insertRunOnce,
  insertSteps,
  insertWakeup,
  listSteps,
  lockRun,
  lockStep,
  updateRun,
  updateStep,
  wf,
  type RunRow,
  type StepRow,
} from './repository.ts';

export interface StepTarget {
  tenantId: string;
  runId: string;
  stepIndex: number;
}

/** Hands one step to the executor, inside the caller's transaction, to start at `startAfter`. */
export type StepScheduler = (trx: Transaction<UntypedDB>, target: StepTarget, startAfter: Date) => Promise<void>;

/** For callers without pg-boss (subscriptions, API): a wake-up row the engine's dispatcher moves into pg-boss. */
export const wakeupScheduler: StepScheduler = async (trx, target, startAfter) => {
  await insertWakeup(wf(trx), { tenantId: target.tenantId, runId: target.runId, stepIndex: target.stepIndex, dueAt: startAfter });
};

export const defaultRetryPolicy: Required<RetryPolicy> = { maxAttempts: 3, backoff: 'exponential', delayMs: 1000, maxDelayMs: 300_000 };

export function resolveRetryPolicy(step: StepSpec | undefined, spec: DefinitionSpec): Required<RetryPolicy> {
  return { ...defaultRetryPolicy, ...spec.retry, ...step?.retry };
}

/** Delay before attempt `attempt + 1`, after `attempt` failed (1-based), with ±20 % jitter when exponential. */
export function backoffMs(policy: Required<RetryPolicy>, attempt: number): number {
  if (policy.backoff === 'fixed') return Math.min(policy.delayMs, policy.maxDelayMs);
  const base = policy.delayMs * 2 ** Math.min(20, attempt - 1);
  const jitter = 0.8 + Math.random() * 0.4;
  return Math.min(policy.maxDelayMs, Math.round(base * jitter));
}

/** The data templates and conditions see. Plain JSON objects only. */
export interface RunContext {
  event: unknown;
  run: { id: string };
  steps: Record<string, { status: string; input: unknown; output: unknown }>;
}

export function buildContext(run: Pick<RunRow, 'id' | 'trigger_event'>, steps: readonly StepRow[]): RunContext {
  const byKey: RunContext['steps'] = {};
  for (const step of steps) {
    Object.defineProperty(byKey, step.step_key, {
      value: { status: step.status, input: step.input ?? null, output: step.output ?? null },
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return { event: run.trigger_event, run: { id: run.id }, steps: byKey };
}

function delayTarget(delay: { seconds?: unknown; until?: unknown; offsetSeconds?: unknown }, context: RunContext, now: number): number | null {
  if (typeof delay.seconds === 'number' && Number.isFinite(delay.seconds)) return now + delay.seconds * 1000;
  if (delay.until !== undefined) {
    const until = typeof delay.until === 'string' ? renderString(delay.until, context) : delay.until;
    const parsed = typeof until === 'string' ? Date.parse(until) : Number.NaN;
    if (Number.isNaN(parsed)) return null;
    const offset = typeof delay.offsetSeconds === 'number' ? delay.offsetSeconds * 1000 : 0;
    return parsed + offset;
  }
  return null;
}

/** When a step may start: its `delay` and, for `core.wait`, its own input. Invalid dates mean no delay. */
export function stepStartTime(step: StepSpec | undefined, context: RunContext, now = Date.now()): Date {
  let at = now;
  if (!step) return new Date(at);
  try {
    if (step.delay) at = Math.max(at, delayTarget(step.delay, context, now) ?? now);
    if (step.action === 'core.wait') {
      const input = renderTemplate(step.input, context);
      if (input !== null && typeof input === 'object' && !Array.isArray(input)) at = Math.max(at, delayTarget(input, context, now) ?? now);
    }
  } catch {
    // A bad template in a delay fails the step when it runs (its input is rendered again there).
  }
  return new Date(at);
}

function runEventMeta(run: Pick<RunRow, 'tenant_id' | 'trigger_event'>): EventMeta {
  const event = run.trigger_event as Partial<EventEnvelope> | null;
  return {
    tenantId: run.tenant_id,
    actorId: null,
    correlationId: typeof event?.correlation_id === 'string' ? event.correlation_id : uuidv7(),
    causationId: typeof event?.id === 'string' ? event.id : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Starting runs
// ---------------------------------------------------------------------------------------------

/**
 * Creates one run per enabled definition whose trigger matches the event, at most once per
 * (definition, event id): the unique constraint makes redelivery a no-op. Runs in the caller's
 * tenant transaction; the first step is handed over with `scheduler`.
 */
export async function startRunsForEvent(
  trx: Transaction<UntypedDB>,
  event: EventEnvelope,
  scheduler: StepScheduler = wakeupScheduler,
): Promise<string[]> {
  // Workflow's own events never trigger workflows: no loops.
  if (event.type.startsWith('workflow.')) return [];
  const definitions = await findTriggeredDefinitions(wf(trx), event.type);
  const created: string[] = [];
  for (const definition of definitions) {
    const runId = await startRun(trx, definition, event, scheduler);
    if (runId) created.push(runId);
  }
  return created;
}

/**
 * Starts one run of `definition` for `event` if its conditions match and it has none for this
 * event id yet. Returns the run id, or null.
 */
export async function startRun(
  trx: Transaction<UntypedDB>,
  definition: { id: string; version: number; spec: DefinitionSpec },
  event: EventEnvelope,
  scheduler: StepScheduler,
): Promise<string | null> {
  const db = wf(trx);
  const spec = definition.spec;
  if (!evaluateCondition(spec.trigger.conditions, { event })) return null;
  const runId = uuidv7();
  const inserted = await insertRunOnce(db, {
    id: runId,
    tenantId: event.tenant_id,
    definitionId: definition.id,
    version: definition.version,
    event: { id: event.id, type: event.type },
    eventJson: JSON.stringify(event),
  });
  if (!inserted) return null;
  const startAfter = stepStartTime(spec.steps[0], { event, run: { id: runId }, steps: {} });
  await insertSteps(db, event.tenant_id, runId, spec.steps, startAfter);
  await scheduler(trx, { tenantId: event.tenant_id, runId, stepIndex: 0 }, startAfter);
  await writeEvent(
    trx,
    runStarted,
    { runId, definitionId: definition.id, definitionVersion: definition.version, triggerEventId: event.id, triggerEventType: event.type },
    { tenantId: event.tenant_id, actorId: event.actor_id, correlationId: event.correlation_id, causationId: event.id, aggregateId: runId },
  );
  return runId;
}

/**
 * A cron occurrence of a scheduled definition: a synthetic `workflow.schedule.fired` event whose id
 * is the occurrence's id (the pg-boss job id), so a redelivered occurrence starts no second run.
 */
export async function startScheduledRun(
  trx: Transaction<UntypedDB>,
  occurrence: { tenantId: string; definitionId: string; occurrenceId: string; firedAt: Date },
  scheduler: StepScheduler,
): Promise<string | null> {
  const definition = await findEnabledDefinition(wf(trx), occurrence.definitionId);
  if (!definition?.spec.trigger.schedule) return null;
  const event: EventEnvelope = {
    id: occurrence.occurrenceId,
    tenant_id: occurrence.tenantId,
    type: SCHEDULE_EVENT_TYPE,
    version: 1,
    payload: { definitionId: definition.id, firedAt: occurrence.firedAt.toISOString(), cron: definition.spec.trigger.schedule.cron },
    actor_id: null,
    aggregate_type: 'workflow_definition',
    aggregate_id: definition.id,
    occurred_at: occurrence.firedAt.toISOString(),
    correlation_id: occurrence.occurrenceId,
    causation_id: null,
  };
  return startRun(trx, definition, event, scheduler);
}

// ---------------------------------------------------------------------------------------------
// Executing steps
// ---------------------------------------------------------------------------------------------

export class StepFailure extends Error {
  readonly permanent: boolean;
  readonly issues: FieldIssue[] | undefined;
  readonly input: unknown;
  constructor(message: string, options: { permanent: boolean; issues?: FieldIssue[]; input?: unknown }) {
    super(message);
    this.name = 'StepFailure';
    this.permanent = options.permanent;
    this.issues = options.issues;
    this.input = options.input;
  }
}

function zodIssues(error: { issues: { path: PropertyKey[]; message: string; code?: string }[] }): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment))),
    message: issue.message,
    ...(issue.code ? { code: issue.code } : {}),
  }));
}

export interface StoredError {
  message: string;
  attempt: number;
  permanent: boolean;
  issues?: FieldIssue[];
  at: string;
}

function describeError(error: unknown, attempt: number): StoredError {
  const at = new Date().toISOString();
  if (error instanceof StepFailure) {
    return { message: error.message, attempt, permanent: error.permanent, ...(error.issues ? { issues: error.issues } : {}), at };
  }
  if (error instanceof TemplateError) return { message: error.message, attempt, permanent: true, at };
  const message = error instanceof Error ? error.message : String(error);
  return { message: message.slice(0, 2000), attempt, permanent: false, at };
}

export type StepOutcome = 'done' | 'stale' | 'retry' | 'failed';

export interface StepRunnerDeps {
  db: Database;
  registry: ActionRegistry;
  log: Logger;
  schedule: StepScheduler;
}

/** Executes one step of one run: claim, run the action in a tenant transaction, advance or fail. */
export class StepRunner {
  readonly #deps: StepRunnerDeps;
  readonly #specs = new Map<string, DefinitionSpec>();

  constructor(deps: StepRunnerDeps) {
    this.#deps = deps;
  }

  async #spec(db: Kysely<WorkflowDB>, definitionId: string, version: number): Promise<DefinitionSpec> {
    const key = `${definitionId}:${version}`;
    const cached = this.#specs.get(key);
    if (cached) return cached;
    const spec = await findSpec(db, definitionId, version);
    if (!spec) throw new StepFailure(`definition ${definitionId} v${version} is missing`, { permanent: true });
    if (this.#specs.size > 1000) this.#specs.clear();
    this.#specs.set(key, spec);
    return spec;
  }

  async run(target: StepTarget): Promise<StepOutcome> {
    const { db } = this.#deps;
    const scope = { tenantId: target.tenantId };
    // 1. Claim: mark the step running and count the attempt (visible even if the process dies).
    // One statement; the execution below re-checks everything under row locks.
    const attempt = await withTenant(db, scope, (trx) => claimStep(wf(trx), target.runId, target.stepIndex, new Date()));
    if (attempt === null) return 'stale';
    // 2. Execute the action and advance, in one transaction.
    try {
      return await withTenant(db, scope, (trx) => this.#execute(trx, target, attempt));
    } catch (error) {
      // 3. The execution rolled back: record the failure, retry or fail the run.
      return withTenant(db, scope, (trx) => this.#fail(trx, target, attempt, error));
    }
  }

  async #execute(trx: Transaction<UntypedDB>, target: StepTarget, attempt: number): Promise<StepOutcome> {
    const d = wf(trx);
    const run = await lockRun(d, target.runId);
    if (!run || run.status !== 'running' || run.current_step !== target.stepIndex) return 'stale';
    const step = await lockStep(d, target.runId, target.stepIndex);
    if (!step || step.status !== 'running' || step.attempts !== attempt) return 'stale';
    const spec = await this.#spec(d, run.definition_id, run.definition_version);
    const stepSpec = spec.steps[target.stepIndex];
    if (!stepSpec) throw new StepFailure(`step ${target.stepIndex} is not in the definition`, { permanent: true });
    const earlier = target.stepIndex > 0 ? (await listSteps(d, target.runId)).filter((row) => row.step_index < target.stepIndex) : [];
    const context = buildContext(run, earlier);
    let result: { status: 'succeeded' | 'skipped'; input: unknown; output: unknown };

    if (stepSpec.if && !evaluateCondition(stepSpec.if, context)) {
      result = { status: 'skipped', input: null, output: null };
    } else {
      const action: ActionDefinition | undefined = this.#deps.registry.get(stepSpec.action);
      if (!action) throw new StepFailure(`action "${stepSpec.action}" is not registered`, { permanent: true });
      const rendered = renderTemplate(stepSpec.input, context);
      const parsed = action.input.safeParse(rendered);
      if (!parsed.success) {
        throw new StepFailure(`input does not satisfy ${action.name}`, { permanent: true, issues: zodIssues(parsed.error), input: rendered });
      }
      // The action runs in this transaction, which also marks the step succeeded: a committed action
      // is a succeeded step, so it is never run again. Its idempotency key makes a re-run after a
      // rolled-back attempt (or an action's own external side effects) safe.
      const idempotencyKey = `${target.runId}:${stepSpec.key}`;
      const raw = await action.run(parsed.data, {
        trx,
        log: this.#deps.log,
        tenantId: target.tenantId,
        actorId: null,
        idempotencyKey,
        eventMeta: runEventMeta(run),
      });
      const checked = action.output.safeParse(raw);
      if (!checked.success) {
        throw new StepFailure(`output of ${action.name} does not match its schema`, { permanent: true, issues: zodIssues(checked.error), input: rendered });
      }
      result = { status: 'succeeded', input: rendered, output: JSON.parse(JSON.stringify(checked.data ?? null)) as unknown };
    }
    await updateStep(d, target.runId, target.stepIndex, {
      status: result.status,
      input: JSON.stringify(result.input ?? null),
      output: JSON.stringify(result.output ?? null),
      error: null,
      finished_at: new Date(),
    });
    Object.defineProperty(context.steps, stepSpec.key, {
      value: { status: result.status, input: result.input ?? null, output: result.output ?? null },
      enumerable: true,
      writable: true,
      configurable: true,
    });
    await this.#advance(trx, run, spec, target, context);
    return 'done';
  }

  async #advance(trx: Transaction<UntypedDB>, run: RunRow, spec: DefinitionSpec, target: StepTarget, context: RunContext): Promise<void> {
    const d = wf(trx);
    const next = target.stepIndex + 1;
    if (next < spec.steps.length) {
      const startAfter = stepStartTime(spec.steps[next], context);
      await updateRun(d, run.id, { current_step: next });
      await updateStep(d, run.id, next, { scheduled_for: startAfter });
      await this.#deps.schedule(trx, { tenantId: target.tenantId, runId: run.id, stepIndex: next }, startAfter);
      return;
    }
    await updateRun(d, run.id, { status: 'succeeded', finished_at: new Date() });
    await writeEvent(
      trx,
      runCompleted,
      { runId: run.id, definitionId: run.definition_id, definitionVersion: run.definition_version, steps: spec.steps.length },
      { ...runEventMeta(run), aggregateId: run.id },
    );
  }

  async #fail(trx: Transaction<UntypedDB>, target: StepTarget, attempt: number, error: unknown): Promise<StepOutcome> {
    const d = wf(trx);
    const run = await lockRun(d, target.runId);
    if (!run || run.status !== 'running') return 'stale';
    const step = await lockStep(d, target.runId, target.stepIndex);
    if (!step || step.status !== 'running' || step.attempts !== attempt) return 'stale';
    const spec = await this.#spec(d, run.definition_id, run.definition_version);
    const stepSpec = spec.steps[target.stepIndex];
    const policy = resolveRetryPolicy(stepSpec, spec);
    const stored = describeError(error, attempt);
    const input = error instanceof StepFailure && error.input !== undefined ? JSON.stringify(error.input) : undefined;
    this.#deps.log.warn({ runId: run.id, step: step.step_key, attempt, error: stored.message }, 'workflow step failed');

    if (!stored.permanent && attempt < policy.maxAttempts) {
      const startAfter = new Date(Date.now() + backoffMs(policy, attempt));
      await updateStep(d, run.id, target.stepIndex, { status: 'pending', error: JSON.stringify(stored), scheduled_for: startAfter, ...(input ? { input } : {}) });
      await this.#deps.schedule(trx, target, startAfter);
      return 'retry';
    }
    await updateStep(d, run.id, target.stepIndex, { status: 'failed', error: JSON.stringify(stored), finished_at: new Date(), ...(input ? { input } : {}) });
    const compensated = spec.compensateOnFailure ? await this.#compensate(trx, run, target.stepIndex) : false;
    await updateRun(d, run.id, {
      status: compensated ? 'compensated' : 'failed',
      error: JSON.stringify({ stepKey: step.step_key, ...stored }),
      finished_at: new Date(),
    });
    await writeEvent(
      trx,
      runFailed,
      { runId: run.id, definitionId: run.definition_id, definitionVersion: run.definition_version, stepKey: step.step_key, error: stored.message, compensated },
      { ...runEventMeta(run), aggregateId: run.id },
    );
    return 'failed';
  }

  /** Calls `compensate` of completed steps in reverse order; each in a savepoint so one failure does not undo the others. */
  async #compensate(trx: Transaction<UntypedDB>, run: RunRow, failedIndex: number): Promise<boolean> {
    const d = wf(trx);
    const steps = (await listSteps(d, run.id)).filter((row) => row.step_index < failedIndex && row.status === 'succeeded').reverse();
    let any = false;
    for (const step of steps) {
      const action = this.#deps.registry.get(step.action);
      if (!action?.compensate) continue;
      await sql`SAVEPOINT workflow_compensate`.execute(trx);
      try {
        await action.compensate(step.input, step.output, {
          trx,
          log: this.#deps.log,
          tenantId: run.tenant_id,
          actorId: null,
          idempotencyKey: `${run.id}:${step.step_key}:compensate`,
          eventMeta: runEventMeta(run),
        });
        await sql`RELEASE SAVEPOINT workflow_compensate`.execute(trx);
        await updateStep(d, run.id, step.step_index, { status: 'compensated' });
        any = true;
      } catch (error) {
        await sql`ROLLBACK TO SAVEPOINT workflow_compensate`.execute(trx);
        const message = error instanceof Error ? error.message : String(error);
        await updateStep(d, run.id, step.step_index, { error: JSON.stringify({ message: `compensation failed: ${message}`, at: new Date().toISOString() }) });
        this.#deps.log.error({ runId: run.id, step: step.step_key, error: message }, 'workflow compensation failed');
      }
    }
    return any;
  }
}
