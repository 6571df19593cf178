import { createDomainContext, DomainError, withTenant, type Context, type DomainContext, type Transaction, type UntypedDB } from '@ubos/platform';
import {
  manageLinkPath,
  type BookedDto,
  type BookingPageDto,
  type BookInput,
  type BookingSlotsInput,
  type ManagedAppointmentDto,
  type SlotsDto,
} from './contracts.ts';
import type { AppointmentRow, AppointmentTypeRow, SchedulingDB } from './db.ts';
import * as repo from './repository.ts';
import { afterBooked, cancelRow, confirmHold, hashToken, inviteOf, placeAppointment, releaseHold, rescheduleRow, slotTaken } from './service-appointments.ts';
import { checkWindow, freeSlots, toSlotDto } from './service-availability.ts';
import { recheckExternalBusy } from './service-calendars.ts';

/**
 * The public booking side (no session). A page is addressed by the tenant's site slug and a page
 * slug; the tenant comes from a SECURITY DEFINER lookup, the work then runs in that tenant's
 * transaction. The manage token (256 random bits, only its SHA-256 stored) reads and changes
 * its own appointment and nothing else. Rate limits per IP and per page.
 */

type PublicContext = Pick<Context, 'db' | 'log' | 'correlationId' | 'runtime' | 'rateLimiter' | 'ip' | 'config'>;

const WINDOW_MS = 10 * 60_000;
/** Per IP across every page (reads and writes), and per page across every visitor. */
export const IP_LIMIT = 600;
export const PAGE_LIMIT = 3000;
export const IP_WRITE_LIMIT = 60;
const PAGE_NOT_FOUND = 'This booking page does not exist. Check the address, or ask for a new link.';
const INVALID_LINK = 'This link is not valid. Check that you copied all of it.';

async function limit(ctx: PublicContext, key: string, max: number): Promise<void> {
  const hit = await ctx.rateLimiter.hit(key, max, WINDOW_MS);
  if (!hit.allowed) {
    throw new DomainError('TOO_MANY_REQUESTS', 'Too many requests from this address; wait a few minutes and try again', undefined, {
      retryAfterMs: hit.retryAfterMs,
    });
  }
}

async function inTenant<T>(ctx: PublicContext, tenantId: string, fn: (domain: DomainContext) => Promise<T>): Promise<T> {
  const after: (() => Promise<void>)[] = [];
  const result = await withTenant(ctx.db, { tenantId }, (trx: Transaction<UntypedDB>) =>
    fn(
      createDomainContext({
        trx,
        tenantId,
        actorId: null,
        correlationId: ctx.correlationId,
        causationId: null,
        log: ctx.log,
        services: ctx.runtime.services,
        afterCommit: (task) => {
          after.push(task);
        },
      }),
    ),
  );
  for (const task of after) await task().catch((error: unknown) => ctx.log.error({ err: error }, 'after-commit task failed'));
  return result;
}

async function resolvePage(ctx: PublicContext, tenantSlug: string, pageSlug: string, write: boolean): Promise<{ tenantId: string; organization: string }> {
  await limit(ctx, `scheduling.booking:ip:${ctx.ip}`, IP_LIMIT);
  if (write) await limit(ctx, `scheduling.booking:ip-write:${ctx.ip}`, IP_WRITE_LIMIT);
  await limit(ctx, `scheduling.booking:page:${tenantSlug}/${pageSlug}`, PAGE_LIMIT);
  const site = await repo.siteBySlug(ctx.db.kysely, tenantSlug);
  if (!site) throw new DomainError('NOT_FOUND', PAGE_NOT_FOUND);
  return { tenantId: site.tenant_id, organization: site.name };
}

async function pageType(domain: DomainContext, pageSlug: string, typeSlug: string): Promise<AppointmentTypeRow> {
  const type = await repo.findPageType(domain.db<SchedulingDB>(), pageSlug, typeSlug);
  if (!type) throw new DomainError('NOT_FOUND', 'This appointment type is not offered on this page.');
  return type;
}

export function manageUrl(ctx: Pick<Context, 'config'>, token: string): string {
  const path = manageLinkPath(token);
  return ctx.config.PUBLIC_URL ? new URL(path, ctx.config.PUBLIC_URL).toString() : path;
}

export async function page(ctx: PublicContext, input: { tenantSlug: string; pageSlug: string }): Promise<BookingPageDto> {
  const site = await resolvePage(ctx, input.tenantSlug, input.pageSlug, false);
  const types = await inTenant(ctx, site.tenantId, (domain) => repo.listTypes(domain.db<SchedulingDB>(), { includeArchived: false, pageSlug: input.pageSlug }));
  if (types.length === 0) throw new DomainError('NOT_FOUND', PAGE_NOT_FOUND);
  return {
    organization: site.organization,
    pageSlug: input.pageSlug,
    types: types.map((t) => ({
      slug: t.slug,
      name: t.name,
      description: t.description,
      durationMinutes: t.duration_minutes,
      locationKind: t.location_kind,
      questions: t.questions,
    })),
  };
}

export async function slots(ctx: PublicContext, input: BookingSlotsInput): Promise<SlotsDto> {
  checkWindow(input.from, input.to);
  const site = await resolvePage(ctx, input.tenantSlug, input.pageSlug, false);
  return inTenant(ctx, site.tenantId, async (domain) => {
    const type = await pageType(domain, input.pageSlug, input.typeSlug);
    const free = await freeSlots(domain, type, { from: input.from, to: input.to });
    return { timeZone: input.timeZone, slots: free.map((slot) => toSlotDto(slot, input.timeZone)) };
  });
}

/**
 * Books in two steps: a hold (status held) that already occupies the range under the exclusion
 * constraint, then — after re-reading the hosts' external calendars — the confirmation. A
 * conflicting external event releases the hold and answers CONFLICT with fresh slots.
 */
