import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as revenue from '@ubos/revenue/contracts';
import { createCallerFactory, uuidv7, withTenant, type EventContract, type EventEnvelope } from '@ubos/platform';
import { createTestDatabase, testContext, type TestDatabase } from '@ubos/platform/testing';
import { indexDocuments } from '../src/handlers.ts';
import { searchRouter } from '../src/router.ts';
import { handlerContext, modules, searchSession } from './helpers.ts';

const createCaller = createCallerFactory(searchRouter);
let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

async function deliver(tenantId: string, contract: EventContract, payload: Record<string, unknown>) {
  const event: EventEnvelope = {
    id: uuidv7(),
    tenant_id: tenantId,
    type: contract.type,
    version: contract.version,
    payload: contract.payload.parse(payload),
    actor_id: null,
    aggregate_type: contract.aggregateType,
    aggregate_id: String(payload.invoice_id),
    occurred_at: new Date().toISOString(),
    correlation_id: 'invoices',
    causation_id: null,
  };
  await withTenant(testDb.db, { tenantId }, (trx) => indexDocuments.handle(event, handlerContext(trx, tenantId, 'invoices', event.id)));
}

describe('invoices in search', () => {
  it('finds an issued invoice by its number with its amount, and forgets a voided one', async () => {
    const tenantId = uuidv7();
    const clientId = uuidv7();
    const invoiceId = uuidv7();
    const voidedId = uuidv7();
    const ref = (id: string) => ({ invoice_id: id, client_id: clientId, currency: 'EUR', total_minor: '123456' });
    await deliver(tenantId, revenue.invoiceDrafted, { ...ref(invoiceId), plan_id: null, engagement_id: null, created_by: null });
    const issued = { number: 'INV-0042', issue_date: '2026-03-01', due_date: '2026-03-31', plan_id: null, issued_by: null };
    await deliver(tenantId, revenue.invoiceIssued, { ...ref(invoiceId), ...issued });
    await deliver(tenantId, revenue.invoiceIssued, { ...ref(voidedId), ...issued, number: 'INV-0043' });
    await deliver(tenantId, revenue.invoiceVoided, { ...ref(voidedId), number: 'INV-0043', reason: 'Wrong', voided_by: null });
    const caller = createCaller(testContext({ db: testDb.db, session: searchSession({ userId: uuidv7(), tenantId, role: 'viewer' }), modules }));
    const result = await caller.query({ q: 'INV', limit: 20 });
    expect(result.groups.map((group) => [group.type, group.hits.map((hit) => [hit.id, hit.title, hit.subtitle])])).toEqual([
      ['invoice', [[invoiceId, 'Invoice INV-0042', 'EUR 1,234.56, due 2026-03-31']]],
    ]);
  });
});
