import type { ColumnType, Selectable } from 'kysely';

/** Kysely table types of schema `revenue` only: a query on another domain's table does not type-check. */

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

// ---------------------------------------------------------------- money in (invoices, credit notes, payments, plans)

/** bigint columns come back as a number when safe, else a string (the kernel's INT8 parser); read them with BigInt(). */
type Minor = ColumnType<number | string, string | number | bigint, string | number | bigint>;
/** numeric columns come back as strings. */
type Numeric = ColumnType<string, string, string>;
/** date columns come back as a local-midnight Date (or text when selected so); see dateText(). */
type DateColumn = ColumnType<Date | string, string, string>;
type NullableJson<T> = ColumnType<T | null, string | null | undefined, string | null>;
type NullableDate = ColumnType<Date | string | null, string | null | undefined, string | null>;
type Generated<T> = ColumnType<T, T | undefined, T>;

export interface InvoiceSettingsTable {
  tenant_id: string;
  brand_name: Generated<string | null>;
  currency: Generated<string>;
  payment_terms_days: Generated<number>;
  rounding_level: Generated<string>;
  rounding_mode: Generated<string>;
  tax_mode: Generated<string>;
  needs_approval: Generated<boolean>;
  invoice_prefix: Generated<string>;
  credit_note_prefix: Generated<string>;
  missed_periods: Generated<string>;
  updated_at: Generated<Date>;
  updated_by: string | null;
}

export interface AccountsTable {
  tenant_id: string;
  client_id: string;
  billing_name: ColumnType<string | null, string | null | undefined, string | null>;
  billing_email: ColumnType<string | null, string | null | undefined, string | null>;
  billing_contact_id: ColumnType<string | null, string | null | undefined, string | null>;
  currency: ColumnType<string | null, string | null | undefined, string | null>;
  payment_terms_days: ColumnType<number | null, number | null | undefined, number | null>;
  tax_ids: ColumnType<{ kind: string; value: string }[], string | undefined, string>;
  address: NullableJson<Record<string, string>>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
  updated_by: string | null;
}

export interface NumberSequencesTable {
  tenant_id: string;
  sequence: string;
  last_value: Minor;
}

export interface InvoicesTable {
  id: string;
  tenant_id: string;
  client_id: string;
  status: Generated<string>;
  sequence: Generated<string>;
  seq: ColumnType<number | string | null, string | number | null | undefined, string | number | null>;
  number: ColumnType<string | null, string | null | undefined, string | null>;
  currency: string;
  tax_mode: string;
  rounding_level: string;
  rounding_mode: string;
  taxes: Json<{ id: string; name: string; rate: string; compound: boolean }[]>;
  document_tax_ids: Json<string[]>;
  discount: NullableJson<{ kind: 'percent'; percent: string } | { kind: 'amount'; amount: string }>;
  notes: string | null;
  payment_terms_days: number;
  issue_date: NullableDate;
  due_date: NullableDate;
  subtotal_minor: Minor;
  discount_minor: Minor;
  tax_minor: Minor;
  total_minor: Minor;
  paid_minor: ColumnType<number | string, string | number | undefined, string | number>;
  credited_minor: ColumnType<number | string, string | number | undefined, string | number>;
  balance_minor: ColumnType<number | string, never, never>;
  plan_id: string | null;
  plan_period: string | null;
  engagement_id: ColumnType<string | null, string | null | undefined, string | null>;
  pdf_file_id: string | null;
  version: Generated<number>;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  submitted_by: string | null;
  approved_by: string | null;
  approved_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  issued_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  sent_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  voided_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  void_reason: string | null;
}

export interface InvoiceLinesTable {
  id: string;
  tenant_id: string;
  invoice_id: string;
  position: number;
  description: string;
  quantity: Numeric;
  unit_price_minor: Minor;
  discount: NullableJson<{ kind: 'percent'; percent: string } | { kind: 'amount'; amount: string }>;
  tax_ids: Json<string[]>;
  net_minor: Minor;
}

export interface CreditNotesTable {
  id: string;
  tenant_id: string;
  invoice_id: string;
  client_id: string;
  seq: Minor;
  number: string;
  currency: string;
  reason: string;
  amount_minor: Minor;
  applied_minor: Minor;
  issue_date: DateColumn;
  pdf_file_id: string | null;
  created_by: string | null;
  created_at: Timestamp;
}

export interface PaymentsTable {
  id: string;
  tenant_id: string;
  client_id: string;
  invoice_id: string | null;
  kind: string;
  refund_of: string | null;
  currency: string;
  amount_minor: Minor;
  applied_minor: Minor;
  refunded_minor: ColumnType<number | string, string | number | undefined, string | number>;
  method: string;
  reference: string | null;
  received_on: DateColumn;
  idempotency_key: string | null;
  created_by: string | null;
  created_at: Timestamp;
}

export interface CreditMovementsTable {
  id: string;
  tenant_id: string;
  client_id: string;
  currency: string;
  amount_minor: Minor;
  source: string;
  source_id: string;
  created_at: Timestamp;
}

export interface InvoicePlansTable {
  id: string;
  tenant_id: string;
  client_id: string;
  name: string;
  kind: string;
  status: Generated<string>;
  template: Json<Record<string, unknown>>;
  interval_months: number | null;
  anchor_day: number | null;
  start_date: DateColumn;
  end_after: number | null;
  end_date: NullableDate;
  deposit_percent: ColumnType<string | null, string | null, string | null>;
  milestones: ColumnType<{ key: string; label: string; percent: string; projectMilestoneId: string }[], string | undefined, string>;
  next_period: Generated<number>;
  next_run_on: NullableDate;
  issued_count: Generated<number>;
  skipped_count: Generated<number>;
  created_by: string | null;
  created_at: Generated<Date>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export type InvoicePlanRow = Selectable<InvoicePlansTable>;
export type InvoiceSettingsRow = Selectable<InvoiceSettingsTable>;
export type AccountRow = Selectable<AccountsTable>;
export type InvoiceRow = Selectable<InvoicesTable>;
export type InvoiceLineRow = Selectable<InvoiceLinesTable>;
export type CreditNoteRow = Selectable<CreditNotesTable>;
export type PaymentRow = Selectable<PaymentsTable>;

/** The money-in tables, merged into RevenueDB below. */
export interface InvoicingDB {
  'revenue.invoice_settings': InvoiceSettingsTable;
  'revenue.accounts': AccountsTable;
  'revenue.number_sequences': NumberSequencesTable;
  'revenue.invoices': InvoicesTable;
  'revenue.invoice_lines': InvoiceLinesTable;
  'revenue.credit_notes': CreditNotesTable;
  'revenue.payments': PaymentsTable;
  'revenue.credit_movements': CreditMovementsTable;
  'revenue.invoice_plans': InvoicePlansTable;
}

export interface RevenueDB extends InvoicingDB {
  'revenue.settings': SettingsTable;
}
