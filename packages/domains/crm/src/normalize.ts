import { DomainError } from '@ubos/platform';
import { z } from 'zod';

/** Lower-cased, trimmed email; `+tag` suffixes are dropped so aliases of one mailbox match. */
export function normalizeEmail(email: string | null | undefined): string | null {
  if (!email) return null;
  const trimmed = email.trim().toLowerCase();
  const at = trimmed.lastIndexOf('@');
  if (at <= 0) return trimmed;
  const local = trimmed.slice(0, at).replace(/\+.*$/, '');
  return `${local}@${trimmed.slice(at + 1)}`;
}

/** `https://www.Acme.com/about` -> `acme.com`. Returns null for an empty input. */
export function normalizeDomain(value: string | null | undefined): string | null {
  if (!value) return null;
  let host = value.trim().toLowerCase();
  if (host === '') return null;
  host = host.replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  host = host.split(/[/?#]/)[0] ?? '';
  host = host
    .replace(/:\d+$/, '')
    .replace(/^www\./, '')
    .replace(/\.$/, '');
  return host === '' ? null : host;
}

const companySuffixes = new Set([
  'inc',
  'incorporated',
  'llc',
  'ltd',
  'limited',
  'gmbh',
  'co',
  'corp',
  'corporation',
  'company',
  'sa',
  'sas',
  'sarl',
  'bv',
  'ag',
  'plc',
  'srl',
  'oy',
  'ab',
]);

/** "ACME, Inc." and "Acme Inc" both become "acme": the key for name-based duplicate detection. */
export function normalizeCompanyName(name: string): string {
  const words = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter((word) => word !== '');
  while (words.length > 1 && companySuffixes.has(words[words.length - 1] ?? '')) words.pop();
  return words.join(' ');
}

export function normalizeTags(tags: readonly string[] | undefined): string[] {
  if (!tags) return [];
  return [...new Set(tags.map((tag) => tag.trim().toLowerCase()).filter((tag) => tag !== ''))].sort();
}

// ---------------------------------------------------------------- keyset cursors

const cursorSchema = z.tuple([z.string(), z.string(), z.uuid()]);

/** An opaque keyset cursor: the list order it belongs to, the last row's sort value and id. */
export function encodeCursor(order: string, sortKey: string, id: string): string {
  return Buffer.from(JSON.stringify([order, sortKey, id])).toString('base64url');
}

/** Decodes a cursor; one from another list order (or garbage) is a BAD_REQUEST, never a 500. */
export function decodeCursor(cursor: string, order: string): { sortKey: string; id: string } {
  try {
    const [cursorOrder, sortKey, id] = cursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (cursorOrder !== order) throw new Error('cursor of another order');
    return { sortKey, id };
  } catch {
    throw new DomainError('BAD_REQUEST', 'Invalid cursor', [{ path: ['cursor'], message: 'Invalid cursor for this list and sort' }]);
  }
}

/** A `date` column value (parsed by node-postgres as local midnight) as YYYY-MM-DD. */
export function localDate(value: Date | null): string | null {
  if (!value) return null;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${value.getFullYear()}-${pad(value.getMonth() + 1)}-${pad(value.getDate())}`;
}
