import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../src/ids.ts';

const FORMAT = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The 48-bit timestamp an id carries (RFC 9562 §5.7: the first 12 hex digits). */
function timestampOf(id: string): number {
  return Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);
}

describe('uuidv7', () => {
  it('is an RFC 9562 version 7 id with the variant bits set', () => {
    for (let i = 0; i < 1000; i += 1) expect(uuidv7()).toMatch(FORMAT);
  });

  it('carries the millisecond timestamp in its first 48 bits, so ids sort by creation ms', () => {
    for (const now of [0, 1, 255, 0x1_0000_0000, 0x7fff_ffff, 0x8000_0000, 1_763_712_000_123, 2 ** 48 - 1]) {
      expect(timestampOf(uuidv7(now))).toBe(now);
    }
    expect(uuidv7(0x0123_4567_89ab).slice(0, 14)).toBe('01234567-89ab-');
    const earlier = uuidv7(1_763_712_000_000);
    const later = uuidv7(1_763_712_000_001);
    expect(earlier < later).toBe(true);
    const before = Date.now();
    const id = uuidv7();
    expect(timestampOf(id)).toBeGreaterThanOrEqual(before);
    expect(timestampOf(id)).toBeLessThanOrEqual(Date.now());
  });

  it('keeps the low 48 bits of an out-of-range timestamp and refuses a fractional one', () => {
    expect(timestampOf(uuidv7(2 ** 48 + 5))).toBe(5);
    expect(() => uuidv7(1.5)).toThrow(RangeError);
  });

  it('stays unique and random across many refills of its random pool', () => {
    const ids = new Set<string>();
    const now = 1_763_712_000_000;
    for (let i = 0; i < 20_000; i += 1) ids.add(uuidv7(now));
    expect(ids.size).toBe(20_000);
    // Every random hex digit position takes many values (no byte stuck at zero or reused).
    const sample = [...ids].slice(0, 2000).map((id) => id.replace(/-/g, ''));
    for (const position of [13, 14, 15, 17, 18, 19, 20, 25, 31]) {
      expect(new Set(sample.map((id) => id[position])).size).toBe(16);
    }
  });
});
