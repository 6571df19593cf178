import { DateTime } from 'luxon';

/**
 * Availability as a pure function (no I/O): weekly hours in each host's own IANA time zone, date
 * overrides and holidays become absolute intervals, busy time (appointments with their buffers,
 * external calendar events) is subtracted, and the slot grid is laid over what is left. Wall
 * times are turned into instants once per local day with luxon (Intl time-zone data), so a DST
 * change moves the hours with the host's clock; everything after that is integer arithmetic on
 * epoch milliseconds over sorted, merged intervals.
 */

/** [start, end) minutes after local midnight; end may be 1440 (the next midnight). */
export type MinuteRange = readonly [number, number];
/** ISO weekday (1 = Monday … 7 = Sunday) -> ranges. */
export type WeeklyHours = Readonly<Partial<Record<'1' | '2' | '3' | '4' | '5' | '6' | '7', readonly MinuteRange[]>>>;

export interface HostAvailability {
  hostId: string;
  timeZone: string;
  weekly: WeeklyHours;
  /** 'YYYY-MM-DD' (host-local) -> ranges replacing the weekly ones; [] = day off. */
  overrides: ReadonlyMap<string, readonly MinuteRange[]>;
  /** Host-local dates nobody works (an override for the date wins). */
  holidays: ReadonlySet<string>;
  /** Busy instants [startMs, endMs): live appointments' blocked ranges (buffers included) and external events. */
  busy: readonly (readonly [number, number])[];
  /** Start instants (ms) of this host's live appointments of the type being booked (for max per day). */
  sameTypeStarts: readonly number[];
}

export interface SlotRules {
  durationMinutes: number;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  minimumNoticeMinutes: number;
  bookingWindowDays: number;
  maxPerDay: number | null;
  /** Grid step; null = the duration. */
  slotIntervalMinutes: number | null;
  assignment: 'single' | 'round_robin' | 'collective';
}

export interface Slot {
  startMs: number;
  endMs: number;
  /** Hosts free for it: one or more for round robin (in the order given), all of them for collective. */
  hostIds: string[];
}

const MINUTE = 60_000;
const DAY = 86_400_000;

type Interval = [number, number];

/** Sorted, non-overlapping union of intervals. */
export function mergeIntervals(intervals: readonly (readonly [number, number])[]): Interval[] {
  const sorted = intervals.filter(([s, e]) => e > s).map(([s, e]): Interval => [s, e]);
  sorted.sort((a, b) => a[0] - b[0]);
  const merged: Interval[] = [];
  for (const interval of sorted) {
    const last = merged.at(-1);
    if (last && interval[0] <= last[1]) last[1] = Math.max(last[1], interval[1]);
    else merged.push(interval);
  }
  return merged;
}

/** The instant of a host-local wall time; a time inside a spring-forward gap moves forward (luxon). */
function localInstant(date: DateTime, minute: number): number {
  if (minute >= 1440) return date.plus({ days: 1 }).startOf('day').toMillis();
  return date.set({ hour: Math.floor(minute / 60), minute: minute % 60, second: 0, millisecond: 0 }).toMillis();
}

/** The host's working intervals (absolute, merged) that touch [fromMs, toMs). */
export function workingIntervals(host: Pick<HostAvailability, 'timeZone' | 'weekly' | 'overrides' | 'holidays'>, fromMs: number, toMs: number): Interval[] {
  const out: Interval[] = [];
  let day = DateTime.fromMillis(fromMs, { zone: host.timeZone }).startOf('day').minus({ days: 1 });
  const last = DateTime.fromMillis(toMs, { zone: host.timeZone }).startOf('day').plus({ days: 1 });
  if (!day.isValid) throw new RangeError(`Unknown time zone ${host.timeZone}`);
  while (day <= last) {
    const iso = day.toISODate() ?? '';
    const ranges = host.overrides.get(iso) ?? (host.holidays.has(iso) ? [] : (host.weekly[String(day.weekday) as keyof WeeklyHours] ?? []));
    for (const [start, end] of ranges) {
      const s = localInstant(day, start);
      const e = localInstant(day, end);
      if (e > fromMs && s < toMs && e > s) out.push([s, e]);
    }
    day = day.plus({ days: 1 });
  }
  return mergeIntervals(out);
}

/** A cursor over sorted disjoint intervals answering "does [s, e) overlap any?" for rising s. */
class OverlapCursor {
  private index = 0;
  private readonly intervals: readonly Interval[];
  constructor(intervals: readonly Interval[]) {
    this.intervals = intervals;
  }
  overlaps(s: number, e: number): boolean {
    while (this.index < this.intervals.length && (this.intervals[this.index]?.[1] ?? 0) <= s) this.index += 1;
    const next = this.intervals[this.index];
    return next !== undefined && next[0] < e;
  }
}

