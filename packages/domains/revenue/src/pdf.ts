import { PDFDocument, rgb, StandardFonts, type PDFFont, type PDFPage } from '@cantoo/pdf-lib';
import { computeInvoice, formatMoney, type ComputeInvoiceInput, type Discount, type InvoiceLineInput } from './money.ts';

/**
 * Invoice and credit-note PDFs (@cantoo/pdf-lib, standard Helvetica: no font files to ship).
 * Every amount printed comes from computeInvoice over the stored content, formatted by
 * formatMoney: the PDF says what the API and the SPA say (test/pdf.test.ts reads it back).
 */

export interface PdfParty {
  name: string;
  email?: string | null;
  lines?: readonly string[];
}

export interface InvoicePdfInput {
  kind: 'invoice';
  brandName: string;
  /** Brand colour as #rrggbb (default a dark blue). */
  brandColor?: string | null;
  number: string | null;
  status: string;
  issueDate: string | null;
  dueDate: string | null;
  billTo: PdfParty;
  content: Omit<ComputeInvoiceInput, 'lines'> & { lines: (InvoiceLineInput & { description: string })[] };
  paid: bigint;
  credited: bigint;
  notes?: string | null;
}

export interface CreditNotePdfInput {
  kind: 'credit_note';
  brandName: string;
  brandColor?: string | null;
  number: string;
  invoiceNumber: string | null;
  issueDate: string;
  billTo: PdfParty;
  currency: string;
  amount: bigint;
  reason: string;
}

const PAGE = { width: 595.28, height: 841.89, margin: 48 };
const COLUMNS = { description: 48, quantity: 300, unitPrice: 350, discount: 430, amount: 547 };

/** Standard fonts speak WinAnsi: anything else becomes '?' rather than failing the render. */
function printable(value: string): string {
  return value.replace(/[^\x20-\x7E\xA0-\xFF€‘’“”–—…•]/gu, '?');
}

function colour(hex: string | null | undefined) {
  const match = hex ? /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex) : null;
  if (!match) return rgb(0.11, 0.2, 0.4);
  return rgb(Number.parseInt(match[1] ?? '0', 16) / 255, Number.parseInt(match[2] ?? '0', 16) / 255, Number.parseInt(match[3] ?? '0', 16) / 255);
}

function fit(text: string, font: PDFFont, size: number, width: number): string {
  let value = printable(text);
  if (font.widthOfTextAtSize(value, size) <= width) return value;
  while (value.length > 1 && font.widthOfTextAtSize(`${value}…`, size) > width) value = value.slice(0, -1);
  return `${value}…`;
}

function quantityText(value: string): string {
  return value.includes('.') ? value.replace(/0+$/, '').replace(/\.$/, '') : value;
}

function discountText(discount: Discount | null | undefined, currency: string): string {
  if (!discount) return '';
  return discount.kind === 'percent' ? `${discount.percent}%` : formatMoney(BigInt(discount.amount), currency);
}

interface Writer {
  doc: PDFDocument;
  page: PDFPage;
  y: number;
  regular: PDFFont;
  bold: PDFFont;
  accent: ReturnType<typeof rgb>;
}

function text(w: Writer, value: string, x: number, options: { size?: number; bold?: boolean; right?: boolean; color?: ReturnType<typeof rgb> } = {}): void {
  const size = options.size ?? 10;
  const font = options.bold ? w.bold : w.regular;
  const printed = printable(value);
  const left = options.right ? x - font.widthOfTextAtSize(printed, size) : x;
  w.page.drawText(printed, { x: left, y: w.y, size, font, color: options.color ?? rgb(0.1, 0.1, 0.1) });
}

function newPage(w: Writer): void {
  w.page = w.doc.addPage([PAGE.width, PAGE.height]);
  w.y = PAGE.height - PAGE.margin;
}

