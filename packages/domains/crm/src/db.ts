import type { ColumnType, Generated } from 'kysely';

/** Kysely table types of schema `crm` only: a query on another domain's table does not type-check. */

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string, string>;
export type CustomFieldValues = Record<string, unknown>;

export interface ClientsTable {
  id: string;
  tenant_id: string;
  name: string;
  name_normalized: string;
  domain: string | null;
  website: string | null;
  status: 'lead' | 'active' | 'past';
  owner_id: string | null;
  tags: string[];
  custom_fields: Json<CustomFieldValues>;
  created_at: Generated<Date>;
  updated_at: Timestamp;
  deleted_at: Date | null;
  merged_into: string | null;
}

export interface ContactsTable {
  id: string;
  tenant_id: string;
  name: string;
  email: string | null;
  email_normalized: string | null;
  phone: string | null;
  title: string | null;
  owner_id: string | null;
  tags: string[];
  custom_fields: Json<CustomFieldValues>;
  created_at: Generated<Date>;
  updated_at: Timestamp;
  deleted_at: Date | null;
  merged_into: string | null;
}

export interface RelationshipsTable {
  id: string;
  tenant_id: string;
  contact_id: string;
  client_id: string;
  role: string | null;
  created_at: Generated<Date>;
}

export interface NotesTable {
  id: string;
  tenant_id: string;
  subject_type: 'client' | 'contact' | 'deal';
  subject_id: string;
  client_id: string | null;
  body: string;
  author_id: string | null;
  created_at: Generated<Date>;
  updated_at: Timestamp;
  deleted_at: Date | null;
}

export type CustomFieldEntity = 'client' | 'contact' | 'deal';
export type CustomFieldType = 'text' | 'number' | 'date' | 'select' | 'multi_select' | 'boolean' | 'email' | 'url' | 'currency';

export interface CustomFieldsTable {
  id: string;
  tenant_id: string;
  entity: CustomFieldEntity;
  key: string;
  label: string;
  type: CustomFieldType;
  options: string[];
  required: boolean;
  position: number;
  created_at: Generated<Date>;
  updated_at: Timestamp;
  deleted_at: Date | null;
}

export interface PipelinesTable {
  id: string;
  tenant_id: string;
  name: string;
  is_default: boolean;
  created_at: Generated<Date>;
}

export interface PipelineStagesTable {
  id: string;
  tenant_id: string;
  pipeline_id: string;
  name: string;
  position: number;
  kind: 'open' | 'won' | 'lost';
  created_at: Generated<Date>;
  deleted_at: Date | null;
}

export interface DealsTable {
  id: string;
  tenant_id: string;
  client_id: string;
  contact_id: string | null;
  pipeline_id: string;
  stage_id: string;
  rank: number;
  title: string;
  value_minor: number;
  currency: string;
  /** node-postgres parses `date` as local midnight; read it back with localDate(). */
  expected_close: ColumnType<Date | null, string | null, string | null>;
  status: 'open' | 'won' | 'lost';
  close_reason: string | null;
  closed_at: Date | null;
  owner_id: string | null;
  custom_fields: Json<CustomFieldValues>;
  project_template_id: string | null;
  created_at: Generated<Date>;
  updated_at: Timestamp;
  deleted_at: Date | null;
}

export interface EngagementsTable {
  id: string;
  tenant_id: string;
  client_id: string;
  deal_id: string | null;
  name: string;
  project_ids: string[];
  invoice_ids: string[];
  created_at: Generated<Date>;
  updated_at: Timestamp;
}

export interface ProfileContact {
  id: string;
  name: string;
  email: string | null;
  role: string | null;
  at: string;
}

export interface ProfileDeal {
  id: string;
  title: string;
  value_minor: number;
  currency: string;
  stage_id: string;
  at: string;
}

export interface ClientProfilesTable {
  tenant_id: string;
  client_id: string;
  name: string | null;
  status: string | null;
  archived: boolean;
  merged_into: string | null;
  contacts: Json<Record<string, ProfileContact>>;
  open_deals: Json<Record<string, ProfileDeal>>;
  active_project_ids: string[];
  open_task_ids: string[];
  last_activity_at: Date | null;
  last_event_at: Date | null;
  updated_at: Timestamp;
}

/** The file's header row and which column feeds which field (`name`, `email`, `custom.<key>`, ...). */
export interface ImportMapping {
  header: string[];
  fields: Record<string, string>;
}

export interface ImportsTable {
  id: string;
  tenant_id: string;
  kind: 'clients' | 'contacts';
  mapping: Json<ImportMapping>;
  file_name: string | null;
  file_sha256: string;
  status: 'queued' | 'running' | 'completed' | 'failed';
  total_rows: number;
  total_chunks: number;
  next_chunk: number;
  rows_done: number;
  created_count: number;
  duplicate_count: number;
  error_count: number;
  created_by: string | null;
  created_at: Generated<Date>;
  updated_at: Timestamp;
  finished_at: Date | null;
  /** Why the import failed (a chunk dead-lettered); null otherwise. */
  error: string | null;
}

export interface ImportFilesTable {
  tenant_id: string;
  import_id: string;
  chunk: number;
  first_row: number;
  row_count: number;
  content: string;
}

export interface ImportErrorsTable {
  id: string;
  tenant_id: string;
  import_id: string;
  row_number: number;
  field: string | null;
  message: string;
}

export interface CrmDB {
  'crm.clients': ClientsTable;
  'crm.contacts': ContactsTable;
  'crm.relationships': RelationshipsTable;
  'crm.notes': NotesTable;
  'crm.custom_fields': CustomFieldsTable;
  'crm.pipelines': PipelinesTable;
  'crm.pipeline_stages': PipelineStagesTable;
  'crm.deals': DealsTable;
  'crm.engagements': EngagementsTable;
  'crm.client_profiles': ClientProfilesTable;
  'crm.imports': ImportsTable;
  'crm.import_files': ImportFilesTable;
  'crm.import_errors': ImportErrorsTable;
}
