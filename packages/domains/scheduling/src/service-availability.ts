import { DomainError, type DomainContext } from '@ubos/platform';
import { computeSlots, wallTime, type HostAvailability, type MinuteRange, type Slot, type WeeklyHours } from './availability.ts';
import type { AvailabilityDto, AvailabilitySetInput, SlotDto, Weekly } from './contracts.ts';
import { availabilityUpdated } from './contracts.ts';
import type { AppointmentTypeRow, SchedulingDB } from './db.ts';
import * as repo from './repository.ts';

/** Weekly hours and overrides per user, and the slot computation fed from them (§ scheduling README). */

const MINUTE = 60_000;
const DAY = 86_400_000;

/** What a user who never saved hours gets: Monday to Friday 09:00-17:00 in UTC. */
export const defaultWeekly: Weekly = { '1': [[540, 1020]], '2': [[540, 1020]], '3': [[540, 1020]], '4': [[540, 1020]], '5': [[540, 1020]] };
export const defaultTimeZone = 'UTC';

function normalizeRanges(ranges: readonly (readonly [number, number])[], path: (string | number)[]): [number, number][] {
  const sorted = [...ranges].map(([s, e]): [number, number] => [s, e]).sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < sorted.length; i += 1) {
    if ((sorted[i]?.[0] ?? 0) < (sorted[i - 1]?.[1] ?? 0)) {
      throw new DomainError('BAD_REQUEST', 'Two ranges of one day overlap; join them or move one', [{ path, message: 'Ranges overlap' }]);
    }
  }
  return sorted;
}

export async function getAvailability(ctx: DomainContext, userId: string): Promise<AvailabilityDto> {
  const db = ctx.db<SchedulingDB>();
  const [schedule] = await repo.findSchedules(db, [userId]);
  const overrides = await repo.listOverrides(db, [userId]);
  const holidays = await repo.listHolidays(db);
  return {
    userId,
    timeZone: schedule?.time_zone ?? defaultTimeZone,
    weekly: (schedule?.weekly as Weekly | undefined) ?? defaultWeekly,
    overrides: overrides.map((o) => ({ date: o.date, ranges: o.ranges })),
    holidays,
    saved: schedule !== undefined,
  };
}

/** Replaces the user's weekly hours and overrides (and the organization's holidays when given). */
export async function setAvailability(
  ctx: DomainContext,
  userId: string,
  input: AvailabilitySetInput,
  options: { mayChangeHolidays: boolean },
): Promise<AvailabilityDto> {
  const db = ctx.db<SchedulingDB>();
  const weekly: Record<string, [number, number][]> = {};
  for (const [day, ranges] of Object.entries(input.weekly)) {
    if (ranges && ranges.length > 0) weekly[day] = normalizeRanges(ranges, ['weekly', day]);
  }
  const seen = new Set<string>();
  const overrides = input.overrides.map((o, index) => {
    if (seen.has(o.date))
      throw new DomainError('BAD_REQUEST', `The date ${o.date} is listed twice`, [{ path: ['overrides', index, 'date'], message: 'Listed twice' }]);
    seen.add(o.date);
    return { date: o.date, ranges: normalizeRanges(o.ranges, ['overrides', index, 'ranges']) };
  });
  if (input.holidays !== undefined && !options.mayChangeHolidays) {
    throw new DomainError('FORBIDDEN', "Only owners and admins change the organization's holidays");
  }
  await repo.upsertSchedule(db, { tenantId: ctx.tenantId, userId, timeZone: input.timeZone, weekly });
  await repo.replaceOverrides(db, ctx.tenantId, userId, overrides);
  if (input.holidays !== undefined) await repo.replaceHolidays(db, ctx.tenantId, input.holidays);
  const minutes = Object.values(weekly)
    .flat()
    .reduce((sum, [s, e]) => sum + (e - s), 0);
  await ctx.emit(
    availabilityUpdated,
    { user_id: userId, time_zone: input.timeZone, override_count: overrides.length, weekly_hours: Math.round((minutes / 60) * 100) / 100 },
    { aggregateId: userId },
  );
  return getAvailability(ctx, userId);
}

