import type { ColumnType, Generated, Selectable } from 'kysely';

/** Kysely table types of schema `portal` only: a query on another domain's table does not type-check. */

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** An ISO date (YYYY-MM-DD) kept as text, as the producing domain's event carried it. */
type DateColumn = ColumnType<string | null, string | null | undefined, string | null>;
/** A jsonb column: read as the parsed value, written as JSON text (or an SQL expression). */
type Json<T> = ColumnType<T, string, string>;

export interface SettingsTable {
  tenant_id: string;
  /** The values the tenant changed; keys it never set fall back to the defaults when read. */
  settings: Json<Record<string, unknown>>;
  updated_at: Timestamp;
  updated_by: string | null;
}

export interface OrganizationsTable {
  tenant_id: string;
  name: string;
  slug: string;
  updated_at: Timestamp;
}

export interface ClientsTable {
  tenant_id: string;
  id: string;
  name: string;
  archived: Generated<boolean>;
  updated_at: Timestamp;
}

/** A crm client merge: copies naming `merged_id` are written with `survivor_id` (trigger). */
export interface ClientMergesTable {
  tenant_id: string;
  merged_id: string;
  survivor_id: string;
  merged_at: Generated<Date>;
}

export interface ContactsTable {
  tenant_id: string;
  id: string;
  name: string;
  email: string | null;
  client_ids: ColumnType<string[], string[] | undefined, string[]>;
  archived: Generated<boolean>;
  updated_at: Timestamp;
}

export interface UsersTable {
  tenant_id: string;
  id: string;
  client_id: string;
  contact_id: string;
  email: string;
  name: string;
  invited_by: string | null;
  created_at: Timestamp;
  last_access_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  revoked_by: string | null;
}

export interface MagicLinksTable {
  tenant_id: string;
  id: string;
  portal_user_id: string;
  token_hash: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  created_ip: string | null;
  used_ip: string | null;
}

export interface SessionsTable {
  tenant_id: string;
  id: string;
  portal_user_id: string;
  magic_link_id: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
  ended_at: NullableTimestamp;
  ip: string | null;
  user_agent: string | null;
}

export interface ProjectsTable {
  tenant_id: string;
  id: string;
  client_id: string | null;
  name: string;
  status: string;
  start_date: DateColumn;
  due_date: DateColumn;
  updated_at: Timestamp;
}

export interface MilestonesTable {
  tenant_id: string;
  id: string;
  project_id: string;
  client_id: string | null;
  name: string;
  due_date: DateColumn;
  reached_at: NullableTimestamp;
}

export interface TasksTable {
  tenant_id: string;
  id: string;
  project_id: string;
  client_id: string | null;
  title: string;
  status: string;
  due_date: DateColumn;
  updated_at: Timestamp;
}

export interface FoldersTable {
  tenant_id: string;
  id: string;
  parent_id: string | null;
  client_id: string | null;
  name: string;
  archived: Generated<boolean>;
}

export interface FilesTable {
  tenant_id: string;
  id: string;
  folder_id: string;
  client_id: string | null;
  name: string;
  version: number;
  size: number;
  content_type: string;
  sha256: string;
  archived: Generated<boolean>;
  updated_at: Timestamp;
}

export interface FileRequestsTable {
  tenant_id: string;
  id: string;
  folder_id: string;
  client_id: string | null;
  label: string;
  expires_at: Timestamp;
  state: 'open' | 'revoked' | 'completed';
  updated_at: Timestamp;
}

export interface SharesTable {
  tenant_id: string;
  client_id: string;
  kind: 'folder' | 'task';
  target_id: string;
  shared_by: string | null;
  shared_at: Timestamp;
}

export interface ApprovalsTable {
  tenant_id: string;
  id: string;
  client_id: string;
  title: string;
  kind: 'file' | 'text';
  file_id: string | null;
  body: string | null;
  current_version: Generated<number>;
  subject_hash: string;
  requested_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  cancelled_at: NullableTimestamp;
  cancelled_by: string | null;
}

export interface ApprovalDecisionsTable {
  tenant_id: string;
  approval_id: string;
  version: number;
  subject_hash: string;
  decision: 'approved' | 'changes_requested';
  comment: string | null;
  decided_by: string;
  decided_at: Timestamp;
  ip: string | null;
  user_agent: string | null;
}

export type SettingsRow = Selectable<SettingsTable>;
export type UserRow = Selectable<UsersTable>;
export type ApprovalRow = Selectable<ApprovalsTable>;
export type DecisionRow = Selectable<ApprovalDecisionsTable>;

export interface PortalDB {
  'portal.settings': SettingsTable;
  'portal.organizations': OrganizationsTable;
  'portal.clients': ClientsTable;
  'portal.client_merges': ClientMergesTable;
  'portal.contacts': ContactsTable;
  'portal.users': UsersTable;
  'portal.magic_links': MagicLinksTable;
  'portal.sessions': SessionsTable;
  'portal.projects': ProjectsTable;
  'portal.milestones': MilestonesTable;
  'portal.tasks': TasksTable;
  'portal.folders': FoldersTable;
  'portal.files': FilesTable;
  'portal.file_requests': FileRequestsTable;
  'portal.shares': SharesTable;
  'portal.approvals': ApprovalsTable;
  'portal.approval_decisions': ApprovalDecisionsTable;
}
