import { IANAZone } from 'luxon';

/**
 * Availability as a pure function (no I/O): weekly hours in each host's own IANA time zone, date
 * overrides and holidays become absolute intervals, busy time (appointments with their buffers,
 * external calendar events) is subtracted, and the slot grid is laid over what is left. Wall
 * times become instants through the zone's UTC offset (luxon's IANAZone over the runtime's Intl
 * time-zone data), asked twice per boundary so a DST change moves the hours with the host's
 * clock; everything else is integer arithmetic on epoch milliseconds over sorted, merged
 * intervals (no date objects in the loops).
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

/** A zone's UTC offset (minutes) at an instant. */
interface Zone {
  offset(ms: number): number;
}

const QUARTER = 15 * MINUTE;
const zones = new Map<string, Zone>();

/**
 * The zone's offsets, cached per quarter hour of UTC: every offset change in the tz database
 * falls on a whole quarter hour, so one Intl read per quarter hour is exact.
 */
export function zoneOf(name: string): Zone {
  let zone = zones.get(name);
  if (!zone) {
    const iana = IANAZone.create(name);
    if (!iana.isValid) throw new RangeError(`Unknown time zone ${name}`);
    const cache = new Map<number, number>();
    zone = {
      offset(ms) {
        const bucket = Math.floor(ms / QUARTER);
        let offset = cache.get(bucket);
        if (offset === undefined) {
          if (cache.size > 100_000) cache.clear();
          offset = iana.offset(bucket * QUARTER);
          cache.set(bucket, offset);
        }
        return offset;
      },
    };
    zones.set(name, zone);
  }
  return zone;
}

/**
 * The instant of a wall time (`dayUtc` = Date.UTC of the local date, `minute` after its midnight,
 * 1440 = the next midnight). Two offset reads: a time that does not exist (the spring-forward
 * gap) moves forward by the gap; a time that exists twice (fall back) is the earlier one.
 */
function instantOf(zone: Zone, dayUtc: number, minute: number): number {
  const wall = dayUtc + minute * MINUTE;
  const guess = wall - zone.offset(wall) * MINUTE;
  return wall - zone.offset(guess) * MINUTE;
}

/** Date.UTC of the local date of `ms` in `zone`. */
function localDayUtc(zone: Zone, ms: number): number {
  const local = ms + zone.offset(ms) * MINUTE;
  return local - (((local % DAY) + DAY) % DAY);
}

function isoDate(dayUtc: number): string {
  const d = new Date(dayUtc);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
}

/** The host-local date 'YYYY-MM-DD' of an instant. */
export function localDate(ms: number, timeZone: string): string {
  return isoDate(localDayUtc(zoneOf(timeZone), ms));
}

/** The host's working intervals (absolute, merged) that touch [fromMs, toMs). */
export function workingIntervals(host: Pick<HostAvailability, 'timeZone' | 'weekly' | 'overrides' | 'holidays'>, fromMs: number, toMs: number): Interval[] {
  const zone = zoneOf(host.timeZone);
  const out: Interval[] = [];
  const last = localDayUtc(zone, toMs) + DAY;
  for (let day = localDayUtc(zone, fromMs) - DAY; day <= last; day += DAY) {
    const iso = isoDate(day);
    const weekday = String(((new Date(day).getUTCDay() + 6) % 7) + 1) as keyof WeeklyHours;
    const ranges = host.overrides.get(iso) ?? (host.holidays.has(iso) ? [] : (host.weekly[weekday] ?? []));
    for (const [start, end] of ranges) {
      const s = instantOf(zone, day, start);
      const e = instantOf(zone, day, end);
      if (e > fromMs && s < toMs && e > s) out.push([s, e]);
    }
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
        const day = localDate(start, host.timeZone);
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
  for (const s of ordered) {
    const e = s + duration;
    const free: string[] = [];
    for (const p of prepared) {
      // Cursors only move forward, so every host is checked for every start, in order.
      const within = p.inside.contains(s, e);
      const blocked = p.busy.overlaps(s - before, e + after);
      if (!within || blocked) continue;
      if (p.perDay && rules.maxPerDay !== null && (p.perDay.get(localDate(s, p.host.timeZone)) ?? 0) >= rules.maxPerDay) continue;
      free.push(p.host.hostId);
    }
    if (rules.assignment === 'collective' ? free.length === prepared.length : free.length > 0) slots.push({ startMs: s, endMs: e, hostIds: free });
  }
  return slots;
}

/** Whether `zone` is an IANA time zone this runtime knows. */
export function isValidTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

/** A slot's wall time in `zone`: date 'YYYY-MM-DD' and time 'HH:mm'. */
export function wallTime(ms: number, zone: string): { date: string; time: string } {
  const local = ms + zoneOf(zone).offset(ms) * MINUTE;
  const dayUtc = local - (((local % DAY) + DAY) % DAY);
  const minutes = Math.floor((local - dayUtc) / MINUTE);
  return { date: isoDate(dayUtc), time: `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}` };
}
