import { describe, expect, it } from 'vitest';
import { computeSlots, mergeIntervals, wallTime, workingIntervals, type HostAvailability, type SlotRules } from '../src/availability.ts';

const rules: SlotRules = {
  durationMinutes: 60,
  bufferBeforeMinutes: 0,
  bufferAfterMinutes: 0,
  minimumNoticeMinutes: 0,
  bookingWindowDays: 365,
  maxPerDay: null,
  slotIntervalMinutes: null,
  assignment: 'single',
};

function host(overrides: Partial<HostAvailability> = {}): HostAvailability {
  return {
    hostId: 'berlin',
    timeZone: 'Europe/Berlin',
    // Monday to Friday 09:00-12:00 Berlin time.
    weekly: { '1': [[540, 720]], '2': [[540, 720]], '3': [[540, 720]], '4': [[540, 720]], '5': [[540, 720]] },
    overrides: new Map(),
    holidays: new Set(),
    busy: [],
    sameTypeStarts: [],
    ...overrides,
  };
}

/** The slots as a visitor in `zone` reads them: "YYYY-MM-DD HH:mm". */
function visitorList(slots: { startMs: number }[], zone: string): string[] {
  return slots.map((slot) => {
    const local = wallTime(slot.startMs, zone);
    return `${local.date} ${local.time}`;
  });
}

const at = (iso: string) => Date.parse(iso);

describe('availability across DST changes', () => {
  const now = at('2026-01-01T00:00:00Z');

  it('moves with the host clock when New York changes first (8 March 2026) and Berlin later (29 March 2026)', () => {
    // Fri 6 Mar (both on standard time, 6 h apart) and Mon 9 Mar (New York on summer time, 5 h apart).
    const march = computeSlots(rules, [host()], { fromMs: at('2026-03-06T00:00:00Z'), toMs: at('2026-03-10T00:00:00Z'), nowMs: now });
    expect(visitorList(march, 'America/New_York')).toEqual([
      '2026-03-06 03:00',
      '2026-03-06 04:00',
      '2026-03-06 05:00',
      '2026-03-09 04:00',
      '2026-03-09 05:00',
      '2026-03-09 06:00',
    ]);
    // Fri 27 Mar (5 h apart) and Mon 30 Mar (Berlin on summer time too, 6 h apart again).
    const late = computeSlots(rules, [host()], { fromMs: at('2026-03-27T00:00:00Z'), toMs: at('2026-03-31T00:00:00Z'), nowMs: now });
    expect(visitorList(late, 'America/New_York')).toEqual([
      '2026-03-27 04:00',
      '2026-03-27 05:00',
      '2026-03-27 06:00',
      '2026-03-30 03:00',
      '2026-03-30 04:00',
      '2026-03-30 05:00',
    ]);
    // The host still reads 09:00, 10:00, 11:00 every day.
    expect(visitorList(late, 'Europe/Berlin')).toEqual([
      '2026-03-27 09:00',
      '2026-03-27 10:00',
      '2026-03-27 11:00',
      '2026-03-30 09:00',
      '2026-03-30 10:00',
      '2026-03-30 11:00',
    ]);
    expect(late.map((slot) => new Date(slot.startMs).toISOString())).toEqual([
      '2026-03-27T08:00:00.000Z',
      '2026-03-27T09:00:00.000Z',
      '2026-03-27T10:00:00.000Z',
      '2026-03-30T07:00:00.000Z',
      '2026-03-30T08:00:00.000Z',
      '2026-03-30T09:00:00.000Z',
    ]);
  });

  it('counts real hours on the night the clocks skip 02:00-03:00 and repeat 02:00-03:00', () => {
    // Sunday 29 March 01:00-04:00 Berlin is two real hours: 01:00 CET and 03:00 CEST.
    const spring = host({ overrides: new Map([['2026-03-29', [[60, 240]]]]) });
    const slots = computeSlots(rules, [spring], { fromMs: at('2026-03-28T12:00:00Z'), toMs: at('2026-03-29T12:00:00Z'), nowMs: now });
    expect(visitorList(slots, 'Europe/Berlin')).toEqual(['2026-03-29 01:00', '2026-03-29 03:00']);
    expect(visitorList(slots, 'America/New_York')).toEqual(['2026-03-28 20:00', '2026-03-28 21:00']);
    // Sunday 25 October 01:00-04:00 Berlin is four real hours: 02:00 happens twice.
    const autumn = host({ overrides: new Map([['2026-10-25', [[60, 240]]]]) });
    const fall = computeSlots(rules, [autumn], { fromMs: at('2026-10-24T12:00:00Z'), toMs: at('2026-10-25T12:00:00Z'), nowMs: now });
    expect(visitorList(fall, 'Europe/Berlin')).toEqual(['2026-10-25 01:00', '2026-10-25 02:00', '2026-10-25 02:00', '2026-10-25 03:00']);
    expect(visitorList(fall, 'America/New_York')).toEqual(['2026-10-24 19:00', '2026-10-24 20:00', '2026-10-24 21:00', '2026-10-24 22:00']);
  });
});

