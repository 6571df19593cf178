import { createConnectionServices, createLogger, sql, type TRPCError } from '@ubos/platform';
import { createTestDatabase, testConfig, type TestDatabase } from '@ubos/platform/testing';
import { createCalendarObject, deleteCalendarObject, fetchCalendarObjects, makeCalendar } from 'tsdav';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuthorization } from '../src/caldav.ts';
import { pushCalendarEvents, syncAllCalendars, syncCalendarNow, type CalendarDeps } from '../src/service-calendars.ts';
import { actor, bookInput, bookingTenant, dayAhead, inTenant, visitor } from './helpers.ts';
import { startRadicale, type Radicale } from './radicale.ts';

let testDb: TestDatabase;
let radicale: Radicale;
const log = createLogger({ level: 'silent' });
const config = testConfig({ OUTBOUND_ALLOW_HOSTS: '127.0.0.1' });
const HOUR = 3_600_000;
const auth = { authorization: basicAuthorization('ana', 'secret') };

beforeAll(async () => {
  testDb = await createTestDatabase();
  radicale = await startRadicale();
  await makeCalendar({
    url: `${radicale.url}ana/work/`,
    props: { 'd:displayname': 'Work' },
    headers: auth,
  });
}, 30_000);
afterAll(async () => {
  await radicale?.stop();
  await testDb?.drop();
});

