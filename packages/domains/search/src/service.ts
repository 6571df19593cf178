import { rowToEnvelope, sql, type OutboxRow, type Permission } from '@ubos/platform';
import { searchableTypes, type SearchableType, type SearchHit, type SearchQueryInput, type SearchResult } from './contracts.ts';
import { applyEvent, indexedEventTypes } from './indexer.ts';
import * as repo from './repository.ts';
import type { SearchTrx } from './repository.ts';

/** The permission a caller needs to see hits of each type. */
export const readPermissionOf: Record<SearchableType, Permission> = {
  client: 'crm.client.read',
  contact: 'crm.contact.read',
  deal: 'crm.deal.read',
  project: 'projects.project.read',
  task: 'projects.project.read',
};

export function readableTypes(permissions: ReadonlySet<Permission>, requested?: readonly SearchableType[]): SearchableType[] {
  const wanted = requested ?? searchableTypes;
  return searchableTypes.filter((type) => wanted.includes(type) && permissions.has(readPermissionOf[type]));
}

/** Command-K: ranked hits of the types the caller may read, grouped by type (groups by best hit). */
export async function query(trx: SearchTrx, permissions: ReadonlySet<Permission>, input: SearchQueryInput): Promise<SearchResult> {
  const types = readableTypes(permissions, input.types);
  if (types.length === 0) return { groups: [], total: 0 };
  const hits = await repo.queryDocuments(trx, input.q, types, input.limit);
  const groups = new Map<SearchableType, SearchHit[]>();
  for (const hit of hits) {
    const group = groups.get(hit.type);
    if (group) group.push(hit);
    else groups.set(hit.type, [hit]);
  }
  return { groups: [...groups].map(([type, groupHits]) => ({ type, hits: groupHits })), total: hits.length };
}

/**
 * Rebuilds the current tenant's documents by replaying its retained outbox events in order
 * (the outbox keeps dispatched rows for a retention window). Runs in the caller's tenant transaction.
 */
export async function rebuildFromOutbox(trx: SearchTrx, batchSize = 1000): Promise<{ events: number }> {
  await repo.deleteAllDocuments(trx);
  let after = 0;
  let events = 0;
  for (;;) {
    const batch = await sql<OutboxRow>`
      SELECT * FROM platform.outbox
      WHERE position > ${after} AND type = ANY (${[...indexedEventTypes]}::text[])
      ORDER BY position
      LIMIT ${batchSize}`.execute(trx);
    for (const row of batch.rows) {
      await applyEvent(trx, rowToEnvelope(row));
      after = row.position;
      events += 1;
    }
    if (batch.rows.length < batchSize) return { events };
  }
}
