import { createConnectionServices, createDomainContext, createLogger, requireVault, saveOAuthConnection, withTenant } from '@ubos/platform';
import { FAKE_ACCESS_TOKEN, startMicrosoftGraphFake, type MicrosoftGraphFake } from '@ubos/integrations/testing';
import { createTestDatabase, testConfig, type TestDatabase } from '@ubos/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushCalendarEvents, RECHECK_TIMEOUT_MS, syncCalendarNow, type CalendarDeps } from '../src/service-calendars.ts';
import { graphClient, removeGraphEvent, ROUND_MAX_AGE_DAYS, syncGraphCalendar } from '../src/microsoft.ts';
import { actor, bookInput, bookingTenant, dayAhead, inTenant, visitor } from './helpers.ts';

/** Microsoft Graph calendars through the provider fake (we cannot reach Microsoft): calendarView delta and event writes. */
let testDb: TestDatabase;
let graph: MicrosoftGraphFake;
const log = createLogger({ level: 'silent' });
const config = testConfig();
const HOUR = 3_600_000;
const MINUTE = 60_000;

let slug: string;
let tenantId: string;
let calendarId: string;
let connectionId: string;
let deps: CalendarDeps;
const day = dayAhead(6);
const at = (hours: number) => new Date(day.getTime() + hours * HOUR);

/** The free 30-minute slots between 09:00 and 11:00 UTC on the test day. */
const slotsOf = async () =>
  (await visitor(testDb.db).booking.slots({ tenantSlug: slug, pageSlug: 'team', typeSlug: 'intro', from: at(9), to: at(11), timeZone: 'UTC' })).slots.map(
    (s) => s.time,
  );
const busyIds = async () =>
  (await inTenant(testDb.db, tenantId, (s) => s.selectFrom('scheduling.busy_intervals').select('external_id').execute())).map((r) => r.external_id);

beforeAll(async () => {
  testDb = await createTestDatabase();
  graph = await startMicrosoftGraphFake();
  const services = { connections: createConnectionServices({ db: testDb.db, config, log }) };
  const owner = actor(testDb.db, { services });
  ({ slug } = await bookingTenant(testDb.db, { owner }));
  tenantId = owner.tenantId;
  const connection = await withTenant(testDb.db, { tenantId }, (trx) =>
    saveOAuthConnection(createDomainContext({ trx, tenantId, actorId: owner.userId, correlationId: 'test', log }), requireVault(config), {
      provider: 'microsoft',
      accountLabel: 'hana@contoso.example',
      externalAccountId: 'graph-user-1',
      ownerUserId: owner.userId,
      scopes: ['Calendars.ReadWrite', 'offline_access'],
      credentials: { accessToken: FAKE_ACCESS_TOKEN, refreshToken: 'refresh', expiresAt: new Date(Date.now() + HOUR).toISOString(), tokenType: 'Bearer' },
      connectionId: null,
    }),
  );
  await expect(
    owner.caller.calendars.connect({ provider: 'microsoft', connectionId: '0190f0f0-0000-7000-8000-0000000000ff', calendarId: 'primary' }),
  ).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('Microsoft connection') });
  // calendarId defaults to the account's default calendar.
  const [calendar] = await owner.caller.calendars.connect({ provider: 'microsoft', connectionId: connection.id } as never);
  expect(calendar).toMatchObject({ provider: 'microsoft', isPrimary: true, displayName: 'Outlook Calendar', url: 'primary' });
  calendarId = calendar?.id as string;
  connectionId = connection.id;
  deps = { db: testDb.db, log, services, config, graphApiBase: graph.url };
});
afterAll(async () => {
  await graph?.stop();
  await testDb?.drop();
});

