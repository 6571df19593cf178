import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallerFactory, createDomainContext, createLogger, readOutbox, sql, uuidv7, withTenant, type Role } from '@ubos/platform';
import { createTestDatabase, seedReferences, testContext, testSession, type TestDatabase } from '@ubos/platform/testing';
import { computeInvoice } from '../src/money.ts';
import { revenueModule } from '../src/module.ts';
import { revenueRouter } from '../src/router.ts';
import { issueInvoice } from '../src/service-invoices.ts';

const createCaller = createCallerFactory(revenueRouter);

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

function actor(role: Role = 'owner', tenantId: string = uuidv7()) {
  const userId = uuidv7();
  const session = testSession({ userId, tenantId, role, modules: [revenueModule] });
  return { tenantId, userId, caller: createCaller(testContext({ db: testDb.db, session, modules: [revenueModule] })) };
}

async function tenantWithClient(role: Role = 'owner') {
  const a = actor(role);
  const [clientId = ''] = await seedReferences(testDb.db, a.tenantId, [{ kind: 'crm.client' }]);
  return { ...a, clientId };
}

const events = (tenantId: string, types: string[]) => withTenant(testDb.db, { tenantId }, (trx) => readOutbox(trx, { types }));

const quebec = {
  currency: 'CAD',
  taxes: [
    { id: 'gst', name: 'GST', rate: '5' },
    { id: 'qst', name: 'QST', rate: '9.975' },
  ],
  documentTaxIds: ['gst', 'qst'],
  lines: [
    { description: 'Consulting', quantity: '2.5', unitPrice: '12000' },
    { description: 'Travel', quantity: '1', unitPrice: '3333', discount: { kind: 'percent' as const, percent: '10' } },
  ],
};

