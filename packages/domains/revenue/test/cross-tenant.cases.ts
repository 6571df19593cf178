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
    // Money out: a vendor, a bill waiting for approval under a policy, a delegation to a member.
    const [member] = await seed([{ kind: 'identity.member' }]);
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
    const delegation = await a.approvals.delegations.create({ toMember: member as string, startsOn: '2026-01-01', endsOn: '2099-12-31' });
    return { vendor: vendor.id, bill: bill.id, member: member as string, delegation: delegation.id };
  },
  snapshot: async (a, fixture) => ({
    settings: await a.settings.get(),
    vendors: await a.vendors.list({ includeArchived: true }),
    bill: await a.bills.get({ id: fixture.bill }),
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
  },
});
