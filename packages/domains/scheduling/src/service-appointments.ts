import { DomainError, hashLinkToken, newLinkToken, NotFoundError, sql, uuidv7, type DomainContext } from '@ubos/platform';
import { computeSlots, type Slot } from './availability.ts';
import {
  appointmentBooked,
  appointmentCancelled,
  appointmentCompleted,
  appointmentNoShow,
  appointmentRescheduled,
  type AppointmentDto,
  type CancelAppointmentInput,
  type CreateAppointmentInput,
  type ListAppointmentsInput,
  type RescheduleAppointmentInput,
  type SlotDto,
} from './contracts.ts';
import type { AppointmentRow, AppointmentTypeRow, SchedulingDB, Status } from './db.ts';
import { buildInvite } from './ics.ts';
import { sendSchedulingMail } from './mail.ts';
import * as repo from './repository.ts';
import { defaultTimeZone, freeSlots, loadHosts, rulesOf, toSlotDto } from './service-availability.ts';
import { queueCalendarWrite } from './service-calendars.ts';

/**
 * Appointments: placing one (the exclusion constraint decides who gets a contested slot),
 * confirming, rescheduling, cancelling, completing. Every change writes its event in the same
 * transaction; a lost race is a CONFLICT in words with fresh slots, never a 500.
 */

const MINUTE = 60_000;
const DAY = 86_400_000;
/** How long a public booking's hold lasts while the external calendars are re-checked. */
export const HOLD_MS = 2 * MINUTE;
const MANAGE_DAYS_AFTER_END = 30;
export const SLOT_TAKEN = 'That time was just taken';

/** Manage links follow the kernel's link-token rule. */
export const hashToken = hashLinkToken;
export const newToken = newLinkToken;

function isExclusionViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23P01';
}

export interface Attendee {
  name: string;
  email: string;
  timeZone: string;
  answers: Record<string, string>;
}

export async function liveType(ctx: DomainContext, id: string): Promise<AppointmentTypeRow> {
  const type = await repo.findType(ctx.db<SchedulingDB>(), id);
  if (!type || type.archived_at) throw new NotFoundError('Appointment type', id);
  return type;
}

function checkAnswers(type: AppointmentTypeRow, answers: Record<string, string>): Record<string, string> {
  const known = new Map(type.questions.map((q) => [q.id, q]));
  const clean: Record<string, string> = {};
  for (const [key, value] of Object.entries(answers)) {
    if (!known.has(key))
      throw new DomainError('BAD_REQUEST', 'An answer was given to a question this appointment type does not ask', [
        { path: ['answers', key], message: 'Unknown question' },
      ]);
    const trimmed = value.trim();
    if (trimmed) clean[key] = trimmed;
  }
  for (const question of type.questions) {
    if (question.required && !clean[question.id]) {
      throw new DomainError('BAD_REQUEST', `Please answer "${question.label}"`, [{ path: ['answers', question.id], message: 'Required' }]);
    }
  }
  return clean;
}

/** Up to eight free times from the contested one on (the same day first), in the visitor's zone. */
export async function freshSlots(
  ctx: DomainContext,
  type: AppointmentTypeRow,
  near: Date,
  timeZone: string,
  excludeAppointmentId?: string,
): Promise<SlotDto[]> {
  const from = new Date(Math.max(Date.now(), near.getTime() - DAY / 2));
  const slots = await freeSlots(ctx, type, { from, to: new Date(from.getTime() + 7 * DAY), ...(excludeAppointmentId ? { excludeAppointmentId } : {}) });
  return slots.slice(0, 8).map((slot) => toSlotDto(slot, timeZone));
}

