import { sql, uuidv7, type Transaction } from '@ubos/platform';
import { aggregateTypeSpellings } from './aggregates.ts';
import type { TimelineDB } from './db.ts';
import type { Activity } from './summary.ts';

/**
 * Appends one activity row as the next link of the tenant's hash chain, through
 * timeline.append_activity (the app role holds no INSERT on the table); a second delivery or a
 * replay of the same event inserts nothing. Refused for an event that is not in the outbox.
 */
export async function insertActivity(trx: Transaction<TimelineDB>, tenantId: string, eventId: string, activity: Activity): Promise<boolean> {
  const result = await sql<{ appended: boolean }>`
    SELECT timeline.append_activity(
      ${uuidv7()}::uuid, ${tenantId}::uuid, ${eventId}::uuid, ${activity.type}, ${activity.eventVersion}::integer, ${activity.actorId}::uuid,
      ${activity.entityType}, ${activity.entityId}, ${activity.clientId}::uuid, ${activity.summary}, ${JSON.stringify(activity.payload)}::jsonb,
      ${activity.correlationId}, ${activity.occurredAt}::timestamptz) AS appended`.execute(trx);
  return result.rows[0]?.appended === true;
}

export interface ChainReport {
  entries: number;
  unchained: number;
  head_seq: number;
  head_hash: string | null;
  broken_at: number | null;
  problem: string | null;
}

/** Walks the transaction tenant's chain (timeline.verify_chain) and reports the first broken link. */
export async function verifyChain(trx: Transaction<TimelineDB>): Promise<ChainReport> {
  const result = await sql<ChainReport>`
    SELECT entries::int, unchained::int, head_seq::int, head_hash, broken_at::int, problem FROM timeline.verify_chain()`.execute(trx);
  const row = result.rows[0];
  if (!row) throw new Error('timeline.verify_chain() returned no row');
  return row;
}

export interface ActivityQuery {
  entity?: { type: string; id: string } | undefined;
  clientId?: string | undefined;
  actorId?: string | undefined;
  types?: readonly string[] | undefined;
  from?: string | undefined;
  to?: string | undefined;
  /** Keyset position: rows strictly older than (occurredAt, id). */
  before?: { occurredAt: string; id: string } | null;
  limit: number;
}

export interface ActivityRow {
  id: string;
  event_id: string;
  type: string;
  event_version: number;
  actor_id: string | null;
  entity_type: string | null;
  entity_id: string | null;
  client_id: string | null;
  summary: string;
  payload: Record<string, unknown>;
  correlation_id: string | null;
  occurred_at: Date;
  recorded_at: Date;
  /** occurred_at with microseconds, for the cursor. */
  occurred_key: string;
}

/** Newest first; RLS restricts to the transaction's tenant. */
export async function listActivity(trx: Transaction<TimelineDB>, query: ActivityQuery): Promise<ActivityRow[]> {
  let builder = trx
    .selectFrom('timeline.activity_events')
    .select([
      'id',
      'event_id',
      'type',
      'event_version',
      'actor_id',
      'entity_type',
      'entity_id',
      'client_id',
      'summary',
      'payload',
      'correlation_id',
      'occurred_at',
      'recorded_at',
      sql<string>`to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('occurred_key'),
    ]);
  if (query.entity) {
    // An aggregate type written before `<domain>.<entity>` (e.g. 'project') and its new name match alike.
    builder = builder.where('entity_type', 'in', aggregateTypeSpellings(query.entity.type)).where('entity_id', '=', query.entity.id);
  }
  if (query.clientId) builder = builder.where('client_id', '=', query.clientId);
  if (query.actorId) builder = builder.where('actor_id', '=', query.actorId);
  if (query.types && query.types.length > 0) builder = builder.where('type', 'in', [...query.types]);
  if (query.from) builder = builder.where(sql<boolean>`occurred_at >= ${query.from}::timestamptz`);
  if (query.to) builder = builder.where(sql<boolean>`occurred_at < ${query.to}::timestamptz`);
  if (query.before) {
    builder = builder.where(sql<boolean>`(occurred_at, id) < (${query.before.occurredAt}::timestamptz, ${query.before.id}::uuid)`);
  }
  return builder.orderBy('occurred_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
}

/**
 * API keys' names by id (their actor ids), from the timeline's own copy of identity.api_key.created:
 * a key's actions are named after it without asking identity (one index range per key).
 */
export async function apiKeyNames(trx: Transaction<TimelineDB>, actorIds: readonly string[]): Promise<Map<string, string>> {
  if (actorIds.length === 0) return new Map();
  const rows = await trx
    .selectFrom('timeline.activity_events')
    .select(['entity_id', sql<string>`payload->>'name'`.as('name')])
    .where('entity_type', '=', 'identity.api_key')
    .where('entity_id', 'in', [...actorIds])
    .where('type', '=', 'identity.api_key.created')
    .execute();
  return new Map(rows.flatMap((row) => (row.entity_id && row.name ? [[row.entity_id, row.name] as const] : [])));
}
