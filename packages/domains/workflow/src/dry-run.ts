// Dry run: evaluate a definition against a sample event, with no side effects.
import { DomainError, NotFoundError, type ActionRegistry, type DomainContext } from '@ubos/platform';
import { SCHEDULE_EVENT_TYPE, type DefinitionSpec, type DryRunInput } from './contracts.ts';
import { evaluateCondition, renderTemplate, TemplateError, traceCondition, type ConditionTrace } from './interpreter.ts';
import type { WorkflowDB } from './db.ts';
import { findDefinition, findSpec, type StepRow } from './repository.ts';
import { buildContext, stepStartTime } from './runtime.ts';
import { validateDefinition } from './validation.ts';

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
  let event: Record<string, unknown>;
  let outputs: Record<string, unknown>;
  try {
    event = JSON.parse(JSON.stringify(input.event)) as Record<string, unknown>;
    outputs = JSON.parse(JSON.stringify(input.stepOutputs ?? {})) as Record<string, unknown>;
  } catch {
    throw new DomainError('BAD_REQUEST', 'The sample event is not plain JSON', [{ path: ['event'], message: 'not plain JSON' }]);
  }
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
    const output = Object.hasOwn(outputs, step.key) ? outputs[step.key] : null;
    earlier.push({
      tenant_id: '',
      run_id: fakeRun.id,
      step_index: index,
      step_key: step.key,
      action: step.action,
      status: wouldRun ? 'succeeded' : 'skipped',
      input: rendered,
      output: output ?? null,
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
export async function dryRunDefinition(ctx: DomainContext, registry: ActionRegistry, input: DryRunInput): Promise<DryRunResult> {
  let spec = input.spec;
  if (input.definitionId) {
    const definition = await findDefinition(ctx.db<WorkflowDB>(), input.definitionId);
    if (!definition) throw new NotFoundError('Workflow definition', input.definitionId);
    spec = await findSpec(ctx.db<WorkflowDB>(), definition.id, definition.current_version);
  }
  if (spec === undefined) throw new DomainError('BAD_REQUEST', 'Give a definitionId or a spec', [{ path: ['spec'], message: 'Required' }]);
  return dryRun(registry, { spec, event: input.event, stepOutputs: input.stepOutputs });
}

/** Whether an event would start a run of this definition: used by tests and the dry run. */
export function triggerMatches(spec: DefinitionSpec, event: { type: string }): boolean {
  return (spec.trigger.event ?? SCHEDULE_EVENT_TYPE) === event.type && evaluateCondition(spec.trigger.conditions, { event });
}