/** The CONFLICT a lost race gets: the sentence, and fresh slots as issues (path ['start']). */
export async function slotTaken(
  ctx: DomainContext,
  type: AppointmentTypeRow,
  start: Date,
  timeZone: string,
  options: { message?: string; excludeAppointmentId?: string } = {},
): Promise<DomainError> {
  const fresh = await freshSlots(ctx, type, start, timeZone, options.excludeAppointmentId);
  const list = fresh.slice(0, 3).map((slot) => `${slot.date} ${slot.time}`);
  const message = options.message ?? SLOT_TAKEN;
  return new DomainError(
    'CONFLICT',
    fresh.length > 0 ? `${message}. Free times include ${list.join(', ')} (${timeZone}).` : `${message}. No other time is free in the next week.`,
    [
      { path: ['start'], message, code: 'slot_taken' },
      ...fresh.map((slot) => ({ path: ['freshSlots'], message: slot.start.toISOString(), code: 'fresh_slot' })),
    ],
  );
}

/** The slot at exactly `start`, or why there is none. */
async function slotAt(
  ctx: DomainContext,
  type: AppointmentTypeRow,
  start: Date,
  options: { excludeAppointmentId?: string; now?: Date } = {},
): Promise<{ slot: Slot | null; offered: boolean }> {
  const query = { from: start, to: new Date(start.getTime() + 1), ...options };
  const hosts = await loadHosts(ctx, type, query);
  const window = { fromMs: start.getTime(), toMs: start.getTime() + 1, nowMs: (options.now ?? new Date()).getTime() };
  const slot = computeSlots(rulesOf(type), hosts, window).find((s) => s.startMs === start.getTime()) ?? null;
  if (slot) return { slot, offered: true };
  // Offered at all when nobody is busy? Then it was taken; else it was never on offer.
  const idle = computeSlots(
    rulesOf(type),
    hosts.map((h) => ({ ...h, busy: [], sameTypeStarts: [] })),
    window,
  );
  return { slot: null, offered: idle.some((s) => s.startMs === start.getTime()) };
}

async function notOffered(
  ctx: DomainContext,
  type: AppointmentTypeRow,
  start: Date,
  timeZone: string,
  offered: boolean,
  excludeAppointmentId?: string,
): Promise<DomainError> {
  return slotTaken(ctx, type, start, timeZone, {
    ...(offered ? {} : { message: 'That time is not offered; pick one of the times shown' }),
    ...(excludeAppointmentId ? { excludeAppointmentId } : {}),
  });
}

export interface PlaceInput {
  type: AppointmentTypeRow;
  start: Date;
  attendee: Attendee;
  source: 'public' | 'staff' | 'workflow';
  status: 'held' | 'booked';
  hostId?: string | undefined;
  now?: Date;
}

/**
 * Inserts the appointment and one host row per host. The free-slot check is advisory; the
 * exclusion constraint is what decides: each attempt runs under a savepoint, a 23P01 tries the
 * next free host (round robin) and otherwise becomes "That time was just taken".
 */
