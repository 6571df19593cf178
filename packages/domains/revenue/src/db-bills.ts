import type { ColumnType, Generated, Selectable } from 'kysely';

/**
 * Kysely table types of money out and the approval engine (schema `revenue` only). Kept apart from
 * db.ts so money in and money out grow without touching each other; services use `BillsDB`.
 */

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** `date` columns: written as YYYY-MM-DD, read back as text by the repositories' selections. */
type DateColumn = ColumnType<string, string, string>;
type NullableDate = ColumnType<string | null, string | null | undefined, string | null>;
type Json<T> = ColumnType<T, string, string>;

export interface VendorsTable {
  id: string;
  tenant_id: string;
  name: string;
  email: string | null;
  tax_id: string | null;
  default_category: string | null;
  default_currency: string | null;
  archived_at: NullableTimestamp;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface BillsTable {
  id: string;
  tenant_id: string;
  vendor_id: string;
  number: string;
  number_key: Generated<string>;
  issue_date: DateColumn;
  due_date: NullableDate;
  currency: string;
  category: string | null;
  notes: string | null;
  attachment_file_id: string | null;
  total_minor: number;
  status: Generated<string>;
  version: Generated<number>;
  submitted_by: string | null;
  submitted_at: NullableTimestamp;
  rejection_reason: string | null;
  scheduled_for: NullableDate;
  paid_at: NullableTimestamp;
  payment_reference: string | null;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface BillLinesTable {
  tenant_id: string;
  bill_id: string;
  position: number;
  description: string;
  amount_minor: number;
  category: string | null;
}

export interface ApprovalPoliciesTable {
  tenant_id: string;
  subject_kind: string;
  reminder_hours: number;
  revision: Generated<number>;
  updated_by: string | null;
  updated_at: Timestamp;
}

export interface StoredStepUsers {
  kind: 'users';
  user_ids: string[];
  mode: 'any' | 'all';
}
export interface StoredStepRole {
  kind: 'role';
  role: 'owner' | 'admin' | 'member';
  count: number;
}
export type StoredStep = StoredStepUsers | StoredStepRole;

export interface ApprovalRulesTable {
  id: string;
  tenant_id: string;
  subject_kind: string;
  position: number;
  name: string;
  min_minor: number | null;
  max_minor: number | null;
  currency: string | null;
  vendor_id: string | null;
  category: string | null;
  steps: Json<StoredStep[]>;
}

export interface ApprovalRequestsTable {
  id: string;
  tenant_id: string;
  subject_kind: string;
  subject_id: string;
  subject_version: number;
  rule_id: string | null;
  rule_name: string;
  amount_minor: number;
  currency: string;
  status: Generated<string>;
  submitted_by: string | null;
  created_at: Timestamp;
  completed_at: NullableTimestamp;
}

export interface ApprovalStepsTable {
  id: string;
  tenant_id: string;
  request_id: string;
  position: number;
  kind: string;
  role: string | null;
  user_ids: ColumnType<string[], string[] | undefined, string[]>;
  mode: string;
  required: number;
  status: Generated<string>;
  activated_at: NullableTimestamp;
  remind_at: NullableTimestamp;
  reminded_at: NullableTimestamp;
  completed_at: NullableTimestamp;
}

export interface ApprovalDecisionsTable {
  id: string;
  tenant_id: string;
  request_id: string;
  step_id: string;
  subject_version: number;
  approver_id: string;
  decided_by: string;
  decision: string;
  reason: string | null;
  created_at: Timestamp;
}

export interface ApprovalDelegationsTable {
  id: string;
  tenant_id: string;
  from_member: string;
  to_member: string;
  starts_on: DateColumn;
  ends_on: DateColumn;
  note: string | null;
  created_by: string | null;
  created_at: Timestamp;
  revoked_at: NullableTimestamp;
}

export interface ApproverDirectoryTable {
  tenant_id: string;
  user_id: string;
  role: string;
  updated_at: Timestamp;
}

export type VendorRow = Selectable<VendorsTable>;
export type BillRow = Selectable<BillsTable>;
export type BillLineRow = Selectable<BillLinesTable>;
export type ApprovalRuleRow = Selectable<ApprovalRulesTable>;
export type ApprovalRequestRow = Selectable<ApprovalRequestsTable>;
export type ApprovalStepRow = Selectable<ApprovalStepsTable>;
export type ApprovalDecisionRow = Selectable<ApprovalDecisionsTable>;
export type ApprovalDelegationRow = Selectable<ApprovalDelegationsTable>;

export interface BillsDB {
  'revenue.vendors': VendorsTable;
  'revenue.bills': BillsTable;
  'revenue.bill_lines': BillLinesTable;
  'revenue.approval_policies': ApprovalPoliciesTable;
  'revenue.approval_rules': ApprovalRulesTable;
  'revenue.approval_requests': ApprovalRequestsTable;
  'revenue.approval_steps': ApprovalStepsTable;
  'revenue.approval_decisions': ApprovalDecisionsTable;
  'revenue.approval_delegations': ApprovalDelegationsTable;
  'revenue.approver_directory': ApproverDirectoryTable;
}
