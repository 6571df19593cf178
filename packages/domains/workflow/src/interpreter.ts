// The safe interpreter: path resolution, `{{ }}` templates and the condition language.
// Pure functions over JSON data. Never eval / new Function; only own-property lookups.
import type { Comparison, Condition, JsonValue } from './contracts.ts';

/** Names that never resolve, whatever the data holds. */
export const FORBIDDEN_SEGMENTS: ReadonlySet<string> = new Set(['__proto__', 'prototype', 'constructor']);

export const LIMITS = {
  pathSegments: 16,
  pathLength: 256,
  templateLength: 10_000,
  renderedLength: 100_000,
  valueDepth: 32,
  valueNodes: 10_000,
  conditionDepth: 12,
  conditionNodes: 200,
} as const;

const SEGMENT = /^[A-Za-z0-9_-]+$/;

export class TemplateError extends Error {
  readonly path: (string | number)[];
  constructor(message: string, path: (string | number)[] = []) {
    super(message);
    this.name = 'TemplateError';
    this.path = path;
  }
}

/** Splits `a.b.0.c` into segments; null when the text is not a valid path. */
export function parsePath(path: string): string[] | null {
  if (path.length === 0 || path.length > LIMITS.pathLength) return null;
  const segments = path.split('.');
  if (segments.length > LIMITS.pathSegments) return null;
  for (const segment of segments) {
    if (!SEGMENT.test(segment)) return null;
  }
  return segments;
}

export function forbiddenSegment(path: string): string | null {
  for (const segment of path.split('.')) if (FORBIDDEN_SEGMENTS.has(segment)) return segment;
  return null;
}

/**
 * Resolves a dotted path against plain data. Only own enumerable data properties of plain
 * objects and in-range array indices resolve; `__proto__`, `prototype`, `constructor`, functions,
 * getters and anything inherited yield undefined.
 */
export function resolvePath(root: unknown, path: string): unknown {
  const segments = parsePath(path);
  if (!segments) return undefined;
  let current: unknown = root;
  for (const segment of segments) {
    if (FORBIDDEN_SEGMENTS.has(segment)) return undefined;
    if (current === null || typeof current !== 'object') return undefined;
    if (Array.isArray(current)) {
      if (!/^(0|[1-9][0-9]{0,8})$/.test(segment)) return undefined;
      const index = Number(segment);
      if (index >= current.length) return undefined;
      current = current[index];
      continue;
    }
    const descriptor = Object.getOwnPropertyDescriptor(current, segment);
    if (!descriptor || !('value' in descriptor) || !descriptor.enumerable) return undefined;
    current = descriptor.value;
  }
  if (typeof current === 'function' || typeof current === 'symbol' || typeof current === 'bigint') return undefined;
  return current;
}

// ---------------------------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------------------------

const EXPRESSION = /\{\{([^{}]*)\}\}/g;
const EXACT = /^\{\{([^{}]*)\}\}$/;

export interface TemplateExpression {
  /** The raw text between the braces, trimmed. */
  text: string;
  /** The parsed path, or null if the text is not a path. */
  segments: string[] | null;
}

export function isTemplate(value: string): boolean {
  return value.includes('{{');
}

/** Every `{{ }}` expression of a string. */
export function expressionsOf(value: string): TemplateExpression[] {
  const found: TemplateExpression[] = [];
  for (const match of value.matchAll(EXPRESSION)) {
    const text = (match[1] ?? '').trim();
    found.push({ text, segments: parsePath(text) });
  }
  return found;
}

function resolveExpression(text: string, context: unknown): unknown {
  const trimmed = text.trim();
  if (forbiddenSegment(trimmed)) return undefined;
  return resolvePath(context, trimmed);
}

function stringify(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? '';
}

/**
 * Renders one string: exactly one `{{ path }}` keeps the value's type (object, number, ...);
 * otherwise each expression is replaced by its text form. Unknown paths render as undefined /
 * empty text; forbidden names never resolve.
 */
