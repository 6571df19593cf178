import { createConnectionServices, createDomainContext, createLogger, requireVault, saveOAuthConnection, withTenant } from '@ubos/platform';
import { FAKE_ACCESS_TOKEN, startGoogleCalendarFake, type GoogleCalendarFake } from '@ubos/integrations/testing';
import { createTestDatabase, testConfig, type TestDatabase } from '@ubos/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushCalendarEvents, syncCalendarNow, type CalendarDeps } from '../src/service-calendars.ts';
import { actor, bookInput, bookingTenant, dayAhead, inTenant, visitor } from './helpers.ts';

/** Google Calendar through the provider fake (we cannot reach Google): the documented events API. */
let testDb: TestDatabase;
let google: GoogleCalendarFake;
const log = createLogger({ level: 'silent' });
const config = testConfig();
const HOUR = 3_600_000;

beforeAll(async () => {
  testDb = await createTestDatabase();
  google = await startGoogleCalendarFake();
});
afterAll(async () => {
  await google?.stop();
  await testDb?.drop();
});

describe('Google Calendar (provider fake)', () => {
  it('adds a calendar of a Google connection, syncs busy time with sync tokens (410 -> full), writes appointments', async () => {
    const services = { connections: createConnectionServices({ db: testDb.db, config, log }) };
    const owner = actor(testDb.db, { services });
    const { slug } = await bookingTenant(testDb.db, { owner });
    const connection = await withTenant(testDb.db, { tenantId: owner.tenantId }, (trx) =>
      saveOAuthConnection(createDomainContext({ trx, tenantId: owner.tenantId, actorId: owner.userId, correlationId: 'test', log }), requireVault(config), {
        provider: 'google',
        accountLabel: 'hana@example.com',
        externalAccountId: 'google-user-1',
        ownerUserId: owner.userId,
        scopes: ['https://www.googleapis.com/auth/calendar'],
        credentials: {
          accessToken: FAKE_ACCESS_TOKEN,
          refreshToken: 'refresh',
          expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
          tokenType: 'Bearer',
        },
        connectionId: null,
      }),
    );
    await expect(
      owner.caller.calendars.connect({ provider: 'google', connectionId: '0190f0f0-0000-7000-8000-0000000000ff', calendarId: 'primary' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const [calendar] = await owner.caller.calendars.connect({ provider: 'google', connectionId: connection.id, calendarId: 'primary' });
    expect(calendar).toMatchObject({ provider: 'google', isPrimary: true, displayName: 'Google Calendar' });
    const calendarId = calendar?.id as string;
    const deps: CalendarDeps = { db: testDb.db, log, services, config, googleApiBase: google.url };

    const day = dayAhead(6);
    const slotsOf = async () =>
      (
        await visitor(testDb.db).booking.slots({
          tenantSlug: slug,
          pageSlug: 'team',
          typeSlug: 'intro',
          from: new Date(day.getTime() + 9 * HOUR),
          to: new Date(day.getTime() + 11 * HOUR),
          timeZone: 'UTC',
        })
      ).slots.map((s) => s.time);
    const dentist = google.upsert({
      summary: 'Dentist',
      start: new Date(day.getTime() + 9 * HOUR).toISOString(),
      end: new Date(day.getTime() + 10 * HOUR).toISOString(),
    });
    expect(await syncCalendarNow(deps, owner.tenantId, calendarId)).toMatchObject({ full: true, changed: 1 });
    expect(await slotsOf()).toEqual(['10:00', '10:30']);

    // Deleted at Google: the incremental sync (stored token) frees the time.
    google.upsert({ id: dentist.id, summary: 'Dentist', start: dentist.start.dateTime, end: dentist.end.dateTime, status: 'cancelled' });
    expect(await syncCalendarNow(deps, owner.tenantId, calendarId)).toMatchObject({ full: false, deleted: 1 });
    expect(await slotsOf()).toEqual(['09:00', '09:30', '10:00', '10:30']);

    // A stale token (410 fullSyncRequired): a full sync, still right.
    google.upsert({
      summary: 'Lunch',
      start: new Date(day.getTime() + 10 * HOUR).toISOString(),
      end: new Date(day.getTime() + 10 * HOUR + 30 * 60_000).toISOString(),
    });
    google.invalidateSyncTokens();
    expect(await syncCalendarNow(deps, owner.tenantId, calendarId)).toMatchObject({ full: true });
    expect(await slotsOf()).toEqual(['09:00', '09:30', '10:30']);

    // An appointment goes to the primary calendar, moves there, then goes away.
    const booked = await visitor(testDb.db).booking.book(bookInput(slug, new Date(day.getTime() + 9 * HOUR)));
    expect(await pushCalendarEvents(deps, owner.tenantId, calendarId)).toBe(1);
    const ours = () => [...google.events.values()].filter((e) => e.summary.startsWith('Intro call:'));
    expect(ours()).toEqual([expect.objectContaining({ status: 'confirmed', start: { dateTime: new Date(day.getTime() + 9 * HOUR).toISOString() } })]);
    await visitor(testDb.db).booking.reschedule({ token: booked.token, start: new Date(day.getTime() + 9 * HOUR + 30 * 60_000), reason: null });
    expect(await pushCalendarEvents(deps, owner.tenantId, calendarId)).toBe(1);
    expect(ours()).toEqual([expect.objectContaining({ start: { dateTime: new Date(day.getTime() + 9 * HOUR + 30 * 60_000).toISOString() } })]);
    // Our own event coming back on sync is not external busy time.
    await syncCalendarNow(deps, owner.tenantId, calendarId);
    const external = await inTenant(testDb.db, owner.tenantId, (s) => s.selectFrom('scheduling.busy_intervals').select('external_id').execute());
    expect(external.map((r) => r.external_id)).not.toContain(ours()[0]?.id);
    await visitor(testDb.db).booking.cancel({ token: booked.token, reason: null });
    expect(await pushCalendarEvents(deps, owner.tenantId, calendarId)).toBe(1);
    expect(ours().map((e) => e.status)).toEqual(['cancelled']);
    // Every call carried the connection's bearer token.
    expect(google.requests.every((r) => r.headers.authorization === `Bearer ${FAKE_ACCESS_TOKEN}`)).toBe(true);
  });
});
