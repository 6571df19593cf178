import { createCallerFactory } from '@ubos/platform';
import { defineCrossTenantCases } from '@ubos/platform/testing';
import { revenueRouter } from '../src/router.ts';

const createCaller = createCallerFactory(revenueRouter);

/**
 * Run by apps/api/test/cross-tenant.test.ts for every procedure of revenueRouter. Settings and
 * policies are addressed by the session's tenant, never by an id: another tenant's calls concern
 * only its own ('own') and must leave tenant A's untouched. Bills, vendors, approvals and
 * delegations are addressed by id: A's ids are not found for B (or refused as references).
 */
export const crossTenantCases = defineCrossTenantCases({
  createCaller: (ctx) => createCaller(ctx),
  setup: async (a, seed) => {
    await a.settings.update({ enabled: false, label: 'Tenant A' });
    // money in: a draft, an issued invoice with a payment and a credit note
    const [client = '', contact = '', member = ''] = await seed([{ kind: 'crm.client' }, { kind: 'crm.contact' }, { kind: 'identity.member' }]);
    await a.accounts.update({ clientId: client, billingEmail: 'ap@a.test', billingContactId: contact });
    const draft = await a.invoices.create({ clientId: client, lines: [{ description: 'Draft work', quantity: '1', unitPrice: 1000 }] });
    const issuedDraft = await a.invoices.create({ clientId: client, lines: [{ description: 'Issued work', quantity: '2', unitPrice: 1000 }] });
    const issued = await a.invoices.issue({ id: issuedDraft.id });
    const payment = await a.payments.record({ invoiceId: issued.id, amount: 500, method: 'cash' });
    const creditNote = await a.creditNotes.create({ invoiceId: issued.id, amount: 100, reason: 'Goodwill' });
    const plan = await a.plans.create({
      clientId: client,
      name: 'Retainer',
      kind: 'recurring',
      interval: 'monthly',
      startDate: '2030-01-01',
      template: { lines: [{ description: 'Retainer', quantity: '1', unitPrice: 1000 }] },
    });
    // Money out: a vendor, a bill waiting for approval under a policy, a delegation to a member.
    const vendor = await a.vendors.create({ name: 'Isolation Supplies' });
    await a.policies.set({
      subjectKind: 'bill',
      rules: [
        {
          name: 'Admins',
          minMinor: null,
          maxMinor: null,
          currency: null,
          vendorId: vendor.id,
          category: null,
          steps: [{ kind: 'role', role: 'admin', count: 1 }],
        },
      ],
    });
    const bill = await a.bills.create({
      vendorId: vendor.id,
      number: 'ISO-1',
      issueDate: '2026-11-01',
      currency: 'USD',
      lines: [{ description: 'Paper', amountMinor: 100_00 }],
    });
    await a.bills.submit({ id: bill.id });
    const delegation = await a.approvals.delegations.create({ toMember: member, startsOn: '2026-01-01', endsOn: '2099-12-31' });
    return {
      client,
      contact,
      draft: draft.id,
      issued: issued.id,
      payment: payment.id,
      creditNote: creditNote.id,
      plan: plan.id,
      vendor: vendor.id,
      bill: bill.id,
      member,
      delegation: delegation.id,
    };
  },
  snapshot: async (a, f) => ({
    settings: await a.settings.get(),
    invoiceSettings: await a.invoiceSettings.get(),
    account: await a.accounts.get({ clientId: f.client }),
    draft: await a.invoices.get({ id: f.draft }),
    issued: await a.invoices.get({ id: f.issued }),
    invoices: await a.invoices.list({}),
    payments: await a.payments.list({}),
    creditNotes: await a.creditNotes.list({}),
    plan: await a.plans.get({ id: f.plan }),
    vendors: await a.vendors.list({ includeArchived: true }),
    bill: await a.bills.get({ id: f.bill }),
    policies: await a.policies.list({ subjectKind: 'bill' }),
    delegations: await a.approvals.delegations.list(),
  }),
  cases: {
    'settings.get': { expect: 'own', call: (b) => b.settings.get() },
    'settings.update': { expect: 'own', call: (b) => b.settings.update({ enabled: true, label: 'Someone else' }) },
    'vendors.create': { expect: 'own', call: (b) => b.vendors.create({ name: 'Isolation Supplies' }) },
    'vendors.list': { expect: 'empty', call: (b) => b.vendors.list({ includeArchived: true }) },
    'vendors.update': { expect: 'not_found', call: (b, a) => b.vendors.update({ id: a.vendor, name: 'Taken over' }) },
    'bills.create': {
      expect: 'bad_request',
      call: (b, a) =>
        b.bills.create({ vendorId: a.vendor, number: 'ISO-2', issueDate: '2026-11-01', currency: 'USD', lines: [{ description: 'x', amountMinor: 1 }] }),
    },
    'bills.update': { expect: 'not_found', call: (b, a) => b.bills.update({ id: a.bill, lines: [{ description: 'x', amountMinor: 1 }] }) },
    'bills.get': { expect: 'not_found', call: (b, a) => b.bills.get({ id: a.bill }) },
    'bills.list': { expect: 'empty', call: (b, a) => b.bills.list({ vendorId: a.vendor, limit: 50 }) },
    'bills.submit': { expect: 'not_found', call: (b, a) => b.bills.submit({ id: a.bill }) },
    'bills.pay': { expect: 'not_found', call: (b, a) => b.bills.pay({ id: a.bill, action: 'paid' }) },
    'approvals.inbox': { expect: 'empty', call: (b) => b.approvals.inbox() },
    'approvals.decide': {
      expect: 'not_found',
      call: (b, a) => b.approvals.decide({ subjectKind: 'bill', subjectId: a.bill, version: 1, decision: 'approve' }),
    },
    'approvals.delegations.list': { expect: 'empty', call: (b) => b.approvals.delegations.list() },
    'approvals.delegations.create': {
      expect: 'bad_request',
      call: (b, a) => b.approvals.delegations.create({ toMember: a.member, startsOn: '2026-01-01', endsOn: '2099-12-31' }),
    },
    'approvals.delegations.revoke': { expect: 'not_found', call: (b, a) => b.approvals.delegations.revoke({ id: a.delegation }) },
    'policies.list': { expect: 'own', call: (b) => b.policies.list({ subjectKind: 'bill' }) },
    'policies.set': {
      expect: 'own',
      call: (b) =>
        b.policies.set({
          subjectKind: 'bill',
          rules: [{ name: 'Mine', minMinor: 1, maxMinor: null, currency: null, vendorId: null, category: null, steps: [] }],
        }),
    },
    // money in
    'invoiceSettings.get': { expect: 'own', call: (b) => b.invoiceSettings.get() },
    'invoiceSettings.update': { expect: 'own', call: (b) => b.invoiceSettings.update({ needsApproval: true, invoicePrefix: 'B-' }) },
    'accounts.get': { expect: 'bad_request', call: (b, a) => b.accounts.get({ clientId: a.client }) },
    'accounts.update': { expect: 'bad_request', call: (b, a) => b.accounts.update({ clientId: a.client, billingEmail: 'thief@b.test' }) },
    'invoices.create': { expect: 'bad_request', call: (b, a) => b.invoices.create({ clientId: a.client, lines: [] }) },
    'invoices.update': { expect: 'not_found', call: (b, a) => b.invoices.update({ id: a.draft, notes: 'Hijacked' }) },
    'invoices.get': { expect: 'not_found', call: (b, a) => b.invoices.get({ id: a.issued }) },
    'invoices.list': { expect: 'empty', call: (b, a) => b.invoices.list({ clientId: a.client }) },
    'invoices.submitForApproval': { expect: 'not_found', call: (b, a) => b.invoices.submitForApproval({ id: a.draft }) },
    'invoices.approve': { expect: 'not_found', call: (b, a) => b.invoices.approve({ id: a.draft }) },
    'invoices.issue': { expect: 'not_found', call: (b, a) => b.invoices.issue({ id: a.draft }) },
    'invoices.send': { expect: 'not_found', call: (b, a) => b.invoices.send({ id: a.issued }) },
    'invoices.pdfUrl': { expect: 'not_found', call: (b, a) => b.invoices.pdfUrl({ id: a.issued }) },
    'invoices.void': { expect: 'not_found', call: (b, a) => b.invoices.void({ id: a.draft, reason: 'Hijacked' }) },
    'creditNotes.create': { expect: 'not_found', call: (b, a) => b.creditNotes.create({ invoiceId: a.issued, amount: 1, reason: 'Hijacked' }) },
    'creditNotes.get': { expect: 'not_found', call: (b, a) => b.creditNotes.get({ id: a.creditNote }) },
    'creditNotes.list': { expect: 'empty', call: (b, a) => b.creditNotes.list({ invoiceId: a.issued }) },
    'payments.record': { expect: 'not_found', call: (b, a) => b.payments.record({ invoiceId: a.issued, amount: 1, method: 'cash' }) },
    'payments.list': { expect: 'empty', call: (b, a) => b.payments.list({ invoiceId: a.issued }) },
    'payments.refund': { expect: 'not_found', call: (b, a) => b.payments.refund({ paymentId: a.payment, amount: 1 }) },
    'plans.create': {
      expect: 'bad_request',
      call: (b, a) =>
        b.plans.create({
          clientId: a.client,
          name: 'x',
          kind: 'deposit',
          depositPercent: '10',
          startDate: '2030-01-01',
          template: { lines: [{ description: 'x', quantity: '1', unitPrice: 1 }] },
        }),
    },
    'plans.get': { expect: 'not_found', call: (b, a) => b.plans.get({ id: a.plan }) },
    'plans.list': { expect: 'empty', call: (b, a) => b.plans.list({ clientId: a.client }) },
    'plans.pause': { expect: 'not_found', call: (b, a) => b.plans.pause({ id: a.plan }) },
    'plans.resume': { expect: 'not_found', call: (b, a) => b.plans.resume({ id: a.plan }) },
    'reports.aging': { expect: 'empty', call: (b, a) => b.reports.aging({ clientId: a.client }).then((report) => [...report.clients, ...report.overall]) },
  },
});