export async function placeAppointment(ctx: DomainContext, input: PlaceInput): Promise<{ row: AppointmentRow; token: string }> {
  const db = ctx.db<SchedulingDB>();
  const { type, start, attendee } = input;
  const answers = checkAnswers(type, attendee.answers);
  const { slot, offered } = await slotAt(ctx, type, start, input.now ? { now: input.now } : {});
  if (!slot) throw await notOffered(ctx, type, start, attendee.timeZone, offered);
  let groups: string[][];
  if (type.assignment === 'collective') groups = [slot.hostIds];
  else {
    let free = slot.hostIds;
    if (input.hostId) {
      if (!free.includes(input.hostId)) throw await slotTaken(ctx, type, start, attendee.timeZone);
      free = [input.hostId];
    }
    if (type.assignment === 'round_robin' && free.length > 1) {
      const counts = await repo.countUpcomingByHost(db, free, new Date(start.getTime() - 30 * DAY), new Date(start.getTime() + 30 * DAY));
      free = [...free].sort((a, b) => (counts.get(a) ?? 0) - (counts.get(b) ?? 0) || type.host_ids.indexOf(a) - type.host_ids.indexOf(b));
    }
    groups = free.map((host) => [host]);
  }
  const end = new Date(start.getTime() + type.duration_minutes * MINUTE);
  const blockedStart = new Date(start.getTime() - type.buffer_before_minutes * MINUTE);
  const blockedEnd = new Date(end.getTime() + type.buffer_after_minutes * MINUTE);
  const match = await repo.findContactByEmail(db, attendee.email.trim().toLowerCase());
  for (const hosts of groups) {
    const token = newToken();
    const id = uuidv7();
    await sql`SAVEPOINT place_appointment`.execute(db);
    try {
      const row = await repo.insertAppointment(db, {
        id,
        tenant_id: ctx.tenantId,
        type_id: type.id,
        status: input.status,
        start_at: start,
        end_at: end,
        host_ids: hosts,
        attendee_name: attendee.name,
        attendee_email: attendee.email.trim().toLowerCase(),
        attendee_time_zone: attendee.timeZone,
        answers: JSON.stringify(answers),
        client_id: match?.client_id ?? null,
        contact_id: match?.contact_id ?? null,
        source: input.source,
        cancel_reason: null,
        reschedule_reason: null,
        cancelled_by: null,
        manage_token_hash: hashToken(token),
        manage_expires_at: new Date(end.getTime() + MANAGE_DAYS_AFTER_END * DAY),
        ical_uid: `${id}@ubos`,
        hold_expires_at: input.status === 'held' ? new Date(Date.now() + HOLD_MS) : null,
        created_by: ctx.actorId,
      });
      await repo.insertHostRows(
        db,
        hosts.map((hostId) => ({
          tenantId: ctx.tenantId,
          appointmentId: id,
          hostId,
          typeId: type.id,
          status: input.status,
          startsAt: start,
          start: blockedStart,
          end: blockedEnd,
        })),
      );
      await sql`RELEASE SAVEPOINT place_appointment`.execute(db);
      return { row, token };
    } catch (error) {
      await sql`ROLLBACK TO SAVEPOINT place_appointment`.execute(db);
      if (!isExclusionViolation(error)) throw error;
    }
  }
  throw await slotTaken(ctx, type, start, attendee.timeZone);
}

async function hostTimeZone(ctx: DomainContext, hostId: string): Promise<string> {
  const [schedule] = await repo.findSchedules(ctx.db<SchedulingDB>(), [hostId]);
  return schedule?.time_zone ?? defaultTimeZone;
}

async function basePayload(ctx: DomainContext, row: AppointmentRow, type: AppointmentTypeRow) {
  const hostId = row.host_ids[0] ?? '';
  return {
    appointment_id: row.id,
    type_id: type.id,
    type_name: type.name,
    host_id: hostId,
    host_ids: row.host_ids,
    attendee_name: row.attendee_name,
    attendee_email: row.attendee_email,
    attendee_time_zone: row.attendee_time_zone,
    start_at: row.start_at.toISOString(),
    end_at: row.end_at.toISOString(),
    host_time_zone: await hostTimeZone(ctx, hostId),
    client_id: row.client_id,
    contact_id: row.contact_id,
    source: row.source,
  };
}

export function locationOf(type: AppointmentTypeRow): string {
  const kind = { in_person: 'In person', phone: 'Phone call', video: 'Video call' }[type.location_kind];
  return type.location_detail ? `${kind}: ${type.location_detail}` : kind;
}

export function inviteOf(row: AppointmentRow, type: AppointmentTypeRow, organization: string, method: 'request' | 'cancel'): string {
  return buildInvite({
    uid: row.ical_uid,
    sequence: row.sequence,
    method,
    start: row.start_at,
    end: row.end_at,
    summary: `${type.name} with ${organization}`,
    description: type.description,
    location: locationOf(type),
    organizer: { name: organization, email: 'bookings@ubos.invalid' },
    attendee: { name: row.attendee_name, email: row.attendee_email },
  });
}

async function organizationName(ctx: DomainContext): Promise<string> {
  return (await repo.findSite(ctx.db<SchedulingDB>()))?.name ?? 'your host';
}

