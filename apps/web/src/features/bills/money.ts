/**
 * Money on the bill screens: integer minor units in the API, decimal text in the forms. Both
 * directions are string arithmetic on the currency's own number of decimals (no floats).
 */
export function currencyDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** "1234.5" in USD → 123450; null when the text is not an amount. */
export function parseMinor(text: string, currency: string): number | null {
  const digits = currencyDigits(currency);
  const cleaned = text.replace(/[\s,]/g, '');
  const match = /^(\d+)(?:\.(\d*))?$/.exec(cleaned);
  if (!match) return null;
  const fraction = match[2] ?? '';
  if (fraction.length > digits) return null;
  const minor = Number(`${match[1]}${fraction.padEnd(digits, '0')}`);
  return Number.isSafeInteger(minor) ? minor : null;
}

/** 123450 USD → "USD 1,234.50". */
export function formatMinor(minor: number, currency: string): string {
  const digits = currencyDigits(currency);
  const raw = String(Math.abs(Math.trunc(minor))).padStart(digits + 1, '0');
  const whole = raw.slice(0, raw.length - digits).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${minor < 0 ? '-' : ''}${currency} ${whole}${digits > 0 ? `.${raw.slice(raw.length - digits)}` : ''}`;
}

/** 123450 USD → "1234.50" (for editing). */
export function minorToText(minor: number, currency: string): string {
  const digits = currencyDigits(currency);
  const raw = String(Math.abs(Math.trunc(minor))).padStart(digits + 1, '0');
  return digits > 0 ? `${raw.slice(0, raw.length - digits)}.${raw.slice(raw.length - digits)}` : raw;
}

export const statusWords = {
  received: 'Received',
  pending_approval: 'Waiting for approval',
  approved: 'Approved',
  rejected: 'Rejected',
  scheduled: 'Scheduled',
  paid: 'Paid',
} as const;

export const statusTone = {
  received: 'slate',
  pending_approval: 'amber',
  approved: 'green',
  rejected: 'rose',
  scheduled: 'indigo',
  paid: 'sky',
} as const;
