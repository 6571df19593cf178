import { sql, TRPCError, issuesOf, type Database } from '@ubos/platform';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appointmentBooked, appointmentCancelled, appointmentRescheduled } from '../src/contracts.ts';
import { recordContactEmails } from '../src/handlers.ts';
import { sendDueReminders } from '../src/jobs.ts';
import { actor, bookInput, bookingTenant, dayAhead, domainContext, events, inTenant, visitor, widePool } from './helpers.ts';

let testDb: TestDatabase;
let wide: Database;
beforeAll(async () => {
  testDb = await createTestDatabase();
  wide = widePool(testDb);
});
afterAll(async () => {
  await wide?.close();
  await testDb?.drop();
});

const HOUR = 3_600_000;
const MINUTE = 60_000;

async function outcome<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

function expectCleanConflicts(results: { ok: boolean; error?: unknown }[]) {
  for (const result of results.filter((r) => !r.ok)) {
    const error = result.error as TRPCError;
    expect(error).toBeInstanceOf(TRPCError);
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toMatch(/^That time was just taken/);
  }
}

async function liveHostRows(db: Database, tenantId: string) {
  return inTenant(db, tenantId, (s) =>
    s
      .selectFrom('scheduling.appointment_hosts')
      .select(['host_id', 'appointment_id', sql<Date>`lower(blocked)`.as('from'), sql<Date>`upper(blocked)`.as('to')])
      .where('status', 'in', ['held', 'booked'])
      .execute(),
  );
}

/** The tenant's system mail as the kernel's mail port recorded it, oldest first. */
async function mails(db: Database, tenantId: string) {
  return inTenant(db, tenantId, async (s) => {
    const result = await sql<{
      to_email: string;
      template: string;
      subject: string;
      text: string;
      attachments: { filename: string; content: string; contentType: string }[];
    }>`
      SELECT to_email, template, subject, text, attachments FROM platform.system_mail ORDER BY created_at, id`.execute(s);
    return result.rows;
  });
}

