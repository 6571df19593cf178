import { describe, expect, it } from 'vitest';
import { computeInvoice, formatMoney } from '../src/money.ts';
import { invoicePdfAmounts, renderCreditNotePdf, renderInvoicePdf, type InvoicePdfInput } from '../src/pdf.ts';
import { pdfText } from './pdf-text.ts';

function invoice(lines: number): InvoicePdfInput {
  return {
    kind: 'invoice',
    brandName: 'Acme Advisory',
    brandColor: '#0a7f5a',
    number: 'INV-0042',
    status: 'issued',
    issueDate: '2026-03-01',
    dueDate: '2026-03-31',
    billTo: { name: 'Client Ltd', email: 'ap@client.test', lines: ['1 Main Street', 'Montréal'] },
    content: {
      currency: 'CAD',
      taxMode: 'exclusive',
      rounding: { level: 'document', mode: 'halfEven' },
      taxes: [
        { id: 'gst', name: 'GST', rate: '5' },
        { id: 'qst', name: 'QST', rate: '9.975' },
      ],
      documentTaxIds: ['gst', 'qst'],
      discount: { kind: 'percent', percent: '3.5' },
      lines: Array.from({ length: lines }, (_, index) => ({
        description: `Consulting block ${index + 1} — strategy & delivery, a long description that does not fit the column`,
        quantity: `${1 + (index % 4)}.${index % 3}5`,
        unitPrice: 12345 + index * 777,
        discount: index % 5 === 0 ? { kind: 'amount' as const, amount: 250 } : null,
      })),
    },
    paid: 10000n,
    credited: 0n,
    notes: 'Thank you.\nPay by bank transfer.',
  };
}

describe('invoice PDF', () => {
  it('prints the amounts computeInvoice gives, read back from the PDF itself', async () => {
    const input = invoice(30);
    const bytes = await renderInvoicePdf(input);
    expect(Buffer.from(bytes.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
    const shown = pdfText(bytes);
    const amounts = invoicePdfAmounts(input);
    // …and those are computeInvoice's, formatted once.
    const computed = computeInvoice(input.content);
    expect(amounts.lines).toEqual(computed.lines.map((line) => formatMoney(line.net, 'CAD')));
    expect(new Map(amounts.totals).get('Total')).toBe(formatMoney(computed.total, 'CAD'));
    expect(new Map(amounts.totals).get('QST 9.975%')).toBe(formatMoney(computed.taxes[1]?.amount ?? -1n, 'CAD'));
    // Every line amount, in order, and every total with its label.
    const lineAmounts = shown.filter((value) => amounts.lines.includes(value));
    expect(lineAmounts).toEqual(amounts.lines);
    for (const [label, value] of amounts.totals) {
      const at = shown.lastIndexOf(label);
      expect(at, label).toBeGreaterThanOrEqual(0);
      expect(shown[at + 1], label).toBe(value);
    }
    expect(shown).toContain('Number: INV-0042');
    expect(shown).toContain('Bill to');
    expect(shown).toContain('Montréal');
    expect(shown.some((value) => value.startsWith('Page 1 of'))).toBe(true);
    expect(amounts.totals.find(([label]) => label === 'Balance due')?.[1]).toMatch(/^CAD /);
  });

  it('breaks long invoices over pages, repeating the table header, and survives text the font cannot show', async () => {
    const input = invoice(120);
    input.content.lines[0] = { ...input.content.lines[0], description: 'Emoji 🚀 and 中文', quantity: '1', unitPrice: 1 };
    const shown = pdfText(await renderInvoicePdf(input));
    expect(shown.filter((value) => value === 'Description').length).toBeGreaterThan(1);
    expect(shown).toContain('Emoji ? and ??');
    expect(shown.filter((value) => /^Page \d+ of \d+$/.test(value)).length).toBeGreaterThan(1);
  });

  it('renders a credit note with its amount', async () => {
    const shown = pdfText(
      await renderCreditNotePdf({
        kind: 'credit_note',
        brandName: 'Acme Advisory',
        number: 'CN-0001',
        invoiceNumber: 'INV-0042',
        issueDate: '2026-03-05',
        billTo: { name: 'Client Ltd' },
        currency: 'BHD',
        amount: 12345n,
        reason: 'Returned goods',
      }),
    );
    expect(shown).toEqual(expect.arrayContaining(['CREDIT NOTE', 'Number: CN-0001', 'For invoice: INV-0042', 'Returned goods', formatMoney(12345n, 'BHD')]));
    expect(formatMoney(12345n, 'BHD')).toBe('BHD 12.345');
  });
});
