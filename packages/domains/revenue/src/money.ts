/**
 * Invoice arithmetic: one pure function, `computeInvoice()`, used by the API (totals stored on
 * the invoice), the SPA's live totals (`@ubos/revenue/money`) and the PDF renderer, so the three
 * can never disagree by a cent. No server imports here: the SPA bundles this file.
 *
 * All money is integer minor units (bigint); quantities and percentages are decimal strings,
 * read exactly into scaled integers. Proven against dinero.js on 100,000 random invoices
 * (test/money.test.ts).
 *
 * The rules, in order:
 * 1. Line gross = round(quantity × unit price); a line discount is round(gross × percent) or an
 *    amount (at most the gross); line net = gross − discount.
 * 2. The document discount is round(Σ net × percent) or an amount (at most Σ net), spread over
 *    the lines in proportion to their nets by the allocation rule (below): each line's taxable
 *    base = net − its share.
 * 3. A line's taxes are the invoice's tax definitions (in their order) named by the line or by
 *    the document. A tax's precise amount is base × rate; a compound tax's is (base + the precise
 *    amounts of the taxes before it on that line) × rate.
 *    - Exclusive: rounding level `line` rounds each line's tax and sums; `document` sums each
 *      tax's precise amounts over the lines and rounds once.
 *    - Inclusive: the base contains the taxes. It is split between the net part and each tax in
 *      proportion 1 : w1 : w2 … (w = the tax's precise amount for a base of 1) by the allocation
 *      rule, per line (`line`) or per group of lines with the same taxes (`document`). The split
 *      is whole minor units that add up exactly, so rounding mode does not enter here.
 * 4. Rounding (steps 1, 2 and exclusive taxes) is the tenant's `halfUp` or `halfEven`.
 * Allocation rule (dinero.js's `allocate`): each part gets floor(amount × ratio / Σ ratios); the
 * remaining units go one each to the parts with the largest ratios, ties in order of position.
 */

export type RoundingMode = 'halfUp' | 'halfEven';
export type RoundingLevel = 'line' | 'document';
export type TaxMode = 'exclusive' | 'inclusive';
/** Minor units as a bigint, a safe integer or a string of digits. */
export type MinorInput = bigint | number | string;

export interface TaxDefinition {
  id: string;
  name: string;
  /** Percent with up to 4 decimals, e.g. '9.975'. */
  rate: string;
  compound?: boolean;
}

export type Discount = { kind: 'percent'; percent: string } | { kind: 'amount'; amount: MinorInput };

export interface InvoiceLineInput {
  /** Decimal with up to 6 decimals, ≥ 0, e.g. '1.5'. */
  quantity: string;
  unitPrice: MinorInput;
  discount?: Discount | null;
  /** Ids of `taxes` applying to this line (besides the document's). */
  taxIds?: readonly string[];
}

export interface ComputeInvoiceInput {
  currency: string;
  lines: readonly InvoiceLineInput[];
  discount?: Discount | null;
  taxes?: readonly TaxDefinition[];
  /** Ids of `taxes` applying to every line. */
  documentTaxIds?: readonly string[];
  taxMode: TaxMode;
  rounding: { level: RoundingLevel; mode: RoundingMode };
}

export interface ComputedTaxAmount {
  taxId: string;
  amount: bigint;
}

export interface ComputedLine {
  gross: bigint;
  discount: bigint;
  /** gross − discount: the line's printed amount. */
  net: bigint;
  /** The line's share of the document discount. */
  documentDiscount: bigint;
  /** net − documentDiscount (taxes included when inclusive). */
  taxable: bigint;
  /** The line's taxes when rounding per line; null when taxes are rounded per document. */
  taxes: ComputedTaxAmount[] | null;
}

export interface ComputedTax extends ComputedTaxAmount {
  name: string;
  rate: string;
  compound: boolean;
}

export interface ComputedInvoice {
  currency: string;
  exponent: number;
  lines: ComputedLine[];
  /** Σ line nets. */
  subtotal: bigint;
  documentDiscount: bigint;
  /** subtotal − documentDiscount. */
  taxable: bigint;
  /** Every tax some line carries, in definition order. */
  taxes: ComputedTax[];
  taxTotal: bigint;
  /** What the client owes: taxable + taxTotal when exclusive, taxable when inclusive. */
  total: bigint;
  /** total − taxTotal. */
  netTotal: bigint;
}

