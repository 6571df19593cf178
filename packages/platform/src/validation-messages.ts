import { z } from 'zod';
import type { FieldIssue } from './errors.ts';

/**
 * Validation messages in words (ARCHITECTURE.md §10 "Errors"): zod's defaults ("Too big: expected
 * string to have <=300 characters", `expected one of "lead"|"active"|"past"`, "Invalid UUID") are
 * written for developers. This map, installed once for the process's zod, says the same as a
 * sentence about the field a person sees ("Use 300 characters or fewer", "Status must be Lead, Active
 * or Past", "Choose a client"). A schema's own message still wins; the issue keeps its `path` and
 * `code` beside the sentence for programs.
 */

type Issue = z.core.$ZodRawIssue;

/** `clientId` → "client", `expectedCloseDate` → "expected close date", `tags.2` → "tags". */
export function fieldWords(path: readonly PropertyKey[] | undefined): string | null {
  const last = [...(path ?? [])].reverse().find((segment) => typeof segment === 'string');
  if (typeof last !== 'string' || last === '') return null;
  const words = last
    .replace(/Ids?$/, (match) => (match === 'Ids' ? 's' : ''))
    .replace(/_/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .trim();
  return words === '' || words === 'id' ? null : words;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function article(noun: string): string {
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}

/** "lead" → "Lead", "no_show" → "No show". */
function optionWords(value: unknown): string {
  return typeof value === 'string' ? capitalized(value.replace(/_/g, ' ')) : String(value);
}

function orList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

const typeWords: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  bigint: 'a whole number',
  boolean: 'yes or no',
  array: 'a list',
  object: 'a set of fields',
  date: 'a date',
};

function plural(count: number | bigint, one: string, many: string): string {
  return `${count} ${Number(count) === 1 ? one : many}`;
}

/** The sentence for one issue, or undefined to keep zod's (custom checks carry their own). */
export function validationMessage(issue: Issue): string | undefined {
  const field = fieldWords(issue.path);
  const Field = field ? capitalized(field) : 'This field';
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined || issue.input === null) return field ? `${Field} is required` : 'This is required';
      const expected = typeWords[issue.expected] ?? issue.expected;
      return `${Field} must be ${expected}`;
    }
    case 'too_big': {
      const { maximum, origin, inclusive } = issue;
      if (origin === 'string')
        return inclusive ? `Use ${plural(maximum, 'character', 'characters')} or fewer` : `Use fewer than ${plural(maximum, 'character', 'characters')}`;
      if (origin === 'array' || origin === 'set') return `Choose at most ${maximum}`;
      if (origin === 'date') return `${Field} must be on or before ${new Date(Number(maximum)).toISOString().slice(0, 10)}`;
      return inclusive ? `${Field} must be ${maximum} or less` : `${Field} must be less than ${maximum}`;
    }
    case 'too_small': {
      const { minimum, origin, inclusive } = issue;
      if (origin === 'string') {
        if (Number(minimum) <= 1) return field ? `Enter ${article(field)}` : 'Fill this in';
        return inclusive ? `Use at least ${plural(minimum, 'character', 'characters')}` : `Use more than ${plural(minimum, 'character', 'characters')}`;
      }
      if (origin === 'array' || origin === 'set') return Number(minimum) <= 1 ? `Choose at least one` : `Choose at least ${minimum}`;
      if (origin === 'date') return `${Field} must be on or after ${new Date(Number(minimum)).toISOString().slice(0, 10)}`;
      return inclusive ? `${Field} must be ${minimum} or more` : `${Field} must be more than ${minimum}`;
    }
    case 'invalid_value':
      return issue.values.length === 1 ? `${Field} must be ${optionWords(issue.values[0])}` : `${Field} must be ${orList(issue.values.map(optionWords))}`;
    case 'invalid_format': {
      switch (issue.format) {
        case 'uuid':
        case 'guid':
          return field ? `Choose ${article(field)}` : 'Not a valid id';
        case 'email':
          return 'Enter an email address such as name@example.com';
        case 'url':
          return 'Enter a web address such as https://example.com';
        case 'datetime':
        case 'date':
          return `${Field} must be a date`;
        default:
          return `${Field} is not in the expected form`;
      }
    }
    case 'not_multiple_of':
      return `${Field} must be a multiple of ${issue.divisor}`;
    case 'unrecognized_keys':
      return `${issue.keys.length === 1 ? 'This field is' : 'These fields are'} not known here: ${issue.keys.join(', ')}`;
    case 'invalid_union':
      return `${Field} is not valid`;
    case 'invalid_key':
    case 'invalid_element':
      return `${Field} has a value that is not valid`;
    default:
      return undefined;
  }
}

let installed = false;

/** Installs the map for this process's zod (idempotent). */
export function installValidationMessages(): void {
  if (installed) return;
  installed = true;
  z.config({ customError: (issue) => validationMessage(issue) });
}

/** One sentence for a list of issues: the request's message beside the per-field list. */
export function describeValidation(issues: readonly FieldIssue[]): string {
  if (issues.length === 0) return 'The request is not valid';
  const sentence = (issue: FieldIssue) => {
    const field = fieldWords(issue.path);
    const message = issue.message.replace(/[.]$/, '');
    return field && !message.toLowerCase().includes(field) ? `${capitalized(field)}: ${message}` : message;
  };
  if (issues.length === 1) return `${sentence(issues[0] as FieldIssue)}.`;
  const shown = issues.slice(0, 3).map(sentence).join('; ');
  return issues.length > 3 ? `${shown}; and ${issues.length - 3} more.` : `${shown}.`;
}
