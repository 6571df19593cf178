import { randomFillSync } from 'node:crypto';

/** Random bytes one id uses: 12 bits after the version, 62 after the variant, in 10 bytes. */
const RANDOM_BYTES_PER_ID = 10;
/**
 * Random bytes for 256 ids, drawn from the CSPRNG in one call: a randomBytes(16) call per id
 * cost more than the rest of uuidv7, and several ids are made per request.
 */
const pool = Buffer.allocUnsafeSlow(RANDOM_BYTES_PER_ID * 256);
let poolOffset = pool.length;

const HEX: readonly string[] = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
const TIMESTAMP_RANGE = 2 ** 48;

function hex(byte: number): string {
  return HEX[byte & 0xff] as string;
}

/** UUID v7 (RFC 9562): 48-bit unix ms timestamp + random bits, so keys are index-local. */
export function uuidv7(now: number = Date.now()): string {
  if (!Number.isInteger(now)) throw new RangeError(`uuidv7: the timestamp must be an integer number of ms, got ${now}`);
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const r = poolOffset;
  poolOffset += RANDOM_BYTES_PER_ID;
  const random = (index: number) => pool[r + index] as number;
  // The low 48 bits of the timestamp, as the BigInt version this replaced took them.
  const ms = ((now % TIMESTAMP_RANGE) + TIMESTAMP_RANGE) % TIMESTAMP_RANGE;
  const high = Math.floor(ms / 0x1_0000_0000); // bits 47..32
  const low = ms % 0x1_0000_0000; // bits 31..0
  return (
    hex(high >>> 8) +
    hex(high) +
    hex(low >>> 24) +
    hex(low >>> 16) +
    '-' +
    hex(low >>> 8) +
    hex(low) +
    '-' +
    hex((random(0) & 0x0f) | 0x70) + // version 7
    hex(random(1)) +
    '-' +
    hex((random(2) & 0x3f) | 0x80) + // variant 10
    hex(random(3)) +
    '-' +
    hex(random(4)) +
    hex(random(5)) +
    hex(random(6)) +
    hex(random(7)) +
    hex(random(8)) +
    hex(random(9))
  );
}
