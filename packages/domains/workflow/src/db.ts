import type { ColumnType, Generated } from 'kysely';
import type { RunStatus } from './contracts.ts';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json = ColumnType<unknown, string, string>;
type NullableJson = ColumnType<unknown, string | null | undefined, string | null>;

export interface DefinitionsTable {
  id: string;
  tenant_id: string;
  name: string;
  description: Generated<string>;
  trigger_event: string;
  current_version: number;
  enabled: Generated<boolean>;
  template_key: string | null;
  missing_actions: ColumnType<string[], string[] | undefined, string[]>;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: NullableTimestamp;
}

export interface DefinitionVersionsTable {
  tenant_id: string;
  definition_id: string;
  version: number;
  spec: Json;
  created_by: string | null;
  created_at: Timestamp;
}

export interface RunsTable {
  id: string;
  tenant_id: string;
  definition_id: string;
  definition_version: number;
  trigger_event_id: string;
  trigger_event_type: string;
  trigger_event: Json;
  status: RunStatus;
  current_step: Generated<number>;
  error: NullableJson;
  created_at: Timestamp;
  updated_at: Timestamp;
  finished_at: NullableTimestamp;
}

export interface RunStepsTable {
  tenant_id: string;
  run_id: string;
  step_index: number;
  step_key: string;
  action: string;
  status: RunStatus;
  input: NullableJson;
  output: NullableJson;
  error: NullableJson;
  attempts: Generated<number>;
  scheduled_for: NullableTimestamp;
  started_at: NullableTimestamp;
  finished_at: NullableTimestamp;
  updated_at: Timestamp;
}

/** A parked step's wait for an event (README "Waiting for an event"). */
export interface StepWaitsTable {
  tenant_id: string;
  run_id: string;
  step_index: number;
  event_type: string;
  match: Json;
  created_at: Generated<Date>;
  expires_at: Timestamp;
  woken_at: NullableTimestamp;
  woken_by_event: string | null;
}

export interface StepWakeupsTable {
  id: Generated<number>;
  tenant_id: string;
  run_id: string;
  step_index: number;
  due_at: Timestamp;
  created_at: Timestamp;
}

export interface NotificationsTable {
  id: string;
  tenant_id: string;
  user_id: string;
  title: string;
  body: Generated<string>;
  link: string | null;
  run_id: string | null;
  idempotency_key: string | null;
  created_at: Timestamp;
  read_at: NullableTimestamp;
}

export interface SchedulesTable {
  definition_id: string;
  tenant_id: string;
  cron: string;
  timezone: Generated<string>;
  updated_at: Timestamp;
}

/** The workflow schema only: a query on another domain's table does not type-check. */
export interface WorkflowDB {
  'workflow.definitions': DefinitionsTable;
  'workflow.definition_versions': DefinitionVersionsTable;
  'workflow.runs': RunsTable;
  'workflow.run_steps': RunStepsTable;
  'workflow.step_waits': StepWaitsTable;
  'workflow.step_wakeups': StepWakeupsTable;
  'workflow.notifications': NotificationsTable;
  'workflow.schedules': SchedulesTable;
}
