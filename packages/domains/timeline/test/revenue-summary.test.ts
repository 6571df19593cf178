import { describe, expect, it } from 'vitest';
import { uuidv7 } from '@ubos/platform';
import { clientIdOf, summarize } from '../src/summary.ts';

/** Revenue events read in words on the timeline (through @ubos/revenue/contracts), amounts as the PDF prints them. */
describe('revenue summaries', () => {
  const clientId = uuidv7();
  const ref = { invoice_id: uuidv7(), client_id: clientId, currency: 'USD', total_minor: '125050' };

  it('says what happened to an invoice and its money, and files it under the client', () => {
    expect(summarize('revenue.invoice.drafted', { ...ref, plan_id: null, engagement_id: null, created_by: null })).toBe('Invoice drafted for USD 1,250.50');
    expect(
      summarize('revenue.invoice.issued', { ...ref, number: 'INV-0007', issue_date: '2026-03-01', due_date: '2026-03-31', plan_id: null, issued_by: null }),
    ).toBe('Invoice INV-0007 issued for USD 1,250.50, due 2026-03-31');
    expect(summarize('revenue.invoice.paid', { ...ref, number: 'INV-0007' })).toBe('Invoice INV-0007 paid in full (USD 1,250.50)');
    const payment = {
      payment_id: uuidv7(),
      invoice_id: ref.invoice_id,
      invoice_number: 'INV-0007',
      client_id: clientId,
      currency: 'USD',
      amount_minor: '130000',
      applied_minor: '125050',
      credit_minor: '4950',
      balance_minor: '0',
      method: 'card',
      recorded_by: null,
    };
    expect(summarize('revenue.payment.recorded', payment)).toBe('Payment of USD 1,300.00 received for invoice INV-0007 (USD 49.50 kept as credit)');
    expect(summarize('revenue.invoice.voided', { ...ref, number: null, reason: 'Duplicate', voided_by: null })).toBe('Invoice (draft) voided: Duplicate');
    expect(clientIdOf({ aggregate_type: 'revenue.payment', aggregate_id: payment.payment_id, payload: payment })).toBe(clientId);
  });
});
