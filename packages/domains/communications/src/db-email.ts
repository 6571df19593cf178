import type { ColumnType, Generated, Selectable } from 'kysely';

/** Kysely table types of client email (schema `communications`, migration 0003_client_email). */

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** int8 columns come back as numbers (the kernel's parser; UIDs and UIDVALIDITY are 32-bit), numeric as strings. */
type BigIntColumn = ColumnType<number, number, number>;
type NullableBigInt = ColumnType<number | null, number | null | undefined, number | null>;
type NullableNumeric = ColumnType<string | null, string | null | undefined, string | null>;
type TextArray = ColumnType<string[], string[] | undefined, string[]>;

export interface ReconcileReport {
  /** UIDs stored locally that the server no longer has (deleted there). */
  deletedOnServer: number;
  /** UIDs the server has (up to the cursor) that are not stored: mail that would be silently missing. */
  missingLocally: number;
  folders: { path: string; deletedOnServer: number; missingLocally: number; serverCount: number; storedCount: number }[];
}

export interface EmailAccountsTable {
  id: string;
  tenant_id: string;
  owner_user_id: string;
  connection_id: string;
  provider: ColumnType<'imap' | 'gmail' | 'graph', 'imap' | 'gmail' | 'graph' | undefined, 'imap' | 'gmail' | 'graph'>;
  email_address: string;
  display_name: string | null;
  imap_host: string;
  imap_port: number;
  imap_tls: boolean;
  smtp_host: string;
  smtp_port: number;
  smtp_security: 'tls' | 'starttls' | 'none';
  username: string;
  poll_interval_seconds: ColumnType<number, number | undefined, number>;
  last_synced_at: NullableTimestamp;
  last_sync_error: string | null;
  reconciled_at: NullableTimestamp;
  reconcile_report: ColumnType<ReconcileReport | null, string | null | undefined, string | null>;
  created_at: Timestamp;
  disconnected_at: NullableTimestamp;
}

export interface EmailFoldersTable {
  id: string;
  tenant_id: string;
  account_id: string;
  path: string;
  special_use: string | null;
  uidvalidity: NullableBigInt;
  highest_uid: ColumnType<number, number | undefined, number>;
  highest_modseq: NullableNumeric;
  full_resyncs: Generated<number>;
  next_sync_at: Timestamp;
  last_synced_at: NullableTimestamp;
  last_error: string | null;
  server_count: number | null;
}

export interface EmailThreadsTable {
  id: string;
  tenant_id: string;
  account_id: string;
  owner_user_id: string;
  subject: string;
  subject_key: string;
  provider_thread_id: string | null;
  first_message_at: Timestamp;
  last_message_at: Timestamp;
  message_count: Generated<number>;
  participants: TextArray;
  snippet: ColumnType<string, string | undefined, string>;
  internal: ColumnType<boolean, boolean | undefined, boolean>;
  merged_into: string | null;
  created_at: Timestamp;
}

export interface EmailMessagesTable {
  id: string;
  tenant_id: string;
  account_id: string;
  thread_id: string;
  dedupe_key: string;
  message_id_header: string | null;
  in_reply_to: string | null;
  reference_ids: TextArray;
  direction: 'inbound' | 'outbound';
  subject: string;
  from_address: string | null;
  from_name: string | null;
  sent_at: Timestamp;
  snippet: string;
  text_body: string;
  html_body: string | null;
  remote_images: ColumnType<number, number | undefined, number>;
  size_bytes: ColumnType<number, number | undefined, number>;
  provider_thread_id: string | null;
  send_status: 'queued' | 'sent' | 'failed' | null;
  send_error: string | null;
  send_attempts: Generated<number>;
  send_claimed_until: NullableTimestamp;
  sent_by: string | null;
  deleted_on_server_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface EmailLocationsTable {
  tenant_id: string;
  folder_id: string;
  uidvalidity: BigIntColumn;
  uid: BigIntColumn;
  message_id: string;
  seen: ColumnType<boolean, boolean | undefined, boolean>;
  removed_at: NullableTimestamp;
}

export interface EmailThreadRefsTable {
  tenant_id: string;
  account_id: string;
  ref: string;
  thread_id: string;
}

export type ParticipantRole = 'from' | 'to' | 'cc' | 'bcc' | 'reply_to';

export interface EmailParticipantsTable {
  tenant_id: string;
  message_id: string;
  thread_id: string;
  role: ParticipantRole;
  address: string;
  name: string | null;
}

export interface EmailAttachmentsTable {
  id: string;
  tenant_id: string;
  message_id: string;
  filename: string;
  content_type: string;
  size_bytes: number;
  content_id: string | null;
  inline: boolean;
  blob_key: string;
}

export interface ThreadLinksTable {
  tenant_id: string;
  thread_id: string;
  client_id: string;
  state: 'linked' | 'unlinked';
  source: 'auto' | 'manual';
  contact_id: string | null;
  changed_by: string | null;
  changed_at: Timestamp;
}

export interface ContactEmailsTable {
  tenant_id: string;
  contact_id: string;
  email: string | null;
  client_ids: ColumnType<string[], string[] | undefined, string[]>;
  active: ColumnType<boolean, boolean | undefined, boolean>;
  updated_at: Timestamp;
}

export type AccountRow = Selectable<EmailAccountsTable>;
export type FolderRow = Selectable<EmailFoldersTable>;
export type ThreadRow = Selectable<EmailThreadsTable>;
export type MessageRow = Selectable<EmailMessagesTable>;

export interface EmailDB {
  'communications.email_accounts': EmailAccountsTable;
  'communications.email_folders': EmailFoldersTable;
  'communications.email_threads': EmailThreadsTable;
  'communications.email_messages': EmailMessagesTable;
  'communications.email_locations': EmailLocationsTable;
  'communications.email_thread_refs': EmailThreadRefsTable;
  'communications.email_participants': EmailParticipantsTable;
  'communications.email_attachments': EmailAttachmentsTable;
  'communications.thread_links': ThreadLinksTable;
  'communications.contact_emails': ContactEmailsTable;
}
