import type { DomainContext, Permission } from '@ubos/platform';
import { searchableTypes, type SearchableType, type SearchHit, type SearchQueryInput, type SearchResult } from './contracts.ts';
import type { SearchDB } from './db.ts';
import * as repo from './repository.ts';

/** The permission a caller needs to see hits of each type. */
export const readPermissionOf: Record<SearchableType, Permission> = {
  client: 'crm.client.read',
  contact: 'crm.contact.read',
  deal: 'crm.deal.read',
  project: 'projects.project.read',
  task: 'projects.project.read',
  file: 'files.read',
  // Only threads on a client are indexed (a private mailbox stays out of search).
  email_thread: 'communications.read',
  approval: 'portal.approvals.read',
  appointment: 'scheduling.read',
  portal_user: 'portal.users.read',
  bill: 'revenue.bill.read',
  vendor: 'revenue.bill.read',
  invoice: 'revenue.invoice.read',
  proposal: 'agreements.read',
  contract: 'agreements.read',
};

export function readableTypes(permissions: ReadonlySet<Permission>, requested?: readonly SearchableType[]): SearchableType[] {
  const wanted = requested ?? searchableTypes;
  return searchableTypes.filter((type) => wanted.includes(type) && permissions.has(readPermissionOf[type]));
}

/** Command-K: ranked hits of the types the caller may read, grouped by type (groups by best hit). */
export async function query(ctx: DomainContext, permissions: ReadonlySet<Permission>, input: SearchQueryInput): Promise<SearchResult> {
  const types = readableTypes(permissions, input.types);
  if (types.length === 0) return { groups: [], total: 0 };
  const hits = await repo.queryDocuments(ctx.db<SearchDB>(), input.q, types, input.limit);
  const groups = new Map<SearchableType, SearchHit[]>();
  for (const hit of hits) {
    const group = groups.get(hit.type);
    if (group) group.push(hit);
    else groups.set(hit.type, [hit]);
  }
  return { groups: [...groups].map(([type, groupHits]) => ({ type, hits: groupHits })), total: hits.length };
}
