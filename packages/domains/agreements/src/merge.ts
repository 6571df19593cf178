import { createHash } from 'node:crypto';
import { DomainError } from '@ubos/platform';
import type { Section } from './contracts.ts';

/**
 * The merge-field engine (no code execution): a section's text is literal characters and
 * `{{ field.name }}` placeholders, nothing else — no expressions, helpers, loops or partials.
 * A placeholder names a value by a dotted lower-case name; rendering replaces it with that value
 * as plain text. A name without a value is an error naming it (never blank text at the client),
 * and HTML output escapes everything, template text and values alike.
 */

const FIELD = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;

type Piece = { text: string } | { field: string };

export class MergeSyntaxError extends Error {}

/** Splits a text into literal pieces and field names; a `{{` without a valid `name }}` is a syntax error. */
export function parse(text: string): Piece[] {
  const pieces: Piece[] = [];
  let at = 0;
  while (at < text.length) {
    const open = text.indexOf('{{', at);
    if (open === -1) {
      pieces.push({ text: text.slice(at) });
      break;
    }
    if (open > at) pieces.push({ text: text.slice(at, open) });
    const close = text.indexOf('}}', open + 2);
    const inner = close === -1 ? null : text.slice(open + 2, close).trim();
    if (inner === null || !FIELD.test(inner)) {
      const shown = text.slice(open, close === -1 ? Math.min(text.length, open + 30) : close + 2);
      throw new MergeSyntaxError(`"${shown}" is not a merge field: write {{ name }} with a name such as client.name`);
    }
    pieces.push({ field: inner });
    at = close + 2;
  }
  return pieces;
}

/** The fields the sections use, in order of first use. */
export function fieldsOf(sections: readonly Section[]): string[] {
  const seen = new Set<string>();
  for (const section of sections) {
    for (const piece of [...parse(section.title), ...parse(section.body)]) if ('field' in piece) seen.add(piece.field);
  }
  return [...seen];
}

/** Like fieldsOf, but a syntax error becomes a BAD_REQUEST naming the section. */
export function checkedFields(sections: readonly Section[], path: string = 'sections'): string[] {
  const seen: string[] = [];
  sections.forEach((section, index) => {
    try {
      for (const field of fieldsOf([section])) if (!seen.includes(field)) seen.push(field);
    } catch (error) {
      if (!(error instanceof MergeSyntaxError)) throw error;
      throw new DomainError('BAD_REQUEST', `Section ${index + 1} ("${section.title.slice(0, 60)}"): ${error.message}`, [
        { path: [path, index, 'body'], message: error.message },
      ]);
    }
  });
  return seen;
}

export function missingFields(sections: readonly Section[], values: Readonly<Record<string, string>>): string[] {
  return checkedFields(sections).filter((field) => !Object.hasOwn(values, field));
}

/** Fills every placeholder; refuses (BAD_REQUEST naming them) when any field has no value. */
export function renderSections(sections: readonly Section[], values: Readonly<Record<string, string>>, what: string): Section[] {
  const missing = missingFields(sections, values);
  if (missing.length > 0) {
    const names = missing.map((name) => `{{${name}}}`).join(', ');
    throw new DomainError(
      'BAD_REQUEST',
      `This ${what} cannot be sent: ${missing.length === 1 ? 'the field' : 'the fields'} ${names} ${missing.length === 1 ? 'has' : 'have'} no value. Fill ${missing.length === 1 ? 'it' : 'them'} in or remove ${missing.length === 1 ? 'it' : 'them'} from the text.`,
      missing.map((name) => ({ path: ['mergeValues', name], message: `No value for {{${name}}}` })),
    );
  }
  const fill = (text: string) =>
    parse(text)
      .map((piece) => ('field' in piece ? (values[piece.field] ?? '') : piece.text))
      .join('');
  return sections.map((section) => ({ title: fill(section.title), body: fill(section.body) }));
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char);
}

/** Rendered sections as HTML: every character escaped, blank lines as paragraphs, single newlines as <br>. */
export function sectionsToHtml(sections: readonly Section[]): string {
  return sections
    .map((section) => {
      const paragraphs = section.body
        .split(/\n{2,}/)
        .filter((p) => p.trim() !== '')
        .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
        .join('');
      return `<section><h2>${escapeHtml(section.title)}</h2>${paragraphs}</section>`;
    })
    .join('');
}

/** JSON with object keys sorted at every level: the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export const contentHash = (value: unknown) => sha256Hex(canonicalJson(value));