function event(uid: string, start: Date, end: Date, extra = ''): string {
  const stamp = (d: Date) => `${d.toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`;
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//test//radicale//EN',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    `DTSTAMP:${stamp(new Date())}`,
    `DTSTART:${stamp(start)}`,
    `DTEND:${stamp(end)}`,
    'SUMMARY:Dentist',
    ...(extra ? [extra] : []),
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

async function putExternal(name: string, start: Date, end: Date, extra = ''): Promise<string> {
  const response = await createCalendarObject({
    calendar: { url: `${radicale.url}ana/work/` },
    filename: `${name}.ics`,
    iCalString: event(name, start, end, extra),
    headers: auth,
  });
  expect(response.ok).toBe(true);
  return `${radicale.url}ana/work/${name}.ics`;
}

describe('CalDAV against a real Radicale', () => {
  it('connects, blocks slots after one sync, frees them after a delete, resyncs on a stale token, writes appointments out', async () => {
    const services = { connections: createConnectionServices({ db: testDb.db, config, log }) };
    const owner = actor(testDb.db, { services, config: { OUTBOUND_ALLOW_HOSTS: '127.0.0.1' } });
    const { slug } = await bookingTenant(testDb.db, { owner });
    const deps: CalendarDeps = { db: testDb.db, log, services, config };

    // Connect: discovery through the guarded transport, credentials in the vault.
    const connected = await owner.caller.calendars.connect({ provider: 'caldav', serverUrl: radicale.url, username: 'ana', password: 'secret' });
    expect(connected).toEqual([expect.objectContaining({ displayName: 'Work', isPrimary: true, provider: 'caldav', userId: owner.userId })]);
    const calendarId = connected[0]?.id as string;
    const stored = await inTenant(testDb.db, owner.tenantId, (_s, trx) =>
      sql<{ credentials: string }>`SELECT credentials FROM platform.integration_connections`.execute(trx),
    );
    expect(stored.rows[0]?.credentials).toMatch(/^v1:/);
    expect(JSON.stringify(stored.rows)).not.toContain('secret');

    const day = dayAhead(6);
    const slotsOf = async () =>
      (
        await visitor(testDb.db).booking.slots({
          tenantSlug: slug,
          pageSlug: 'team',
          typeSlug: 'intro',
          from: new Date(day.getTime() + 9 * HOUR),
          to: new Date(day.getTime() + 12 * HOUR),
          timeZone: 'UTC',
        })
      ).slots.map((s) => s.time);
    expect(await slotsOf()).toEqual(['09:00', '09:30', '10:00', '10:30', '11:00', '11:30']);

    // An external event 10:00-11:00 blocks its slots after one sync.
    const dentist = await putExternal('dentist', new Date(day.getTime() + 10 * HOUR), new Date(day.getTime() + 11 * HOUR));
    expect(await syncCalendarNow(deps, owner.tenantId, calendarId)).toMatchObject({ full: true, changed: 1 });
    expect(await slotsOf()).toEqual(['09:00', '09:30', '11:00', '11:30']);
    expect(await owner.caller.calendars.busy({ from: day, to: new Date(day.getTime() + 86_400_000) })).toEqual([
      { calendarId, userId: owner.userId, start: new Date(day.getTime() + 10 * HOUR), end: new Date(day.getTime() + 11 * HOUR) },
    ]);

    // Deleting it frees them (an incremental sync with the stored token).
    const objects = await fetchCalendarObjects({ calendar: { url: `${radicale.url}ana/work/` }, headers: auth });
    const etag = objects.find((o) => o.url.endsWith('dentist.ics'))?.etag;
    expect((await deleteCalendarObject({ calendarObject: { url: dentist, ...(etag ? { etag } : {}) }, headers: auth })).ok).toBe(true);
    expect(await syncCalendarNow(deps, owner.tenantId, calendarId)).toMatchObject({ full: false, deleted: 1 });
    expect(await slotsOf()).toEqual(['09:00', '09:30', '10:00', '10:30', '11:00', '11:30']);

    // A transparent event is not busy.
    await putExternal('free-time', new Date(day.getTime() + 9 * HOUR), new Date(day.getTime() + 10 * HOUR), 'TRANSP:TRANSPARENT');
    // A stale token: the server refuses it, the sync starts over and still ends right.
    await inTenant(testDb.db, owner.tenantId, (s) =>
      s
        .updateTable('scheduling.calendars')
        .set({ sync_token: 'http://radicale.org/ns/sync/0000000000000000000000000000000000000000000000000000000000000000' })
        .execute(),
    );
    await putExternal('lunch', new Date(day.getTime() + 11 * HOUR + 30 * 60_000), new Date(day.getTime() + 12 * HOUR + 30 * 60_000));
    expect(await syncCalendarNow(deps, owner.tenantId, calendarId)).toMatchObject({ full: true });
    expect(await slotsOf()).toEqual(['09:00', '09:30', '10:00', '10:30', '11:00']);

    // Booking re-checks the calendar: an event added since the last sync refuses the slot.
    const guest = visitor(testDb.db, { services, config: { OUTBOUND_ALLOW_HOSTS: '127.0.0.1' } });
    await putExternal('surprise', new Date(day.getTime() + 10 * HOUR), new Date(day.getTime() + 10 * HOUR + 30 * 60_000));
    const refused = await guest.booking.book(bookInput(slug, new Date(day.getTime() + 10 * HOUR))).then(
      () => null,
      (error: unknown) => error as TRPCError,
    );
    expect(refused).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/^That time was just taken/) });
    const released = await inTenant(testDb.db, owner.tenantId, (s) => s.selectFrom('scheduling.appointments').select(['status', 'cancelled_by']).execute());
    expect(released).toEqual([{ status: 'cancelled', cancelled_by: 'system' }]);

    // A booked appointment is written to the primary calendar, moved there, then removed.
    const booked = await guest.booking.book(bookInput(slug, new Date(day.getTime() + 9 * HOUR)));
    expect(await pushCalendarEvents(deps, owner.tenantId, calendarId)).toBe(1);
    const remote = async () =>
      (await fetchCalendarObjects({ calendar: { url: `${radicale.url}ana/work/` }, headers: auth })).filter((o) =>
        String(o.data).includes(`UID:${booked.appointmentId}@ubos`),
      );
    expect(await remote()).toHaveLength(1);
    expect(String((await remote())[0]?.data)).toContain(`DTSTART:${new Date(day.getTime() + 9 * HOUR).toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`);
    // Our own event comes back on sync but is not counted twice as external busy time.
    await syncCalendarNow(deps, owner.tenantId, calendarId);
    const externalRows = await inTenant(testDb.db, owner.tenantId, (s) => s.selectFrom('scheduling.busy_intervals').select('external_id').execute());
    expect(externalRows.map((r) => r.external_id).filter((href) => href.includes(booked.appointmentId))).toEqual([]);

    await guest.booking.reschedule({ token: booked.token, start: new Date(day.getTime() + 9 * HOUR + 30 * 60_000), reason: null });
    const result = await syncAllCalendars(deps);
    expect(result).toMatchObject({ failed: 0, written: 1 });
    expect(String((await remote())[0]?.data)).toContain('SEQUENCE:1');
    await guest.booking.cancel({ token: booked.token, reason: null });
    expect(await pushCalendarEvents(deps, owner.tenantId, calendarId)).toBe(1);
    expect(await remote()).toEqual([]);
  }, 120_000);
});
