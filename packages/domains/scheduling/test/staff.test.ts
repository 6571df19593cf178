import { issuesOf, type TRPCError, type ActionContext } from '@ubos/platform';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelAppointmentAction, createAppointmentAction } from '../src/actions.ts';
import { appointmentCompleted, appointmentNoShow, typeArchived, typeCreated } from '../src/contracts.ts';
import * as appointments from '../src/service-appointments.ts';
import { actor, bookingTenant, dayAhead, domainContext, events, inTenant } from './helpers.ts';
import { withTenant } from '@ubos/platform';

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

const HOUR = 3_600_000;

async function failure(promise: Promise<unknown>): Promise<TRPCError> {
  try {
    await promise;
  } catch (error) {
    return error as TRPCError;
  }
  throw new Error('expected a failure');
}

describe('appointment types', () => {
  it('creates, lists, updates and archives, refusing a taken address and bad input in words', async () => {
    const owner = actor(testDb.db);
    const created = await owner.caller.types.create({
      name: 'Consultation',
      pageSlug: 'ana',
      slug: 'consult',
      durationMinutes: 45,
      locationKind: 'in_person',
      locationDetail: 'Main St 1',
      hostIds: [owner.userId],
      bufferAfterMinutes: 10,
      maxPerDay: 3,
    });
    expect(created).toMatchObject({
      name: 'Consultation',
      durationMinutes: 45,
      bufferAfterMinutes: 10,
      maxPerDay: 3,
      assignment: 'single',
      reminderMinutes: [1440, 60],
      active: true,
    });
    const taken = await failure(
      owner.caller.types.create({ name: 'Other', pageSlug: 'ana', slug: 'consult', durationMinutes: 30, locationKind: 'phone', hostIds: [owner.userId] }),
    );
    expect(taken).toMatchObject({ code: 'CONFLICT', message: 'Another appointment type on this page already uses this address' });
    const two = await failure(
      owner.caller.types.create({
        name: 'Pair',
        pageSlug: 'ana',
        slug: 'pair',
        durationMinutes: 30,
        locationKind: 'phone',
        hostIds: [owner.userId, created.id],
      }),
    );
    expect(two.code).toBe('BAD_REQUEST');
    expect(issuesOf(two.cause)?.[0]?.path).toEqual(['hostIds']);
    const short = await failure(
      owner.caller.types.create({ name: 'Tiny', pageSlug: 'ana', slug: 'tiny', durationMinutes: 2, locationKind: 'phone', hostIds: [owner.userId] }),
    );
    expect(issuesOf(short.cause)?.[0]).toMatchObject({ path: ['durationMinutes'], message: 'At least 5 minutes' });

    const updated = await owner.caller.types.update({ id: created.id, name: 'Long consultation', durationMinutes: 60 });
    expect(updated).toMatchObject({ name: 'Long consultation', durationMinutes: 60, locationDetail: 'Main St 1' });
    expect((await owner.caller.types.list({ includeArchived: false })).map((t) => t.id)).toEqual([created.id]);
    const archived = await owner.caller.types.archive({ id: created.id });
    expect(archived.archivedAt).toBeInstanceOf(Date);
    await owner.caller.types.archive({ id: created.id });
    expect(await owner.caller.types.list({ includeArchived: false })).toEqual([]);
    expect(await events(testDb.db, owner.tenantId, [typeCreated.type, typeArchived.type])).toHaveLength(2);
    // The address is free again once archived.
    await owner.caller.types.create({
      name: 'Consultation',
      pageSlug: 'ana',
      slug: 'consult',
      durationMinutes: 45,
      locationKind: 'phone',
      hostIds: [owner.userId],
    });
  });

  it('lets members book but not change types; viewers only read', async () => {
    const owner = actor(testDb.db);
    const member = actor(testDb.db, { role: 'member', tenantId: owner.tenantId });
    const viewer = actor(testDb.db, { role: 'viewer', tenantId: owner.tenantId });
    await expect(
      member.caller.types.create({ name: 'X', pageSlug: 'x', slug: 'x', durationMinutes: 30, locationKind: 'phone', hostIds: [member.userId] }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(viewer.caller.availability.set({ timeZone: 'UTC', weekly: {} })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // A member sets their own hours, not a teammate's, and not the holidays.
    await member.caller.availability.set({ timeZone: 'Europe/Berlin', weekly: { '1': [[540, 720]] } });
    await expect(member.caller.availability.set({ userId: owner.userId, timeZone: 'UTC', weekly: {} })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(member.caller.availability.set({ timeZone: 'UTC', weekly: {}, holidays: [{ date: '2026-12-25', name: 'Christmas' }] })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(await viewer.caller.types.list({ includeArchived: false })).toEqual([]);
  });
});

describe('availability', () => {
  it('stores weekly hours in the user time zone, overrides and holidays, refusing overlaps', async () => {
    const owner = actor(testDb.db);
    expect(await owner.caller.availability.get({})).toMatchObject({ timeZone: 'UTC', saved: false });
    const saved = await owner.caller.availability.set({
      timeZone: 'Europe/Berlin',
      weekly: {
        '1': [
          [780, 1020],
          [540, 720],
        ],
        '2': [],
      },
      overrides: [
        { date: '2026-12-24', ranges: [] },
        { date: '2026-12-27', ranges: [[600, 660]] },
      ],
      holidays: [{ date: '2026-12-25', name: 'Christmas Day' }],
    });
    expect(saved).toMatchObject({
      timeZone: 'Europe/Berlin',
      weekly: {
        '1': [
          [540, 720],
          [780, 1020],
        ],
      },
      overrides: [
        { date: '2026-12-24', ranges: [] },
        { date: '2026-12-27', ranges: [[600, 660]] },
      ],
      holidays: [{ date: '2026-12-25', name: 'Christmas Day' }],
      saved: true,
    });
    const overlap = await failure(
      owner.caller.availability.set({
        timeZone: 'UTC',
        weekly: {
          '3': [
            [540, 720],
            [700, 800],
          ],
        },
      }),
    );
    expect(overlap).toMatchObject({ code: 'BAD_REQUEST', message: 'Two ranges of one day overlap; join them or move one' });
    const zone = await failure(owner.caller.availability.set({ timeZone: 'Europe/Atlantis', weekly: {} }));
    expect(issuesOf(zone.cause)?.[0]?.path).toEqual(['timeZone']);
    expect((await owner.caller.availability.get({})).weekly).toEqual({
      '1': [
        [540, 720],
        [780, 1020],
      ],
    });
  });

  it('gives a New York visitor the Berlin host hours across the DST change through the procedure', async () => {
    const { slug, owner } = await bookingTenant(testDb.db, { type: { durationMinutes: 60, bookingWindowDays: 730 } });
    await owner.caller.availability.set({ timeZone: 'Europe/Berlin', weekly: { '5': [[540, 720]], '1': [[540, 720]] } });
    // Far enough ahead for the test to hold every year: the weekend of Berlin's change in 2027 is 28 March.
    const from = new Date('2027-03-26T00:00:00Z');
    const to = new Date('2027-03-30T00:00:00Z');
    if (Date.now() > from.getTime()) return;
    const { visitor } = await import('./helpers.ts');
    const result = await visitor(testDb.db).booking.slots({ tenantSlug: slug, pageSlug: 'team', typeSlug: 'intro', from, to, timeZone: 'America/New_York' });
    expect(result.slots.map((s) => `${s.date} ${s.time}`)).toEqual([
      // Friday: New York already on summer time (UTC-4), Berlin still on winter time (UTC+1).
      '2027-03-26 04:00',
      '2027-03-26 05:00',
      '2027-03-26 06:00',
      // Monday: Berlin on summer time too (UTC+2).
      '2027-03-29 03:00',
      '2027-03-29 04:00',
      '2027-03-29 05:00',
    ]);
  });
});

describe('staff appointments', () => {
  it('creates, lists, reschedules, cancels; completes and marks no-shows only once started', async () => {
    const { owner, type } = await bookingTenant(testDb.db);
    const start = new Date(dayAhead(3).getTime() + 9 * HOUR);
    const created = await owner.caller.appointments.create({
      typeId: type.id,
      start,
      attendeeName: 'Dora',
      attendeeEmail: 'dora@example.test',
      attendeeTimeZone: 'Europe/Madrid',
      answers: {},
    });
    expect(created).toMatchObject({ status: 'booked', source: 'staff', typeName: 'Intro call', hostIds: [owner.userId] });
    const listed = await owner.caller.appointments.list({ from: dayAhead(3), to: dayAhead(4) });
    expect(listed.map((a) => a.id)).toEqual([created.id]);
    const moved = await owner.caller.appointments.reschedule({ id: created.id, start: new Date(start.getTime() + HOUR), reason: 'Host request' });
    expect(moved).toMatchObject({ sequence: 1, rescheduleReason: 'Host request' });
    const notYet = await failure(owner.caller.appointments.complete({ id: created.id }));
    expect(notYet).toMatchObject({ code: 'PRECONDITION_FAILED', message: 'This appointment has not started yet' });
    const cancelled = await owner.caller.appointments.cancel({ id: created.id, reason: 'No longer needed' });
    expect(cancelled.status).toBe('cancelled');
    expect((await owner.caller.appointments.cancel({ id: created.id, reason: null })).status).toBe('cancelled');
    await expect(owner.caller.appointments.reschedule({ id: created.id, start, reason: null })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });

    // Two appointments that already started (placed with a clock in the past), then closed.
    const [past, missed] = await withTenant(testDb.db, { tenantId: owner.tenantId }, async (trx) => {
      const ctx = domainContext(trx, owner.tenantId, owner.userId);
      const typeRow = await appointments.liveType(ctx, type.id);
      const base = Date.now() - (Date.now() % HOUR) - 3 * HOUR;
      const attendee = { name: 'Eli', email: 'eli@example.test', timeZone: 'UTC', answers: {} };
      const one = await appointments.placeAppointment(ctx, {
        type: typeRow,
        start: new Date(base),
        attendee,
        source: 'staff',
        status: 'booked',
        now: new Date(base - HOUR),
      });
      const two = await appointments.placeAppointment(ctx, {
        type: typeRow,
        start: new Date(base + HOUR),
        attendee,
        source: 'staff',
        status: 'booked',
        now: new Date(base - HOUR),
      });
      return [one.row.id, two.row.id];
    });
    expect((await owner.caller.appointments.complete({ id: past as string })).status).toBe('completed');
    expect((await owner.caller.appointments.complete({ id: past as string })).status).toBe('completed');
    expect((await owner.caller.appointments.markNoShow({ id: missed as string })).status).toBe('no_show');
    await expect(owner.caller.appointments.markNoShow({ id: past as string })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    expect(await events(testDb.db, owner.tenantId, [appointmentCompleted.type, appointmentNoShow.type])).toHaveLength(2);
  });

  it('runs the workflow actions once per step key', async () => {
    const { owner, type } = await bookingTenant(testDb.db);
    const start = new Date(dayAhead(5).getTime() + 14 * HOUR);
    const run = (action: typeof createAppointmentAction | typeof cancelAppointmentAction, key: string, input: unknown) =>
      withTenant(testDb.db, { tenantId: owner.tenantId }, (trx) => {
        const context: ActionContext = { ...domainContext(trx, owner.tenantId), idempotencyKey: key };
        return action.run(input, context);
      });
    const input = { typeId: type.id, start: start.toISOString(), attendeeName: 'Flo', attendeeEmail: 'flo@example.test', attendeeTimeZone: 'UTC' };
    const first = (await run(createAppointmentAction, 'run-1:book', input)) as { appointmentId: string };
    const again = (await run(createAppointmentAction, 'run-1:book', input)) as { appointmentId: string };
    expect(again).toEqual(first);
    await expect(run(createAppointmentAction, 'run-2:book', input)).rejects.toThrow(/That time was just taken/);
    const cancelled = await run(cancelAppointmentAction, 'run-1:cancel', { id: first.appointmentId, reason: 'Workflow' });
    expect(cancelled).toMatchObject({ appointmentId: first.appointmentId, status: 'cancelled' });
    const rows = await inTenant(testDb.db, owner.tenantId, (s) => s.selectFrom('scheduling.appointments').select(['status', 'source']).execute());
    expect(rows).toEqual([{ status: 'cancelled', source: 'workflow' }]);
  });
});