/** Double bookings in a tenant, counted by a query: pairs of live host rows that overlap. */
async function doubleBookings(db: Database, tenantId: string): Promise<number> {
  return inTenant(db, tenantId, async (s) => {
    const result = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM scheduling.appointment_hosts a JOIN scheduling.appointment_hosts b
        ON a.host_id = b.host_id AND a.appointment_id < b.appointment_id AND a.blocked && b.blocked
      WHERE a.status IN ('held', 'booked') AND b.status IN ('held', 'booked')`.execute(s);
    return result.rows[0]?.n ?? -1;
  });
}

describe('public booking', () => {
  it('shows the page, its slots in the visitor time zone, and books one with a manage link and an invitation', async () => {
    const { slug, type, owner } = await bookingTenant(testDb.db, {
      type: { questions: [{ id: 'topic', label: 'What is it about?', kind: 'text', required: true }] },
    });
    const guest = visitor(testDb.db);
    const page = await guest.booking.page({ tenantSlug: slug, pageSlug: 'team' });
    expect(page).toEqual({
      organization: 'Acme Studio',
      pageSlug: 'team',
      types: [expect.objectContaining({ slug: 'intro', name: 'Intro call', durationMinutes: 30 })],
    });

    const day = dayAhead(3);
    const slots = await guest.booking.slots({
      tenantSlug: slug,
      pageSlug: 'team',
      typeSlug: 'intro',
      from: day,
      to: new Date(day.getTime() + 2 * HOUR),
      timeZone: 'America/New_York',
    });
    expect(slots.slots.map((s) => s.start.getTime() - day.getTime())).toEqual([0, 30, 60, 90].map((m) => m * MINUTE));
    // Midnight UTC is the evening before in New York.
    expect(slots.slots[0]?.time).toMatch(/^(19|20):00$/);

    // A required answer is asked for in words.
    const missing = await outcome(guest.booking.book(bookInput(slug, day)));
    expect(missing.ok).toBe(false);
    expect((missing as { error: TRPCError }).error.message).toBe('Please answer "What is it about?"');

    const booked = await guest.booking.book({ ...bookInput(slug, day, { email: 'Ana@Example.com ' }), answers: { topic: 'A new website' } });
    expect(booked.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(booked.manageUrl).toBe(`/book/manage/${booked.token}`);
    expect(booked.ics).toContain('METHOD:REQUEST');
    expect(booked.ics).toContain(`UID:${booked.appointmentId}@ubos`);
    expect(booked.ics).toContain('SEQUENCE:0');
    // Only the token's hash is stored.
    const stored = await inTenant(testDb.db, owner.tenantId, (s) =>
      s.selectFrom('scheduling.appointments').selectAll().where('id', '=', booked.appointmentId).executeTakeFirstOrThrow(),
    );
    expect(stored.manage_token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(booked.token);
    expect(stored).toMatchObject({ status: 'booked', attendee_email: 'ana@example.com', hold_expires_at: null, answers: { topic: 'A new website' } });

    const [event] = await events(testDb.db, owner.tenantId, [appointmentBooked.type]);
    expect(event?.event).toMatchObject({
      type: 'scheduling.appointment.booked',
      aggregate_type: 'scheduling.appointment',
      aggregate_id: booked.appointmentId,
      payload: {
        appointment_id: booked.appointmentId,
        type_id: type.id,
        type_name: 'Intro call',
        host_id: owner.userId,
        attendee_name: 'Ana Lopez',
        attendee_email: 'ana@example.com',
        start_at: day.toISOString(),
        end_at: new Date(day.getTime() + 30 * MINUTE).toISOString(),
        client_id: null,
        contact_id: null,
        project_template_id: null,
        source: 'public',
      },
    });

    // The confirmation went to the attendee through the mail port, with the invitation attached.
    const [confirmation] = await mails(testDb.db, owner.tenantId);
    expect(confirmation).toMatchObject({
      to_email: 'ana@example.com',
      template: 'appointment_confirmation',
      subject: expect.stringMatching(/^Confirmed: Intro call on /),
    });
    expect(confirmation?.text).toContain(`/book/manage/${booked.token}`);
    expect(confirmation?.attachments).toEqual([
      {
        filename: 'invite.ics',
        contentType: 'text/calendar; charset=utf-8; method=REQUEST',
        content: expect.stringContaining(`UID:${booked.appointmentId}@ubos`),
      },
    ]);

    // The taken slot is gone from the list.
    const after = await guest.booking.slots({
      tenantSlug: slug,
      pageSlug: 'team',
      typeSlug: 'intro',
      from: day,
      to: new Date(day.getTime() + 2 * HOUR),
      timeZone: 'UTC',
    });
    expect(after.slots.map((s) => s.time)).toEqual(['00:30', '01:00', '01:30']);
  });

  it('answers an unknown page, a slot taken since, and an unoffered time in words, never a 500', async () => {
    const { slug } = await bookingTenant(testDb.db);
    const guest = visitor(testDb.db);
    await expect(guest.booking.page({ tenantSlug: 'no-such-org', pageSlug: 'team' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(guest.booking.page({ tenantSlug: slug, pageSlug: 'nobody' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const day = dayAhead(4);
    await guest.booking.book(bookInput(slug, day));
    const again = await outcome(visitor(testDb.db).booking.book(bookInput(slug, day)));
    const error = (again as { error: TRPCError }).error;
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toMatch(/^That time was just taken\. Free times include /);
    const issues = issuesOf(error.cause) ?? [];
    expect(issues[0]).toMatchObject({ path: ['start'], code: 'slot_taken' });
    const fresh = issues.filter((i) => i.code === 'fresh_slot').map((i) => i.message);
    expect(fresh.length).toBeGreaterThan(0);
    expect(fresh).not.toContain(day.toISOString());
    const odd = await outcome(visitor(testDb.db).booking.book(bookInput(slug, new Date(day.getTime() + 7 * MINUTE))));
    expect((odd as { error: TRPCError }).error).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/^That time is not offered/) });
    await expect(visitor(testDb.db).booking.book({ ...bookInput(slug, day), attendeeEmail: 'not an email' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(visitor(testDb.db).booking.book({ ...bookInput(slug, day), attendeeTimeZone: 'Mars/Olympus' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('rate-limits one address: its writes across pages, then everything', async () => {
    const { slug } = await bookingTenant(testDb.db);
    const guest = visitor(testDb.db, { ip: '192.0.2.77' });
    // Writes to pages that do not exist are cheap, and count like any other (the limit comes first).
    for (let i = 0; i < 60; i += 1) {
      await expect(guest.booking.book(bookInput(`nowhere-${i % 3}`, dayAhead(5)))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    }
    await expect(guest.booking.book(bookInput(slug, dayAhead(5)))).rejects.toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      message: expect.stringContaining('Too many requests'),
    });
    // The manage link's writes share the address's budget; another address is unaffected.
    await expect(guest.booking.cancel({ token: 'A'.repeat(43), reason: null })).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS' });
    await visitor(testDb.db, { ip: '192.0.2.78' }).booking.book(bookInput(slug, dayAhead(5)));
  });
});

// 50 concurrent requests on a shared 2-core machine: generous time, the assertions are about outcomes.
describe('no double booking (the exclusion constraint decides)', { timeout: 120_000 }, () => {
  it('50 concurrent bookings of one slot: exactly 1 booked, 49 clean conflicts', async () => {
    const { slug, owner } = await bookingTenant(wide);
    const start = dayAhead(6);
    const results = await Promise.all(Array.from({ length: 50 }, () => outcome(visitor(wide).booking.book(bookInput(slug, start)))));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expectCleanConflicts(results);
    expect(await liveHostRows(wide, owner.tenantId)).toHaveLength(1);
    expect(await doubleBookings(wide, owner.tenantId)).toBe(0);
    expect(await events(wide, owner.tenantId, [appointmentBooked.type])).toHaveLength(1);
  });

  it('overlapping slots of different lengths: one of 50 wins', async () => {
    const { slug, owner } = await bookingTenant(wide);
    await owner.caller.types.create({
      name: 'Workshop',
      pageSlug: 'team',
      slug: 'workshop',
      durationMinutes: 60,
      slotIntervalMinutes: 15,
      locationKind: 'in_person',
      hostIds: [owner.userId],
    });
    const day = dayAhead(7);
    const short = new Date(day.getTime() + 10 * HOUR); // 10:00-10:30
    const long = new Date(day.getTime() + 9 * HOUR + 45 * MINUTE); // 09:45-10:45
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        outcome(visitor(wide).booking.book(i % 2 ? bookInput(slug, short) : bookInput(slug, long, { typeSlug: 'workshop' }))),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expectCleanConflicts(results);
    expect(await doubleBookings(wide, owner.tenantId)).toBe(0);
  });

  it('a reschedule racing new bookings for the same time: one of them holds it', async () => {
    const { slug, owner } = await bookingTenant(wide);
    const day = dayAhead(8);
    const first = await visitor(wide).booking.book(bookInput(slug, new Date(day.getTime() + 9 * HOUR)));
    const target = new Date(day.getTime() + 11 * HOUR);
    const results = await Promise.all([
      outcome(visitor(wide).booking.reschedule({ token: first.token, start: target, reason: 'Later suits me' })),
      ...Array.from({ length: 25 }, () => outcome(visitor(wide).booking.book(bookInput(slug, target)))),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expectCleanConflicts(results);
    const rows = await liveHostRows(wide, owner.tenantId);
    expect(rows.filter((r) => r.from.getTime() === target.getTime())).toHaveLength(1);
    expect(await doubleBookings(wide, owner.tenantId)).toBe(0);
  });

  it('two round-robin hosts racing: each takes one, the other 48 conflict', async () => {
    const { slug, owner, hostIds } = await bookingTenant(wide, { hosts: 2, type: { assignment: 'round_robin' } });
    const start = dayAhead(9);
    const results = await Promise.all(Array.from({ length: 50 }, () => outcome(visitor(wide).booking.book(bookInput(slug, start)))));
    expect(results.filter((r) => r.ok)).toHaveLength(2);
    expectCleanConflicts(results);
    const rows = await liveHostRows(wide, owner.tenantId);
    expect(rows.map((r) => r.host_id).sort()).toEqual([...hostIds].sort());
    expect(await doubleBookings(wide, owner.tenantId)).toBe(0);
  });

  it('collective: one row per host, and one busy host blocks the slot', async () => {
    const { slug, owner, hostIds } = await bookingTenant(testDb.db, { hosts: 2, type: { assignment: 'collective' } });
    const start = dayAhead(10);
    const booked = await visitor(testDb.db).booking.book(bookInput(slug, start));
    const rows = await liveHostRows(testDb.db, owner.tenantId);
    expect(
      rows
        .filter((r) => r.appointment_id === booked.appointmentId)
        .map((r) => r.host_id)
        .sort(),
    ).toEqual([...hostIds].sort());
    // The second host is taken at 02:00 by another type: the collective slot is gone.
    await owner.caller.types.create({
      name: 'Solo',
      pageSlug: 'solo',
      slug: 'solo',
      durationMinutes: 30,
      locationKind: 'phone',
      hostIds: [hostIds[1] as string],
    });
    const later = new Date(start.getTime() + 2 * HOUR);
    await visitor(testDb.db).booking.book({ ...bookInput(slug, later, { typeSlug: 'solo' }), pageSlug: 'solo' });
    const slots = await visitor(testDb.db).booking.slots({
      tenantSlug: slug,
      pageSlug: 'team',
      typeSlug: 'intro',
      from: later,
      to: new Date(later.getTime() + HOUR),
      timeZone: 'UTC',
    });
    expect(slots.slots.map((s) => s.time)).toEqual(['02:30']);
  });

  it('respects buffers: the constraint covers them, concurrently too', async () => {
    const { slug, owner } = await bookingTenant(wide, { type: { bufferAfterMinutes: 15, slotIntervalMinutes: 15 } });
    const day = dayAhead(11);
    const ten = new Date(day.getTime() + 10 * HOUR);
    const tenThirty = new Date(day.getTime() + 10 * HOUR + 30 * MINUTE);
    // 10:00-10:30 blocks until 10:45; 10:30-11:00 with its own buffer overlaps it.
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => outcome(visitor(wide).booking.book(bookInput(slug, i % 2 ? ten : tenThirty)))));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expectCleanConflicts(results);
    const winner = results.find((r) => r.ok) as { value: { start: Date } };
    const slots = await visitor(wide).booking.slots({
      tenantSlug: slug,
      pageSlug: 'team',
      typeSlug: 'intro',
      from: new Date(day.getTime() + 9 * HOUR),
      to: new Date(day.getTime() + 12 * HOUR),
      timeZone: 'UTC',
    });
    const times = slots.slots.map((s) => s.time);
    if (winner.value.start.getTime() === ten.getTime()) {
      expect(times).toContain('09:15');
      expect(times).not.toContain('09:30'); // 09:30-10:00 + 15 min after overlaps 10:00
      expect(times).not.toContain('10:30');
      expect(times).toContain('10:45');
    } else {
      expect(times).not.toContain('10:00');
      expect(times).toContain('11:15');
      expect(times).not.toContain('11:00');
    }
    // The database refuses an overlapping host row whatever the code path (a copy 40 minutes later).
    await expect(
      inTenant(wide, owner.tenantId, (s) =>
        sql`WITH src AS (SELECT * FROM scheduling.appointments WHERE status = 'booked' LIMIT 1),
            ins AS (
              INSERT INTO scheduling.appointments (id, tenant_id, type_id, status, start_at, end_at, host_ids, attendee_name, attendee_email,
                attendee_time_zone, source, manage_token_hash, manage_expires_at, ical_uid)
              SELECT gen_random_uuid(), tenant_id, type_id, 'booked', start_at + interval '40 minutes', end_at + interval '40 minutes', host_ids,
                'Direct', 'direct@example.test', 'UTC', 'staff', md5(random()::text), manage_expires_at, 'direct' FROM src RETURNING *)
            INSERT INTO scheduling.appointment_hosts (tenant_id, appointment_id, host_id, type_id, status, starts_at, blocked)
            SELECT tenant_id, id, host_ids[1], type_id, 'booked', start_at, tstzrange(start_at, end_at + interval '15 minutes') FROM ins`.execute(s),
      ),
    ).rejects.toMatchObject({ code: '23P01', constraint: 'appointment_hosts_no_overlap' });
  });
});

describe('manage link', () => {
  it('reads and changes only its own appointment; cancelling twice is harmless', async () => {
    const { slug, owner } = await bookingTenant(testDb.db);
    const day = dayAhead(12);
    const a = await visitor(testDb.db).booking.book(bookInput(slug, day));
    const b = await visitor(testDb.db).booking.book(bookInput(slug, new Date(day.getTime() + HOUR), { name: 'Ben Okafor' }));
    const seen = await visitor(testDb.db).booking.appointment({ token: a.token });
    expect(seen).toMatchObject({ appointmentId: a.appointmentId, attendeeName: 'Ana Lopez', status: 'booked', changeable: true, organization: 'Acme Studio' });
    expect(JSON.stringify(seen)).not.toContain('Ben Okafor');
    const forged = `${a.token.slice(0, 42)}${a.token.endsWith('A') ? 'B' : 'A'}`;
    await expect(visitor(testDb.db).booking.appointment({ token: forged })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(visitor(testDb.db).booking.cancel({ token: forged, reason: null })).rejects.toMatchObject({ code: 'NOT_FOUND' });

    // Rescheduling bumps the sequence and keeps the UID.
    const moved = await visitor(testDb.db).booking.reschedule({ token: a.token, start: new Date(day.getTime() + 3 * HOUR), reason: 'Clash' });
    expect(moved.start).toEqual(new Date(day.getTime() + 3 * HOUR));
    expect(moved.ics).toContain(`UID:${a.appointmentId}@ubos`);
    expect(moved.ics).toContain('SEQUENCE:1');
    const [rescheduled] = await events(testDb.db, owner.tenantId, [appointmentRescheduled.type]);
    expect(rescheduled?.event.payload).toMatchObject({
      appointment_id: a.appointmentId,
      previous_start_at: day.toISOString(),
      reason: 'Clash',
      sequence: 1,
      by: 'attendee',
    });

    const cancelled = await visitor(testDb.db).booking.cancel({ token: a.token, reason: 'Plans changed' });
    expect(cancelled).toMatchObject({ status: 'cancelled', changeable: false });
    expect(cancelled.ics).toContain('METHOD:CANCEL');
    expect(cancelled.ics).toContain('STATUS:CANCELLED');
    expect(cancelled.ics).toContain('SEQUENCE:2');
    const twice = await visitor(testDb.db).booking.cancel({ token: a.token, reason: 'Again' });
    expect(twice.status).toBe('cancelled');
    const cancelledEvents = await events(testDb.db, owner.tenantId, [appointmentCancelled.type]);
    expect(cancelledEvents).toHaveLength(1);
    expect(cancelledEvents[0]?.event.payload).toMatchObject({ reason: 'Plans changed', by: 'attendee' });
    // Confirmation, new time, cancellation: one stable UID, a rising SEQUENCE, METHOD:CANCEL last.
    const sent = (await mails(testDb.db, owner.tenantId)).filter((m) => m.attachments[0]?.content.includes(`UID:${a.appointmentId}@ubos`));
    expect(
      sent.map((m) => [m.template, /SEQUENCE:(\d+)/.exec(m.attachments[0]?.content ?? '')?.[1], /METHOD:(\w+)/.exec(m.attachments[0]?.content ?? '')?.[1]]),
    ).toEqual([
      ['appointment_confirmation', '0', 'REQUEST'],
      ['appointment_confirmation', '1', 'REQUEST'],
      ['appointment_cancellation', '2', 'CANCEL'],
    ]);
    expect(sent[1]?.subject).toMatch(/^Confirmed: Intro call \(new time\) on /);
    // B is untouched.
    expect((await owner.caller.appointments.get({ id: b.appointmentId })).status).toBe('booked');
    // The freed time can be booked again.
    await visitor(testDb.db).booking.book(bookInput(slug, new Date(day.getTime() + 3 * HOUR)));
  });
});

describe('reminders', () => {
  it('one row per reminder, sent once by concurrent and restarted runs, none after a cancel', async () => {
    const { slug, owner } = await bookingTenant(testDb.db, { type: { reminderMinutes: [1440, 60] } });
    const start = new Date(dayAhead(2).getTime() + 6 * HOUR);
    const kept = await visitor(testDb.db).booking.book(bookInput(slug, start));
    const dropped = await visitor(testDb.db).booking.book(bookInput(slug, new Date(start.getTime() + HOUR)));
    const reminders = () => inTenant(testDb.db, owner.tenantId, (s) => s.selectFrom('scheduling.reminders').selectAll().orderBy('due_at').execute());
    expect((await reminders()).map((r) => [r.appointment_id, r.offset_minutes, r.due_at.getTime(), r.status])).toEqual(
      expect.arrayContaining([
        [kept.appointmentId, 1440, start.getTime() - 1440 * MINUTE, 'pending'],
        [kept.appointmentId, 60, start.getTime() - 60 * MINUTE, 'pending'],
      ]),
    );
    await visitor(testDb.db).booking.cancel({ token: dropped.token, reason: null });
    // Make every reminder due now (as if the time had come).
    await inTenant(testDb.db, owner.tenantId, (s) =>
      s
        .updateTable('scheduling.reminders')
        .set({ due_at: new Date(Date.now() - MINUTE) })
        .execute(),
    );
    // Two workers at once, then a restarted one: each reminder goes out once.
    const [first, second] = await Promise.all([sendDueReminders(testDb.db, silentLog()), sendDueReminders(testDb.db, silentLog())]);
    const third = await sendDueReminders(testDb.db, silentLog());
    expect((first ?? 0) + (second ?? 0) + third).toBe(2);
    const reminderMails = (await mails(testDb.db, owner.tenantId)).filter((m) => m.template === 'message');
    expect(reminderMails.map((m) => m.subject).sort()).toEqual(['Reminder: Intro call in an hour', 'Reminder: Intro call tomorrow']);
    const final = await reminders();
    expect(final.filter((r) => r.appointment_id === kept.appointmentId).map((r) => r.status)).toEqual(['sent', 'sent']);
    expect(final.filter((r) => r.appointment_id === dropped.appointmentId).map((r) => r.status)).toEqual(['cancelled', 'cancelled']);
  });
});

describe('client matching from crm contact events', () => {
  it('fills client and contact ids when the attendee email is a known contact', async () => {
    const { slug, owner } = await bookingTenant(testDb.db);
    const contactId = '0190f0f0-0000-7000-8000-000000000001';
    const clientId = '0190f0f0-0000-7000-8000-000000000002';
    await withTenantHandler(owner.tenantId, {
      contact_id: contactId,
      client_id: clientId,
      client_ids: [clientId],
      relationships: [{ client_id: clientId, role: null }],
      name: 'Carla Diaz',
      email: 'Carla@Client.test',
      email_normalized: 'carla@client.test',
      phone: null,
      title: null,
      owner_id: null,
      tags: [],
      custom_fields: {},
    });
    const booked = await visitor(testDb.db).booking.book(bookInput(slug, dayAhead(13), { email: 'CARLA@client.test', name: 'Carla Diaz' }));
    const dto = await owner.caller.appointments.get({ id: booked.appointmentId });
    expect(dto).toMatchObject({ clientId, contactId });
    const event = (await events(testDb.db, owner.tenantId, [appointmentBooked.type])).at(-1);
    expect(event?.event.payload).toMatchObject({ client_id: clientId, contact_id: contactId });
    expect(await owner.caller.appointments.forClient({ clientId })).toEqual([expect.objectContaining({ id: booked.appointmentId })]);
  });
});

function silentLog() {
  return { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined, child: () => silentLog() } as unknown as Parameters<
    typeof sendDueReminders
  >[1];
}

async function withTenantHandler(tenantId: string, payload: Record<string, unknown>) {
  await inTenant(testDb.db, tenantId, async (_s, trx) => {
    await recordContactEmails.handle(
      {
        id: '0190f0f0-0000-7000-8000-0000000000aa',
        tenant_id: tenantId,
        type: 'crm.contact.created',
        version: 1,
        payload,
        actor_id: null,
        aggregate_type: 'crm.contact',
        aggregate_id: String(payload.contact_id),
        occurred_at: new Date().toISOString(),
        correlation_id: 'test',
        causation_id: null,
      },
      domainContext(trx, tenantId),
    );
  });
}

void actor;
