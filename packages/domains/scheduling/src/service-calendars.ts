import { ssrfGuardFromConfig } from '@ubos/integrations';
import {
  createDomainContext,
  DomainError,
  NotFoundError,
  requireVault,
  saveOAuthConnection,
  sql,
  uuidv7,
  withTenant,
  type Config,
  type Database,
  type DomainContext,
  type KernelServices,
  type Logger,
  type Transaction,
  type UntypedDB,
} from '@ubos/platform';
import { basicAuthorization, discoverCalendars, guardedFetch, putEvent, removeEvent, syncCalendar, type CalDavAuth, type SyncResult } from './caldav.ts';
import { calendarConnected, calendarPrimarySet, type CalendarDto, type ConnectCalendarInput } from './contracts.ts';
import type { AppointmentRow, CalendarRow, SchedulingDB } from './db.ts';
import { googleClient, putGoogleEvent, removeGoogleEvent, syncGoogleCalendar } from './google.ts';
import { buildInvite } from './ics.ts';
import { GRAPH_API, graphClient, putGraphEvent, removeGraphEvent, syncGraphCalendar } from './microsoft.ts';

/**
 * External calendars (CalDAV, Google, Microsoft Graph): connecting one (CalDAV credentials in the
 * vault through the connections registry; Google and Microsoft through an OAuth connection made in
 * Settings → Integrations), syncing busy time in, writing UBOS appointments out to the host's
 * primary calendar.
 * Network calls never run inside a tenant transaction: read, call, then write.
 */

export interface CalendarDeps {
  db: Database;
  log: Logger;
  services: KernelServices;
  config: Pick<Config, 'OUTBOUND_ALLOW_HOSTS'>;
  /** Google's API origin (tests point it at the provider fake). */
  googleApiBase?: string;
  /** Microsoft Graph's API origin (tests point it at the provider fake). */
  graphApiBase?: string;
}

/** Per calendar: how long a booking's re-check waits for the server before going on without it. */
export const RECHECK_TIMEOUT_MS = 2000;

function toCalendarDto(row: CalendarRow): CalendarDto {
  return {
    id: row.id,
    userId: row.user_id,
    connectionId: row.connection_id,
    provider: row.provider,
    url: row.url,
    displayName: row.display_name,
    isPrimary: row.is_primary,
    lastSyncedAt: row.last_synced_at,
    lastError: row.last_error,
  };
}

function domainIn(trx: Transaction<UntypedDB>, tenantId: string, log: Logger): DomainContext {
  return createDomainContext({ trx, tenantId, actorId: null, correlationId: `scheduling.calendars:${tenantId}`, log });
}

export async function listCalendars(ctx: DomainContext): Promise<CalendarDto[]> {
  const rows = await ctx.db<SchedulingDB>().selectFrom('scheduling.calendars').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map(toCalendarDto);
}

export async function listBusy(ctx: DomainContext, input: { from: Date; to: Date; userId?: string | undefined }) {
  const userId = input.userId ?? ctx.actorId;
  if (!userId) return [];
  const rows = await ctx
    .db<SchedulingDB>()
    .selectFrom('scheduling.busy_intervals')
    .select(['calendar_id', 'user_id', sql<Date>`lower(during)`.as('start'), sql<Date>`upper(during)`.as('end')])
    .where('user_id', '=', userId)
    .where(sql<boolean>`during && tstzrange(${input.from}::timestamptz, ${input.to}::timestamptz, '[)')`)
    .orderBy(sql`lower(during)`)
    .limit(2000)
    .execute();
  return rows.map((r) => ({ calendarId: r.calendar_id, userId: r.user_id, start: r.start, end: r.end }));
}

/**
 * Connects a CalDAV account: discovers its event calendars through the SSRF guard, stores the
 * credentials in the vault (a connection in the registry) and one row per calendar; the first
 * calendar of a user without one becomes primary.
 */
