import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallerFactory, createDomainContext, createLogger, sql, uuidv7, withTenant, type Role } from '@ubos/platform';
import { createTestDatabase, seedReferences, testContext, testSession, type TestDatabase } from '@ubos/platform/testing';
import { revenueSubscriptions } from '../src/handlers.ts';
import { issueDuePlans } from '../src/jobs.ts';
import { revenueModule } from '../src/module.ts';
import { revenueRouter } from '../src/router.ts';
import { periodDate } from '../src/service-plans.ts';

const createCaller = createCallerFactory(revenueRouter);
const silent = createLogger({ level: 'silent' });

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

async function tenant(role: Role = 'owner') {
  const tenantId = uuidv7();
  const session = testSession({ userId: uuidv7(), tenantId, role, modules: [revenueModule] });
  const caller = createCaller(testContext({ db: testDb.db, session, modules: [revenueModule] }));
  const [clientId = ''] = await seedReferences(testDb.db, tenantId, [{ kind: 'crm.client' }]);
  return { tenantId, caller, clientId };
}

const template = {
  currency: 'USD',
  lines: [{ description: 'Retainer', quantity: '1', unitPrice: 250000 }],
  taxes: [{ id: 'vat', name: 'VAT', rate: '20' }],
  documentTaxIds: ['vat'],
};

/** Invoices per (plan, period) in a tenant: each must be 1. */
async function periods(tenantId: string) {
  return withTenant(testDb.db, { tenantId }, async (trx) => {
    const rows = await sql<{ plan_id: string; plan_period: string; count: number; numbers: string[] }>`
      SELECT plan_id, plan_period, count(*)::int AS count, array_agg(number) AS numbers FROM revenue.invoices WHERE plan_id IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2`.execute(
      trx,
    );
    return rows.rows;
  });
}

describe('invoice plan periods', () => {
  it('falls on the anchor day, clamped to short months, never before the start', () => {
    const plan = { start_date: '2026-01-31', interval_months: 1, anchor_day: 31 };
    expect([0, 1, 2, 3].map((k) => periodDate(plan, k))).toEqual(['2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30']);
    expect(periodDate({ start_date: '2026-01-15', interval_months: 3, anchor_day: 10 }, 0)).toBe('2026-02-10');
    expect(periodDate({ start_date: '2026-11-15', interval_months: 3, anchor_day: 20 }, 1)).toBe('2027-02-20');
  });
});

