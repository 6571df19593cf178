import type { ColumnType, Generated } from 'kysely';
import type { ChecklistItem, ProjectStatus, TaskStatus } from './contracts.ts';

/** Kysely types for schema `projects` only: a query into another domain's schema does not type-check. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** `date` columns are read back as text (YYYY-MM-DD) by the repository's selections. */
type DateColumn = ColumnType<string | null, string | null | undefined, string | null>;
type Json<T> = ColumnType<T, string, string>;

/**
 * A template's skeleton as stored in `projects.templates.skeleton` (jsonb, snake_case keys as
 * written since the first migration). The repository maps it to and from the camelCase DTO.
 */
export interface StoredSkeleton {
  columns?: { name: string; is_done?: boolean }[];
  milestones?: { key: string; name: string; offset_days?: number | null }[];
  tasks?: { title: string; description?: string | null; milestone_key?: string | null; offset_days?: number | null; checklist?: string[] }[];
}

export interface TemplatesTable {
  id: string;
  tenant_id: string;
  name: string;
  description: string | null;
  skeleton: Json<StoredSkeleton>;
  created_by: string | null;
  created_at: Generated<Date>;
  updated_at: Timestamp;
  archived_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface ProjectsTable {
  id: string;
  tenant_id: string;
  name: string;
  description: string | null;
  client_id: string | null;
  engagement_id: string | null;
  template_id: string | null;
  status: ProjectStatus;
  start_date: DateColumn;
  due_date: DateColumn;
  completed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_by: string | null;
  created_at: Generated<Date>;
  updated_at: Timestamp;
}

export interface ColumnsTable {
  id: string;
  tenant_id: string;
  project_id: string;
  name: string;
  position: string;
  is_done: Generated<boolean>;
  created_at: Generated<Date>;
}

export interface MilestonesTable {
  id: string;
  tenant_id: string;
  project_id: string;
  name: string;
  due_date: DateColumn;
  reached_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_at: Generated<Date>;
  updated_at: Timestamp;
}

export interface TasksTable {
  id: string;
  tenant_id: string;
  project_id: string;
  column_id: string;
  milestone_id: string | null;
  title: string;
  description: string | null;
  status: ColumnType<TaskStatus, TaskStatus | undefined, TaskStatus>;
  assignee_id: string | null;
  due_date: DateColumn;
  checklist: Json<ChecklistItem[]>;
  position: string;
  completed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_by: string | null;
  created_at: Generated<Date>;
  updated_at: Timestamp;
}

export interface ProjectsDB {
  'projects.templates': TemplatesTable;
  'projects.projects': ProjectsTable;
  'projects.columns': ColumnsTable;
  'projects.milestones': MilestonesTable;
  'projects.tasks': TasksTable;
}