export async function connectCalendar(ctx: DomainContext, input: ConnectCalendarInput, config: Config): Promise<CalendarDto[]> {
  const userId = ctx.actorId;
  if (!userId) throw new DomainError('FORBIDDEN', 'Only a signed-in person connects their calendar');
  if (input.provider === 'google' || input.provider === 'microsoft')
    return connectOAuthCalendar(ctx, userId, input.provider, input.connectionId, input.calendarId);
  const vault = requireVault(config);
  const auth: CalDavAuth = { serverUrl: input.serverUrl, authorization: basicAuthorization(input.username, input.password) };
  const fetcher = guardedFetch(ssrfGuardFromConfig(config));
  let remote: Awaited<ReturnType<typeof discoverCalendars>>;
  try {
    remote = await discoverCalendars(auth, fetcher);
  } catch (error) {
    ctx.log.info({ err: error }, 'caldav discovery failed');
    throw new DomainError('BAD_REQUEST', 'The calendar server could not be reached with this address, user name and password', [
      { path: ['serverUrl'], message: 'Not reachable as a CalDAV server' },
    ]);
  }
  if (remote.length === 0)
    throw new DomainError('BAD_REQUEST', 'This account has no calendar for events', [{ path: ['serverUrl'], message: 'No event calendar' }]);
  const connection = await saveOAuthConnection(ctx, vault, {
    provider: 'caldav',
    accountLabel: input.accountLabel ?? `${input.username} at ${new URL(input.serverUrl).host}`,
    externalAccountId: `${new URL(input.serverUrl).origin}#${input.username}`,
    ownerUserId: userId,
    scopes: [],
    // CalDAV has no tokens: the Basic credential is stored as the access token and never expires.
    credentials: { accessToken: auth.authorization, refreshToken: null, expiresAt: null, tokenType: 'Basic' },
    connectionId: null,
  });
  const db = ctx.db<SchedulingDB>();
  const hasPrimary = await db.selectFrom('scheduling.calendars').select('id').where('user_id', '=', userId).where('is_primary', '=', true).executeTakeFirst();
  let makePrimary = !hasPrimary;
  for (const calendar of remote) {
    const row = await db
      .insertInto('scheduling.calendars')
      .values({
        id: uuidv7(),
        tenant_id: ctx.tenantId,
        user_id: userId,
        connection_id: connection.id,
        provider: 'caldav',
        url: calendar.url,
        display_name: calendar.displayName,
        is_primary: makePrimary,
      })
      .onConflict((conflict) => conflict.columns(['tenant_id', 'connection_id', 'url']).doUpdateSet({ display_name: calendar.displayName }))
      .returningAll()
      .executeTakeFirstOrThrow();
    makePrimary = false;
    await ctx.emit(
      calendarConnected,
      { calendar_id: row.id, user_id: userId, provider: 'caldav', display_name: row.display_name, connection_id: connection.id },
      { aggregateId: row.id },
    );
  }
  return (await listCalendars(ctx)).filter((c) => c.connectionId === connection.id);
}

const oauthProviders = {
  google: { name: 'Google', primaryName: 'Google Calendar' },
  microsoft: { name: 'Microsoft', primaryName: 'Outlook Calendar' },
} as const;

/**
 * Adds a calendar of an existing Google or Microsoft connection (made by the integrations OAuth
 * connect): the registry must give a token for it in this tenant, else it does not exist here.
 */
