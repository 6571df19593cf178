import type { DomainContext } from '@ubos/platform';
import type { ClientStatus, TagCountDto } from './contracts.ts';
import type { CrmDB } from './db.ts';
import { decodeCursor, encodeCursor } from './normalize.ts';
import * as repo from './repository.ts';
import type { ListQuery, SortField } from './repository.ts';

/**
 * What the crm services share: list filters, keyset pages and the tag list. Each service receives
 * the DomainContext (ARCHITECTURE.md §3); the services by concern are service-clients.ts,
 * service-contacts.ts, service-notes.ts, service-custom-fields.ts, service-deals.ts,
 * service-merge.ts, service-export.ts and service-import.ts.
 */

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ListInput {
  archived?: boolean | undefined;
  status?: ClientStatus | undefined;
  ownerId?: string | undefined;
  tag?: string | undefined;
  q?: string | undefined;
  customField?: { key: string; value: string | number | boolean } | undefined;
  clientId?: string | undefined;
  sort?: SortField | undefined;
  direction?: 'asc' | 'desc' | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

export function toListQuery(input: ListInput): ListQuery {
  return {
    archived: input.archived ?? false,
    status: input.status,
    ownerId: input.ownerId,
    tag: input.tag,
    contains: input.q?.trim() || undefined,
    customField: input.customField,
    clientId: input.clientId,
    sort: input.sort ?? 'name',
    direction: input.direction ?? 'asc',
    limit: Math.min(input.limit ?? 50, 100),
    cursor: input.cursor ? decodeCursor(input.cursor, listOrder(input)) : undefined,
  };
}

export function listOrder(input: Pick<ListInput, 'sort' | 'direction'>): string {
  return `${input.sort ?? 'name'}:${input.direction ?? 'asc'}`;
}

export function paginate<Row extends { id: string; sort_key: string }, T>(rows: Row[], limit: number, order: string, map: (row: Row) => T): Page<T> {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return { items: pageRows.map(map), nextCursor: hasMore && last ? encodeCursor(order, last.sort_key, last.id) : null };
}

export async function listTags(ctx: DomainContext): Promise<TagCountDto[]> {
  return repo.listTags(ctx.db<CrmDB>());
}