function ensureRoom(w: Writer, height: number, onBreak?: () => void): void {
  if (w.y - height >= PAGE.margin + 24) return;
  newPage(w);
  onBreak?.();
}

async function start(brandName: string, brandColor: string | null | undefined, title: string): Promise<Writer> {
  const doc = await PDFDocument.create();
  doc.setTitle(title);
  doc.setAuthor(printable(brandName));
  doc.setProducer('UBOS');
  doc.setCreator('UBOS revenue');
  const w: Writer = {
    doc,
    page: doc.addPage([PAGE.width, PAGE.height]),
    y: PAGE.height - PAGE.margin,
    regular: await doc.embedFont(StandardFonts.Helvetica),
    bold: await doc.embedFont(StandardFonts.HelveticaBold),
    accent: colour(brandColor),
  };
  w.page.drawRectangle({ x: 0, y: PAGE.height - 8, width: PAGE.width, height: 8, color: w.accent });
  w.y -= 8;
  text(w, fit(brandName, w.bold, 18, 300), PAGE.margin, { size: 18, bold: true, color: w.accent });
  return w;
}

function header(w: Writer, heading: string, facts: [string, string][]): void {
  text(w, heading, PAGE.width - PAGE.margin, { size: 18, bold: true, right: true });
  for (const [label, value] of facts) {
    w.y -= 15;
    text(w, `${label}: ${value}`, PAGE.width - PAGE.margin, { size: 10, right: true });
  }
  w.y -= 28;
}

function billTo(w: Writer, party: PdfParty): void {
  text(w, 'Bill to', PAGE.margin, { size: 9, bold: true, color: w.accent });
  w.y -= 14;
  text(w, fit(party.name, w.bold, 11, 300), PAGE.margin, { size: 11, bold: true });
  for (const line of [...(party.lines ?? []), ...(party.email ? [party.email] : [])]) {
    w.y -= 13;
    text(w, fit(line, w.regular, 10, 300), PAGE.margin);
  }
  w.y -= 28;
}

async function finish(w: Writer): Promise<Uint8Array> {
  const pages = w.doc.getPages();
  pages.forEach((page, index) => {
    const label = `Page ${index + 1} of ${pages.length}`;
    page.drawText(label, {
      x: PAGE.width - PAGE.margin - w.regular.widthOfTextAtSize(label, 8),
      y: PAGE.margin / 2,
      size: 8,
      font: w.regular,
      color: rgb(0.45, 0.45, 0.45),
    });
  });
  return w.doc.save({ useObjectStreams: false });
}

/** The amounts an invoice PDF prints, in order (what test/pdf.test.ts expects to read back). */
export function invoicePdfAmounts(input: InvoicePdfInput): { lines: string[]; totals: [string, string][] } {
  const computed = computeInvoice(input.content);
  const currency = input.content.currency;
  const money = (amount: bigint) => formatMoney(amount, currency);
  const totals: [string, string][] = [['Subtotal', money(computed.subtotal)]];
  if (computed.documentDiscount > 0n) totals.push(['Discount', `-${money(computed.documentDiscount)}`]);
  for (const tax of computed.taxes)
    totals.push([`${tax.name} ${tax.rate}%${tax.compound ? ' (compound)' : ''}${input.content.taxMode === 'inclusive' ? ' included' : ''}`, money(tax.amount)]);
  totals.push(['Total', money(computed.total)]);
  if (input.paid > 0n) totals.push(['Paid', `-${money(input.paid)}`]);
  if (input.credited > 0n) totals.push(['Credited', `-${money(input.credited)}`]);
  totals.push(['Balance due', money(computed.total - input.paid - input.credited)]);
  return { lines: computed.lines.map((line) => money(line.net)), totals };
}

