import { sql, type Kysely, type Transaction } from 'kysely';
import type { EventEnvelope } from './envelope.ts';
import { rowToEnvelope, type OutboxRow } from './outbox.ts';

/** A retained outbox event with its position (the replay cursor). */
export interface OutboxEvent {
  position: number;
  event: EventEnvelope;
}

export interface OutboxReadOptions {
  /** Event types wanted (at least one). */
  types: readonly string[];
  /** Only events after this outbox position (default 0: from the oldest retained). */
  afterPosition?: number;
  /** At most this many (default 1000, at most 10,000). */
  limit?: number;
}

function typesOf(types: readonly string[]): string[] {
  if (types.length === 0) throw new Error('readOutbox needs at least one event type');
  return [...types];
}

/**
 * The kernel's read API over platform.outbox for rebuilding read models by replay (search's
 * index rebuild): the current tenant's retained events of `types`, oldest first. It runs in the
 * caller's tenant transaction, so RLS scopes it to that tenant; domains never name the table.
 */
export async function readOutbox<DB>(trx: Transaction<DB> | Kysely<DB>, options: OutboxReadOptions): Promise<OutboxEvent[]> {
  const limit = Math.min(Math.max(1, options.limit ?? 1000), 10_000);
  const result = await sql<OutboxRow>`
    SELECT * FROM platform.outbox
    WHERE position > ${options.afterPosition ?? 0} AND type = ANY (${typesOf(options.types)}::text[])
    ORDER BY position
    LIMIT ${limit}`.execute(trx);
  return result.rows.map((row) => ({ position: Number(row.position), event: rowToEnvelope(row) }));
}

/** How many of the current tenant's retained events have one of `types` (RLS scopes the count). */
export async function countOutbox<DB>(trx: Transaction<DB> | Kysely<DB>, options: Pick<OutboxReadOptions, 'types'>): Promise<number> {
  const result = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM platform.outbox WHERE type = ANY (${typesOf(options.types)}::text[])`.execute(trx);
  return result.rows[0]?.n ?? 0;
}
