// Validates a definition on save: shape, step keys, action names, template references and
// each step's literal input against the action's zod schema. Returns every problem at once.
import { DomainError, type ActionRegistry, type FieldIssue } from '@ubos/platform';
import { definitionSpecSchema, type Comparison, type Condition, type DefinitionSpec } from './contracts.ts';
import { conditionPaths, expressionsOf, forbiddenSegment, isTemplate, LIMITS, parsePath, resolvePath } from './interpreter.ts';

export interface ValidationResult {
  spec: DefinitionSpec | null;
  issues: FieldIssue[];
  /** Actions the definition names that the registry does not know. */
  missingActions: string[];
}

type Path = (string | number)[];

const EVENT_ROOTS = new Set([
  'id',
  'type',
  'version',
  'payload',
  'actor_id',
  'aggregate_type',
  'aggregate_id',
  'occurred_at',
  'correlation_id',
  'causation_id',
  'tenant_id',
]);
const STEP_FIELDS = new Set(['output', 'input', 'status']);
const MAX_SPEC_BYTES = 256 * 1024;

/**
 * Checks one reference (`event.payload.x`, `steps.create_client.output.id`, `run.id`) made by
 * step number `stepIndex` (-1 = the trigger). Returns a message, or null when it is valid.
 */
function checkReference(path: string, stepIndex: number, stepKeys: readonly string[]): string | null {
  const segments = parsePath(path);
  if (!segments) return `"${path.slice(0, 80)}" is not a valid path (dot-separated names)`;
  const forbidden = forbiddenSegment(path);
  if (forbidden) return `"${forbidden}" may not appear in a path`;
  const [root, second, third] = segments;
  if (root === 'event') {
    if (second === undefined) return null;
    if (!EVENT_ROOTS.has(second)) return `event has no field "${second}" (use event.payload.<name>)`;
    return null;
  }
  if (root === 'run') {
    if (stepIndex < 0) return 'trigger conditions can only read the event';
    if (second !== undefined && second !== 'id') return `run has no field "${second}" (only run.id)`;
    return null;
  }
  if (root === 'steps') {
    if (stepIndex < 0) return 'trigger conditions can only read the event';
    if (second === undefined) return 'name a step: steps.<key>.output';
    const target = stepKeys.indexOf(second);
    if (target < 0) return `refers to step "${second}", which does not exist`;
    if (target === stepIndex) return `refers to step "${second}" itself; only earlier steps have results`;
    if (target > stepIndex) return `refers to step "${second}", which runs later`;
    if (third !== undefined && !STEP_FIELDS.has(third)) return `steps.${second} has no field "${third}" (use output, input or status)`;
    return null;
  }
  return `unknown root "${root}" (use event, steps or run)`;
}

function templateIssues(value: unknown, at: Path, stepIndex: number, stepKeys: readonly string[], issues: FieldIssue[], templated: Path[], depth = 0): void {
  if (depth > LIMITS.valueDepth) {
    issues.push({ path: at, message: `nested deeper than ${LIMITS.valueDepth}`, code: 'too_deep' });
    return;
  }
  if (typeof value === 'string') {
    if (!isTemplate(value)) return;
    templated.push(at);
    if (value.length > LIMITS.templateLength) {
      issues.push({ path: at, message: `template is longer than ${LIMITS.templateLength} characters`, code: 'too_long' });
      return;
    }
    const expressions = expressionsOf(value);
    if (expressions.length === 0) issues.push({ path: at, message: 'unbalanced {{ }}', code: 'invalid_template' });
    for (const expression of expressions) {
      const problem = checkReference(expression.text, stepIndex, stepKeys);
      if (problem) issues.push({ path: at, message: problem, code: 'invalid_reference' });
    }
    return;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) templateIssues(item, [...at, index], stepIndex, stepKeys, issues, templated, depth + 1);
    return;
  }
  if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      if (forbiddenSegment(key)) {
        issues.push({ path: [...at, key], message: `"${key}" is not allowed as a key`, code: 'forbidden_key' });
        continue;
      }
      templateIssues(resolvePath(value, key), [...at, key], stepIndex, stepKeys, issues, templated, depth + 1);
    }
  }
}

/** A comparison whose value cannot fit its operator never matches: say so on save. */
function operandProblem(comparison: Comparison): string | null {
  const { op, value } = comparison;
  switch (op) {
    case 'in':
      return Array.isArray(value) ? null : '"in" needs an array value';
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return typeof value === 'number' || typeof value === 'string' ? null : `"${op}" needs a number or string value`;
    case 'exists':
      return value === undefined || typeof value === 'boolean' ? null : '"exists" takes no value, or true / false';
    case 'eq':
    case 'ne':
    case 'contains':
      return value === undefined ? `"${op}" needs a value` : null;
    default:
      return null;
  }
}

function comparisons(condition: Condition, at: Path): { comparison: Comparison; at: Path }[] {
  if ('all' in condition) return condition.all.flatMap((child, index) => comparisons(child, [...at, 'all', index]));
  if ('any' in condition) return condition.any.flatMap((child, index) => comparisons(child, [...at, 'any', index]));
  if ('not' in condition) return comparisons(condition.not, [...at, 'not']);
  return [{ comparison: condition, at }];
}

function conditionIssues(condition: Condition | undefined, at: Path, stepIndex: number, stepKeys: readonly string[], issues: FieldIssue[]): void {
  if (!condition) return;
  for (const { path, at: where } of conditionPaths(condition)) {
    const problem = checkReference(path, stepIndex, stepKeys);
    if (problem) issues.push({ path: [...at, ...where], message: problem, code: 'invalid_reference' });
  }
  for (const { comparison, at: where } of comparisons(condition, at)) {
    const problem = operandProblem(comparison);
    if (problem) issues.push({ path: [...where, 'value'], message: problem, code: 'invalid_operand' });
  }
}