export async function book(ctx: PublicContext, input: BookInput): Promise<BookedDto> {
  const site = await resolvePage(ctx, input.tenantSlug, input.pageSlug, true);
  const attendee = { name: input.attendeeName, email: input.attendeeEmail, timeZone: input.attendeeTimeZone, answers: input.answers };
  const held = await inTenant(ctx, site.tenantId, async (domain) => {
    const type = await pageType(domain, input.pageSlug, input.typeSlug);
    return { type, ...(await placeAppointment(domain, { type, start: input.start, attendee, source: 'public', status: 'held' })) };
  });
  const clash = await recheckExternalBusy(ctx, site.tenantId, held.row);
  const outcome = await inTenant(ctx, site.tenantId, async (domain): Promise<{ booked: BookedDto } | { refused: DomainError }> => {
    if (clash) await releaseHold(domain, held.row.id, 'The host became busy at that time');
    else {
      const row = await confirmHold(domain, held.row.id);
      if (row) {
        const url = manageUrl(ctx, held.token);
        await afterBooked(domain, row, held.type, url);
        return {
          booked: {
            appointmentId: row.id,
            start: row.start_at,
            end: row.end_at,
            token: held.token,
            manageUrl: url,
            ics: inviteOf(row, held.type, site.organization, 'request'),
          },
        };
      }
    }
    // Returned, not thrown: the release above must commit.
    return { refused: await slotTaken(domain, held.type, input.start, input.attendeeTimeZone) };
  });
  if ('refused' in outcome) throw outcome.refused;
  return outcome.booked;
}

/** The appointment a manage token belongs to, in its tenant's transaction. */
async function withManaged<T>(
  ctx: PublicContext,
  token: string,
  write: boolean,
  fn: (domain: DomainContext, row: AppointmentRow, organization: string) => Promise<T>,
): Promise<T> {
  await limit(ctx, `scheduling.manage:ip:${ctx.ip}`, IP_LIMIT);
  if (write) await limit(ctx, `scheduling.booking:ip-write:${ctx.ip}`, IP_WRITE_LIMIT);
  const found = await repo.appointmentByTokenHash(ctx.db.kysely, hashToken(token));
  if (!found) throw new DomainError('NOT_FOUND', INVALID_LINK);
  return inTenant(ctx, found.tenant_id, async (domain) => {
    const db = domain.db<SchedulingDB>();
    const row = await repo.findAppointment(db, found.id, { forUpdate: write });
    if (!row || row.manage_token_hash !== hashToken(token)) throw new DomainError('NOT_FOUND', INVALID_LINK);
    if (row.manage_expires_at.getTime() <= Date.now()) throw new DomainError('PRECONDITION_FAILED', 'This link has expired: the appointment is long past.');
    const site = await repo.findSite(db);
    return fn(domain, row, site?.name ?? 'your host');
  });
}

async function managedDto(domain: DomainContext, row: AppointmentRow, organization: string): Promise<ManagedAppointmentDto> {
  const type = await repo.findType(domain.db<SchedulingDB>(), row.type_id);
  if (!type) throw new DomainError('NOT_FOUND', INVALID_LINK);
  return {
    appointmentId: row.id,
    organization,
    typeName: type.name,
    durationMinutes: type.duration_minutes,
    locationKind: type.location_kind,
    locationDetail: type.location_detail,
    status: row.status,
    start: row.start_at,
    end: row.end_at,
    attendeeName: row.attendee_name,
    attendeeTimeZone: row.attendee_time_zone,
    changeable: row.status === 'booked' && row.start_at.getTime() > Date.now(),
    ics: inviteOf(row, type, organization, row.status === 'cancelled' ? 'cancel' : 'request'),
  };
}

export function manage(ctx: PublicContext, input: { token: string }): Promise<ManagedAppointmentDto> {
  return withManaged(ctx, input.token, false, (domain, row, organization) => managedDto(domain, row, organization));
}

export function manageSlots(ctx: PublicContext, input: { token: string; from: Date; to: Date; timeZone: string }): Promise<SlotsDto> {
  checkWindow(input.from, input.to);
  return withManaged(ctx, input.token, false, async (domain, row) => {
    const type = await repo.findType(domain.db<SchedulingDB>(), row.type_id);
    if (!type) throw new DomainError('NOT_FOUND', INVALID_LINK);
    const free = await freeSlots(domain, type, { from: input.from, to: input.to, excludeAppointmentId: row.id });
    return {
      timeZone: input.timeZone,
      slots: free.filter((slot) => row.host_ids.every((h) => slot.hostIds.includes(h))).map((slot) => toSlotDto(slot, input.timeZone)),
    };
  });
}

export function reschedule(ctx: PublicContext, input: { token: string; start: Date; reason: string | null }): Promise<ManagedAppointmentDto> {
  return withManaged(ctx, input.token, true, async (domain, row, organization) => {
    const moved = await rescheduleRow(domain, row, input.start, input.reason, 'attendee', manageUrl(ctx, input.token));
    return managedDto(domain, moved, organization);
  });
}

/** Cancelling twice is harmless: the second call returns the cancelled appointment. */
export function cancel(ctx: PublicContext, input: { token: string; reason: string | null }): Promise<ManagedAppointmentDto> {
  return withManaged(ctx, input.token, true, async (domain, row, organization) => {
    if (row.status === 'cancelled') return managedDto(domain, row, organization);
    if (row.start_at.getTime() <= Date.now())
      throw new DomainError('PRECONDITION_FAILED', 'This appointment has already started and can no longer be cancelled here');
    const cancelled = await cancelRow(domain, row.id, input.reason, 'attendee');
    return managedDto(domain, cancelled, organization);
  });
}