/** Whether [s, e) lies inside one interval of a sorted disjoint list, for rising s. */
class ContainCursor {
  private index = 0;
  private readonly intervals: readonly Interval[];
  constructor(intervals: readonly Interval[]) {
    this.intervals = intervals;
  }
  contains(s: number, e: number): boolean {
    while (this.index < this.intervals.length && (this.intervals[this.index]?.[1] ?? 0) <= s) this.index += 1;
    const next = this.intervals[this.index];
    return next !== undefined && next[0] <= s && next[1] >= e;
  }
}

interface PreparedHost {
  host: HostAvailability;
  working: Interval[];
  busy: OverlapCursor;
  inside: ContainCursor;
  /** Host-local date -> live appointments of the type that day. */
  perDay: Map<string, number> | null;
}

/**
 * The free slots in [fromMs, toMs) for `rules`, given each host's hours and busy time. A slot is
 * free for a host when it lies inside the host's working hours and its range widened by the
 * buffers overlaps none of the host's busy intervals (exactly what the exclusion constraint
 * checks, since stored appointments carry their own buffers).
 */
export function computeSlots(rules: SlotRules, hosts: readonly HostAvailability[], window: { fromMs: number; toMs: number; nowMs: number }): Slot[] {
  const duration = rules.durationMinutes * MINUTE;
  const step = (rules.slotIntervalMinutes ?? rules.durationMinutes) * MINUTE;
  const before = rules.bufferBeforeMinutes * MINUTE;
  const after = rules.bufferAfterMinutes * MINUTE;
  const earliest = Math.max(window.fromMs, window.nowMs + rules.minimumNoticeMinutes * MINUTE);
  const latest = Math.min(window.toMs, window.nowMs + rules.bookingWindowDays * DAY);
  if (latest <= earliest || hosts.length === 0) return [];

  const prepared: PreparedHost[] = hosts.map((host) => {
    const working = workingIntervals(host, earliest, latest + duration);
    let perDay: Map<string, number> | null = null;
    if (rules.maxPerDay !== null) {
      perDay = new Map();
      for (const start of host.sameTypeStarts) {
        const day = DateTime.fromMillis(start, { zone: host.timeZone }).toISODate() ?? '';
        perDay.set(day, (perDay.get(day) ?? 0) + 1);
      }
    }
    return { host, working, busy: new OverlapCursor(mergeIntervals(host.busy)), inside: new ContainCursor(working), perDay };
  });

  // Candidate starts: the grid of each working interval (the first host's only, for collective).
  const sources = rules.assignment === 'collective' ? prepared.slice(0, 1) : prepared;
  const starts = new Set<number>();
  for (const source of sources) {
    for (const [ws, we] of source.working) {
      for (let s = ws; s + duration <= we; s += step) {
        if (s >= earliest && s < latest) starts.add(s);
      }
    }
  }
  const ordered = [...starts].sort((a, b) => a - b);
  const slots: Slot[] = [];
  const localDayCache = new Map<string, Map<number, string>>();
  const localDay = (zone: string, ms: number): string => {
    let cache = localDayCache.get(zone);
    if (!cache) {
      cache = new Map();
      localDayCache.set(zone, cache);
    }
    let day = cache.get(ms);
    if (day === undefined) {
      day = DateTime.fromMillis(ms, { zone }).toISODate() ?? '';
      cache.set(ms, day);
    }
    return day;
  };
  for (const s of ordered) {
    const e = s + duration;
    const free: string[] = [];
    for (const p of prepared) {
      // Cursors only move forward, so every host is checked for every start, in order.
      const within = p.inside.contains(s, e);
      const blocked = p.busy.overlaps(s - before, e + after);
      if (!within || blocked) continue;
      if (p.perDay && rules.maxPerDay !== null && (p.perDay.get(localDay(p.host.timeZone, s)) ?? 0) >= rules.maxPerDay) continue;
      free.push(p.host.hostId);
    }
    if (rules.assignment === 'collective' ? free.length === prepared.length : free.length > 0) slots.push({ startMs: s, endMs: e, hostIds: free });
  }
  return slots;
}

/** Whether `zone` is an IANA time zone this runtime knows. */
export function isValidTimeZone(zone: string): boolean {
  return DateTime.now().setZone(zone).isValid;
}

/** A slot's wall time in `zone`: date 'YYYY-MM-DD' and time 'HH:mm'. */
export function wallTime(ms: number, zone: string): { date: string; time: string } {
  const local = DateTime.fromMillis(ms, { zone });
  return { date: local.toISODate() ?? '', time: local.toFormat('HH:mm') };
}