describe('invoices', () => {
  it('creates a draft whose stored totals are computeInvoice’s, and emits revenue.invoice.drafted', async () => {
    const a = await tenantWithClient();
    const invoice = await a.caller.invoices.create({ clientId: a.clientId, ...quebec });
    const expected = computeInvoice({ ...quebec, taxMode: 'exclusive', rounding: { level: 'line', mode: 'halfUp' } });
    expect(invoice).toMatchObject({ status: 'draft', number: null, currency: 'CAD', paymentTermsDays: 30 });
    expect(invoice.totals).toMatchObject({
      subtotal: expected.subtotal.toString(),
      tax: expected.taxTotal.toString(),
      total: expected.total.toString(),
      balance: expected.total.toString(),
    });
    expect(invoice.lines.map((line) => line.quantity)).toEqual(['2.5', '1']);
    expect(invoice.taxBreakdown.map((tax) => tax.amount)).toEqual(expected.taxes.map((tax) => tax.amount.toString()));
    const [drafted] = await events(a.tenantId, ['revenue.invoice.drafted']);
    expect(drafted?.event.payload).toMatchObject({ invoice_id: invoice.id, client_id: a.clientId, total_minor: expected.total.toString() });
  });

  it('refuses another tenant’s client, unknown taxes and bad numbers with issues, writing nothing', async () => {
    const a = await tenantWithClient();
    const other = await tenantWithClient();
    await expect(a.caller.invoices.create({ clientId: other.clientId, lines: [] })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(
      a.caller.invoices.create({ clientId: a.clientId, lines: [{ description: 'x', quantity: '1', unitPrice: '1', taxIds: ['vat'] }] }),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    await expect(
      a.caller.invoices.create({ clientId: a.clientId, lines: [{ description: 'x', quantity: '1.1234567', unitPrice: '1' }] }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(a.caller.invoices.create({ clientId: a.clientId, lines: [{ description: 'x', quantity: '1', unitPrice: '-5' }] })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    expect((await a.caller.invoices.list({})).items).toEqual([]);
  });

  it('edits drafts, issues with a number and due date from the terms, then refuses every change (also in SQL)', async () => {
    const a = await tenantWithClient();
    await a.caller.accounts.update({ clientId: a.clientId, paymentTermsDays: 14, billingEmail: 'ap@client.test' });
    const draft = await a.caller.invoices.create({ clientId: a.clientId, ...quebec });
    expect(draft.paymentTermsDays).toBe(14);
    const edited = await a.caller.invoices.update({
      id: draft.id,
      version: draft.version,
      lines: [{ description: 'Workshop', quantity: '1', unitPrice: '50000' }],
    });
    expect(edited.totals.total).toBe('57488'); // 500.00 + 25.00 GST + 49.875 → 49.88 QST
    await expect(a.caller.invoices.update({ id: draft.id, version: draft.version, notes: 'stale' })).rejects.toMatchObject({ code: 'CONFLICT' });
    const issued = await a.caller.invoices.issue({ id: draft.id, issueDate: '2026-03-01' });
    expect(issued).toMatchObject({ status: 'issued', number: 'INV-0001', issueDate: '2026-03-01', dueDate: '2026-03-15' });
    await expect(a.caller.invoices.update({ id: draft.id, notes: 'changed' })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    await expect(a.caller.invoices.issue({ id: draft.id })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    // The database itself refuses to change an issued invoice or its lines, even to the app role.
    await expect(
      withTenant(testDb.db, { tenantId: a.tenantId }, (trx) => sql`UPDATE revenue.invoices SET total_minor = 1 WHERE id = ${draft.id}`.execute(trx)),
    ).rejects.toThrow(/credit note/);
    await expect(
      withTenant(testDb.db, { tenantId: a.tenantId }, (trx) =>
        sql`UPDATE revenue.invoice_lines SET unit_price_minor = 1 WHERE invoice_id = ${draft.id}`.execute(trx),
      ),
    ).rejects.toThrow(/credit note/);
    await expect(
      withTenant(testDb.db, { tenantId: a.tenantId }, (trx) => sql`DELETE FROM revenue.invoices WHERE id = ${draft.id}`.execute(trx)),
    ).rejects.toThrow(/cannot be deleted/);
    const [event] = await events(a.tenantId, ['revenue.invoice.issued']);
    expect(event?.event.payload).toMatchObject({ number: 'INV-0001', due_date: '2026-03-15', total_minor: '57488' });
  });

  it('numbers 50 concurrent issues 1..50 with no gap and no duplicate', async () => {
    const a = await tenantWithClient();
    const drafts = [];
    for (let index = 0; index < 50; index += 1)
      drafts.push(await a.caller.invoices.create({ clientId: a.clientId, lines: [{ description: `Line ${index}`, quantity: '1', unitPrice: 100 }] }));
    // A 51st call issues one of them a second time: refused, it takes no number.
    const results = await Promise.allSettled([
      ...drafts.map((draft) => a.caller.invoices.issue({ id: draft.id })),
      a.caller.invoices.issue({ id: drafts[0]?.id ?? '' }),
    ]);
    const numbers = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value.number] : []));
    expect(results.filter((result) => result.status === 'rejected')).toHaveLength(1);
    expect(numbers.map((number) => Number(number?.slice(4))).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, index) => index + 1));
    const next = await a.caller.invoices.create({ clientId: a.clientId, lines: [{ description: 'After', quantity: '1', unitPrice: 1 }] });
    // Issued in a transaction that then fails: the number goes back with the rollback.
    await expect(
      withTenant(testDb.db, { tenantId: a.tenantId }, async (trx) => {
        const ctx = createDomainContext({ trx, tenantId: a.tenantId, actorId: a.userId, correlationId: 'test', log: createLogger({ level: 'silent' }) });
        expect((await issueInvoice(ctx, next.id)).number).toBe('INV-0051');
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect((await a.caller.invoices.get({ id: next.id })).status).toBe('draft');
    expect((await a.caller.invoices.issue({ id: next.id })).number).toBe('INV-0051');
  });

  it('asks a manager other than the submitter to approve when the tenant wants approvals', async () => {
    const a = await tenantWithClient('admin');
    const manager = actor('owner', a.tenantId);
    const member = actor('member', a.tenantId);
    const draft = await a.caller.invoices.create({ clientId: a.clientId, lines: [{ description: 'Retainer', quantity: '1', unitPrice: 100000 }] });
    await expect(a.caller.invoices.submitForApproval({ id: draft.id })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    await a.caller.invoiceSettings.update({ needsApproval: true });
    await expect(a.caller.invoices.issue({ id: draft.id })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    expect((await a.caller.invoices.submitForApproval({ id: draft.id })).status).toBe('pending_approval');
    await expect(member.caller.invoices.approve({ id: draft.id })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(a.caller.invoices.approve({ id: draft.id })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await manager.caller.invoices.approve({ id: draft.id })).status).toBe('approved');
    // Editing an approved invoice sends it back to draft: the approval was for what was approved.
    const edited = await a.caller.invoices.update({ id: draft.id, notes: 'Thanks' });
    expect(edited).toMatchObject({ status: 'draft', approvedBy: null });
    await a.caller.invoices.submitForApproval({ id: draft.id });
    await manager.caller.invoices.approve({ id: draft.id });
    expect((await member.caller.invoices.issue({ id: draft.id })).status).toBe('issued');
    expect((await events(a.tenantId, ['revenue.invoice.approved'])).length).toBe(2);
  });

  it('records partial payments, overpayment as credit, refunds, and is idempotent per key', async () => {
    const a = await tenantWithClient();
    const draft = await a.caller.invoices.create({ clientId: a.clientId, currency: 'USD', lines: [{ description: 'Work', quantity: '1', unitPrice: 10000 }] });
    await a.caller.invoices.issue({ id: draft.id });
    await expect(a.caller.payments.record({ invoiceId: draft.id, amount: 0, method: 'cash' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    // The same key ten times: one payment.
    const repeated = await Promise.all(
      Array.from({ length: 10 }, () => a.caller.payments.record({ invoiceId: draft.id, amount: 4000, method: 'bank_transfer', idempotencyKey: 'wire-1' })),
    );
    expect(new Set(repeated.map((payment) => payment.id)).size).toBe(1);
    expect((await a.caller.invoices.get({ id: draft.id })).status).toBe('partially_paid');
    // Concurrent payments apply one after the other against the true balance: the third finds it paid.
    const racing = await Promise.allSettled([1, 2, 3].map(() => a.caller.payments.record({ invoiceId: draft.id, amount: 3000, method: 'card' })));
    expect(racing.filter((result) => result.status === 'fulfilled')).toHaveLength(2);
    const paid = await a.caller.invoices.get({ id: draft.id });
    expect(paid).toMatchObject({ status: 'paid', totals: { paid: '10000', balance: '0' } });
    expect(await events(a.tenantId, ['revenue.invoice.paid'])).toHaveLength(1);
    expect((await a.caller.payments.list({ invoiceId: draft.id })).items).toHaveLength(3);

    // Paying more than the balance: the rest is the client's credit.
    const second = await a.caller.invoices.create({ clientId: a.clientId, currency: 'USD', lines: [{ description: 'More', quantity: '1', unitPrice: 5000 }] });
    await a.caller.invoices.issue({ id: second.id });
    const over = await a.caller.payments.record({ invoiceId: second.id, amount: 8000, method: 'check', reference: 'CHK 1001' });
    expect(over).toMatchObject({ amount: '8000', applied: '5000' });
    expect((await a.caller.accounts.get({ clientId: a.clientId })).credit).toEqual([{ currency: 'USD', amount: '3000' }]);
    // A refund takes the credit back first, then reopens the invoice.
    const refund = await a.caller.payments.refund({ paymentId: over.id, amount: 4000 });
    expect(refund).toMatchObject({ kind: 'refund', amount: '4000', applied: '1000', refundOf: over.id });
    expect((await a.caller.invoices.get({ id: second.id })).totals).toMatchObject({ paid: '4000', balance: '1000' });
    expect((await a.caller.invoices.get({ id: second.id })).status).toBe('partially_paid');
    expect((await a.caller.accounts.get({ clientId: a.clientId })).credit).toEqual([]);
    await expect(a.caller.payments.refund({ paymentId: over.id, amount: 4001 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(a.caller.payments.refund({ paymentId: refund.id, amount: 1 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await events(a.tenantId, ['revenue.payment.recorded'])).toHaveLength(4);
    expect(await events(a.tenantId, ['revenue.payment.refunded'])).toHaveLength(1);
  });

  it('corrects an issued invoice with credit notes, up to its total, and voids only what nothing was paid on', async () => {
    const a = await tenantWithClient();
    const draft = await a.caller.invoices.create({ clientId: a.clientId, currency: 'EUR', lines: [{ description: 'Work', quantity: '1', unitPrice: 10000 }] });
    await expect(a.caller.creditNotes.create({ invoiceId: draft.id, amount: 100, reason: 'x' })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    await a.caller.invoices.issue({ id: draft.id });
    await a.caller.payments.record({ invoiceId: draft.id, amount: 7000, method: 'cash' });
    const note = await a.caller.creditNotes.create({ invoiceId: draft.id, amount: 4000, reason: 'Discount agreed after delivery' });
    expect(note).toMatchObject({ number: 'CN-0001', applied: '3000', amount: '4000' });
    expect((await a.caller.invoices.get({ id: draft.id })).status).toBe('paid');
    expect((await a.caller.accounts.get({ clientId: a.clientId })).credit).toEqual([{ currency: 'EUR', amount: '1000' }]);
    await expect(a.caller.creditNotes.create({ invoiceId: draft.id, amount: 6001, reason: 'too much' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(a.caller.invoices.void({ id: draft.id, reason: 'wrong client' })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    expect((await a.caller.creditNotes.list({ invoiceId: draft.id })).items.map((item) => item.id)).toEqual([note.id]);
    const other = await a.caller.invoices.create({ clientId: a.clientId, lines: [{ description: 'Oops', quantity: '1', unitPrice: 1 }] });
    const issued = await a.caller.invoices.issue({ id: other.id });
    const voided = await a.caller.invoices.void({ id: other.id, reason: 'Sent to the wrong client' });
    expect(voided).toMatchObject({ status: 'void', number: issued.number, voidReason: 'Sent to the wrong client' });
    await expect(a.caller.payments.record({ invoiceId: other.id, amount: 1, method: 'cash' })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
  });

  it('pages the list by keyset, filters overdue, and ages open balances in buckets', async () => {
    const a = await tenantWithClient();
    const dates = ['2026-01-01', '2026-02-10', '2026-03-20', '2026-04-25', '2026-05-31'];
    for (const date of dates) {
      const draft = await a.caller.invoices.create({
        clientId: a.clientId,
        currency: 'USD',
        paymentTermsDays: 0,
        lines: [{ description: date, quantity: '1', unitPrice: 1000 }],
      });
      await a.caller.invoices.issue({ id: draft.id, issueDate: date });
    }
    await a.caller.invoices.create({ clientId: a.clientId, lines: [{ description: 'draft', quantity: '1', unitPrice: 1 }] });
    const first = await a.caller.invoices.list({ limit: 4 });
    expect(first.items).toHaveLength(4);
    const second = await a.caller.invoices.list({ limit: 4, cursor: first.nextCursor ?? undefined });
    expect(second).toMatchObject({ nextCursor: null });
    expect(second.items).toHaveLength(2);
    expect(new Set([...first.items, ...second.items].map((item) => item.id)).size).toBe(6);
    expect((await a.caller.invoices.list({ overdue: true })).items).toHaveLength(5);
    expect((await a.caller.invoices.list({ status: 'draft' })).items).toHaveLength(1);
    const report = await a.caller.reports.aging({ asOf: '2026-06-01' });
    // Days past due on 2026-06-01: 151, 111, 73, 37, 1.
    expect(report.overall).toEqual([
      { currency: 'USD', invoices: 5, current: '0', days1to30: '1000', days31to60: '1000', days61to90: '1000', days90plus: '2000', total: '5000' },
    ]);
    expect(report.clients).toEqual([expect.objectContaining({ clientId: a.clientId, total: '5000' })]);
  });
});