export function renderString(value: string, context: unknown, at: (string | number)[] = []): unknown {
  if (!isTemplate(value)) return value;
  if (value.length > LIMITS.templateLength) {
    throw new TemplateError(`template is longer than ${LIMITS.templateLength} characters`, at);
  }
  const exact = EXACT.exec(value);
  if (exact) return cloneJson(resolveExpression(exact[1] ?? '', context), at);
  const rendered = value.replace(EXPRESSION, (_match, text: string) => stringify(resolveExpression(text, context)));
  if (rendered.length > LIMITS.renderedLength) {
    throw new TemplateError(`rendered text is longer than ${LIMITS.renderedLength} characters`, at);
  }
  return rendered;
}

interface Budget {
  nodes: number;
}

/** Deep-copies plain JSON data with depth and size bounds (resolved values are data, never live objects). */
function cloneJson(value: unknown, at: (string | number)[], depth = 0, budget: Budget = { nodes: 0 }): unknown {
  budget.nodes += 1;
  if (budget.nodes > LIMITS.valueNodes) throw new TemplateError(`value has more than ${LIMITS.valueNodes} nodes`, at);
  if (depth > LIMITS.valueDepth) throw new TemplateError(`value is nested deeper than ${LIMITS.valueDepth}`, at);
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (Array.isArray(value)) return value.map((item) => cloneJson(item, at, depth + 1, budget));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_SEGMENTS.has(key)) continue;
      const child = resolvePath(value, key);
      if (child !== undefined)
        Object.defineProperty(out, key, { value: cloneJson(child, at, depth + 1, budget), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return undefined;
}

/**
 * Renders a template value (a step input): strings are rendered, objects and arrays walked.
 * Object properties that render to undefined are omitted. Depth and size are bounded.
 */
export function renderTemplate(template: unknown, context: unknown): unknown {
  const budget: Budget = { nodes: 0 };
  const walk = (value: unknown, at: (string | number)[], depth: number): unknown => {
    budget.nodes += 1;
    if (budget.nodes > LIMITS.valueNodes) throw new TemplateError(`input has more than ${LIMITS.valueNodes} values`, at);
    if (depth > LIMITS.valueDepth) throw new TemplateError(`input is nested deeper than ${LIMITS.valueDepth}`, at);
    if (typeof value === 'string') return renderString(value, context, at);
    if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
    if (Array.isArray(value)) return value.map((item, index) => walk(item, [...at, index], depth + 1) ?? null);
    if (typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) {
        if (FORBIDDEN_SEGMENTS.has(key)) throw new TemplateError(`"${key}" is not allowed as a key`, [...at, key]);
        const rendered = walk(resolvePath(value, key), [...at, key], depth + 1);
        if (rendered !== undefined) {
          Object.defineProperty(out, key, { value: rendered, enumerable: true, writable: true, configurable: true });
        }
      }
      return out;
    }
    return undefined;
  };
  return walk(template, [], 0);
}

// ---------------------------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------------------------

export interface ConditionTrace {
  matched: boolean;
  kind: 'all' | 'any' | 'not' | 'compare';
  path?: string;
  op?: string;
  expected?: unknown;
  actual?: unknown;
  children?: ConditionTrace[];
}

export function jsonEqual(a: unknown, b: unknown, depth = 0): boolean {
  if (depth > LIMITS.valueDepth) return false;
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => jsonEqual(item, b[index], depth + 1));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  if (keys.length !== Object.keys(right).length) return false;
  return keys.every((key) => Object.hasOwn(right, key) && jsonEqual(left[key], right[key], depth + 1));
}

function ordered(actual: unknown, expected: unknown, test: (order: number) => boolean): boolean {
  if (typeof actual === 'number' && typeof expected === 'number') {
    return test(actual < expected ? -1 : actual > expected ? 1 : 0);
  }
  // Strings compare by code point: ISO-8601 dates in the same format order correctly.
  if (typeof actual === 'string' && typeof expected === 'string') {
    return test(actual < expected ? -1 : actual > expected ? 1 : 0);
  }
  return false;
}

