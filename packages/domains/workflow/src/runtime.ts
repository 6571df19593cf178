// Run creation and step execution. Storage is workflow.runs / workflow.run_steps; the
// transport (pg-boss job or wake-up row) is injected as a StepScheduler.
import {
  contextOfTraceparent,
  createDomainContext,
  sql,
  StillWaiting,
  uuidv7,
  withSpan,
  withTenant,
  type ActionDefinition,
  type AwaitedEvent,
  type ActionRegistry,
  type Database,
  type DomainContext,
  type EventEnvelope,
  type FieldIssue,
  type Logger,
  type Transaction,
  type UntypedDB,
} from '@ubos/platform';
import { z } from 'zod';
import { runCompleted, runFailed, runStarted, SCHEDULE_EVENT_TYPE, type DefinitionSpec, type RetryPolicy, type StepSpec } from './contracts.ts';
import type { WorkflowDB } from './db.ts';
import { evaluateCondition, renderString, renderTemplate, TemplateError } from './interpreter.ts';
import {
  armWait,
  claimStep,
  deleteWait,
  findEnabledDefinition,
  findWait,
  findSpec,
  findTriggeredDefinitions,
  insertRunOnce,
  insertSteps,
  insertWakeup,
  listSteps,
  lockAwaitedEvent,
  lockRun,
  lockStep,
  updateRun,
  updateStep,
  wakeWaitingSteps,
  type RunRow,
  type StepClaim,
  type StepRow,
} from './repository.ts';

export interface StepTarget {
  tenantId: string;
  runId: string;
  stepIndex: number;
}

/** Hands one step to the executor, inside the caller's transaction, to start at `startAfter`. */
export type StepScheduler = (ctx: DomainContext, target: StepTarget, startAfter: Date) => Promise<void>;