export interface SlotQuery {
  from: Date;
  to: Date;
  now?: Date;
  /** An appointment being rescheduled: its own busy time does not count. */
  excludeAppointmentId?: string;
}

/** The type's hosts with their hours and busy time around [from, to), loaded with one query per source. */
export async function loadHosts(ctx: DomainContext, type: AppointmentTypeRow, query: SlotQuery): Promise<HostAvailability[]> {
  const db = ctx.db<SchedulingDB>();
  const margin = (type.buffer_before_minutes + type.buffer_after_minutes + type.duration_minutes) * MINUTE + DAY;
  const [schedules, overrides, holidays, busy] = await Promise.all([
    repo.findSchedules(db, type.host_ids),
    repo.listOverrides(db, type.host_ids),
    repo.listHolidays(db),
    repo.loadBusy(db, type.host_ids, new Date(query.from.getTime() - margin), new Date(query.to.getTime() + margin), {
      ...(query.excludeAppointmentId ? { excludeAppointmentId: query.excludeAppointmentId } : {}),
    }),
  ]);
  const holidaySet = new Set(holidays.map((h) => h.date));
  return type.host_ids.map((hostId) => {
    const schedule = schedules.find((s) => s.user_id === hostId);
    const hostOverrides = new Map<string, MinuteRange[]>();
    for (const o of overrides) if (o.user_id === hostId) hostOverrides.set(o.date, o.ranges);
    const hostBusy = busy.filter((b) => b.host_id === hostId);
    return {
      hostId,
      timeZone: schedule?.time_zone ?? defaultTimeZone,
      weekly: (schedule?.weekly as WeeklyHours | undefined) ?? (defaultWeekly as WeeklyHours),
      overrides: hostOverrides,
      holidays: holidaySet,
      busy: hostBusy.map((b): [number, number] => [b.start_at.getTime(), b.end_at.getTime()]),
      sameTypeStarts: hostBusy.filter((b) => b.type_id === type.id && b.appointment_start).map((b) => (b.appointment_start as Date).getTime()),
    };
  });
}

export function rulesOf(type: AppointmentTypeRow) {
  return {
    durationMinutes: type.duration_minutes,
    bufferBeforeMinutes: type.buffer_before_minutes,
    bufferAfterMinutes: type.buffer_after_minutes,
    minimumNoticeMinutes: type.minimum_notice_minutes,
    bookingWindowDays: type.booking_window_days,
    maxPerDay: type.max_per_day,
    slotIntervalMinutes: type.slot_interval_minutes,
    assignment: type.assignment,
  };
}

export async function freeSlots(ctx: DomainContext, type: AppointmentTypeRow, query: SlotQuery): Promise<Slot[]> {
  const hosts = await loadHosts(ctx, type, query);
  return computeSlots(rulesOf(type), hosts, { fromMs: query.from.getTime(), toMs: query.to.getTime(), nowMs: (query.now ?? new Date()).getTime() });
}

export function toSlotDto(slot: Slot, timeZone: string): SlotDto {
  const local = wallTime(slot.startMs, timeZone);
  return { start: new Date(slot.startMs), end: new Date(slot.endMs), date: local.date, time: local.time };
}

/** Up to 62 days per query: the month view asks one month (and a margin) at a time. */
export function checkWindow(from: Date, to: Date): void {
  if (to.getTime() <= from.getTime())
    throw new DomainError('BAD_REQUEST', 'The end of the range must come after its start', [{ path: ['to'], message: 'Before the start' }]);
  if (to.getTime() - from.getTime() > 62 * DAY)
    throw new DomainError('BAD_REQUEST', 'Ask for at most 62 days of slots at a time', [{ path: ['to'], message: 'Range too long' }]);
}