async function mailAttendee(
  ctx: DomainContext,
  row: AppointmentRow,
  type: AppointmentTypeRow,
  kind: 'confirmation' | 'rescheduled' | 'cancelled',
  manageUrl: string | null,
): Promise<void> {
  const organization = await organizationName(ctx);
  await sendSchedulingMail(ctx, {
    kind,
    to: { email: row.attendee_email, name: row.attendee_name },
    typeName: type.name,
    start: row.start_at,
    end: row.end_at,
    timeZone: row.attendee_time_zone,
    location: locationOf(type),
    manageUrl,
    reason: row.cancel_reason,
    ics: inviteOf(row, type, organization, kind === 'cancelled' ? 'cancel' : 'request'),
  });
}

function reminderRows(ctx: DomainContext, row: AppointmentRow, type: AppointmentTypeRow) {
  const now = Date.now();
  return [...new Set(type.reminder_minutes)]
    .map((offset) => ({
      id: uuidv7(),
      tenantId: ctx.tenantId,
      appointmentId: row.id,
      offsetMinutes: offset,
      dueAt: new Date(row.start_at.getTime() - offset * MINUTE),
    }))
    .filter((reminder) => reminder.dueAt.getTime() > now);
}

/** What a booked appointment brings: its event, its reminders, the confirmation. */
export async function afterBooked(ctx: DomainContext, row: AppointmentRow, type: AppointmentTypeRow, manageUrl: string | null): Promise<void> {
  await ctx.emit(
    appointmentBooked,
    { ...(await basePayload(ctx, row, type)), answers: row.answers, project_template_id: type.project_template_id },
    { aggregateId: row.id },
  );
  await repo.insertReminders(ctx.db<SchedulingDB>(), reminderRows(ctx, row, type));
  await queueCalendarWrite(ctx, row, 'present');
  await mailAttendee(ctx, row, type, 'confirmation', manageUrl);
}

/** Held -> booked, or undefined when the hold is gone (expired and released). */
export async function confirmHold(ctx: DomainContext, id: string): Promise<AppointmentRow | undefined> {
  return repo.setStatus(ctx.db<SchedulingDB>(), id, ['held'], 'booked', { hold_expires_at: null });
}

export async function releaseHold(ctx: DomainContext, id: string, reason: string): Promise<void> {
  await repo.setStatus(ctx.db<SchedulingDB>(), id, ['held'], 'cancelled', { cancel_reason: reason, cancelled_by: 'system', hold_expires_at: null });
}

export async function toDtos(ctx: DomainContext, rows: readonly AppointmentRow[]): Promise<AppointmentDto[]> {
  const db = ctx.db<SchedulingDB>();
  const typeIds = [...new Set(rows.map((r) => r.type_id))];
  const types = new Map<string, string>();
  for (const id of typeIds) {
    const type = await repo.findType(db, id);
    if (type) types.set(id, type.name);
  }
  return rows.map((row) => ({
    id: row.id,
    typeId: row.type_id,
    typeName: types.get(row.type_id) ?? '',
    status: row.status,
    start: row.start_at,
    end: row.end_at,
    hostIds: row.host_ids,
    attendeeName: row.attendee_name,
    attendeeEmail: row.attendee_email,
    attendeeTimeZone: row.attendee_time_zone,
    answers: row.answers,
    clientId: row.client_id,
    contactId: row.contact_id,
    source: row.source,
    cancelReason: row.cancel_reason,
    rescheduleReason: row.reschedule_reason,
    sequence: row.sequence,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }));
}

async function toDto(ctx: DomainContext, row: AppointmentRow): Promise<AppointmentDto> {
  const [dto] = await toDtos(ctx, [row]);
  if (!dto) throw new NotFoundError('Appointment', row.id);
  return dto;
}

// ---------------------------------------------------------------- staff

