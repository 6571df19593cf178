import type { ColumnType, Selectable } from 'kysely';

/** Kysely table types of schema `scheduling` only: a query on another domain's table does not type-check. */

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

type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** A tstzrange column, read as Postgres's text form ('["…","…")'); written through sql``. */
type Range = ColumnType<string, string, string>;

export interface SitesTable {
  tenant_id: string;
  slug: string;
  name: string;
  updated_at: Timestamp;
}
export type SiteRow = Selectable<SitesTable>;

export interface AppointmentTypesTable {
  id: string;
  tenant_id: string;
  page_slug: string;
  slug: string;
  name: string;
  description: string;
  duration_minutes: number;
  location_kind: 'in_person' | 'phone' | 'video';
  location_detail: string;
  buffer_before_minutes: number;
  buffer_after_minutes: number;
  minimum_notice_minutes: number;
  booking_window_days: number;
  max_per_day: number | null;
  slot_interval_minutes: number | null;
  questions: Json<{ id: string; label: string; kind: 'text' | 'long_text' | 'phone'; required: boolean }[]>;
  assignment: 'single' | 'round_robin' | 'collective';
  host_ids: string[];
  reminder_minutes: number[];
  project_template_id: string | null;
  active: boolean;
  archived_at: NullableTimestamp;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}
export type AppointmentTypeRow = Selectable<AppointmentTypesTable>;

export interface SchedulesTable {
  tenant_id: string;
  user_id: string;
  time_zone: string;
  weekly: Json<Record<string, [number, number][]>>;
  updated_at: Timestamp;
}
export type ScheduleRow = Selectable<SchedulesTable>;

export interface DateOverridesTable {
  tenant_id: string;
  user_id: string;
  /** Read as 'YYYY-MM-DD' (the kernel's parser keeps dates as text). */
  date: ColumnType<string, string, string>;
  ranges: Json<[number, number][]>;
}

export interface HolidaysTable {
  tenant_id: string;
  date: ColumnType<string, string, string>;
  name: string;
}

export type Status = 'held' | 'booked' | 'cancelled' | 'completed' | 'no_show';

export interface AppointmentsTable {
  id: string;
  tenant_id: string;
  type_id: string;
  status: Status;
  start_at: Timestamp;
  end_at: Timestamp;
  host_ids: string[];
  attendee_name: string;
  attendee_email: string;
  attendee_time_zone: string;
  answers: Json<Record<string, string>>;
  client_id: string | null;
  contact_id: string | null;
  source: 'public' | 'staff' | 'workflow';
  cancel_reason: string | null;
  reschedule_reason: string | null;
  cancelled_by: 'attendee' | 'staff' | 'system' | null;
  manage_token_hash: string;
  manage_expires_at: Timestamp;
  ical_uid: string;
  sequence: ColumnType<number, number | undefined, number>;
  hold_expires_at: NullableTimestamp;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}
export type AppointmentRow = Selectable<AppointmentsTable>;

export interface AppointmentHostsTable {
  tenant_id: string;
  appointment_id: string;
  host_id: string;
  type_id: string;
  status: Status;
  starts_at: Timestamp;
  blocked: Range;
}

export interface CalendarsTable {
  id: string;
  tenant_id: string;
  user_id: string;
  connection_id: string;
  provider: string;
  url: string;
  display_name: string;
  is_primary: ColumnType<boolean, boolean | undefined, boolean>;
  check_busy: ColumnType<boolean, boolean | undefined, boolean>;
  sync_token: string | null;
  ctag: string | null;
  last_synced_at: NullableTimestamp;
  last_error: string | null;
  created_at: Timestamp;
}
export type CalendarRow = Selectable<CalendarsTable>;

export interface BusyIntervalsTable {
  tenant_id: string;
  calendar_id: string;
  user_id: string;
  external_id: string;
  occurrence: ColumnType<number, number | undefined, number>;
  etag: string | null;
  during: Range;
}

export interface CalendarEventsTable {
  tenant_id: string;
  appointment_id: string;
  calendar_id: string;
  url: string | null;
  etag: string | null;
  wanted: 'present' | 'absent';
  wanted_version: ColumnType<number, number | undefined, number>;
  written_version: ColumnType<number, number | undefined, number>;
  last_error: string | null;
}

export interface ContactEmailsTable {
  tenant_id: string;
  contact_id: string;
  email_normalized: string | null;
  client_id: string | null;
  archived: boolean;
}

export interface RemindersTable {
  id: string;
  tenant_id: string;
  appointment_id: string;
  offset_minutes: number;
  due_at: Timestamp;
  status: ColumnType<'pending' | 'sent' | 'cancelled', 'pending' | 'sent' | 'cancelled' | undefined, 'pending' | 'sent' | 'cancelled'>;
  sent_at: NullableTimestamp;
}

export interface SchedulingDB {
  'scheduling.settings': SettingsTable;
  'scheduling.sites': SitesTable;
  'scheduling.appointment_types': AppointmentTypesTable;
  'scheduling.schedules': SchedulesTable;
  'scheduling.date_overrides': DateOverridesTable;
  'scheduling.holidays': HolidaysTable;
  'scheduling.appointments': AppointmentsTable;
  'scheduling.appointment_hosts': AppointmentHostsTable;
  'scheduling.calendars': CalendarsTable;
  'scheduling.busy_intervals': BusyIntervalsTable;
  'scheduling.calendar_events': CalendarEventsTable;
  'scheduling.contact_emails': ContactEmailsTable;
  'scheduling.reminders': RemindersTable;
}