describe('availability rules', () => {
  const monday = at('2026-03-02T00:00:00Z');
  const window = { fromMs: monday, toMs: at('2026-03-03T00:00:00Z'), nowMs: at('2026-01-01T00:00:00Z') };

  it('subtracts busy time widened by the buffers', () => {
    // Busy 09:00-10:00 Berlin (08:00-09:00Z). 30-minute slots with 15 minutes after: 10:00 is free
    // (its before-buffer is 0), 08:30Z..09:00Z slots overlap.
    const slots = computeSlots(
      { ...rules, durationMinutes: 30, bufferAfterMinutes: 15 },
      [host({ busy: [[at('2026-03-02T08:00:00Z'), at('2026-03-02T09:00:00Z')]] })],
      window,
    );
    expect(visitorList(slots, 'Europe/Berlin')).toEqual(['2026-03-02 10:00', '2026-03-02 10:30', '2026-03-02 11:00', '2026-03-02 11:30']);
    const withBefore = computeSlots(
      { ...rules, durationMinutes: 30, bufferBeforeMinutes: 15 },
      [host({ busy: [[at('2026-03-02T08:00:00Z'), at('2026-03-02T09:00:00Z')]] })],
      window,
    );
    // 10:00 needs 09:45-10:00 free too: taken by the busy hour.
    expect(visitorList(withBefore, 'Europe/Berlin')).toEqual(['2026-03-02 10:30', '2026-03-02 11:00', '2026-03-02 11:30']);
  });

  it('applies minimum notice, the booking window, max per day, holidays and overrides', () => {
    const notice = computeSlots({ ...rules, minimumNoticeMinutes: 90 }, [host()], { ...window, nowMs: at('2026-03-02T08:00:00Z') });
    expect(visitorList(notice, 'Europe/Berlin')).toEqual(['2026-03-02 11:00']);
    const windowDays = computeSlots({ ...rules, bookingWindowDays: 1 }, [host()], {
      fromMs: monday,
      toMs: at('2026-03-05T00:00:00Z'),
      nowMs: at('2026-03-02T09:30:00Z'),
    });
    // 1 day ahead of Monday 10:30 Berlin: until Tuesday 10:30.
    expect(visitorList(windowDays, 'Europe/Berlin')).toEqual(['2026-03-02 11:00', '2026-03-03 09:00', '2026-03-03 10:00']);
    const capped = computeSlots({ ...rules, maxPerDay: 1 }, [host({ sameTypeStarts: [at('2026-03-02T10:00:00Z')] })], {
      ...window,
      toMs: at('2026-03-04T00:00:00Z'),
    });
    expect(visitorList(capped, 'Europe/Berlin')).toEqual(['2026-03-03 09:00', '2026-03-03 10:00', '2026-03-03 11:00']);
    const holiday = computeSlots(rules, [host({ holidays: new Set(['2026-03-02']) })], window);
    expect(holiday).toEqual([]);
    const override = computeSlots(rules, [host({ holidays: new Set(['2026-03-02']), overrides: new Map([['2026-03-02', [[840, 960]]]]) })], window);
    expect(visitorList(override, 'Europe/Berlin')).toEqual(['2026-03-02 14:00', '2026-03-02 15:00']);
  });

  it('offers a round-robin slot while any host is free and a collective slot only when all are', () => {
    const a = host({ hostId: 'a', busy: [[at('2026-03-02T08:00:00Z'), at('2026-03-02T09:00:00Z')]] });
    const b = host({ hostId: 'b', timeZone: 'Europe/London', weekly: { '1': [[480, 600]] } });
    const rr = computeSlots({ ...rules, assignment: 'round_robin' }, [a, b], window);
    expect(rr.map((slot) => [wallTime(slot.startMs, 'UTC').time, slot.hostIds])).toEqual([
      ['08:00', ['b']],
      ['09:00', ['a', 'b']],
      ['10:00', ['a']],
    ]);
    const collective = computeSlots({ ...rules, assignment: 'collective' }, [a, b], window);
    expect(collective.map((slot) => wallTime(slot.startMs, 'UTC').time)).toEqual(['09:00']);
  });

  it('merges overlapping busy intervals and computes working intervals once per local day', () => {
    expect(
      mergeIntervals([
        [5, 7],
        [1, 3],
        [2, 4],
        [7, 8],
      ]),
    ).toEqual([
      [1, 4],
      [5, 8],
    ]);
    const intervals = workingIntervals(host(), monday, at('2026-03-07T00:00:00Z'));
    expect(intervals).toHaveLength(5);
  });
});
