import type { ColumnType, Generated, Selectable } from 'kysely';

/** Kysely table types of schema `files` only: a query on another domain's table does not type-check. */

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** A jsonb column: read as the parsed value, written as JSON text (or an SQL expression). */
type Json<T> = ColumnType<T, string, string>;
/** bigint: the kernel's pg parser returns it as a number (file sizes stay far below 2^53). */
type BigInt = ColumnType<number, number, number>;
type NullableBigInt = ColumnType<number | null, number | null | undefined, number | null>;

export interface SettingsTable {
  tenant_id: string;
  /** The values the tenant changed; keys it never set fall back to the defaults when read. */
  settings: Json<Record<string, unknown>>;
  updated_at: Timestamp;
  updated_by: string | null;
}

export interface FoldersTable {
  id: string;
  tenant_id: string;
  parent_id: string | null;
  name: string;
  client_id: string | null;
  project_id: string | null;
  template_id: string | null;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  archived_at: NullableTimestamp;
}

export interface BlobsTable {
  id: string;
  tenant_id: string;
  storage: 'local' | 's3';
  key: string;
  state: ColumnType<'pending' | 'uploaded' | 'ready' | 'rejected' | 'expired', 'pending' | undefined, 'uploaded' | 'ready' | 'rejected' | 'expired'>;
  name: string;
  declared_size: BigInt;
  declared_type: string;
  size: NullableBigInt;
  sniffed_type: string | null;
  sha256: string | null;
  etag: string | null;
  reject_reason: string | null;
  folder_id: string | null;
  file_id: string | null;
  request_id: string | null;
  uploader_name: string | null;
  uploader_email: string | null;
  created_by: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  finalized_at: NullableTimestamp;
}

export interface FilesTable {
  id: string;
  tenant_id: string;
  folder_id: string;
  name: string;
  /** lower(name), generated: the listing's sort and cursor key. */
  name_key: ColumnType<string, never, never>;
  client_id: string | null;
  project_id: string | null;
  current_version_id: string | null;
  version_count: Generated<number>;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  archived_at: NullableTimestamp;
}

export interface FileVersionsTable {
  id: string;
  tenant_id: string;
  file_id: string;
  version: number;
  blob_id: string;
  name: string;
  uploaded_by: string | null;
  request_id: string | null;
  uploader_name: string | null;
  uploader_email: string | null;
  created_at: Timestamp;
}

export interface TemplatesTable {
  id: string;
  tenant_id: string;
  name: string;
  folders: Json<unknown>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface RequestsTable {
  id: string;
  tenant_id: string;
  token_hash: string;
  label: string;
  folder_id: string;
  client_id: string | null;
  project_id: string | null;
  max_files: number;
  max_bytes_per_file: BigInt;
  allowed_types: string[];
  require_uploader_name: boolean;
  require_uploader_email: boolean;
  files_received: Generated<number>;
  expires_at: Timestamp;
  revoked_at: NullableTimestamp;
  revoked_by: string | null;
  completed_at: NullableTimestamp;
  created_by: string | null;
  created_at: Timestamp;
}

export interface RequestSubmissionsTable {
  id: string;
  tenant_id: string;
  request_id: string;
  blob_id: string;
  file_id: string;
  uploader_name: string | null;
  uploader_email: string | null;
  created_at: Timestamp;
}

export type SettingsRow = Selectable<SettingsTable>;
export type FolderRow = Selectable<FoldersTable>;
export type BlobRow = Selectable<BlobsTable>;
export type FileRow = Selectable<FilesTable>;
export type FileVersionRow = Selectable<FileVersionsTable>;
export type TemplateRow = Selectable<TemplatesTable>;
export type RequestRow = Selectable<RequestsTable>;
export type RequestSubmissionRow = Selectable<RequestSubmissionsTable>;

/** The organization's name as identity published it (the public request page shows it). */
export interface OrganizationsTable {
  tenant_id: string;
  name: string;
  updated_at: Generated<Date>;
}

export interface FilesDB {
  'files.settings': SettingsTable;
  'files.organizations': OrganizationsTable;
  'files.folders': FoldersTable;
  'files.blobs': BlobsTable;
  'files.files': FilesTable;
  'files.file_versions': FileVersionsTable;
  'files.templates': TemplatesTable;
  'files.requests': RequestsTable;
  'files.request_submissions': RequestSubmissionsTable;
}