// ---------------------------------------------------------------- currencies

const EXPONENT_0 = ['BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF', 'UGX', 'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF'];
const EXPONENT_3 = ['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND'];
const EXPONENT_4 = ['CLF', 'UYW'];

/** ISO 4217 minor-unit digits of a currency (2 unless listed). */
export function currencyExponent(currency: string): number {
  const code = currency.toUpperCase();
  if (EXPONENT_0.includes(code)) return 0;
  if (EXPONENT_3.includes(code)) return 3;
  if (EXPONENT_4.includes(code)) return 4;
  return 2;
}

export const currencyPattern = /^[A-Z]{3}$/;

// ---------------------------------------------------------------- exact decimals

export const QUANTITY_SCALE = 6;
/** Percent with ≤ 4 decimals → fraction with 6 decimals. */
export const RATE_SCALE = 6;
const quantityPattern = /^\d{1,12}(\.\d{1,6})?$/;
const percentPattern = /^\d{1,3}(\.\d{1,4})?$/;
const minorPattern = /^\d{1,18}$/;

export function isQuantity(value: string): boolean {
  return quantityPattern.test(value);
}
export function isPercent(value: string): boolean {
  return percentPattern.test(value) && parseScaled(value, 4) <= 100_0000n;
}

/** '1.5' at scale 6 → 1_500_000n. The caller checked the pattern. */
export function parseScaled(value: string, scale: number): bigint {
  const [whole = '0', fraction = ''] = value.split('.');
  return BigInt(whole + fraction.padEnd(scale, '0').slice(0, scale));
}

export function parseQuantity(value: string): bigint {
  if (!quantityPattern.test(value)) throw new RangeError(`Quantity "${value}" is not a number with at most 6 decimals`);
  return parseScaled(value, QUANTITY_SCALE);
}

/** Percent '9.975' → fraction 0.09975 at scale 6 → 99_750n. */
export function parseRate(value: string): bigint {
  if (!isPercent(value)) throw new RangeError(`Percent "${value}" is not between 0 and 100 with at most 4 decimals`);
  return parseScaled(value, 4);
}

export function toMinor(value: MinorInput): bigint {
  if (typeof value === 'bigint') {
    if (value < 0n) throw new RangeError('Amounts cannot be negative');
    return value;
  }
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`Amount ${value} is not a whole number of minor units`);
    return BigInt(value);
  }
  if (!minorPattern.test(value)) throw new RangeError(`Amount "${value}" is not a whole number of minor units`);
  return BigInt(value);
}

const TEN = 10n;
function pow10(digits: number): bigint {
  return TEN ** BigInt(digits);
}

/** round(numerator / denominator) for numerator ≥ 0, denominator > 0. */
export function divRound(numerator: bigint, denominator: bigint, mode: RoundingMode): bigint {
  const quotient = numerator / denominator;
  const twice = (numerator % denominator) * 2n;
  if (twice > denominator) return quotient + 1n;
  if (twice < denominator) return quotient;
  if (mode === 'halfUp') return quotient + 1n;
  return quotient % 2n === 0n ? quotient : quotient + 1n;
}

/** A precise amount: value / 10^scale minor units. */
interface Precise {
  value: bigint;
  scale: number;
}

function addPrecise(a: Precise, b: Precise): Precise {
  const scale = Math.max(a.scale, b.scale);
  return { value: a.value * pow10(scale - a.scale) + b.value * pow10(scale - b.scale), scale };
}

function roundPrecise(amount: Precise, mode: RoundingMode): bigint {
  return amount.scale === 0 ? amount.value : divRound(amount.value, pow10(amount.scale), mode);
}