/** The input with templated values removed: what can be checked statically. */
function withoutTemplates(value: unknown, depth = 0): unknown {
  if (depth > LIMITS.valueDepth) return null;
  if (typeof value === 'string') return isTemplate(value) ? undefined : value;
  if (Array.isArray(value)) return value.map((item) => withoutTemplates(item, depth + 1) ?? null);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      if (forbiddenSegment(key)) continue;
      const child = withoutTemplates(resolvePath(value, key), depth + 1);
      if (child !== undefined) out[key] = child;
    }
    return out;
  }
  return value;
}

function startsWith(path: readonly PropertyKey[], prefix: readonly PropertyKey[]): boolean {
  return prefix.length <= path.length && prefix.every((segment, index) => String(segment) === String(path[index]));
}

function forbiddenKeyIssues(value: unknown, at: Path = [], depth = 0, issues: FieldIssue[] = []): FieldIssue[] {
  if (depth > LIMITS.valueDepth + 8) {
    issues.push({ path: at, message: 'nested too deeply', code: 'too_deep' });
    return issues;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) forbiddenKeyIssues(item, [...at, index], depth + 1, issues);
  } else if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      if (forbiddenSegment(key)) issues.push({ path: [...at, key], message: `"${key}" is not allowed as a key`, code: 'forbidden_key' });
      else forbiddenKeyIssues(resolvePath(value, key), [...at, key], depth + 1, issues);
    }
  }
  return issues;
}

/** Validates a definition against the registry; never throws. */
export function validateDefinition(raw: unknown, registry: ActionRegistry): ValidationResult {
  // `__proto__` & co. anywhere in the raw document are refused before parsing touches them;
  // this walk is depth-bounded, so it also stops absurd nesting before anything recursive runs.
  const forbiddenKeys = forbiddenKeyIssues(raw);
  if (forbiddenKeys.length > 0) return { spec: null, issues: forbiddenKeys, missingActions: [] };
  const size = JSON.stringify(raw ?? null)?.length ?? 0;
  if (size > MAX_SPEC_BYTES) {
    return { spec: null, issues: [{ path: [], message: `definition is larger than ${MAX_SPEC_BYTES} bytes`, code: 'too_big' }], missingActions: [] };
  }
  const parsed = definitionSpecSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      path: issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment))),
      message: issue.message,
      code: issue.code,
    }));
    return { spec: null, issues, missingActions: [] };
  }
  const spec = parsed.data;
  const issues: FieldIssue[] = [];
  const missingActions: string[] = [];
  const stepKeys = spec.steps.map((step) => step.key);

  conditionIssues(spec.trigger.conditions, ['trigger', 'conditions'], -1, stepKeys, issues);

  spec.steps.forEach((step, index) => {
    const at: Path = ['steps', index];
    const firstIndex = stepKeys.indexOf(step.key);
    if (firstIndex !== index) {
      issues.push({ path: [...at, 'key'], message: `step key "${step.key}" is already used by step ${firstIndex}`, code: 'duplicate_key' });
    }
    if (forbiddenSegment(step.key)) {
      issues.push({ path: [...at, 'key'], message: `"${step.key}" cannot be a step key`, code: 'forbidden_key' });
    }
    conditionIssues(step.if, [...at, 'if'], index, stepKeys, issues);
    if (step.delay?.until !== undefined) {
      const until = step.delay.until;
      if (isTemplate(until)) templateIssues(until, [...at, 'delay', 'until'], index, stepKeys, issues, []);
      else if (Number.isNaN(Date.parse(until))) issues.push({ path: [...at, 'delay', 'until'], message: 'not a date-time', code: 'invalid_date' });
    }

    const templated: Path[] = [];
    templateIssues(step.input, [...at, 'input'], index, stepKeys, issues, templated);

    const action = registry.get(step.action);
    if (!action) {
      if (!missingActions.includes(step.action)) missingActions.push(step.action);
      issues.push({ path: [...at, 'action'], message: `unknown action "${step.action}"`, code: 'unknown_action' });
      return;
    }
    // Static check of the literal part of the input; templated fields are checked at run time.
    const relative = templated.map((path) => path.slice(at.length + 1));
    const probe = action.input.safeParse(withoutTemplates(step.input));
    if (!probe.success) {
      for (const issue of probe.error.issues) {
        const issuePath = issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment)));
        const coveredByTemplate = relative.some(
          (path) => startsWith(issuePath, path) || (issue.code !== 'unrecognized_keys' && startsWith(path, issuePath) && issuePath.length > 0),
        );
        const requiredButTemplated = issue.code === 'invalid_type' && relative.some((path) => startsWith(path, issuePath) && path.length === issuePath.length);
        if (coveredByTemplate || requiredButTemplated) continue;
        issues.push({ path: [...at, 'input', ...issuePath], message: issue.message, code: issue.code });
      }
    }
  });

  return { spec, issues, missingActions };
}

/** Validates and throws BAD_REQUEST listing every problem, as tRPC zod issues. */
export function assertValidDefinition(raw: unknown, registry: ActionRegistry, options: { allowMissingActions?: boolean } = {}): ValidationResult {
  const result = validateDefinition(raw, registry);
  const blocking = options.allowMissingActions ? result.issues.filter((issue) => issue.code !== 'unknown_action') : result.issues;
  if (!result.spec || blocking.length > 0) {
    const summary = blocking
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      .join('; ');
    throw new DomainError('BAD_REQUEST', `Invalid workflow definition (${blocking.length} problem${blocking.length === 1 ? '' : 's'}): ${summary}`, blocking);
  }
  return result;
}