describe('invoice plan scheduler', () => {
  it('catches up a three-period outage, each period once, and then has nothing to do', async () => {
    const a = await tenant();
    const plan = await a.caller.plans.create({
      clientId: a.clientId,
      name: 'Monthly retainer',
      kind: 'recurring',
      interval: 'monthly',
      anchorDay: 5,
      startDate: '2026-01-05',
      template,
    });
    expect(plan.nextRunOn).toBe('2026-01-05');
    // Down from before January 5 until April 5: January, February, March and April are due.
    expect(await issueDuePlans(testDb.db, silent, { tenantId: a.tenantId, today: '2026-04-05' })).toMatchObject({ issued: expect.any(Number) });
    const rows = await periods(a.tenantId);
    expect(rows.map((row) => [row.plan_period, row.count])).toEqual([
      ['2026-01-05', 1],
      ['2026-02-05', 1],
      ['2026-03-05', 1],
      ['2026-04-05', 1],
    ]);
    await issueDuePlans(testDb.db, silent, { tenantId: a.tenantId, today: '2026-04-05' });
    expect(await periods(a.tenantId)).toHaveLength(4);
    const after = await a.caller.plans.get({ id: plan.id });
    expect(after).toMatchObject({ issuedCount: 4, nextRunOn: '2026-05-05', status: 'active' });
    expect(after.invoices.every((invoice) => invoice.status === 'issued' && invoice.total === '300000')).toBe(true);
  });

  it('issues each period once with two schedulers running at the same time', async () => {
    const a = await tenant();
    for (let index = 0; index < 8; index += 1) {
      await a.caller.plans.create({
        clientId: a.clientId,
        name: `Plan ${index}`,
        kind: 'recurring',
        interval: 'monthly',
        anchorDay: 1,
        startDate: '2026-01-01',
        template,
      });
    }
    const today = '2026-03-01';
    await Promise.all([issueDuePlans(testDb.db, silent, { today, concurrency: 3 }), issueDuePlans(testDb.db, silent, { today, concurrency: 3 })]);
    const rows = await periods(a.tenantId);
    expect(rows).toHaveLength(24);
    expect(rows.every((row) => row.count === 1)).toBe(true);
    const numbers = rows.flatMap((row) => row.numbers);
    expect(new Set(numbers).size).toBe(24);
  });

  it('resumes a run killed half-way without a duplicate or a gap', async () => {
    const a = await tenant();
    await a.caller.plans.create({
      clientId: a.clientId,
      name: 'Quarterly',
      kind: 'recurring',
      interval: 'quarterly',
      anchorDay: 1,
      startDate: '2025-01-01',
      template,
    });
    let calls = 0;
    await expect(
      issueDuePlans(testDb.db, silent, {
        today: '2026-01-01',
        concurrency: 1,
        onPeriod: () => {
          calls += 1;
          if (calls === 3) throw new Error('killed');
        },
      }),
    ).rejects.toThrow('killed');
    // The third period's transaction died with the process: only two periods exist.
    expect((await periods(a.tenantId)).map((row) => row.plan_period)).toEqual(['2025-01-01', '2025-04-01']);
    await issueDuePlans(testDb.db, silent, { tenantId: a.tenantId, today: '2026-01-01' });
    const rows = await periods(a.tenantId);
    expect(rows.map((row) => [row.plan_period, row.count])).toEqual([
      ['2025-01-01', 1],
      ['2025-04-01', 1],
      ['2025-07-01', 1],
      ['2025-10-01', 1],
      ['2026-01-01', 1],
    ]);
    expect(rows.flatMap((row) => row.numbers).sort()).toEqual(['INV-0001', 'INV-0002', 'INV-0003', 'INV-0004', 'INV-0005']);
  });

  it('skips missed periods when the tenant says so, stops after N periods, and waits while paused', async () => {
    const a = await tenant();
    await a.caller.invoiceSettings.update({ missedPeriods: 'skip' });
    const plan = await a.caller.plans.create({
      clientId: a.clientId,
      name: 'Skip',
      kind: 'recurring',
      interval: 'monthly',
      anchorDay: 5,
      startDate: '2026-01-05',
      endAfter: 5,
      template,
    });
    await issueDuePlans(testDb.db, silent, { tenantId: a.tenantId, today: '2026-04-10' });
    expect((await periods(a.tenantId)).map((row) => row.plan_period)).toEqual(['2026-04-05']);
    expect(await a.caller.plans.get({ id: plan.id })).toMatchObject({ issuedCount: 1, skippedCount: 3 });
    await a.caller.plans.pause({ id: plan.id });
    await issueDuePlans(testDb.db, silent, { tenantId: a.tenantId, today: '2026-05-05' });
    expect(await periods(a.tenantId)).toHaveLength(1);
    await a.caller.plans.resume({ id: plan.id });
    await issueDuePlans(testDb.db, silent, { tenantId: a.tenantId, today: '2026-12-31' });
    // Period 5 (May, missed while paused) is the last of five and the latest due: issued; nothing after it.
    expect((await periods(a.tenantId)).map((row) => row.plan_period)).toEqual(['2026-04-05', '2026-05-05']);
    expect(await a.caller.plans.get({ id: plan.id })).toMatchObject({ status: 'completed', nextRunOn: null, issuedCount: 2, skippedCount: 3 });
    await expect(a.caller.plans.pause({ id: plan.id })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
  });

  it('issues a deposit on the start date and milestone parts when the project milestone is reached, once', async () => {
    const a = await tenant();
    const deposit = await a.caller.plans.create({
      clientId: a.clientId,
      name: 'Website',
      kind: 'deposit',
      depositPercent: '30',
      startDate: '2026-02-01',
      template,
    });
    await issueDuePlans(testDb.db, silent, { tenantId: a.tenantId, today: '2026-02-01' });
    const depositPlan = await a.caller.plans.get({ id: deposit.id });
    // 30% of 2,500.00 = 750.00, plus 20% VAT = 900.00
    expect(depositPlan).toMatchObject({ status: 'completed', invoices: [{ period: 'deposit', total: '90000', status: 'issued' }] });

    const milestoneId = uuidv7();
    const plan = await a.caller.plans.create({
      clientId: a.clientId,
      name: 'Build',
      kind: 'milestones',
      startDate: '2026-02-01',
      template,
      milestones: [{ key: 'design', label: 'Design approved', percent: '40', projectMilestoneId: milestoneId }],
    });
    const handler = revenueSubscriptions.find((subscription) => subscription.name === 'revenue.plan-milestones');
    const event = {
      id: uuidv7(),
      tenant_id: a.tenantId,
      type: 'projects.milestone.reached',
      version: 1,
      payload: { milestone_id: milestoneId, project_id: uuidv7(), client_id: a.clientId, name: 'Design', reached_at: new Date().toISOString() },
      actor_id: null,
      aggregate_type: 'projects.milestone',
      aggregate_id: milestoneId,
      correlation_id: 'test',
      causation_id: null,
      occurred_at: new Date().toISOString(),
    };
    for (let repeat = 0; repeat < 2; repeat += 1) {
      await withTenant(testDb.db, { tenantId: a.tenantId }, async (trx) => {
        await handler?.handle(
          event,
          createDomainContext({ trx, tenantId: a.tenantId, actorId: null, correlationId: 'test', causationId: event.id, log: silent }),
        );
      });
    }
    expect(await a.caller.plans.get({ id: plan.id })).toMatchObject({ status: 'completed', invoices: [{ period: 'milestone:design', total: '120000' }] });
  });

  it('refuses plans that cannot work, with the field named', async () => {
    const a = await tenant();
    await expect(a.caller.plans.create({ clientId: a.clientId, name: 'x', kind: 'recurring', startDate: '2026-01-01', template })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    await expect(
      a.caller.plans.create({
        clientId: a.clientId,
        name: 'x',
        kind: 'recurring',
        interval: 'monthly',
        anchorDay: 20,
        startDate: '2026-01-25',
        endDate: '2026-02-01',
        template,
      }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const member = createCaller(
      testContext({
        db: testDb.db,
        session: testSession({ userId: uuidv7(), tenantId: a.tenantId, role: 'member', modules: [revenueModule] }),
        modules: [revenueModule],
      }),
    );
    await expect(
      member.plans.create({ clientId: a.clientId, name: 'x', kind: 'deposit', depositPercent: '10', startDate: '2026-01-01', template }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
