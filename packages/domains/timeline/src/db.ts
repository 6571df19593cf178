import type { ColumnType, Generated } from 'kysely';

/** Kysely table types of schema `timeline` only. */
export interface ActivityEventsTable {
  id: string;
  tenant_id: string;
  event_id: string;
  type: string;
  event_version: number;
  actor_id: string | null;
  entity_type: string | null;
  entity_id: string | null;
  client_id: string | null;
  summary: string;
  payload: ColumnType<Record<string, unknown>, string, never>;
  correlation_id: string | null;
  occurred_at: ColumnType<Date, string, never>;
  recorded_at: Generated<Date>;
  /** The entry's place in its tenant's hash chain (null for entries recorded before the chain). */
  seq: ColumnType<string | null, never, never>;
  prev_hash: ColumnType<Buffer | null, never, never>;
  hash: ColumnType<Buffer | null, never, never>;
}

export interface ChainHeadsTable {
  tenant_id: string;
  seq: ColumnType<string, never, never>;
  head_hash: ColumnType<Buffer, never, never>;
  updated_at: ColumnType<Date, never, never>;
}

export interface TimelineDB {
  'timeline.activity_events': ActivityEventsTable;
  'timeline.chain_heads': ChainHeadsTable;
}