async function connectOAuthCalendar(
  ctx: DomainContext,
  userId: string,
  provider: keyof typeof oauthProviders,
  connectionId: string,
  calendarId: string,
): Promise<CalendarDto[]> {
  const connections = ctx.services.connections;
  if (!connections) throw new DomainError('PRECONDITION_FAILED', 'Connected accounts are not set up on this server');
  const names = oauthProviders[provider];
  try {
    await connections.accessTokens.accessToken({ tenantId: ctx.tenantId, connectionId });
  } catch (error) {
    ctx.log.info({ err: error, provider }, 'calendar connection not usable');
    throw new DomainError('NOT_FOUND', `This ${names.name} connection was not found or needs reconnecting in Settings → Integrations`, [
      { path: ['connectionId'], message: 'Not a usable connection' },
    ]);
  }
  const db = ctx.db<SchedulingDB>();
  const hasPrimary = await db.selectFrom('scheduling.calendars').select('id').where('user_id', '=', userId).where('is_primary', '=', true).executeTakeFirst();
  const row = await db
    .insertInto('scheduling.calendars')
    .values({
      id: uuidv7(),
      tenant_id: ctx.tenantId,
      user_id: userId,
      connection_id: connectionId,
      provider,
      url: calendarId,
      display_name: calendarId === 'primary' ? names.primaryName : calendarId,
      is_primary: !hasPrimary,
    })
    .onConflict((conflict) => conflict.columns(['tenant_id', 'connection_id', 'url']).doUpdateSet({ user_id: userId }))
    .returningAll()
    .executeTakeFirstOrThrow();
  await ctx.emit(
    calendarConnected,
    { calendar_id: row.id, user_id: userId, provider, display_name: row.display_name, connection_id: connectionId },
    { aggregateId: row.id },
  );
  return [toCalendarDto(row)];
}

