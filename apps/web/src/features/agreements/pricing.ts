/**
 * The proposal builder's live totals: the same integer arithmetic as the server (agreements'
 * pricing.ts: BigInt minor units, tax half up per line, unselected optional lines left out), so
 * what the builder shows is what sending fixes. Money is formatted from minor units by string.
 */

export interface LineDraft {
  description: string;
  quantity: number;
  unitPriceMinor: number;
  discountMinor: number;
  taxRateBp: number;
  optional: boolean;
  selected: boolean;
}

export function lineTotal(line: LineDraft): number {
  return Number(
    BigInt(Math.max(0, Math.trunc(line.quantity))) * BigInt(Math.max(0, Math.trunc(line.unitPriceMinor))) - BigInt(Math.max(0, Math.trunc(line.discountMinor))),
  );
}

export function totals(lines: readonly LineDraft[]) {
  let subtotal = 0n;
  let discount = 0n;
  let tax = 0n;
  for (const line of lines) {
    if (line.optional && !line.selected) continue;
    const gross = BigInt(Math.max(0, Math.trunc(line.quantity))) * BigInt(Math.max(0, Math.trunc(line.unitPriceMinor)));
    const off = BigInt(Math.max(0, Math.trunc(line.discountMinor)));
    subtotal += gross;
    discount += off;
    tax += ((gross - off) * BigInt(Math.max(0, Math.trunc(line.taxRateBp))) + 5_000n) / 10_000n;
  }
  return { subtotalMinor: Number(subtotal), discountMinor: Number(discount), taxMinor: Number(tax), totalMinor: Number(subtotal - discount + tax) };
}

function digits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** "EUR 1,234.50" from 123450. */
export function money(minor: number, currency: string): string {
  const d = digits(currency);
  const text = Math.abs(Math.trunc(minor))
    .toString()
    .padStart(d + 1, '0');
  const whole = text.slice(0, text.length - d).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${minor < 0 ? '-' : ''}${currency} ${whole}${d > 0 ? `.${text.slice(text.length - d)}` : ''}`;
}

/** "12.50" (typed by a person) → 1250 minor units; null when it is not an amount. */
export function parseAmount(text: string, currency: string): number | null {
  const d = digits(currency);
  const match = /^\s*(\d{1,12})(?:[.,](\d*))?\s*$/.exec(text.replace(/[ ,](?=\d{3}\b)/g, ''));
  if (!match) return null;
  const fraction = (match[2] ?? '').slice(0, d).padEnd(d, '0');
  return Number(BigInt(match[1] ?? '0') * 10n ** BigInt(d) + BigInt(fraction || '0'));
}

export function amountText(minor: number, currency: string): string {
  const d = digits(currency);
  const text = Math.trunc(minor)
    .toString()
    .padStart(d + 1, '0');
  return d > 0 ? `${text.slice(0, text.length - d)}.${text.slice(text.length - d)}` : text;
}