export async function renderInvoicePdf(input: InvoicePdfInput): Promise<Uint8Array> {
  const currency = input.content.currency;
  const heading = input.status === 'void' ? 'INVOICE (VOID)' : input.number ? 'INVOICE' : 'DRAFT INVOICE';
  const w = await start(input.brandName, input.brandColor, `Invoice ${input.number ?? 'draft'}`);
  header(w, heading, [
    ['Number', input.number ?? 'not issued yet'],
    ...(input.issueDate ? ([['Issued', input.issueDate]] as [string, string][]) : []),
    ...(input.dueDate ? ([['Due', input.dueDate]] as [string, string][]) : []),
    ['Currency', currency],
  ]);
  billTo(w, input.billTo);

  const tableHeader = () => {
    w.page.drawRectangle({ x: PAGE.margin - 4, y: w.y - 5, width: PAGE.width - 2 * PAGE.margin + 8, height: 18, color: rgb(0.94, 0.95, 0.97) });
    text(w, 'Description', COLUMNS.description, { size: 9, bold: true });
    text(w, 'Qty', COLUMNS.quantity + 30, { size: 9, bold: true, right: true });
    text(w, 'Unit price', COLUMNS.unitPrice + 70, { size: 9, bold: true, right: true });
    text(w, 'Discount', COLUMNS.discount + 45, { size: 9, bold: true, right: true });
    text(w, 'Amount', COLUMNS.amount, { size: 9, bold: true, right: true });
    w.y -= 20;
  };
  tableHeader();
  const amounts = invoicePdfAmounts(input);
  input.content.lines.forEach((line, index) => {
    ensureRoom(w, 16, tableHeader);
    text(w, fit(line.description, w.regular, 10, COLUMNS.quantity - COLUMNS.description - 10), COLUMNS.description);
    text(w, quantityText(line.quantity), COLUMNS.quantity + 30, { right: true });
    text(w, formatMoney(BigInt(line.unitPrice), currency), COLUMNS.unitPrice + 70, { right: true });
    text(w, discountText(line.discount, currency), COLUMNS.discount + 45, { right: true });
    text(w, amounts.lines[index] ?? '', COLUMNS.amount, { right: true });
    w.y -= 16;
  });
  w.y -= 8;
  ensureRoom(w, 18 * amounts.totals.length + 10);
  w.page.drawLine({ start: { x: 330, y: w.y + 8 }, end: { x: PAGE.width - PAGE.margin, y: w.y + 8 }, thickness: 0.5, color: rgb(0.7, 0.7, 0.7) });
  for (const [label, value] of amounts.totals) {
    const strong = label === 'Total' || label === 'Balance due';
    text(w, label, 340, { bold: strong });
    text(w, value, COLUMNS.amount, { right: true, bold: strong });
    w.y -= 18;
  }
  if (input.notes) {
    w.y -= 12;
    ensureRoom(w, 40);
    text(w, 'Notes', PAGE.margin, { size: 9, bold: true, color: w.accent });
    for (const line of input.notes.split('\n').slice(0, 20)) {
      w.y -= 13;
      ensureRoom(w, 13);
      text(w, fit(line, w.regular, 10, PAGE.width - 2 * PAGE.margin), PAGE.margin);
    }
  }
  return finish(w);
}

export async function renderCreditNotePdf(input: CreditNotePdfInput): Promise<Uint8Array> {
  const w = await start(input.brandName, input.brandColor, `Credit note ${input.number}`);
  header(w, 'CREDIT NOTE', [
    ['Number', input.number],
    ['Issued', input.issueDate],
    ...(input.invoiceNumber ? ([['For invoice', input.invoiceNumber]] as [string, string][]) : []),
  ]);
  billTo(w, input.billTo);
  text(w, 'Reason', PAGE.margin, { size: 9, bold: true, color: w.accent });
  w.y -= 14;
  text(w, fit(input.reason, w.regular, 10, PAGE.width - 2 * PAGE.margin), PAGE.margin);
  w.y -= 30;
  text(w, 'Credit', 340, { bold: true });
  text(w, formatMoney(input.amount, input.currency), COLUMNS.amount, { right: true, bold: true });
  return finish(w);
}