export async function listAppointments(ctx: DomainContext, input: ListAppointmentsInput): Promise<AppointmentDto[]> {
  if (input.to.getTime() <= input.from.getTime())
    throw new DomainError('BAD_REQUEST', 'The end of the range must come after its start', [{ path: ['to'], message: 'Before the start' }]);
  const rows = await repo.listAppointments(ctx.db<SchedulingDB>(), { ...input, statuses: input.statuses ?? ['held', 'booked', 'completed', 'no_show'] });
  return toDtos(ctx, rows);
}

export async function clientAppointments(ctx: DomainContext, clientId: string, limit: number): Promise<AppointmentDto[]> {
  return toDtos(ctx, await repo.listAppointments(ctx.db<SchedulingDB>(), { clientId, limit, newestFirst: true }));
}

export async function getAppointment(ctx: DomainContext, id: string): Promise<AppointmentDto> {
  const row = await repo.findAppointment(ctx.db<SchedulingDB>(), id);
  if (!row) throw new NotFoundError('Appointment', id);
  return toDto(ctx, row);
}

/** Staff (or a workflow) books a free slot for someone: booked at once, no hold. */
export async function createAppointment(ctx: DomainContext, input: CreateAppointmentInput, source: 'staff' | 'workflow' = 'staff'): Promise<AppointmentDto> {
  const type = await liveType(ctx, input.typeId);
  if (!type.active) throw new DomainError('PRECONDITION_FAILED', `"${type.name}" is switched off; switch it on to book it`);
  const { row } = await placeAppointment(ctx, {
    type,
    start: input.start,
    attendee: { name: input.attendeeName, email: input.attendeeEmail, timeZone: input.attendeeTimeZone, answers: input.answers },
    source,
    status: 'booked',
    hostId: input.hostId,
  });
  await afterBooked(ctx, row, type, null);
  return toDto(ctx, row);
}

/**
 * New times for a booked appointment, same host(s). The moved host rows are re-checked by the
 * exclusion constraint under a savepoint, so a racing booking of the new time loses cleanly to
 * one of the two.
 */
export async function rescheduleRow(
  ctx: DomainContext,
  current: AppointmentRow,
  start: Date,
  reason: string | null,
  by: 'attendee' | 'staff',
  manageUrl: string | null,
): Promise<AppointmentRow> {
  const db = ctx.db<SchedulingDB>();
  const type = await liveType(ctx, current.type_id);
  if (current.status !== 'booked')
    throw new DomainError('PRECONDITION_FAILED', `This appointment is ${current.status.replace('_', ' ')}; only a booked one can be moved`);
  if (by === 'attendee' && current.start_at.getTime() <= Date.now())
    throw new DomainError('PRECONDITION_FAILED', 'This appointment has already started and can no longer be moved');
  const { slot, offered } = await slotAt(ctx, type, start, { excludeAppointmentId: current.id });
  const hostsFree = slot !== null && current.host_ids.every((host) => slot.hostIds.includes(host));
  if (!hostsFree) throw await notOffered(ctx, type, start, current.attendee_time_zone, offered || slot !== null, current.id);
  const end = new Date(start.getTime() + type.duration_minutes * MINUTE);
  await sql`SAVEPOINT move_appointment`.execute(db);
  let moved: AppointmentRow | undefined;
  try {
    moved = await repo.moveAppointment(db, current.id, {
      start,
      end,
      blockedStart: new Date(start.getTime() - type.buffer_before_minutes * MINUTE),
      blockedEnd: new Date(end.getTime() + type.buffer_after_minutes * MINUTE),
      reason,
    });
    await sql`RELEASE SAVEPOINT move_appointment`.execute(db);
  } catch (error) {
    await sql`ROLLBACK TO SAVEPOINT move_appointment`.execute(db);
    if (!isExclusionViolation(error)) throw error;
    throw await slotTaken(ctx, type, start, current.attendee_time_zone, { excludeAppointmentId: current.id });
  }
  if (!moved) throw new DomainError('PRECONDITION_FAILED', 'This appointment changed meanwhile; reload it');
  await ctx.emit(
    appointmentRescheduled,
    {
      ...(await basePayload(ctx, moved, type)),
      previous_start_at: current.start_at.toISOString(),
      previous_end_at: current.end_at.toISOString(),
      reason,
      sequence: moved.sequence,
      by,
    },
    { aggregateId: moved.id },
  );
  await repo.insertReminders(db, reminderRows(ctx, moved, type));
  await queueCalendarWrite(ctx, moved, 'present');
  await mailAttendee(ctx, moved, type, 'rescheduled', manageUrl);
  return moved;
}

