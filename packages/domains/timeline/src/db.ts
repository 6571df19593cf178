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
}

export interface TimelineDB {
  'timeline.activity_events': ActivityEventsTable;
}
