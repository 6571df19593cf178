/**
 * Fractional indexing: string keys that sort byte-wise (Postgres COLLATE "C") and between any
 * two of which a new key can always be generated, so moving a card rewrites one row only.
 * Keys are an "integer part" (a length-prefixed head) plus an optional fraction, over base-62
 * digits (ASCII order). Algorithm after David Greenspan's "Implementing Fractional Indexing".
 */
const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ZERO = '0';
const SMALLEST_INTEGER = `A${ZERO.repeat(26)}`;

function digitAt(value: string, index: number): string {
  const char = value[index];
  if (char === undefined) throw new Error('fractional index: digit out of range');
  return char;
}

function midpoint(a: string, b: string | null): string {
  if (b !== null && a >= b) throw new Error(`fractional index: ${a} >= ${b}`);
  if (a.endsWith(ZERO) || b?.endsWith(ZERO)) throw new Error('fractional index: trailing zero');
  if (b !== null) {
    let n = 0;
    while ((a[n] ?? ZERO) === b[n]) n += 1;
    if (n > 0) return b.slice(0, n) + midpoint(a.slice(n), b.slice(n));
  }
  const digitA = a ? DIGITS.indexOf(digitAt(a, 0)) : 0;
  const digitB = b !== null ? DIGITS.indexOf(digitAt(b, 0)) : DIGITS.length;
  if (digitB - digitA > 1) return digitAt(DIGITS, Math.round(0.5 * (digitA + digitB)));
  if (b !== null && b.length > 1) return b.slice(0, 1);
  return digitAt(DIGITS, digitA) + midpoint(a.slice(1), null);
}

function integerLength(head: string): number {
  if (head >= 'a' && head <= 'z') return head.charCodeAt(0) - 'a'.charCodeAt(0) + 2;
  if (head >= 'A' && head <= 'Z') return 'Z'.charCodeAt(0) - head.charCodeAt(0) + 2;
  throw new Error(`fractional index: invalid head ${head}`);
}

function integerPart(key: string): string {
  const length = integerLength(digitAt(key, 0));
  if (length > key.length) throw new Error(`fractional index: invalid key ${key}`);
  return key.slice(0, length);
}

export function isValidKey(key: string): boolean {
  try {
    if (key === SMALLEST_INTEGER) return false;
    const integer = integerPart(key);
    for (const char of key) if (!DIGITS.includes(char)) return false;
    return !key.slice(integer.length).endsWith(ZERO);
  } catch {
    return false;
  }
}

function incrementInteger(value: string): string | null {
  const head = digitAt(value, 0);
  const digits = value.slice(1).split('');
  let carry = true;
  for (let i = digits.length - 1; carry && i >= 0; i -= 1) {
    const next = DIGITS.indexOf(digits[i] ?? ZERO) + 1;
    if (next === DIGITS.length) {
      digits[i] = ZERO;
    } else {
      digits[i] = digitAt(DIGITS, next);
      carry = false;
    }
  }
  if (!carry) return head + digits.join('');
  if (head === 'Z') return `a${ZERO}`;
  if (head === 'z') return null;
  const nextHead = String.fromCharCode(head.charCodeAt(0) + 1);
  if (nextHead > 'a') digits.push(ZERO);
  else digits.pop();
  return nextHead + digits.join('');
}

function decrementInteger(value: string): string | null {
  const head = digitAt(value, 0);
  const digits = value.slice(1).split('');
  const top = digitAt(DIGITS, DIGITS.length - 1);
  let borrow = true;
  for (let i = digits.length - 1; borrow && i >= 0; i -= 1) {
    const next = DIGITS.indexOf(digits[i] ?? ZERO) - 1;
    if (next === -1) {
      digits[i] = top;
    } else {
      digits[i] = digitAt(DIGITS, next);
      borrow = false;
    }
  }
  if (!borrow) return head + digits.join('');
  if (head === 'a') return `Z${top}`;
  if (head === 'A') return null;
  const nextHead = String.fromCharCode(head.charCodeAt(0) - 1);
  if (nextHead < 'Z') digits.push(top);
  else digits.pop();
  return nextHead + digits.join('');
}

/** A key strictly between a and b (null = open end). Throws when a >= b or a key is invalid. */
export function keyBetween(a: string | null, b: string | null): string {
  if (a !== null && !isValidKey(a)) throw new Error(`fractional index: invalid key ${a}`);
  if (b !== null && !isValidKey(b)) throw new Error(`fractional index: invalid key ${b}`);
  if (a !== null && b !== null && a >= b) throw new Error(`fractional index: ${a} >= ${b}`);
  if (a === null) {
    if (b === null) return `a${ZERO}`;
    const ib = integerPart(b);
    const fb = b.slice(ib.length);
    if (ib === SMALLEST_INTEGER) return ib + midpoint('', fb);
    if (ib < b) return ib;
    const decremented = decrementInteger(ib);
    if (decremented === null) throw new Error('fractional index: cannot decrement any more');
    return decremented;
  }
  if (b === null) {
    const ia = integerPart(a);
    const fa = a.slice(ia.length);
    const incremented = incrementInteger(ia);
    return incremented === null ? ia + midpoint(fa, null) : incremented;
  }
  const ia = integerPart(a);
  const fa = a.slice(ia.length);
  const ib = integerPart(b);
  const fb = b.slice(ib.length);
  if (ia === ib) return ia + midpoint(fa, fb);
  const incremented = incrementInteger(ia);
  if (incremented === null) throw new Error('fractional index: cannot increment any more');
  if (incremented < b) return incremented;
  return ia + midpoint(fa, null);
}

/** n ascending keys after `after` (null = from the start), for seeding a column or a template. */
export function keysAfter(after: string | null, n: number): string[] {
  const keys: string[] = [];
  let previous = after;
  for (let i = 0; i < n; i += 1) {
    previous = keyBetween(previous, null);
    keys.push(previous);
  }
  return keys;
}