export async function rescheduleAppointment(ctx: DomainContext, input: RescheduleAppointmentInput): Promise<AppointmentDto> {
  const current = await repo.findAppointment(ctx.db<SchedulingDB>(), input.id, { forUpdate: true });
  if (!current) throw new NotFoundError('Appointment', input.id);
  return toDto(ctx, await rescheduleRow(ctx, current, input.start, input.reason, 'staff', null));
}

/** Cancels a live appointment; cancelling a cancelled one changes nothing and emits nothing. */
export async function cancelRow(ctx: DomainContext, id: string, reason: string | null, by: 'attendee' | 'staff' | 'system'): Promise<AppointmentRow> {
  const db = ctx.db<SchedulingDB>();
  const cancelled = await repo.setStatus(db, id, ['held', 'booked'], 'cancelled', { cancel_reason: reason, cancelled_by: by }, { bumpSequence: true });
  if (!cancelled) {
    const row = await repo.findAppointment(db, id);
    if (!row) throw new NotFoundError('Appointment', id);
    if (row.status === 'cancelled') return row;
    throw new DomainError('PRECONDITION_FAILED', `This appointment is already ${row.status.replace('_', ' ')}; it cannot be cancelled`);
  }
  const type = await liveTypeAny(ctx, cancelled.type_id);
  await repo.cancelReminders(db, id);
  await queueCalendarWrite(ctx, cancelled, 'absent');
  await ctx.emit(appointmentCancelled, { ...(await basePayload(ctx, cancelled, type)), reason, by }, { aggregateId: id });
  await mailAttendee(ctx, cancelled, type, 'cancelled', null);
  return cancelled;
}

async function liveTypeAny(ctx: DomainContext, id: string): Promise<AppointmentTypeRow> {
  const type = await repo.findType(ctx.db<SchedulingDB>(), id);
  if (!type) throw new NotFoundError('Appointment type', id);
  return type;
}

export async function cancelAppointment(ctx: DomainContext, input: CancelAppointmentInput): Promise<AppointmentDto> {
  return toDto(ctx, await cancelRow(ctx, input.id, input.reason, 'staff'));
}

async function finish(ctx: DomainContext, id: string, to: Extract<Status, 'completed' | 'no_show'>): Promise<AppointmentDto> {
  const db = ctx.db<SchedulingDB>();
  const current = await repo.findAppointment(db, id, { forUpdate: true });
  if (!current) throw new NotFoundError('Appointment', id);
  if (current.status === to) return toDto(ctx, current);
  if (current.status !== 'booked')
    throw new DomainError(
      'PRECONDITION_FAILED',
      `This appointment is ${current.status.replace('_', ' ')}; only a booked one can be marked ${to === 'completed' ? 'completed' : 'a no-show'}`,
    );
  if (current.start_at.getTime() > Date.now()) throw new DomainError('PRECONDITION_FAILED', 'This appointment has not started yet');
  const row = await repo.setStatus(db, id, ['booked'], to);
  if (!row) throw new DomainError('PRECONDITION_FAILED', 'This appointment changed meanwhile; reload it');
  const type = await liveTypeAny(ctx, row.type_id);
  await repo.cancelReminders(db, id);
  await ctx.emit(to === 'completed' ? appointmentCompleted : appointmentNoShow, await basePayload(ctx, row, type), { aggregateId: id });
  return toDto(ctx, row);
}

export const completeAppointment = (ctx: DomainContext, id: string) => finish(ctx, id, 'completed');
export const markNoShow = (ctx: DomainContext, id: string) => finish(ctx, id, 'no_show');