describe('Microsoft Graph calendars (provider fake)', () => {
  it('busy time flows in by calendarView delta: blocks after one sync, changes and deletes incrementally, free/cancelled ignored, an expired token resyncs fully', async () => {
    const dentist = graph.upsertEvent({ subject: 'Dentist', start: at(9).toISOString(), end: at(10).toISOString() });
    graph.upsertEvent({ subject: 'Focus (free)', start: at(10).toISOString(), end: at(11).toISOString(), showAs: 'free' });
    expect(await syncCalendarNow(deps, tenantId, calendarId)).toMatchObject({ full: true, changed: 2 });
    expect(await slotsOf()).toEqual(['10:00', '10:30']);
    const token = (await inTenant(testDb.db, tenantId, (s) => s.selectFrom('scheduling.calendars').select('sync_token').executeTakeFirstOrThrow())).sync_token;
    expect(token).toContain(`${graph.url}/v1.0/me/calendarView/delta?$deltatoken=`);

    // Moved in Outlook: only the change comes back (the stored deltaLink), and it moves the block.
    graph.upsertEvent({ id: dentist.id, subject: 'Dentist', start: at(10).toISOString(), end: at(10.5).toISOString() });
    expect(await syncCalendarNow(deps, tenantId, calendarId)).toEqual({ full: false, changed: 1, deleted: 0 });
    expect(await slotsOf()).toEqual(['09:00', '09:30', '10:30']);
    expect(graph.requests.at(-1)?.query).toHaveProperty('$deltatoken');

    // Cancelled (still on the calendar, isCancelled), then deleted (`@removed`): both free the time.
    graph.upsertEvent({ id: dentist.id, subject: 'Dentist', start: at(10).toISOString(), end: at(10.5).toISOString(), isCancelled: true });
    await syncCalendarNow(deps, tenantId, calendarId);
    expect(await slotsOf()).toEqual(['09:00', '09:30', '10:00', '10:30']);
    const lunch = graph.upsertEvent({ subject: 'Lunch', start: at(9.5).toISOString(), end: at(10).toISOString() });
    await syncCalendarNow(deps, tenantId, calendarId);
    expect(await slotsOf()).toEqual(['09:00', '10:00', '10:30']);
    graph.deleteEvent(lunch.id);
    expect(await syncCalendarNow(deps, tenantId, calendarId)).toEqual({ full: false, changed: 0, deleted: 1 });
    expect(await slotsOf()).toEqual(['09:00', '09:30', '10:00', '10:30']);

    // The delta token expires (410 SyncStateNotFound): a full round, still right.
    graph.upsertEvent({ subject: 'Board', start: at(10.5).toISOString(), end: at(11).toISOString() });
    graph.expireDeltaTokens();
    expect(await syncCalendarNow(deps, tenantId, calendarId)).toMatchObject({ full: true });
    expect(graph.requests.some((r) => r.status === 410)).toBe(true);
    expect(await slotsOf()).toEqual(['09:00', '09:30', '10:00']);
    // A round past its age (the window is fixed by the round's first call) starts over, fully.
    const client = graphClient(deps.services.connections as NonNullable<typeof deps.services.connections>, { tenantId, connectionId }, graph.url);
    const stored = (await inTenant(testDb.db, tenantId, (s) => s.selectFrom('scheduling.calendars').select('sync_token').executeTakeFirstOrThrow())).sync_token;
    const later = (days: number) => ({ baseUrl: graph.url, now: new Date(Date.parse(JSON.parse(stored ?? '{}').since) + days * 86_400_000) });
    expect(await syncGraphCalendar(client, 'primary', stored, later(ROUND_MAX_AGE_DAYS - 1))).toMatchObject({ full: false, changed: [] });
    expect(await syncGraphCalendar(client, 'primary', stored, later(ROUND_MAX_AGE_DAYS))).toMatchObject({ full: true });
    // Every call carried the connection's bearer token.
    expect(graph.requests.every((r) => r.headers.authorization === `Bearer ${FAKE_ACCESS_TOKEN}`)).toBe(true);
  });

  it('writes a booked appointment once (a retry after a lost reply is the same event), moves it on reschedule, removes it on cancel', async () => {
    const ours = () => [...graph.events.values()].filter((e) => e.subject.startsWith('Intro call:'));
    const booked = await visitor(testDb.db).booking.book(bookInput(slug, at(9)));

    // Graph creates the event but the reply is lost: the write is retried on the next run with the
    // same transactionId, and Graph answers the event it already has.
    graph.dropNextWriteReplies(1);
    expect(await pushCalendarEvents(deps, tenantId, calendarId)).toBe(0);
    expect(ours()).toHaveLength(1);
    expect(await pushCalendarEvents(deps, tenantId, calendarId)).toBe(1);
    expect(ours()).toEqual([
      expect.objectContaining({
        transactionId: `ubos-${booked.appointmentId}`,
        showAs: 'busy',
        start: { dateTime: `${at(9).toISOString().slice(0, 19)}.0000000`, timeZone: 'UTC' },
      }),
    ]);
    const posts = graph.requests.filter((r) => r.method === 'POST' && r.path === '/v1.0/me/events');
    expect(posts.map((r) => (JSON.parse(r.body) as { transactionId: string }).transactionId)).toEqual([
      `ubos-${booked.appointmentId}`,
      `ubos-${booked.appointmentId}`,
    ]);
    const eventId = ours()[0]?.id as string;
    const row = await inTenant(testDb.db, tenantId, (s) =>
      s.selectFrom('scheduling.calendar_events').select(['url', 'last_error']).where('appointment_id', '=', booked.appointmentId).executeTakeFirstOrThrow(),
    );
    expect(row).toEqual({ url: eventId, last_error: null });

    // Rescheduled: the same event moves (PATCH).
    await visitor(testDb.db).booking.reschedule({ token: booked.token, start: at(9.5), reason: null });
    expect(await pushCalendarEvents(deps, tenantId, calendarId)).toBe(1);
    expect(ours()).toEqual([
      expect.objectContaining({
        id: eventId,
        end: { dateTime: `${new Date(at(9.5).getTime() + 30 * MINUTE).toISOString().slice(0, 19)}.0000000`, timeZone: 'UTC' },
      }),
    ]);
    expect(graph.requests.at(-1)).toMatchObject({ method: 'PATCH', path: `/v1.0/me/events/${eventId}`, status: 200 });
    // Our own event coming back by delta is not external busy time.
    await syncCalendarNow(deps, tenantId, calendarId);
    expect(await busyIds()).not.toContain(eventId);

    // Cancelled: removed (DELETE); a second removal of an event already gone is fine (404).
    await visitor(testDb.db).booking.cancel({ token: booked.token, reason: null });
    expect(await pushCalendarEvents(deps, tenantId, calendarId)).toBe(1);
    expect(ours()).toEqual([]);
    expect(graph.requests.at(-1)).toMatchObject({ method: 'DELETE', path: `/v1.0/me/events/${eventId}`, status: 204 });
    const changes = await syncCalendarNow(deps, tenantId, calendarId);
    expect(changes).toMatchObject({ full: false, deleted: 1 });
    const client = graphClient(deps.services.connections as NonNullable<typeof deps.services.connections>, { tenantId, connectionId }, graph.url);
    await expect(removeGraphEvent(client, eventId)).resolves.toBeUndefined();
    expect(graph.requests.at(-1)).toMatchObject({ method: 'DELETE', status: 404 });
  });

  it('a retried write after a lost reply meets a reschedule in between: still one event, at the new time', async () => {
    const ours = () => [...graph.events.values()].filter((e) => e.subject.startsWith('Intro call:'));
    const booked = await visitor(testDb.db).booking.book(bookInput(slug, at(13)));
    graph.dropNextWriteReplies(1);
    expect(await pushCalendarEvents(deps, tenantId, calendarId)).toBe(0);
    await visitor(testDb.db).booking.reschedule({ token: booked.token, start: at(14), reason: null });
    expect(await pushCalendarEvents(deps, tenantId, calendarId)).toBe(1);
    expect(ours()).toEqual([expect.objectContaining({ start: { dateTime: `${at(14).toISOString().slice(0, 19)}.0000000`, timeZone: 'UTC' } })]);
    await visitor(testDb.db).booking.cancel({ token: booked.token, reason: null });
    expect(await pushCalendarEvents(deps, tenantId, calendarId)).toBe(1);
    expect(ours()).toEqual([]);
  });

  it('cancelled before the lost create was retried: the event is found by its transactionId on sync and removed', async () => {
    const ours = () => [...graph.events.values()].filter((e) => e.subject.startsWith('Intro call:'));
    const booked = await visitor(testDb.db).booking.book(bookInput(slug, at(15)));
    graph.dropNextWriteReplies(1);
    expect(await pushCalendarEvents(deps, tenantId, calendarId)).toBe(0);
    await visitor(testDb.db).booking.cancel({ token: booked.token, reason: null });
    // Nothing known to remove yet (no event id came back).
    expect(await pushCalendarEvents(deps, tenantId, calendarId)).toBe(1);
    expect(ours()).toHaveLength(1);
    await syncCalendarNow(deps, tenantId, calendarId);
    expect(await busyIds()).not.toContain(ours()[0]?.id);
    expect(await pushCalendarEvents(deps, tenantId, calendarId)).toBe(1);
    expect(ours()).toEqual([]);
    expect(await pushCalendarEvents(deps, tenantId, calendarId)).toBe(0);
  });

  it('the booking re-check makes one attempt per request within its budget; the poll retries', async () => {
    const deltaCalls = () => graph.requests.filter((r) => r.path === '/v1.0/me/calendarView/delta').length;
    const unavailable = { status: 503, headers: { 'retry-after': '0' }, json: { error: { code: 'ServiceNotAvailable', message: 'Try again' } } };
    let before = deltaCalls();
    graph.failNext(1, unavailable, /calendarView\/delta/);
    await expect(syncCalendarNow(deps, tenantId, calendarId, { timeoutMs: RECHECK_TIMEOUT_MS })).rejects.toThrow(/503/);
    expect(deltaCalls() - before).toBe(1);
    before = deltaCalls();
    graph.failNext(1, unavailable, /calendarView\/delta/);
    expect(await syncCalendarNow(deps, tenantId, calendarId)).toMatchObject({ full: false });
    expect(deltaCalls() - before).toBe(2);
  });
});
