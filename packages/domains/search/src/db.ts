import type { ColumnType, Generated } from 'kysely';

/** Kysely types for schema `search` only. */
export interface DocumentsTable {
  tenant_id: string;
  entity_type: string;
  entity_id: string;
  title: string;
  subtitle: string | null;
  body: string | null;
  client_id: string | null;
  parent_id: string | null;
  source_event_id: string | null;
  source_occurred_at: ColumnType<Date, Date | string, Date | string>;
  updated_at: Generated<Date>;
  tsv: ColumnType<string, never, never>;
  tenant_key: ColumnType<string, never, never>;
}

export interface RebuildsTable {
  id: string;
  tenant_id: string;
  status: 'queued' | 'running' | 'completed' | 'failed';
  /** The chunk the next delivery must carry (stale or repeated deliveries change nothing). */
  next_chunk: number;
  /** Outbox position of the last replayed event. */
  last_position: ColumnType<number, number | undefined, number>;
  events_done: number;
  events_total: number;
  documents: number | null;
  error: string | null;
  requested_by: string | null;
  created_at: Generated<Date>;
  started_at: Date | null;
  updated_at: Generated<Date>;
  finished_at: Date | null;
}

export interface SearchDB {
  'search.documents': DocumentsTable;
  'search.rebuilds': RebuildsTable;
}