/** For callers without pg-boss (subscriptions, API): a wake-up row the engine's relay moves into pg-boss. */
export const wakeupScheduler: StepScheduler = async (ctx, target, startAfter) => {
  await insertWakeup(ctx.db<WorkflowDB>(), { tenantId: target.tenantId, runId: target.runId, stepIndex: target.stepIndex, dueAt: startAfter });
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

// ---------------------------------------------------------------------------------------------
// Starting runs
// ---------------------------------------------------------------------------------------------

/**
 * The DomainContext of work caused by `event` in `trx` (what the event runner gives a handler):
 * its events carry the event's correlation id, and the event as their cause.
 */
export function eventContext(trx: Transaction<UntypedDB>, event: EventEnvelope, log: Logger): DomainContext {
  return createDomainContext({ trx, tenantId: event.tenant_id, actorId: event.actor_id, correlationId: event.correlation_id, causationId: event.id, log });
}

/**
 * Wakes the steps of this tenant waiting for this event (README "Waiting for an event"): each goes
 * back to 'pending' with a wake-up, and runs its action again, which now finds what it waited for.
 */
export async function resumeWaitingSteps(ctx: DomainContext, event: EventEnvelope, scheduler: StepScheduler = wakeupScheduler): Promise<number> {
  if (event.type.startsWith('workflow.')) return 0;
  const woken = await wakeWaitingSteps(ctx.db<WorkflowDB>(), { tenantId: event.tenant_id, type: event.type, id: event.id, payload: event.payload });
  for (const step of woken) await scheduler(ctx, { tenantId: event.tenant_id, runId: step.runId, stepIndex: step.stepIndex }, new Date());
  return woken.length;
}

/**
 * Creates one run per enabled definition whose trigger matches the event, at most once per
 * (definition, event id): the unique constraint makes redelivery a no-op. Runs in the caller's
 * tenant transaction, whose context is the event's (see eventContext); the first step is handed
 * over with `scheduler`.
 */
export async function startRunsForEvent(ctx: DomainContext, event: EventEnvelope, scheduler: StepScheduler = wakeupScheduler): Promise<string[]> {
  // Workflow's own events never trigger workflows: no loops.
  if (event.type.startsWith('workflow.')) return [];
  const definitions = await findTriggeredDefinitions(ctx.db<WorkflowDB>(), event.type);
  const created: string[] = [];
  for (const definition of definitions) {
    const runId = await startRun(ctx, definition, event, scheduler);
    if (runId) created.push(runId);
  }
  return created;
}

/**
 * Starts one run of `definition` for `event` if its conditions match and it has none for this
 * event id yet. Returns the run id, or null.
 */
export async function startRun(
  ctx: DomainContext,
  definition: { id: string; version: number; spec: DefinitionSpec },
  event: EventEnvelope,
  scheduler: StepScheduler,
): Promise<string | null> {
  const db = ctx.db<WorkflowDB>();
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
  await scheduler(ctx, { tenantId: event.tenant_id, runId, stepIndex: 0 }, startAfter);
  await ctx.emit(
    runStarted,
    { run_id: runId, definition_id: definition.id, definition_version: definition.version, trigger_event_id: event.id, trigger_event_type: event.type },
    { aggregateId: runId },
  );
  return runId;
}

/**
 * The synthetic trigger event of a cron occurrence (it is a run's trigger, never an outbox event):
 * its id is the occurrence's id (the pg-boss job id), so a redelivered occurrence starts no second
 * run. Version 2, snake_case like every event payload (version 1 had definitionId / firedAt).
 */
export function scheduleEvent(occurrence: { tenantId: string; occurrenceId: string; firedAt: Date }, definition: { id: string; cron: string }): EventEnvelope {
  return {
    id: occurrence.occurrenceId,
    tenant_id: occurrence.tenantId,
    type: SCHEDULE_EVENT_TYPE,
    version: 2,
    payload: { definition_id: definition.id, fired_at: occurrence.firedAt.toISOString(), cron: definition.cron },
    actor_id: null,
    aggregate_type: 'workflow.definition',
    aggregate_id: definition.id,
    occurred_at: occurrence.firedAt.toISOString(),
    correlation_id: occurrence.occurrenceId,
    causation_id: null,
  };
}

/**
 * Starts the run of a cron occurrence of a scheduled definition. `ctx` is the context of the
 * occurrence's event (see the engine's fireSchedule): correlation and cause = the occurrence id.
 */
export async function startScheduledRun(
  ctx: DomainContext,
  occurrence: { tenantId: string; definitionId: string; occurrenceId: string; firedAt: Date },
  scheduler: StepScheduler,
): Promise<string | null> {
  const definition = await findEnabledDefinition(ctx.db<WorkflowDB>(), occurrence.definitionId);
  if (!definition?.spec.trigger.schedule) return null;
  const event = scheduleEvent(occurrence, { id: definition.id, cron: definition.spec.trigger.schedule.cron });
  return startRun(ctx, definition, event, scheduler);
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

function zodIssues(error: { issues: readonly { path: readonly PropertyKey[]; message: string; code?: string }[] }): FieldIssue[] {
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

export type StepOutcome = 'done' | 'stale' | 'retry' | 'failed' | 'waiting';

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

  async #spec(ctx: DomainContext, definitionId: string, version: number): Promise<DefinitionSpec> {
    const key = `${definitionId}:${version}`;
    const cached = this.#specs.get(key);
    if (cached) return cached;
    const spec = await findSpec(ctx.db<WorkflowDB>(), definitionId, version);
    if (!spec) throw new StepFailure(`definition ${definitionId} v${version} is missing`, { permanent: true });
    if (this.#specs.size > 1000) this.#specs.clear();
    this.#specs.set(key, spec);
    return spec;
  }

  /**
   * One tenant transaction of the step, as a DomainContext: system work (no actor), correlated
   * with the run's trigger event and caused by it, like every event the run emits.
   */
  #inTenant<T>(target: StepTarget, claim: Pick<StepClaim, 'triggerEventId' | 'correlationId'> | null, fn: (ctx: DomainContext) => Promise<T>): Promise<T> {
    return withTenant<UntypedDB, T>(this.#deps.db, { tenantId: target.tenantId }, (trx) =>
      fn(
        createDomainContext({
          trx,
          tenantId: target.tenantId,
          actorId: null,
          correlationId: claim?.correlationId ?? uuidv7(),
          causationId: claim?.triggerEventId ?? null,
          log: this.#deps.log,
        }),
      ),
    );
  }

  async run(target: StepTarget): Promise<StepOutcome> {
    // 1. Claim: mark the step running and count the attempt (visible even if the process dies).
    // One statement; the execution below re-checks everything under row locks.
    const claim = await this.#inTenant(target, null, (ctx) => claimStep(ctx.db<WorkflowDB>(), target.runId, target.stepIndex, new Date()));
    if (claim === null) return 'stale';
    // The step continues the trace of the event that started its run (ARCHITECTURE.md §5, tracing).
    return withSpan(
      'workflow.step',
      { 'ubos.workflow.run_id': target.runId, 'ubos.workflow.step_index': target.stepIndex, 'ubos.workflow.attempt': claim.attempt },
      async () => {
        // 2. Execute the action and advance, in one transaction.
        try {
          return await this.#inTenant(target, claim, (ctx) => this.#execute(ctx, target, claim.attempt));
        } catch (error) {
          // 3. The execution rolled back: record the failure, retry or fail the run.
          return this.#inTenant(target, claim, (ctx) => this.#fail(ctx, target, claim.attempt, error));
        }
      },
      contextOfTraceparent(claim.traceparent),
    );
  }

  async #execute(ctx: DomainContext, target: StepTarget, attempt: number): Promise<StepOutcome> {
    const d = ctx.db<WorkflowDB>();
    const run = await lockRun(d, target.runId);
    if (!run || run.status !== 'running' || run.current_step !== target.stepIndex) return 'stale';
    const step = await lockStep(d, target.runId, target.stepIndex);
    if (!step || step.status !== 'running' || step.attempts !== attempt) return 'stale';
    const spec = await this.#spec(ctx, run.definition_id, run.definition_version);
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
      // The kit validates the input again inside action.run; checking it here first is what makes a
      // bad input a permanent failure of the step, with its issues by path.
      const parsed = action.input.safeParse(rendered);
      if (!parsed.success) {
        throw new StepFailure(`input does not satisfy ${action.name}`, { permanent: true, issues: zodIssues(parsed.error), input: rendered });
      }
      // The action runs in this transaction, which also marks the step succeeded: a committed action
      // is a succeeded step, so it is never run again. Its idempotency key makes a re-run after a
      // rolled-back attempt (or an action's own external side effects) safe.
      const idempotencyKey = `${target.runId}:${stepSpec.key}`;
      // An action that may wait (README "Waiting for an event"): checked under the event type's lock,
      // inside a savepoint, so a "not yet" leaves nothing behind and no event slips past the park.
      const awaited = action.awaits ? action.awaits(parsed.data) : null;
      if (awaited) {
        await lockAwaitedEvent(d, target.tenantId, awaited.event);
        await sql`SAVEPOINT workflow_step_wait`.execute(d);
      }
      let output: unknown;
      try {
        output = await action.run(rendered, { ...ctx, idempotencyKey });
      } catch (error) {
        if (awaited && error instanceof StillWaiting) {
          await sql`ROLLBACK TO SAVEPOINT workflow_step_wait`.execute(d);
          return this.#park(ctx, target, rendered, awaited, error.message);
        }
        // The input passed above, so a schema failure from the kit is its check of the output
        // (actions do not parse themselves): permanent, like any other contract violation.
        if (error instanceof z.ZodError) {
          throw new StepFailure(`output of ${action.name} does not match its schema`, { permanent: true, issues: zodIssues(error), input: rendered });
        }
        throw error;
      }
      if (awaited) await deleteWait(d, target.runId, target.stepIndex);
      result = { status: 'succeeded', input: rendered, output: JSON.parse(JSON.stringify(output ?? null)) as unknown };
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
    await this.#advance(ctx, run, spec, target, context);
    return 'done';
  }

  /**
   * Parks a step whose action is still waiting: its wait is armed (the first park fixes the
   * deadline and schedules the timeout's job), the step is 'waiting' with its attempts reset (a
   * wait is not a failure). Past the deadline the step fails for good instead.
   */
  async #park(ctx: DomainContext, target: StepTarget, input: unknown, awaited: AwaitedEvent, reason: string): Promise<StepOutcome> {
    const d = ctx.db<WorkflowDB>();
    const existing = await findWait(d, target.runId, target.stepIndex);
    const now = new Date();
    if (existing && existing.expires_at.getTime() <= now.getTime()) {
      throw new StepFailure(`Gave up waiting for ${awaited.event} after ${awaited.timeoutSeconds} seconds: ${reason}`, { permanent: true, input });
    }
    const expiresAt = existing?.expires_at ?? new Date(now.getTime() + awaited.timeoutSeconds * 1000);
    await armWait(d, {
      tenantId: target.tenantId,
      runId: target.runId,
      stepIndex: target.stepIndex,
      eventType: awaited.event,
      match: awaited.match,
      expiresAt,
    });
    await updateStep(d, target.runId, target.stepIndex, {
      status: 'waiting',
      attempts: 0,
      input: JSON.stringify(input ?? null),
      output: JSON.stringify({ waitingFor: awaited.event, match: awaited.match, until: expiresAt.toISOString(), reason }),
      scheduled_for: expiresAt,
    });
    // The deadline: a job then runs the step once more, which fails it if still waiting.
    if (!existing) await this.#deps.schedule(ctx, target, expiresAt);
    return 'waiting';
  }

  async #advance(ctx: DomainContext, run: RunRow, spec: DefinitionSpec, target: StepTarget, context: RunContext): Promise<void> {
    const d = ctx.db<WorkflowDB>();
    const next = target.stepIndex + 1;
    if (next < spec.steps.length) {
      const startAfter = stepStartTime(spec.steps[next], context);
      await updateRun(d, run.id, { current_step: next });
      await updateStep(d, run.id, next, { scheduled_for: startAfter });
      await this.#deps.schedule(ctx, { tenantId: target.tenantId, runId: run.id, stepIndex: next }, startAfter);
      return;
    }
    await updateRun(d, run.id, { status: 'succeeded', finished_at: new Date() });
    await ctx.emit(
      runCompleted,
      { run_id: run.id, definition_id: run.definition_id, definition_version: run.definition_version, steps: spec.steps.length },
      { aggregateId: run.id },
    );
  }

  async #fail(ctx: DomainContext, target: StepTarget, attempt: number, error: unknown): Promise<StepOutcome> {
    const d = ctx.db<WorkflowDB>();
    const run = await lockRun(d, target.runId);
    if (!run || run.status !== 'running') return 'stale';
    const step = await lockStep(d, target.runId, target.stepIndex);
    if (!step || step.status !== 'running' || step.attempts !== attempt) return 'stale';
    const spec = await this.#spec(ctx, run.definition_id, run.definition_version);
    const stepSpec = spec.steps[target.stepIndex];
    const policy = resolveRetryPolicy(stepSpec, spec);
    const stored = describeError(error, attempt);
    const input = error instanceof StepFailure && error.input !== undefined ? JSON.stringify(error.input) : undefined;
    this.#deps.log.warn({ runId: run.id, step: step.step_key, attempt, error: stored.message }, 'workflow step failed');

    if (!stored.permanent && attempt < policy.maxAttempts) {
      const startAfter = new Date(Date.now() + backoffMs(policy, attempt));
      await updateStep(d, run.id, target.stepIndex, {
        status: 'pending',
        error: JSON.stringify(stored),
        scheduled_for: startAfter,
        ...(input ? { input } : {}),
      });
      await this.#deps.schedule(ctx, target, startAfter);
      return 'retry';
    }
    await updateStep(d, run.id, target.stepIndex, { status: 'failed', error: JSON.stringify(stored), finished_at: new Date(), ...(input ? { input } : {}) });
    const compensated = spec.compensateOnFailure ? await this.#compensate(ctx, run, target.stepIndex) : false;
    await updateRun(d, run.id, {
      status: compensated ? 'compensated' : 'failed',
      error: JSON.stringify({ stepKey: step.step_key, ...stored }),
      finished_at: new Date(),
    });
    await ctx.emit(
      runFailed,
      {
        run_id: run.id,
        definition_id: run.definition_id,
        definition_version: run.definition_version,
        step_key: step.step_key,
        error: stored.message,
        compensated,
      },
      { aggregateId: run.id },
    );
    return 'failed';
  }

  /** Calls `compensate` of completed steps in reverse order; each in a savepoint so one failure does not undo the others. */
  async #compensate(ctx: DomainContext, run: RunRow, failedIndex: number): Promise<boolean> {
    const d = ctx.db<WorkflowDB>();
    const steps = (await listSteps(d, run.id)).filter((row) => row.step_index < failedIndex && row.status === 'succeeded').reverse();
    let any = false;
    for (const step of steps) {
      const action = this.#deps.registry.get(step.action);
      if (!action?.compensate) continue;
      await sql`SAVEPOINT workflow_compensate`.execute(d);
      try {
        await action.compensate(step.input, step.output, { ...ctx, idempotencyKey: `${run.id}:${step.step_key}:compensate` });
        await sql`RELEASE SAVEPOINT workflow_compensate`.execute(d);
        await updateStep(d, run.id, step.step_index, { status: 'compensated' });
        any = true;
      } catch (error) {
        await sql`ROLLBACK TO SAVEPOINT workflow_compensate`.execute(d);
        const message = error instanceof Error ? error.message : String(error);
        await updateStep(d, run.id, step.step_index, { error: JSON.stringify({ message: `compensation failed: ${message}`, at: new Date().toISOString() }) });
        this.#deps.log.error({ runId: run.id, step: step.step_key, error: message }, 'workflow compensation failed');
      }
    }
    return any;
  }
}
