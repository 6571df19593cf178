import { DomainError, type FieldIssue } from '@ubos/platform';
import { z } from 'zod';
import { currencySchema } from './contracts.ts';
import type { CustomFieldType } from './db.ts';

export interface FieldDefinition {
  key: string;
  type: CustomFieldType;
  options: readonly string[];
  required: boolean;
}

function oneOf(options: readonly string[]): z.ZodType<string> {
  return z.string().refine((value) => options.includes(value), { message: `Must be one of: ${options.join(', ')}` });
}

/** The zod schema of one custom field value, built from its definition. */
export function valueSchema(definition: Pick<FieldDefinition, 'type' | 'options'>): z.ZodType {
  switch (definition.type) {
    case 'text':
      return z.string().max(10_000);
    case 'number':
      return z.number().finite();
    case 'date':
      return z.iso.date();
    case 'select':
      return oneOf(definition.options);
    case 'multi_select':
      return z.array(oneOf(definition.options)).max(100);
    case 'boolean':
      return z.boolean();
    case 'email':
      return z.email();
    case 'url':
      return z.url({ protocol: /^https?$/ });
    case 'currency':
      return z.strictObject({ amountMinor: z.number().int(), currency: currencySchema });
  }
}

/** A zod object schema over every defined key (all optional; `required` is checked separately), e.g. for API docs. */
export function buildCustomFieldsSchema(definitions: readonly FieldDefinition[]): z.ZodObject {
  const shape: Record<string, z.ZodType> = {};
  for (const definition of definitions) shape[definition.key] = valueSchema(definition).optional();
  return z.strictObject(shape);
}

/**
 * Validates custom field values on write and returns the values to store.
 * - create: `patch` is the whole set; required fields must be present.
 * - update: `patch` is merged onto `existing`; `null` removes a key (refused for required fields).
 * Every issue carries the path `customFields.<key>`.
 */
export function applyCustomFields(
  definitions: readonly FieldDefinition[],
  patch: Record<string, unknown> | undefined,
  existing: Record<string, unknown> | null,
): Record<string, unknown> {
  const issues: FieldIssue[] = [];
  const byKey = new Map(definitions.map((definition) => [definition.key, definition]));
  const input = patch ?? {};
  const toValidate: Record<string, unknown> = {};
  const removed: string[] = [];
  for (const [key, value] of Object.entries(input)) {
    if (!byKey.has(key)) {
      issues.push({ path: ['customFields', key], message: `Unknown custom field "${key}"`, code: 'unrecognized_keys' });
    } else if (value === null) {
      removed.push(key);
    } else {
      toValidate[key] = value;
    }
  }
  for (const [key, value] of Object.entries(toValidate)) {
    const definition = byKey.get(key);
    if (!definition) continue;
    const parsed = cachedValueSchema(definition).safeParse(value);
    if (parsed.success) continue;
    for (const problem of parsed.error.issues) {
      issues.push({
        path: ['customFields', key, ...problem.path.map((segment) => (typeof segment === 'number' ? segment : String(segment)))],
        message: problem.message,
        code: problem.code,
      });
    }
  }
  const result: Record<string, unknown> = { ...(existing ?? {}), ...toValidate };
  for (const key of removed) delete result[key];
  for (const definition of definitions) {
    if (!definition.required) continue;
    const missing = result[definition.key] === undefined;
    if (missing && (existing === null || removed.includes(definition.key))) {
      issues.push({ path: ['customFields', definition.key], message: 'Required', code: 'invalid_type' });
    }
  }
  if (issues.length > 0) {
    throw new DomainError('BAD_REQUEST', `Invalid custom fields: ${issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`, issues);
  }
  return result;
}

// Building a zod schema costs far more than running it: reuse one per definition object
// (an import validates thousands of rows against the same definitions).
const schemaCache = new WeakMap<FieldDefinition, z.ZodType>();

function cachedValueSchema(definition: FieldDefinition): z.ZodType {
  let schema = schemaCache.get(definition);
  if (!schema) {
    schema = valueSchema(definition);
    schemaCache.set(definition, schema);
  }
  return schema;
}
