import type { ColumnType, Selectable } from 'kysely';

/** Kysely table types of schema `agreements` only: a query on another domain's table does not type-check. */

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** A jsonb column: read as the parsed value, written as JSON text (or an SQL expression). */
type Json<T> = ColumnType<T, string, string>;

export interface SettingsTable {
  tenant_id: string;
  /** The values the tenant changed; keys it never set fall back to the defaults when read. */
  settings: Json<Record<string, unknown>>;
  updated_at: Timestamp;
  updated_by: string | null;
}

export type SettingsRow = Selectable<SettingsTable>;

export interface AgreementsDB {
  'agreements.settings': SettingsTable;
}
