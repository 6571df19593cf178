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

export interface SearchDB {
  'search.documents': DocumentsTable;
}
