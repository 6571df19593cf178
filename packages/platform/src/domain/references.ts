import { sql, type Kysely } from 'kysely';
import { DomainError } from '../errors.ts';

/**
 * References across domains (ARCHITECTURE.md §4 "References"). A domain that stores another
 * domain's id (a project's client, a task's assignee) checks it against `platform.entity_references`,
 * which the owning domain's tables keep up to date by trigger (`platform.track_entity_references`
 * in its migration). RLS scopes the lookup to the current tenant, so another organization's id is
 * as unknown as a made-up one.
 */

/** The kinds of id the kernel tracks, by the domain that owns them. */
export type EntityReferenceKind = 'identity.member' | 'crm.client' | 'crm.engagement' | 'crm.contact' | 'projects.project' | 'projects.template';

export interface ReferenceCheck {
  kind: EntityReferenceKind;
  /** The id given; null/undefined is "no reference" and is not checked. */
  id: string | null | undefined;
  /** The input field, for the error's issue list (e.g. ['clientId']). */
  path: (string | number)[];
  /** What the field names, in words ("client", "assignee"). */
  label: string;
}

const KIND_WORDS: Record<EntityReferenceKind, string> = {
  'identity.member': 'a member of this organization',
  'crm.client': 'a client of this organization',
  'crm.engagement': 'an engagement of this organization',
  'crm.contact': 'a contact of this organization',
  'projects.project': 'a project of this organization',
  'projects.template': 'a project template of this organization',
};

/** Throws BAD_REQUEST naming every given id that is not a known entity of its kind in this tenant. */
export async function requireReferences(trx: Kysely<unknown>, checks: readonly ReferenceCheck[]): Promise<void> {
  const given = checks.filter((check): check is ReferenceCheck & { id: string } => typeof check.id === 'string');
  if (given.length === 0) return;
  const kinds = given.map((check) => check.kind);
  const ids = given.map((check) => check.id);
  const found = await sql<{ kind: string; id: string }>`
    SELECT r.kind, r.id::text AS id
      FROM platform.entity_references r
      JOIN unnest(${kinds}::text[], ${ids}::uuid[]) AS wanted(kind, id) ON r.kind = wanted.kind AND r.id = wanted.id`.execute(trx);
  const known = new Set(found.rows.map((row) => `${row.kind}:${row.id}`));
  const missing = given.filter((check) => !known.has(`${check.kind}:${check.id}`));
  if (missing.length === 0) return;
  const first = missing[0] as ReferenceCheck;
  throw new DomainError(
    'BAD_REQUEST',
    missing.length === 1
      ? `The ${first.label} given is not ${KIND_WORDS[first.kind]}`
      : `${missing.map((check) => `The ${check.label}`).join(', ')} given are not known in this organization`,
    missing.map((check) => ({ path: check.path, message: `Not ${KIND_WORDS[check.kind]}` })),
  );
}
