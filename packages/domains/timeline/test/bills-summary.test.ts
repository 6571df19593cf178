import { describe, expect, it } from 'vitest';
import { uuidv7 } from '@ubos/platform';
import { clientIdOf, summarize } from '../src/summary.ts';

/** Revenue's money-out events read in words (through @ubos/revenue/contracts); bills concern no client. */
describe('bill and approval summaries', () => {
  const bill = { bill_id: uuidv7(), vendor_id: uuidv7(), vendor_name: 'Acme Supplies', number: 'INV-7', total_minor: 123_456_50, currency: 'USD', version: 1 };

  it('says what happened to a bill, with the amount in the currency’s own decimals', () => {
    expect(summarize('revenue.bill.received', { ...bill, issue_date: '2026-11-01', due_date: null, category: null })).toBe(
      'Bill INV-7 from Acme Supplies received: USD 123,456.50',
    );
    expect(summarize('revenue.bill.received', { ...bill, total_minor: 5000, currency: 'JPY', issue_date: '2026-11-01', due_date: null, category: null })).toBe(
      'Bill INV-7 from Acme Supplies received: JPY 5,000',
    );
    expect(summarize('revenue.bill.received', { ...bill, total_minor: 1005, currency: 'KWD', issue_date: '2026-11-01', due_date: null, category: null })).toBe(
      'Bill INV-7 from Acme Supplies received: KWD 1.005',
    );
    expect(summarize('revenue.bill.submitted', { ...bill, rule_name: 'Over 1,000', steps: 2, submitted_by: uuidv7() })).toBe(
      'Bill INV-7 from Acme Supplies sent for approval (Over 1,000, 2 steps)',
    );
    expect(summarize('revenue.bill.approved', { ...bill, approver_ids: [], automatic: true })).toBe(
      'Bill INV-7 from Acme Supplies approved (under every approval threshold)',
    );
    expect(summarize('revenue.bill.rejected', { ...bill, rejected_by: uuidv7(), reason: 'Wrong amount' })).toBe(
      'Bill INV-7 from Acme Supplies rejected: Wrong amount',
    );
    expect(summarize('revenue.bill.updated', { ...bill, changed: ['lines'], reopened: true, status: 'pending_approval' })).toBe(
      'Bill INV-7 from Acme Supplies changed to USD 123,456.50: approval starts again',
    );
    expect(summarize('revenue.bill.paid', { ...bill, paid_at: '2026-12-01T00:00:00.000Z', reference: 'ACH 12' })).toBe(
      'Bill INV-7 from Acme Supplies paid: USD 123,456.50 (ACH 12)',
    );
    const approver = uuidv7();
    expect(
      summarize('revenue.approval.decided', {
        request_id: uuidv7(),
        subject_kind: 'bill',
        subject_id: bill.bill_id,
        subject_version: 1,
        step_position: 0,
        approver_id: approver,
        decided_by: uuidv7(),
        decision: 'approve',
        reason: null,
        step_completed: true,
      }),
    ).toBe('Approved step 1 of a bill on behalf of an away approver');
    expect(summarize('revenue.vendor.created', { vendor_id: bill.vendor_id, name: 'Acme Supplies' })).toBe('Vendor added: Acme Supplies');
  });

  it('files bills under no client', () => {
    expect(clientIdOf({ aggregate_type: 'revenue.bill', aggregate_id: bill.bill_id, payload: bill })).toBeNull();
  });
});