/**
 * One comparison. Semantics:
 * - a missing path (undefined) matches nothing except `ne` and `exists: false`;
 * - eq / ne compare JSON values deeply and strictly (1 ≠ "1");
 * - gt / gte / lt / lte need two numbers or two strings, otherwise false;
 * - in: `value` must be an array holding the actual value;
 * - contains: a string containing the value string, or an array holding the value;
 * - exists: the path resolves to something other than null (value false inverts).
 */
export function compare(comparison: Comparison, context: unknown): { matched: boolean; actual: unknown } {
  const actual = forbiddenSegment(comparison.path) ? undefined : resolvePath(context, comparison.path);
  const expected = comparison.value;
  const missing = actual === undefined;
  let matched: boolean;
  switch (comparison.op) {
    case 'exists': {
      const present = actual !== undefined && actual !== null;
      matched = expected === false ? !present : present;
      break;
    }
    case 'eq':
      matched = !missing && jsonEqual(actual, expected);
      break;
    case 'ne':
      matched = missing || !jsonEqual(actual, expected);
      break;
    case 'gt':
      matched = !missing && ordered(actual, expected, (order) => order > 0);
      break;
    case 'gte':
      matched = !missing && ordered(actual, expected, (order) => order >= 0);
      break;
    case 'lt':
      matched = !missing && ordered(actual, expected, (order) => order < 0);
      break;
    case 'lte':
      matched = !missing && ordered(actual, expected, (order) => order <= 0);
      break;
    case 'in':
      matched = !missing && Array.isArray(expected) && expected.some((item) => jsonEqual(actual, item));
      break;
    case 'contains':
      if (typeof actual === 'string' && typeof expected === 'string') matched = actual.includes(expected);
      else if (Array.isArray(actual)) matched = actual.some((item) => jsonEqual(item, expected));
      else matched = false;
      break;
    default:
      matched = false;
  }
  return { matched, actual };
}

/** Evaluates a condition and explains it. Depth and size are bounded; an over-large condition does not match. */
export function traceCondition(condition: Condition, context: unknown): ConditionTrace {
  let nodes = 0;
  let tooComplex = false;
  const walk = (node: Condition, depth: number): ConditionTrace => {
    nodes += 1;
    if (depth > LIMITS.conditionDepth || nodes > LIMITS.conditionNodes) {
      tooComplex = true;
      return { matched: false, kind: 'compare', op: 'too-complex' };
    }
    if ('all' in node) {
      const children = node.all.map((child) => walk(child, depth + 1));
      return { matched: children.every((child) => child.matched), kind: 'all', children };
    }
    if ('any' in node) {
      const children = node.any.map((child) => walk(child, depth + 1));
      return { matched: children.some((child) => child.matched), kind: 'any', children };
    }
    if ('not' in node) {
      const child = walk(node.not, depth + 1);
      return { matched: !child.matched, kind: 'not', children: [child] };
    }
    const { matched, actual } = compare(node, context);
    return { matched, kind: 'compare', path: node.path, op: node.op, expected: node.value, actual };
  };
  const trace = walk(condition, 0);
  // An over-large condition never matches (a `not` above the cut-off must not flip it).
  return tooComplex ? { ...trace, matched: false } : trace;
}

export function evaluateCondition(condition: Condition | undefined, context: unknown): boolean {
  if (!condition) return true;
  return traceCondition(condition, context).matched;
}

/** Every path a condition reads, with its location inside the condition. */
export function conditionPaths(condition: Condition, at: (string | number)[] = []): { path: string; at: (string | number)[] }[] {
  if ('all' in condition) return condition.all.flatMap((child, index) => conditionPaths(child, [...at, 'all', index]));
  if ('any' in condition) return condition.any.flatMap((child, index) => conditionPaths(child, [...at, 'any', index]));
  if ('not' in condition) return conditionPaths(condition.not, [...at, 'not']);
  return [{ path: condition.path, at: [...at, 'path'] }];
}

export type { JsonValue };
