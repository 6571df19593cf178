import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as revenue from '@ubos/revenue/contracts';
import { createCallerFactory, uuidv7, withTenant, type EventContract, type EventEnvelope } from '@ubos/platform';
import { createTestDatabase, testContext, type TestDatabase } from '@ubos/platform/testing';
import { indexDocuments } from '../src/handlers.ts';
import { searchRouter } from '../src/router.ts';
import { handlerContext, modules, searchSession } from './helpers.ts';

/** Vendors and bills are found by name and number (through @ubos/revenue/contracts); they concern no client. */
let testDb: TestDatabase;
const createCaller = createCallerFactory(searchRouter);

beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

describe('bills and vendors in search', () => {
  it('indexes a vendor and follows a bill through its statuses; an archived vendor leaves the index', async () => {
    const tenantId = uuidv7();
    const vendorId = uuidv7();
    const goneId = uuidv7();
    const billId = uuidv7();
    const bill = { bill_id: billId, vendor_id: vendorId, vendor_name: 'Acme Supplies', number: 'INV-7', total_minor: 1000, currency: 'USD', version: 1 };
    const events: [EventContract, Record<string, unknown>][] = [
      [revenue.vendorCreated, { vendor_id: vendorId, name: 'Acme Supplies' }],
      [revenue.vendorCreated, { vendor_id: goneId, name: 'Acme Old' }],
      [revenue.vendorUpdated, { vendor_id: goneId, name: 'Acme Old', changed: ['archived_at'], archived: true }],
      [revenue.billReceived, { ...bill, issue_date: '2026-11-01', due_date: null, category: null }],
      [revenue.billSubmitted, { ...bill, rule_name: 'Large', steps: 1, submitted_by: null }],
      [revenue.billApproved, { ...bill, approver_ids: [], automatic: false }],
    ];
    for (const [contract, payload] of events) {
      const event: EventEnvelope = {
        id: uuidv7(),
        tenant_id: tenantId,
        type: contract.type,
        version: contract.version,
        payload: contract.payload.parse(payload),
        actor_id: null,
        aggregate_type: contract.aggregateType,
        aggregate_id: uuidv7(),
        occurred_at: new Date().toISOString(),
        correlation_id: 'bills',
        causation_id: null,
      };
      await withTenant(testDb.db, { tenantId }, (trx) => indexDocuments.handle(event, handlerContext(trx, tenantId, 'bills', event.id)));
    }
    const caller = createCaller(testContext({ db: testDb.db, session: searchSession({ userId: uuidv7(), tenantId, role: 'viewer' }), modules }));
    const result = await caller.query({ q: 'acme', limit: 20 });
    const byType = Object.fromEntries(result.groups.map((group) => [group.type, group.hits.map((hit) => [hit.id, hit.title, hit.subtitle, hit.clientId])]));
    expect(byType).toEqual({
      vendor: [[vendorId, 'Acme Supplies', 'Vendor', null]],
      bill: [[billId, 'Bill INV-7 from Acme Supplies', 'Bill, approved', null]],
    });
  });
});
