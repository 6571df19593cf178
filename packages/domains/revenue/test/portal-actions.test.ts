import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallerFactory, createDomainContext, createLogger, uuidv7, withTenant, type ActionDefinition } from '@ubos/platform';
import { createTestDatabase, seedReferences, testContext, testSession, type TestDatabase } from '@ubos/platform/testing';
import { createInvoicePlanAction, draftInvoiceAction, portalInvoiceAction, portalInvoicesAction, requestApprovalAction } from '../src/actions.ts';
import { revenueModule } from '../src/module.ts';
import { revenueRouter } from '../src/router.ts';

const createCaller = createCallerFactory(revenueRouter);
const silent = createLogger({ level: 'silent' });

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

async function tenant() {
  const tenantId = uuidv7();
  const caller = createCaller(
    testContext({ db: testDb.db, session: testSession({ userId: uuidv7(), tenantId, role: 'owner', modules: [revenueModule] }), modules: [revenueModule] }),
  );
  const [clientA = '', clientB = ''] = await seedReferences(testDb.db, tenantId, [{ kind: 'crm.client' }, { kind: 'crm.client' }]);
  return { tenantId, caller, clientA, clientB };
}

function run(action: ActionDefinition, tenantId: string, key: string, input: unknown) {
  return withTenant(testDb.db, { tenantId }, (trx) =>
    action.run(input, { ...createDomainContext({ trx, tenantId, actorId: null, correlationId: 'test', log: silent }), idempotencyKey: key }),
  );
}

const line = { description: 'Work', quantity: '1', unitPrice: 1000 };

describe('revenue workflow and portal actions', () => {
  it('drafts, plans and requests approval once per step key', async () => {
    const a = await tenant();
    const first = await run(draftInvoiceAction, a.tenantId, 'run-1:draft', { clientId: a.clientA, lines: [line] });
    expect(await run(draftInvoiceAction, a.tenantId, 'run-1:draft', { clientId: a.clientA, lines: [line] })).toEqual(first);
    expect((await a.caller.invoices.list({})).items).toHaveLength(1);
    expect(first).toMatchObject({ status: 'draft', total: '1000' });
    const invoiceId = (first as { invoiceId: string }).invoiceId;
    expect(await run(requestApprovalAction, a.tenantId, 'run-1:approve', { id: invoiceId })).toMatchObject({ required: false, status: 'draft' });
    await a.caller.invoiceSettings.update({ needsApproval: true });
    expect(await run(requestApprovalAction, a.tenantId, 'run-2:approve', { id: invoiceId })).toMatchObject({ required: true, status: 'pending_approval' });
    const plan = { clientId: a.clientA, name: 'Retainer', kind: 'recurring', interval: 'monthly', startDate: '2030-01-15', template: { lines: [line] } };
    const planned = await run(createInvoicePlanAction, a.tenantId, 'run-1:plan', plan);
    expect(await run(createInvoicePlanAction, a.tenantId, 'run-1:plan', plan)).toEqual(planned);
    expect(planned).toMatchObject({ nextRunOn: '2030-01-15' });
    expect((await a.caller.plans.list({})).items).toHaveLength(1);
  });

  it("shows the portal only a client's issued invoices", async () => {
    const a = await tenant();
    const issue = async (clientId: string) => {
      const draft = await a.caller.invoices.create({ clientId, lines: [line] });
      return a.caller.invoices.issue({ id: draft.id });
    };
    const mine = await issue(a.clientA);
    const draft = await a.caller.invoices.create({ clientId: a.clientA, lines: [line] });
    const voided = await issue(a.clientA);
    await a.caller.invoices.void({ id: voided.id, reason: 'Wrong' });
    const theirs = await issue(a.clientB);
    const list = (await run(portalInvoicesAction, a.tenantId, 'x', { clientId: a.clientA })) as { items: { id: string }[] };
    expect(list.items.map((item) => item.id)).toEqual([mine.id]);
    expect(await run(portalInvoiceAction, a.tenantId, 'x', { clientId: a.clientA, id: mine.id })).toMatchObject({
      number: 'INV-0001',
      lines: [{ net: '1000' }],
    });
    for (const id of [draft.id, voided.id, theirs.id]) {
      await expect(run(portalInvoiceAction, a.tenantId, 'x', { clientId: a.clientA, id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    }
    const other = await tenant();
    await expect(run(portalInvoiceAction, other.tenantId, 'x', { clientId: a.clientA, id: mine.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