/** The allocation rule (see the header): parts of `amount` in proportion to `ratios` (≥ 0). */
export function allocate(amount: bigint, ratios: readonly bigint[]): bigint[] {
  const total = ratios.reduce((sum, ratio) => sum + ratio, 0n);
  if (total === 0n) return ratios.map(() => 0n);
  const shares = ratios.map((ratio) => (amount * ratio) / total);
  let remainder = amount - shares.reduce((sum, share) => sum + share, 0n);
  const order = ratios
    .map((ratio, index) => ({ ratio, index }))
    .filter((item) => item.ratio !== 0n)
    .sort((a, b) => (a.ratio === b.ratio ? a.index - b.index : a.ratio > b.ratio ? -1 : 1));
  for (let i = 0; remainder > 0n; i += 1) {
    const target = order[i % order.length];
    if (!target) break;
    shares[target.index] = (shares[target.index] ?? 0n) + 1n;
    remainder -= 1n;
  }
  return shares;
}

function discountOf(discount: Discount | null | undefined, base: bigint, mode: RoundingMode): bigint {
  if (!discount) return 0n;
  if (discount.kind === 'percent') return divRound(base * parseRate(discount.percent), pow10(RATE_SCALE), mode);
  const amount = toMinor(discount.amount);
  return amount > base ? base : amount;
}

/** The precise taxes of `base` for the line's taxes in order (compound on the precise ones before). */
function preciseTaxes(base: bigint, taxes: readonly { rate: bigint; compound: boolean }[]): Precise[] {
  const result: Precise[] = [];
  let running: Precise = { value: base, scale: 0 };
  for (const tax of taxes) {
    const on: Precise = tax.compound ? running : { value: base, scale: 0 };
    const amount: Precise = { value: on.value * tax.rate, scale: on.scale + RATE_SCALE };
    result.push(amount);
    running = addPrecise(running, amount);
  }
  return result;
}

/** Inclusive split ratios: [net, tax1, tax2 …] as integers at a common scale. */
function inclusiveRatios(taxes: readonly { rate: bigint; compound: boolean }[]): bigint[] {
  const unit = preciseTaxes(1n, taxes);
  const scale = unit.reduce((max, item) => Math.max(max, item.scale), 0);
  return [pow10(scale), ...unit.map((item) => item.value * pow10(scale - item.scale))];
}

