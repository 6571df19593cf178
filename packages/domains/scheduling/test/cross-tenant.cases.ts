import { createCallerFactory, uuidv7 } from '@ubos/platform';
import { defineCrossTenantCases } from '@ubos/platform/testing';
import { schedulingRouter } from '../src/router.ts';

const createCaller = createCallerFactory(schedulingRouter);
type Caller = ReturnType<typeof createCaller>;

const DAY = 86_400_000;
const day = () => new Date(Math.floor(Date.now() / DAY) * DAY + 20 * DAY);
const allDay = { '1': [[0, 1440]], '2': [[0, 1440]], '3': [[0, 1440]], '4': [[0, 1440]], '5': [[0, 1440]], '6': [[0, 1440]], '7': [[0, 1440]] };

/** C (a third tenant) refused for reasons of its own, never A's: still nothing of A's changes. */
async function ownRefusal(call: Promise<unknown>, code: string): Promise<unknown> {
  return call.catch((error: unknown) => {
    if (typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code) return null;
    throw error;
  });
}

/**
 * Run by apps/api/test/cross-tenant.test.ts for every procedure of schedulingRouter: tenant B
 * calls each with tenant A's ids (a type, a booked appointment, A's hours). The public booking
 * procedures are exempt there: a site slug or a manage token is their only address.
 */
export const crossTenantCases = defineCrossTenantCases({
  createCaller: (ctx) => createCaller(ctx),
  setup: async (a: Caller) => {
    await a.settings.update({ enabled: false, label: 'Tenant A' });
    await a.site.set({ slug: `iso-${uuidv7().slice(-12)}`, name: 'Tenant A' });
    await a.availability.set({ timeZone: 'UTC', weekly: structuredClone(allDay) as never });
    const own = await a.availability.get({});
    const type = await a.types.create({ name: 'Isolation', pageSlug: 'iso', slug: 'iso', durationMinutes: 30, locationKind: 'phone', hostIds: [own.userId] });
    const appointment = await a.appointments.create({
      typeId: type.id,
      start: day(),
      attendeeName: 'Isolated',
      attendeeEmail: 'isolated@example.test',
      attendeeTimeZone: 'UTC',
      answers: {},
    });
    return { type: type.id, appointment: appointment.id, userId: own.userId, clientId: uuidv7() };
  },
  snapshot: async (a, f) => ({
    settings: await a.settings.get(),
    site: await a.site.get(),
    types: await a.types.list({ includeArchived: true }),
    availability: await a.availability.get({}),
    appointment: await a.appointments.get({ id: f.appointment }),
    calendars: await a.calendars.list(),
  }),
  cases: {
    'settings.get': { expect: 'own', call: (b) => b.settings.get() },
    'settings.update': { expect: 'own', call: (b) => b.settings.update({ enabled: true, label: 'Someone else' }) },
    'site.get': { expect: 'own', call: (b) => b.site.get() },
    'site.set': { expect: 'own', call: (b) => b.site.set({ slug: `own-${uuidv7().slice(-12)}`, name: 'C' }) },
    'types.create': {
      expect: 'own',
      call: (b, a) => b.types.create({ name: 'Mine', pageSlug: 'iso', slug: 'iso', durationMinutes: 30, locationKind: 'phone', hostIds: [a.userId] }),
    },
    'types.update': { expect: 'not_found', call: (b, a) => b.types.update({ id: a.type, name: 'Hijacked' }) },
    'types.list': { expect: 'empty', call: (b) => b.types.list({ includeArchived: true }) },
    'types.archive': { expect: 'not_found', call: (b, a) => b.types.archive({ id: a.type }) },
    // A user's hours are per tenant: B reading A's user id sees the defaults of its own tenant.
    'availability.get': { expect: 'own', call: (b, a) => b.availability.get({ userId: a.userId }) },
    'availability.set': { expect: 'own', call: (b, a) => b.availability.set({ userId: a.userId, timeZone: 'Europe/Paris', weekly: {} }) },
    'appointments.list': {
      expect: 'empty',
      call: (b, a) => b.appointments.list({ from: new Date(0), to: new Date(Date.now() + 400 * DAY), hostId: a.userId }),
    },
    'appointments.forClient': { expect: 'empty', call: (b, a) => b.appointments.forClient({ clientId: a.clientId }) },
    'appointments.get': { expect: 'not_found', call: (b, a) => b.appointments.get({ id: a.appointment }) },
    'appointments.create': {
      expect: 'not_found',
      call: (b, a) =>
        b.appointments.create({ typeId: a.type, start: day(), attendeeName: 'X', attendeeEmail: 'x@example.test', attendeeTimeZone: 'UTC', answers: {} }),
    },
    'appointments.reschedule': {
      expect: 'not_found',
      call: (b, a) => b.appointments.reschedule({ id: a.appointment, start: new Date(day().getTime() + 3_600_000), reason: null }),
    },
    'appointments.cancel': { expect: 'not_found', call: (b, a) => b.appointments.cancel({ id: a.appointment, reason: null }) },
    'appointments.complete': { expect: 'not_found', call: (b, a) => b.appointments.complete({ id: a.appointment }) },
    'appointments.markNoShow': { expect: 'not_found', call: (b, a) => b.appointments.markNoShow({ id: a.appointment }) },
    'calendars.list': { expect: 'empty', call: (b) => b.calendars.list() },
    // The SSRF guard refuses the loopback address before anything is stored.
    'calendars.connect': {
      expect: 'own',
      call: (b) => ownRefusal(b.calendars.connect({ provider: 'caldav', serverUrl: 'http://127.0.0.1:9/', username: 'c', password: 'c' }), 'BAD_REQUEST'),
    },
    // A has no external calendar in this fixture (that needs a CalDAV server): an unknown id.
    'calendars.setPrimary': { expect: 'not_found', call: (b) => b.calendars.setPrimary({ id: uuidv7() }) },
    'calendars.busy': { expect: 'empty', call: (b, a) => b.calendars.busy({ from: new Date(0), to: new Date(Date.now() + 400 * DAY), userId: a.userId }) },
  },
});
