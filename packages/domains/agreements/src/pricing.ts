import { DomainError } from '@ubos/platform';
import { formatMoney, type LineDto, type LineInput, type PaymentSchedule, type TotalsDto } from './contracts.ts';

export { formatMoney };

/**
 * Pricing in integer minor units (ARCHITECTURE.md §4 "Money"): BigInt arithmetic, tax rounded
 * half up per line, no floats. A line counts while it is not optional or the client selected it.
 */

const LIMIT = BigInt(Number.MAX_SAFE_INTEGER);

function safe(value: bigint, what: string): number {
  if (value > LIMIT) throw new DomainError('BAD_REQUEST', `The ${what} is too large to be priced`, [{ path: ['lines'], message: 'Too large' }]);
  return Number(value);
}

export function priceLine(line: LineInput): { dto: LineDto; gross: bigint; discount: bigint; tax: bigint } {
  const gross = BigInt(line.quantity) * BigInt(line.unitPriceMinor);
  const discount = BigInt(line.discountMinor);
  const net = gross - discount;
  const tax = (net * BigInt(line.taxRateBp) + 5_000n) / 10_000n;
  return {
    dto: {
      description: line.description,
      quantity: line.quantity,
      unitPriceMinor: line.unitPriceMinor,
      discountMinor: line.discountMinor,
      taxRateBp: line.taxRateBp,
      optional: line.optional,
      selected: line.optional ? line.selected : true,
      totalMinor: safe(net, 'line total'),
    },
    gross,
    discount,
    tax,
  };
}

export function priceLines(lines: readonly LineInput[]): { lines: LineDto[]; totals: TotalsDto } {
  let subtotal = 0n;
  let discount = 0n;
  let tax = 0n;
  const priced = lines.map((line) => {
    const p = priceLine(line);
    if (p.dto.selected) {
      subtotal += p.gross;
      discount += p.discount;
      tax += p.tax;
    }
    return p.dto;
  });
  return {
    lines: priced,
    totals: {
      subtotalMinor: safe(subtotal, 'subtotal'),
      discountMinor: safe(discount, 'discount'),
      taxMinor: safe(tax, 'tax'),
      totalMinor: safe(subtotal - discount + tax, 'total'),
    },
  };
}

/** The pricing table as plain text, for {{pricing_table}} and the PDF. */
export function pricingText(lines: readonly LineDto[], totals: TotalsDto, currency: string): string {
  const rows = lines
    .filter((line) => line.selected)
    .map(
      (line) =>
        `${line.description} — ${line.quantity} × ${formatMoney(line.unitPriceMinor, currency)}${line.discountMinor ? ` − ${formatMoney(line.discountMinor, currency)}` : ''} = ${formatMoney(line.totalMinor, currency)}`,
    );
  rows.push(`Total: ${formatMoney(totals.totalMinor, currency)}${totals.taxMinor ? ` (tax ${formatMoney(totals.taxMinor, currency)})` : ''}`);
  return rows.join('\n');
}

export function scheduleText(schedule: PaymentSchedule, totalMinor: number, currency: string): string {
  const parts: string[] = [];
  if (schedule.depositPercent > 0)
    parts.push(
      `Deposit ${schedule.depositPercent}% (${formatMoney(Number((BigInt(totalMinor) * BigInt(schedule.depositPercent) + 50n) / 100n), currency)}) on acceptance`,
    );
  for (const m of schedule.milestones) parts.push(`${m.label}: ${m.percent}%`);
  if (schedule.recurring)
    parts.push(
      `${schedule.recurring.label}: ${formatMoney(schedule.recurring.amountMinor, currency)} a month${schedule.recurring.count ? ` for ${schedule.recurring.count} months` : ''}`,
    );
  return parts.join('\n');
}