/** Computes every amount of an invoice (see the rules in this file's header). Throws RangeError on bad input. */
export function computeInvoice(input: ComputeInvoiceInput): ComputedInvoice {
  if (!currencyPattern.test(input.currency)) throw new RangeError(`Currency "${input.currency}" is not an ISO 4217 code`);
  const exponent = currencyExponent(input.currency);
  const { mode, level } = input.rounding;
  const definitions = input.taxes ?? [];
  const known = new Set(definitions.map((tax) => tax.id));
  for (const id of [...(input.documentTaxIds ?? []), ...input.lines.flatMap((line) => line.taxIds ?? [])]) {
    if (!known.has(id)) throw new RangeError(`Tax "${id}" is not defined on the invoice`);
  }
  const parsedTaxes = definitions.map((tax) => ({ id: tax.id, rate: parseRate(tax.rate), compound: tax.compound === true }));
  const documentTaxIds = new Set(input.documentTaxIds ?? []);

  const lines = input.lines.map((line) => {
    const gross = divRound(parseQuantity(line.quantity) * toMinor(line.unitPrice), pow10(QUANTITY_SCALE), mode);
    const discount = discountOf(line.discount, gross, mode);
    const lineTaxIds = new Set(line.taxIds ?? []);
    const taxes = parsedTaxes.filter((tax) => lineTaxIds.has(tax.id) || documentTaxIds.has(tax.id));
    return { gross, discount, net: gross - discount, taxes };
  });
  const subtotal = lines.reduce((sum, line) => sum + line.net, 0n);
  const documentDiscount = discountOf(input.discount, subtotal, mode);
  const shares = allocate(
    documentDiscount,
    lines.map((line) => line.net),
  );

  const taxTotals = new Map<string, bigint>();
  const addTax = (id: string, amount: bigint): void => {
    taxTotals.set(id, (taxTotals.get(id) ?? 0n) + amount);
  };
  const computedLines: ComputedLine[] = lines.map((line, index) => {
    const share = shares[index] ?? 0n;
    const taxable = line.net - share;
    let taxes: ComputedTaxAmount[] | null = null;
    if (level === 'line') {
      const amounts =
        input.taxMode === 'exclusive'
          ? preciseTaxes(taxable, line.taxes).map((amount) => roundPrecise(amount, mode))
          : allocate(taxable, inclusiveRatios(line.taxes)).slice(1);
      taxes = line.taxes.map((tax, position) => ({ taxId: tax.id, amount: amounts[position] ?? 0n }));
      for (const tax of taxes) addTax(tax.taxId, tax.amount);
    }
    return { gross: line.gross, discount: line.discount, net: line.net, documentDiscount: share, taxable, taxes };
  });

  if (level === 'document') {
    if (input.taxMode === 'exclusive') {
      const precise = new Map<string, Precise>();
      lines.forEach((line, index) => {
        const amounts = preciseTaxes(computedLines[index]?.taxable ?? 0n, line.taxes);
        line.taxes.forEach((tax, position) => {
          const amount = amounts[position] ?? { value: 0n, scale: 0 };
          const sum = precise.get(tax.id);
          precise.set(tax.id, sum ? addPrecise(sum, amount) : amount);
        });
      });
      for (const [id, amount] of precise) addTax(id, roundPrecise(amount, mode));
    } else {
      // Lines with the same taxes form one group whose inclusive sum is split once.
      const groups = new Map<string, { taxes: (typeof lines)[number]['taxes']; sum: bigint }>();
      lines.forEach((line, index) => {
        const key = line.taxes.map((tax) => tax.id).join('\u0000');
        const group = groups.get(key) ?? { taxes: line.taxes, sum: 0n };
        group.sum += computedLines[index]?.taxable ?? 0n;
        groups.set(key, group);
      });
      for (const group of groups.values()) {
        const parts = allocate(group.sum, inclusiveRatios(group.taxes));
        group.taxes.forEach((tax, position) => {
          addTax(tax.id, parts[position + 1] ?? 0n);
        });
      }
    }
  }

  const taxes: ComputedTax[] = definitions
    .filter((tax) => taxTotals.has(tax.id))
    .map((tax) => ({ taxId: tax.id, name: tax.name, rate: tax.rate, compound: tax.compound === true, amount: taxTotals.get(tax.id) ?? 0n }));
  const taxTotal = taxes.reduce((sum, tax) => sum + tax.amount, 0n);
  const taxable = subtotal - documentDiscount;
  const total = input.taxMode === 'exclusive' ? taxable + taxTotal : taxable;
  return { currency: input.currency, exponent, lines: computedLines, subtotal, documentDiscount, taxable, taxes, taxTotal, total, netTotal: total - taxTotal };
}

// ---------------------------------------------------------------- formatting

/** 123456n, exponent 2 → '1234.56' (no grouping). */
export function formatMinor(amount: bigint, exponent: number): string {
  const negative = amount < 0n;
  const digits = (negative ? -amount : amount).toString().padStart(exponent + 1, '0');
  const whole = exponent === 0 ? digits : digits.slice(0, -exponent);
  const fraction = exponent === 0 ? '' : `.${digits.slice(-exponent)}`;
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/** 123456n, 'USD' → 'USD 1,234.56': the one printed form (screens, PDF, emails). */
export function formatMoney(amount: bigint | string, currency: string): string {
  const value = typeof amount === 'bigint' ? amount : BigInt(amount);
  const plain = formatMinor(value, currencyExponent(currency));
  const [whole = '0', fraction] = plain.replace('-', '').split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${currency} ${value < 0n ? '-' : ''}${grouped}${fraction === undefined ? '' : `.${fraction}`}`;
}

/** Minor units → a decimal string, for inputs ('1234.56'). */
export function minorToDecimal(amount: bigint | string, currency: string): string {
  return formatMinor(typeof amount === 'bigint' ? amount : BigInt(amount), currencyExponent(currency));
}

/** A decimal typed by a person ('1,234.5') → minor units, or null when it is not a valid amount. */
export function decimalToMinor(value: string, currency: string): bigint | null {
  const exponent = currencyExponent(currency);
  const cleaned = value.replace(/[,\s]/g, '');
  const pattern = exponent === 0 ? /^\d{1,15}$/ : new RegExp(`^\\d{1,15}(\\.\\d{1,${exponent}})?$`);
  if (!pattern.test(cleaned)) return null;
  return parseScaled(cleaned, exponent);
}
