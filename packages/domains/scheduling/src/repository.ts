import { sql, type Kysely, type Transaction, type UntypedDB } from '@ubos/platform';
import type { Insertable, Updateable } from 'kysely';
import type {
  AppointmentRow,
  AppointmentsTable,
  AppointmentTypeRow,
  AppointmentTypesTable,
  ScheduleRow,
  SchedulingDB,
  SettingsRow,
  SiteRow,
  Status,
} from './db.ts';

/** Kysely queries against schema `scheduling` only (ARCHITECTURE.md §4). RLS scopes every one to the tenant. */

type Db = Transaction<SchedulingDB>;

/** The tenant's settings row, locked until the transaction ends when `forUpdate`. */
export async function findSettings(db: Db, tenantId: string, options: { forUpdate?: boolean } = {}): Promise<SettingsRow | undefined> {
  const query = db.selectFrom('scheduling.settings').selectAll().where('tenant_id', '=', tenantId);
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

/**
 * Conditional upsert: creates the tenant's row (defaults merged with `changes`) or merges
 * `changes` into it, in one statement. Returns undefined, having written nothing, when the
 * merge would leave the stored settings as they are.
 */
export async function upsertSettings(
  db: Db,
  input: { tenantId: string; defaults: Record<string, unknown>; changes: Record<string, unknown>; updatedBy: string | null },
): Promise<SettingsRow | undefined> {
  const changes = sql<string>`${JSON.stringify(input.changes)}::jsonb`;
  const stored = sql.ref('scheduling.settings.settings');
  return db
    .insertInto('scheduling.settings')
    .values({ tenant_id: input.tenantId, settings: sql<string>`${JSON.stringify(input.defaults)}::jsonb || ${changes}`, updated_by: input.updatedBy })
    .onConflict((conflict) =>
      conflict
        .column('tenant_id')
        .doUpdateSet({ settings: sql<string>`${stored} || ${changes}`, updated_at: sql<Date>`now()`, updated_by: input.updatedBy })
        .where(sql<boolean>`(${stored} || ${changes}) IS DISTINCT FROM ${stored}`),
    )
    .returningAll()
    .executeTakeFirst();
}

// ================================================================ scheduling

export async function findSite(db: Db): Promise<SiteRow | undefined> {
  return db.selectFrom('scheduling.sites').selectAll().executeTakeFirst();
}

export async function upsertSite(db: Db, tenantId: string, site: { slug: string; name: string }): Promise<SiteRow> {
  return db
    .insertInto('scheduling.sites')
    .values({ tenant_id: tenantId, slug: site.slug, name: site.name })
    .onConflict((conflict) => conflict.column('tenant_id').doUpdateSet({ slug: site.slug, name: site.name, updated_at: sql<Date>`now()` }))
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The site of a public slug, before any tenant is known (SECURITY DEFINER). */
export async function siteBySlug(db: Kysely<UntypedDB>, slug: string): Promise<{ tenant_id: string; name: string } | undefined> {
  const result = await sql<{ tenant_id: string; name: string }>`SELECT tenant_id, name FROM scheduling.site_by_slug(${slug})`.execute(db);
  return result.rows[0];
}

export async function appointmentByTokenHash(db: Kysely<UntypedDB>, hash: string): Promise<{ id: string; tenant_id: string } | undefined> {
  const result = await sql<{ id: string; tenant_id: string }>`SELECT id, tenant_id FROM scheduling.appointment_by_token_hash(${hash})`.execute(db);
  return result.rows[0];
}

// ---------------------------------------------------------------- types

export async function insertType(db: Db, row: Insertable<AppointmentTypesTable>): Promise<AppointmentTypeRow> {
  return db.insertInto('scheduling.appointment_types').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function updateType(db: Db, id: string, changes: Updateable<AppointmentTypesTable>): Promise<AppointmentTypeRow | undefined> {
  return db
    .updateTable('scheduling.appointment_types')
    .set({ ...changes, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('archived_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

export async function findType(db: Db, id: string, options: { forUpdate?: boolean } = {}): Promise<AppointmentTypeRow | undefined> {
  const query = db.selectFrom('scheduling.appointment_types').selectAll().where('id', '=', id);
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

export async function listTypes(db: Db, options: { includeArchived: boolean; pageSlug?: string }): Promise<AppointmentTypeRow[]> {
  let query = db.selectFrom('scheduling.appointment_types').selectAll();
  if (!options.includeArchived) query = query.where('archived_at', 'is', null);
  if (options.pageSlug) query = query.where('page_slug', '=', options.pageSlug).where('active', '=', true);
  return query.orderBy('page_slug').orderBy('name').orderBy('id').execute();
}

export async function findPageType(db: Db, pageSlug: string, slug: string): Promise<AppointmentTypeRow | undefined> {
  return db
    .selectFrom('scheduling.appointment_types')
    .selectAll()
    .where('page_slug', '=', pageSlug)
    .where('slug', '=', slug)
    .where('archived_at', 'is', null)
    .where('active', '=', true)
    .executeTakeFirst();
}

// ---------------------------------------------------------------- availability

export async function findSchedules(db: Db, userIds: readonly string[]): Promise<ScheduleRow[]> {
  if (userIds.length === 0) return [];
  return db.selectFrom('scheduling.schedules').selectAll().where('user_id', 'in', userIds).execute();
}

export async function upsertSchedule(db: Db, row: { tenantId: string; userId: string; timeZone: string; weekly: Record<string, unknown> }): Promise<void> {
  const weekly = JSON.stringify(row.weekly);
  await db
    .insertInto('scheduling.schedules')
    .values({ tenant_id: row.tenantId, user_id: row.userId, time_zone: row.timeZone, weekly })
    .onConflict((conflict) => conflict.columns(['tenant_id', 'user_id']).doUpdateSet({ time_zone: row.timeZone, weekly, updated_at: sql<Date>`now()` }))
    .execute();
}

export async function replaceOverrides(
  db: Db,
  tenantId: string,
  userId: string,
  overrides: readonly { date: string; ranges: readonly (readonly [number, number])[] }[],
): Promise<void> {
  await db.deleteFrom('scheduling.date_overrides').where('user_id', '=', userId).execute();
  if (overrides.length === 0) return;
  await db
    .insertInto('scheduling.date_overrides')
    .values(overrides.map((o) => ({ tenant_id: tenantId, user_id: userId, date: o.date, ranges: JSON.stringify(o.ranges) })))
    .execute();
}

export async function listOverrides(db: Db, userIds: readonly string[]): Promise<{ user_id: string; date: string; ranges: [number, number][] }[]> {
  if (userIds.length === 0) return [];
  return db
    .selectFrom('scheduling.date_overrides')
    .select(['user_id', sql<string>`to_char(date, 'YYYY-MM-DD')`.as('date'), 'ranges'])
    .where('user_id', 'in', userIds)
    .orderBy('date')
    .execute();
}

export async function replaceHolidays(db: Db, tenantId: string, holidays: readonly { date: string; name: string }[]): Promise<void> {
  await db.deleteFrom('scheduling.holidays').execute();
  if (holidays.length === 0) return;
  await db
    .insertInto('scheduling.holidays')
    .values(holidays.map((h) => ({ tenant_id: tenantId, date: h.date, name: h.name })))
    .execute();
}

export async function listHolidays(db: Db): Promise<{ date: string; name: string }[]> {
  return db
    .selectFrom('scheduling.holidays')
    .select([sql<string>`to_char(date, 'YYYY-MM-DD')`.as('date'), 'name'])
    .orderBy('date')
    .execute();
}

/**
 * Busy time of the hosts touching [from, to): live appointments' blocked ranges (buffers
 * included) and external calendar events. One range query per source on the GiST indexes.
 */
export async function loadBusy(
  db: Db,
  hostIds: readonly string[],
  from: Date,
  to: Date,
  options: { excludeAppointmentId?: string } = {},
): Promise<{ host_id: string; start_at: Date; end_at: Date; type_id: string | null; appointment_start: Date | null }[]> {
  if (hostIds.length === 0) return [];
  const window = sql`tstzrange(${from}::timestamptz, ${to}::timestamptz, '[)')`;
  // One table, no join: the host rows carry what the computation needs.
  let appointments = db
    .selectFrom('scheduling.appointment_hosts as h')
    .select([
      'h.host_id',
      sql<Date>`lower(h.blocked)`.as('start_at'),
      sql<Date>`upper(h.blocked)`.as('end_at'),
      sql<string | null>`h.type_id`.as('type_id'),
      sql<Date | null>`h.starts_at`.as('appointment_start'),
    ])
    .where('h.host_id', 'in', hostIds)
    .where('h.status', 'in', ['held', 'booked'])
    .where(sql<boolean>`h.blocked && ${window}`);
  if (options.excludeAppointmentId) appointments = appointments.where('h.appointment_id', '<>', options.excludeAppointmentId);
  const external = db
    .selectFrom('scheduling.busy_intervals as b')
    .innerJoin('scheduling.calendars as c', 'c.id', 'b.calendar_id')
    .select([
      'b.user_id as host_id',
      sql<Date>`lower(b.during)`.as('start_at'),
      sql<Date>`upper(b.during)`.as('end_at'),
      sql<string | null>`NULL::uuid`.as('type_id'),
      sql<Date | null>`NULL::timestamptz`.as('appointment_start'),
    ])
    .where('b.user_id', 'in', hostIds)
    .where('c.check_busy', '=', true)
    .where(sql<boolean>`b.during && ${window}`);
  return appointments.unionAll(external).execute();
}

// ---------------------------------------------------------------- appointments

export async function insertAppointment(db: Db, row: Insertable<AppointmentsTable>): Promise<AppointmentRow> {
  return db.insertInto('scheduling.appointments').values(row).returningAll().executeTakeFirstOrThrow();
}

/** The per-host rows carrying the no-overlap invariant; throws 23P01 when a host is taken. */
export async function insertHostRows(
  db: Db,
  rows: readonly { tenantId: string; appointmentId: string; hostId: string; typeId: string; status: Status; startsAt: Date; start: Date; end: Date }[],
): Promise<void> {
  await db
    .insertInto('scheduling.appointment_hosts')
    .values(
      rows.map((row) => ({
        tenant_id: row.tenantId,
        appointment_id: row.appointmentId,
        host_id: row.hostId,
        type_id: row.typeId,
        status: row.status,
        starts_at: row.startsAt,
        blocked: sql<string>`tstzrange(${row.start}::timestamptz, ${row.end}::timestamptz, '[)')`,
      })),
    )
    .execute();
}

export async function findAppointment(db: Db, id: string, options: { forUpdate?: boolean } = {}): Promise<AppointmentRow | undefined> {
  const query = db.selectFrom('scheduling.appointments').selectAll().where('id', '=', id);
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

export async function listAppointments(
  db: Db,
  filter: {
    from?: Date;
    to?: Date;
    hostId?: string | undefined;
    clientId?: string | undefined;
    statuses?: readonly Status[] | undefined;
    limit: number;
    newestFirst?: boolean;
  },
): Promise<AppointmentRow[]> {
  let query = db.selectFrom('scheduling.appointments').selectAll();
  if (filter.from) query = query.where('end_at', '>', filter.from);
  if (filter.to) query = query.where('start_at', '<', filter.to);
  if (filter.hostId) query = query.where(sql<boolean>`${filter.hostId}::uuid = ANY(host_ids)`);
  if (filter.clientId) query = query.where('client_id', '=', filter.clientId);
  if (filter.statuses && filter.statuses.length > 0) query = query.where('status', 'in', filter.statuses);
  return query
    .orderBy('start_at', filter.newestFirst ? 'desc' : 'asc')
    .orderBy('id')
    .limit(filter.limit)
    .execute();
}

/** Moves an appointment from one of `from` to `to` (conditional UPDATE), its host rows with it. */
export async function setStatus(
  db: Db,
  id: string,
  from: readonly Status[],
  to: Status,
  extra: Updateable<AppointmentsTable> = {},
  options: { bumpSequence?: boolean } = {},
): Promise<AppointmentRow | undefined> {
  const row = await db
    .updateTable('scheduling.appointments')
    .set({ ...extra, status: to, updated_at: sql<Date>`now()`, ...(options.bumpSequence ? { sequence: sql<number>`sequence + 1` } : {}) })
    .where('id', '=', id)
    .where('status', 'in', from)
    .returningAll()
    .executeTakeFirst();
  if (row) await db.updateTable('scheduling.appointment_hosts').set({ status: to }).where('appointment_id', '=', id).execute();
  return row;
}

/** New times for a live appointment and its host rows (the exclusion constraint re-checks them). */
export async function moveAppointment(
  db: Db,
  id: string,
  move: { start: Date; end: Date; blockedStart: Date; blockedEnd: Date; reason: string | null },
): Promise<AppointmentRow | undefined> {
  const row = await db
    .updateTable('scheduling.appointments')
    .set({
      start_at: move.start,
      end_at: move.end,
      reschedule_reason: move.reason,
      sequence: sql<number>`sequence + 1`,
      updated_at: sql<Date>`now()`,
      manage_expires_at: new Date(move.end.getTime() + 30 * 86_400_000),
    })
    .where('id', '=', id)
    .where('status', '=', 'booked')
    .returningAll()
    .executeTakeFirst();
  if (!row) return undefined;
  await db
    .updateTable('scheduling.appointment_hosts')
    .set({ starts_at: move.start, blocked: sql<string>`tstzrange(${move.blockedStart}::timestamptz, ${move.blockedEnd}::timestamptz, '[)')` })
    .where('appointment_id', '=', id)
    .execute();
  return row;
}

/** Live appointments per host of a type in a window (round-robin fairness: fewest first). */
export async function countUpcomingByHost(db: Db, hostIds: readonly string[], from: Date, to: Date): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  if (hostIds.length === 0) return counts;
  const rows = await db
    .selectFrom('scheduling.appointment_hosts as h')
    .select(['h.host_id', sql<number>`count(*)::int`.as('n')])
    .where('h.host_id', 'in', hostIds)
    .where('h.status', 'in', ['held', 'booked', 'completed'])
    .where('h.starts_at', '>=', from)
    .where('h.starts_at', '<', to)
    .groupBy('h.host_id')
    .execute();
  for (const row of rows) counts.set(row.host_id, row.n);
  return counts;
}

// ---------------------------------------------------------------- contact emails (local copy of crm's)

export async function upsertContactEmail(
  db: Db,
  row: { tenantId: string; contactId: string; email: string | null; clientId: string | null; archived: boolean },
): Promise<void> {
  await db
    .insertInto('scheduling.contact_emails')
    .values({ tenant_id: row.tenantId, contact_id: row.contactId, email_normalized: row.email, client_id: row.clientId, archived: row.archived })
    .onConflict((conflict) =>
      conflict.columns(['tenant_id', 'contact_id']).doUpdateSet({ email_normalized: row.email, client_id: row.clientId, archived: row.archived }),
    )
    .execute();
}

export async function findContactByEmail(db: Db, email: string): Promise<{ contact_id: string; client_id: string | null } | undefined> {
  return db
    .selectFrom('scheduling.contact_emails')
    .select(['contact_id', 'client_id'])
    .where('email_normalized', '=', email)
    .where('archived', '=', false)
    .orderBy(sql`client_id IS NULL`)
    .orderBy('contact_id')
    .limit(1)
    .executeTakeFirst();
}

// ---------------------------------------------------------------- reminders

export async function insertReminders(
  db: Db,
  rows: readonly { id: string; tenantId: string; appointmentId: string; offsetMinutes: number; dueAt: Date }[],
): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('scheduling.reminders')
    .values(rows.map((r) => ({ id: r.id, tenant_id: r.tenantId, appointment_id: r.appointmentId, offset_minutes: r.offsetMinutes, due_at: r.dueAt })))
    .onConflict((conflict) =>
      conflict.columns(['appointment_id', 'offset_minutes']).doUpdateSet({ due_at: sql<Date>`excluded.due_at`, status: 'pending', sent_at: null }),
    )
    .execute();
}

export async function cancelReminders(db: Db, appointmentId: string): Promise<number> {
  const result = await db
    .updateTable('scheduling.reminders')
    .set({ status: 'cancelled' })
    .where('appointment_id', '=', appointmentId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function listReminders(db: Db, appointmentId: string) {
  return db.selectFrom('scheduling.reminders').selectAll().where('appointment_id', '=', appointmentId).orderBy('due_at').execute();
}

/** Claims a due reminder of a live appointment: a conditional UPDATE, so it is sent once. */
export async function claimReminder(db: Db, id: string): Promise<{ id: string; appointment_id: string; offset_minutes: number } | undefined> {
  return db
    .updateTable('scheduling.reminders')
    .set({ status: 'sent', sent_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('due_at', '<=', sql<Date>`now()`)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('scheduling.appointments as a').select('a.id').whereRef('a.id', '=', 'scheduling.reminders.appointment_id').where('a.status', '=', 'booked'),
      ),
    )
    .returning(['id', 'appointment_id', 'offset_minutes'])
    .executeTakeFirst();
}

/** Due reminders and expired holds of any tenant (SECURITY DEFINER work lists). */
export async function dueReminders(db: Kysely<UntypedDB>, limit: number): Promise<{ id: string; tenant_id: string }[]> {
  return (await sql<{ id: string; tenant_id: string }>`SELECT id, tenant_id FROM scheduling.due_reminders(${limit})`.execute(db)).rows;
}

export async function expiredHolds(db: Kysely<UntypedDB>, limit: number): Promise<{ id: string; tenant_id: string }[]> {
  return (await sql<{ id: string; tenant_id: string }>`SELECT id, tenant_id FROM scheduling.expired_holds(${limit})`.execute(db)).rows;
}