export async function setPrimary(ctx: DomainContext, id: string): Promise<CalendarDto> {
  const db = ctx.db<SchedulingDB>();
  const calendar = await db.selectFrom('scheduling.calendars').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  if (!calendar) throw new NotFoundError('Calendar', id);
  if (calendar.user_id !== ctx.actorId) throw new DomainError('FORBIDDEN', "Only the calendar's owner chooses their primary calendar");
  if (calendar.is_primary) return toCalendarDto(calendar);
  await db.updateTable('scheduling.calendars').set({ is_primary: false }).where('user_id', '=', calendar.user_id).where('is_primary', '=', true).execute();
  const row = await db.updateTable('scheduling.calendars').set({ is_primary: true }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
  await ctx.emit(calendarPrimarySet, { calendar_id: row.id, user_id: row.user_id, display_name: row.display_name }, { aggregateId: row.id });
  return toCalendarDto(row);
}

async function authOf(deps: CalendarDeps, tenantId: string, calendar: CalendarRow): Promise<CalDavAuth> {
  const connections = deps.services.connections;
  if (!connections) throw new Error('The connections registry is not configured in this process');
  const authorization = await connections.accessTokens.accessToken({ tenantId, connectionId: calendar.connection_id });
  return { serverUrl: calendar.url, authorization };
}

/** Reads one calendar's changes and applies them: busy intervals replaced per event, deleted ones removed. */
export async function syncCalendarNow(
  deps: CalendarDeps,
  tenantId: string,
  calendarId: string,
  options: { timeoutMs?: number } = {},
): Promise<{ full: boolean; changed: number; deleted: number }> {
  const calendar = await withTenant(deps.db, { tenantId }, (trx) =>
    domainIn(trx, tenantId, deps.log).db<SchedulingDB>().selectFrom('scheduling.calendars').selectAll().where('id', '=', calendarId).executeTakeFirst(),
  );
  if (!calendar) throw new NotFoundError('Calendar', calendarId);
  const fetcher = guardedFetch(ssrfGuardFromConfig(deps.config));
  const timed: typeof fetch = options.timeoutMs
    ? (((input: string | URL | Request, init?: RequestInit) =>
        fetcher(input, { ...init, signal: AbortSignal.timeout(options.timeoutMs ?? 0) })) as typeof fetch)
    : fetcher;
  // A budgeted call (the booking re-check) makes one attempt per request, all ended by one deadline.
  const budget = options.timeoutMs ? { signal: AbortSignal.timeout(options.timeoutMs) } : null;
  let result: Awaited<ReturnType<typeof syncCalendar>>;
  try {
    if (calendar.provider === 'google') {
      const connections = deps.services.connections;
      if (!connections) throw new Error('The connections registry is not configured in this process');
      result = await syncGoogleCalendar(
        googleClient(connections, { tenantId, connectionId: calendar.connection_id }, deps.googleApiBase, budget ? { retries: 0 } : {}),
        calendar.url,
        calendar.sync_token,
        new Date(),
        budget?.signal,
      );
    } else if (calendar.provider === 'microsoft') {
      const connections = deps.services.connections;
      if (!connections) throw new Error('The connections registry is not configured in this process');
      const baseUrl = deps.graphApiBase ?? GRAPH_API;
      result = await syncGraphCalendar(
        graphClient(connections, { tenantId, connectionId: calendar.connection_id }, baseUrl, budget ? { retries: 0 } : {}),
        calendar.url,
        calendar.sync_token,
        budget ? { baseUrl, signal: budget.signal } : { baseUrl },
      );
    } else {
      result = await syncCalendar(calendar.url, await authOf(deps, tenantId, calendar), timed, calendar.sync_token);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await withTenant(deps.db, { tenantId }, (trx) =>
      domainIn(trx, tenantId, deps.log)
        .db<SchedulingDB>()
        .updateTable('scheduling.calendars')
        .set({ last_error: message.slice(0, 500) })
        .where('id', '=', calendarId)
        .execute(),
    );
    throw error;
  }
  await withTenant(deps.db, { tenantId }, async (trx) => {
    const db = domainIn(trx, tenantId, deps.log).db<SchedulingDB>();
    // Our own events come back from the server: they are UBOS appointments, already busy.
    const written = await db.selectFrom('scheduling.calendar_events').select(['url', 'appointment_id']).where('calendar_id', '=', calendarId).execute();
    const ours = new Set(written.map((r) => r.url ?? ''));
    // Known by the provider's marker even before the write's reply (with the event id) came back.
    const ourAppointments = new Set(written.map((r) => r.appointment_id));
    const absolute = (href: string) => {
      try {
        return new URL(href, calendar.url).toString();
      } catch {
        return href;
      }
    };
    const mine = (change: SyncResult['changed'][number]) =>
      ours.has(change.href) || ours.has(absolute(change.href)) || (change.appointmentId !== undefined && ourAppointments.has(change.appointmentId));
    if (result.full) await db.deleteFrom('scheduling.busy_intervals').where('calendar_id', '=', calendarId).execute();
    const touched = [...result.deleted, ...result.changed.map((c) => c.href)];
    if (!result.full && touched.length > 0)
      await db.deleteFrom('scheduling.busy_intervals').where('calendar_id', '=', calendarId).where('external_id', 'in', touched).execute();
    // An event of ours whose create reply was lost: its id is learnt here. Were it cancelled
    // meanwhile (nothing to remove then, for want of an id), the removal is due again.
    for (const change of result.changed) {
      if (!change.appointmentId || !ourAppointments.has(change.appointmentId)) continue;
      await db
        .updateTable('scheduling.calendar_events')
        .set((eb) => ({
          url: change.href,
          written_version: eb
            .case()
            .when('wanted', '=', 'absent')
            .then(eb('wanted_version', '-', 1))
            .else(eb.ref('written_version'))
            .end(),
        }))
        .where('calendar_id', '=', calendarId)
        .where('appointment_id', '=', change.appointmentId)
        .where('url', 'is', null)
        .execute();
    }
    const rows = result.changed
      .filter((c) => !mine(c))
      .flatMap((c) =>
        c.busy.map((b, occurrence) => ({
          tenant_id: tenantId,
          calendar_id: calendarId,
          user_id: calendar.user_id,
          external_id: c.href,
          occurrence,
          etag: c.etag,
          during: sql<string>`tstzrange(${b.start}::timestamptz, ${b.end}::timestamptz, '[)')`,
        })),
      );
    for (let i = 0; i < rows.length; i += 500)
      await db
        .insertInto('scheduling.busy_intervals')
        .values(rows.slice(i, i + 500))
        .execute();
    await db
      .updateTable('scheduling.calendars')
      .set({ sync_token: result.syncToken, last_synced_at: new Date(), last_error: null })
      .where('id', '=', calendarId)
      .execute();
  });
  return { full: result.full, changed: result.changed.length, deleted: result.deleted.length };
}

/**
 * Re-reads the hosts' calendars just before a held booking is confirmed, then says whether an
 * external event overlaps it. A server that does not answer within RECHECK_TIMEOUT_MS is skipped
 * (the last sync's busy time still counts).
 */
export async function recheckExternalBusy(
  ctx: { db: Database; log: Logger; runtime: { services: KernelServices }; config: Pick<Config, 'OUTBOUND_ALLOW_HOSTS'> },
  tenantId: string,
  row: AppointmentRow,
): Promise<boolean> {
  const deps: CalendarDeps = { db: ctx.db, log: ctx.log, services: ctx.runtime.services, config: ctx.config };
  const calendars = await withTenant(ctx.db, { tenantId }, (trx) =>
    domainIn(trx, tenantId, ctx.log)
      .db<SchedulingDB>()
      .selectFrom('scheduling.calendars')
      .select('id')
      .where('user_id', 'in', row.host_ids)
      .where('check_busy', '=', true)
      .execute(),
  );
  if (calendars.length > 0 && deps.services.connections) {
    await Promise.all(
      calendars.map((c) =>
        syncCalendarNow(deps, tenantId, c.id, { timeoutMs: RECHECK_TIMEOUT_MS }).catch((error: unknown) =>
          ctx.log.warn({ err: error, calendarId: c.id }, 'calendar re-check skipped'),
        ),
      ),
    );
  }
  return withTenant(ctx.db, { tenantId }, async (trx) => {
    const found = await domainIn(trx, tenantId, ctx.log)
      .db<SchedulingDB>()
      .selectFrom('scheduling.busy_intervals')
      .select('calendar_id')
      .where('user_id', 'in', row.host_ids)
      .where(sql<boolean>`during && tstzrange(${row.start_at}::timestamptz, ${row.end_at}::timestamptz, '[)')`)
      .executeTakeFirst();
    return found !== undefined;
  });
}

/** Marks an appointment to be written to (or removed from) its hosts' primary calendars, in the caller's transaction. */
export async function queueCalendarWrite(ctx: DomainContext, row: AppointmentRow, wanted: 'present' | 'absent'): Promise<void> {
  const db = ctx.db<SchedulingDB>();
  const primaries = await db.selectFrom('scheduling.calendars').select('id').where('user_id', 'in', row.host_ids).where('is_primary', '=', true).execute();
  for (const calendar of primaries) {
    await db
      .insertInto('scheduling.calendar_events')
      .values({ tenant_id: ctx.tenantId, appointment_id: row.id, calendar_id: calendar.id, wanted, wanted_version: 1 })
      .onConflict((conflict) =>
        conflict.columns(['appointment_id', 'calendar_id']).doUpdateSet({ wanted, wanted_version: sql<number>`scheduling.calendar_events.wanted_version + 1` }),
      )
      .execute();
  }
}

/** Writes every pending appointment of one calendar; returns how many were written. */
export async function pushCalendarEvents(deps: CalendarDeps, tenantId: string, calendarId: string): Promise<number> {
  const pending = await withTenant(deps.db, { tenantId }, async (trx) => {
    const db = domainIn(trx, tenantId, deps.log).db<SchedulingDB>();
    const calendar = await db.selectFrom('scheduling.calendars').selectAll().where('id', '=', calendarId).executeTakeFirst();
    const items = await db
      .selectFrom('scheduling.calendar_events as e')
      .innerJoin('scheduling.appointments as a', 'a.id', 'e.appointment_id')
      .innerJoin('scheduling.appointment_types as t', 't.id', 'a.type_id')
      .select([
        'e.appointment_id',
        'e.url',
        'e.etag',
        'e.wanted',
        'e.wanted_version',
        'a.ical_uid',
        'a.sequence',
        'a.start_at',
        'a.end_at',
        'a.attendee_name',
        'a.attendee_email',
        't.name as type_name',
        't.description',
      ])
      .where('e.calendar_id', '=', calendarId)
      .whereRef('e.written_version', '<', 'e.wanted_version')
      .limit(100)
      .execute();
    return { calendar, items };
  });
  if (!pending.calendar || pending.items.length === 0) return 0;
  const calendar = pending.calendar;
  const google =
    calendar.provider === 'google' && deps.services.connections
      ? googleClient(deps.services.connections, { tenantId, connectionId: calendar.connection_id }, deps.googleApiBase)
      : null;
  const graph =
    calendar.provider === 'microsoft' && deps.services.connections
      ? graphClient(deps.services.connections, { tenantId, connectionId: calendar.connection_id }, deps.graphApiBase ?? GRAPH_API)
      : null;
  const auth = google || graph ? null : await authOf(deps, tenantId, calendar);
  const fetcher = guardedFetch(ssrfGuardFromConfig(deps.config));
  let written = 0;
  for (const item of pending.items) {
    let outcome: { url: string | null; etag: string | null; error: string | null };
    try {
      if (graph) {
        if (item.wanted === 'absent') {
          if (item.url) await removeGraphEvent(graph, item.url);
          outcome = { url: null, etag: null, error: null };
        } else {
          const id = await putGraphEvent(graph, calendar.url, {
            id: item.url,
            appointmentId: item.appointment_id,
            summary: `${item.type_name}: ${item.attendee_name}`,
            description: item.description,
            start: item.start_at,
            end: item.end_at,
          });
          outcome = { url: id, etag: null, error: null };
        }
      } else if (google) {
        if (item.wanted === 'absent') {
          if (item.url) await removeGoogleEvent(google, calendar.url, item.url);
          outcome = { url: null, etag: null, error: null };
        } else {
          const id = await putGoogleEvent(google, calendar.url, {
            id: item.url,
            appointmentId: item.appointment_id,
            summary: `${item.type_name}: ${item.attendee_name}`,
            description: item.description,
            start: item.start_at,
            end: item.end_at,
          });
          outcome = { url: id, etag: null, error: null };
        }
      } else if (!auth) {
        throw new Error('No credentials for this calendar');
      } else if (item.wanted === 'absent') {
        if (item.url) await removeEvent(auth, fetcher, { url: item.url });
        outcome = { url: null, etag: null, error: null };
      } else {
        const ics = buildInvite({
          uid: item.ical_uid,
          sequence: item.sequence,
          method: 'request',
          start: item.start_at,
          end: item.end_at,
          summary: `${item.type_name}: ${item.attendee_name}`,
          description: item.description,
          location: '',
          organizer: { name: 'UBOS', email: 'bookings@ubos.invalid' },
          attendee: { name: item.attendee_name, email: item.attendee_email },
        }).replace(/^METHOD:REQUEST\r?\n/m, '');
        const put = await putEvent(calendar.url, auth, fetcher, { filename: `${item.appointment_id}.ics`, ics, url: item.url, etag: item.etag });
        outcome = { url: put.url, etag: put.etag, error: null };
      }
    } catch (error) {
      outcome = { url: item.url, etag: item.etag, error: error instanceof Error ? error.message.slice(0, 500) : 'failed' };
    }
    await withTenant(deps.db, { tenantId }, (trx) =>
      domainIn(trx, tenantId, deps.log)
        .db<SchedulingDB>()
        .updateTable('scheduling.calendar_events')
        .set(outcome.error ? { last_error: outcome.error } : { url: outcome.url, etag: outcome.etag, written_version: item.wanted_version, last_error: null })
        .where('appointment_id', '=', item.appointment_id)
        .where('calendar_id', '=', calendarId)
        .execute(),
    );
    if (!outcome.error) written += 1;
  }
  return written;
}

/** The calendar job: every calendar synced in, every pending appointment written out. */
export async function syncAllCalendars(deps: CalendarDeps): Promise<{ synced: number; failed: number; written: number }> {
  const calendars = (await sql<{ id: string; tenant_id: string }>`SELECT id, tenant_id FROM scheduling.calendars_to_sync(${1000})`.execute(deps.db.kysely))
    .rows;
  let synced = 0;
  let failed = 0;
  let written = 0;
  for (const calendar of calendars) {
    try {
      written += await pushCalendarEvents(deps, calendar.tenant_id, calendar.id);
      await syncCalendarNow(deps, calendar.tenant_id, calendar.id);
      synced += 1;
    } catch (error) {
      failed += 1;
      deps.log.warn({ err: error, calendarId: calendar.id }, 'calendar sync failed');
    }
  }
  return { synced, failed, written };
}
