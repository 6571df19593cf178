/**
 * The one invoice arithmetic, shared with the server and the PDF (packages/domains/revenue/src/money.ts,
 * `@ubos/revenue/money`): the editor's live totals are computeInvoice's, so they cannot differ from
 * what is stored and printed. Pure TypeScript, no server code (dependency-cruiser allows this file).
 */
export {
  computeInvoice,
  currencyExponent,
  decimalToMinor,
  formatMoney,
  minorToDecimal,
  isPercent,
  isQuantity,
  type ComputeInvoiceInput,
  type ComputedInvoice,
  type Discount,
} from '../../../../../packages/domains/revenue/src/money.ts';
