import type { ColumnType, Generated, Selectable } from 'kysely';

/** Kysely table types of schema `agreements` only: a query on another domain's table does not type-check. */

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** A jsonb column: read as the parsed value, written as JSON text (or an SQL expression). */
type Json<T> = ColumnType<T, string, string>;
/** int8 read as a number (the kernel's parser; money stays far below 2^53 minor units). */
type Int8 = ColumnType<number, number, number>;

export interface SettingsTable {
  tenant_id: string;
  /** The values the tenant changed; keys it never set fall back to the defaults when read. */
  settings: Json<Record<string, unknown>>;
  updated_at: Timestamp;
  updated_by: string | null;
}

export interface StoredSection {
  title: string;
  body: string;
}

export interface StoredSchedule {
  depositPercent: number;
  milestones: { label: string; percent: number }[];
  recurring: { label: string; amountMinor: number; interval: 'month'; count: number | null } | null;
}

export interface TemplatesTable {
  id: string;
  tenant_id: string;
  kind: 'proposal' | 'contract';
  name: string;
  description: string | null;
  sections: Json<StoredSection[]>;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  archived_at: NullableTimestamp;
}

export type ProposalStatus = 'draft' | 'sent' | 'viewed' | 'accepted' | 'declined' | 'withdrawn' | 'expired';

export interface ProposalsTable {
  id: string;
  tenant_id: string;
  client_id: string;
  contact_id: string | null;
  engagement_id: string | null;
  project_id: string | null;
  template_id: string | null;
  status: ColumnType<ProposalStatus, ProposalStatus | undefined, ProposalStatus>;
  current_version: ColumnType<number, number | undefined, number>;
  sent_version: number | null;
  expires_at: NullableTimestamp;
  accepted_version: number | null;
  accepted_hash: string | null;
  accepted_at: NullableTimestamp;
  accepted_by: string | null;
  declined_at: NullableTimestamp;
  decline_reason: string | null;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ProposalVersionsTable {
  id: string;
  tenant_id: string;
  proposal_id: string;
  n: number;
  title: string;
  sections: Json<StoredSection[]>;
  merge_values: Json<Record<string, string>>;
  currency: string;
  subtotal_minor: Int8;
  discount_minor: Int8;
  tax_minor: Int8;
  total_minor: Int8;
  payment_schedule: Json<StoredSchedule>;
  content_hash: string | null;
  sent_at: NullableTimestamp;
  sent_by: string | null;
  created_by: string | null;
  created_at: Timestamp;
}

export interface ProposalLinesTable {
  id: string;
  tenant_id: string;
  version_id: string;
  position: number;
  description: string;
  quantity: number;
  unit_price_minor: Int8;
  discount_minor: Int8;
  tax_rate_bp: number;
  optional: boolean;
  selected: boolean;
  total_minor: Int8;
}

export type ContractStatus = 'draft' | 'out_for_signature' | 'partially_signed' | 'signed' | 'declined' | 'voided' | 'expired';
export type SealState = 'none' | 'pending' | 'sealing' | 'sealed';

export interface ContractsTable {
  id: string;
  tenant_id: string;
  client_id: string;
  contact_id: string | null;
  engagement_id: string | null;
  proposal_id: string | null;
  template_id: string | null;
  title: string;
  sections: Json<StoredSection[]>;
  merge_values: Json<Record<string, string>>;
  status: ColumnType<ContractStatus, ContractStatus | undefined, ContractStatus>;
  signing_order: 'parallel' | 'sequential';
  document_hash: string | null;
  sent_at: NullableTimestamp;
  signed_at: NullableTimestamp;
  declined_at: NullableTimestamp;
  voided_at: NullableTimestamp;
  void_reason: string | null;
  seal_state: ColumnType<SealState, SealState | undefined, SealState>;
  reminder_days: Generated<number>;
  seal_claim: string | null;
  seal_claimed_at: NullableTimestamp;
  seal_attempts: Generated<number>;
  seal_error: string | null;
  sealed_file_id: string | null;
  sealed_sha256: string | null;
  sealed_at: NullableTimestamp;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type SignerStatus = 'pending' | 'signed' | 'declined';

export interface SignersTable {
  id: string;
  tenant_id: string;
  contract_id: string;
  position: number;
  name: string;
  email: string;
  role: string | null;
  contact_id: string | null;
  status: ColumnType<SignerStatus, SignerStatus | undefined, SignerStatus>;
  token_hash: string | null;
  token_expires_at: NullableTimestamp;
  viewed_at: NullableTimestamp;
  consented_at: NullableTimestamp;
  signed_at: NullableTimestamp;
  declined_at: NullableTimestamp;
  decline_reason: string | null;
  signature_kind: 'typed' | 'drawn' | null;
  signature_text: string | null;
  signature_image: string | null;
  ip: string | null;
  user_agent: string | null;
  link_sent_at: NullableTimestamp;
  reminders_sent: Generated<number>;
}

export interface PacketsTable {
  id: string;
  tenant_id: string;
  contract_id: string;
  provider: 'native' | 'docusign' | 'dropbox_sign' | 'pandadoc';
  external_envelope_id: string | null;
  audit_head: string | null;
  audit_seq: Generated<number>;
  created_at: Timestamp;
}

export interface AuditLogTable {
  id: string;
  tenant_id: string;
  packet_id: string;
  /** Set by the chaining trigger. */
  seq: Generated<number>;
  type: string;
  actor_name: string | null;
  actor_email: string | null;
  ip: string | null;
  user_agent: string | null;
  at: Timestamp;
  data: Json<Record<string, unknown>>;
  prev_hash: Generated<string>;
  hash: Generated<string>;
}

export type SettingsRow = Selectable<SettingsTable>;
export type TemplateRow = Selectable<TemplatesTable>;
export type ProposalRow = Selectable<ProposalsTable>;
export type ProposalVersionRow = Selectable<ProposalVersionsTable>;
export type ProposalLineRow = Selectable<ProposalLinesTable>;
export type ContractRow = Selectable<ContractsTable>;
export type SignerRow = Selectable<SignersTable>;
export type PacketRow = Selectable<PacketsTable>;
export type AuditRow = Selectable<AuditLogTable>;

export interface AgreementsDB {
  'agreements.settings': SettingsTable;
  'agreements.templates': TemplatesTable;
  'agreements.proposals': ProposalsTable;
  'agreements.proposal_versions': ProposalVersionsTable;
  'agreements.proposal_lines': ProposalLinesTable;
  'agreements.contracts': ContractsTable;
  'agreements.signers': SignersTable;
  'agreements.packets': PacketsTable;
  'agreements.audit_log': AuditLogTable;
}
