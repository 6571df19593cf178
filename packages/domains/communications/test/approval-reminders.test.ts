/** Revenue's approval reminders become notifications of the approvers named (through revenue's contract). */
import { createCallerFactory, createDomainContext, createLogger, uuidv7, withTenant, type EventEnvelope, type UntypedDB } from '@ubos/platform';
import { createTestDatabase, testContext, testSession, type TestDatabase } from '@ubos/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalReminderDue } from '../../revenue/src/contracts.ts';
import { remindApprovers } from '../src/handlers-approval-reminders.ts';
import { communicationsModule } from '../src/module.ts';
import { communicationsRouter } from '../src/router.ts';

const createCaller = createCallerFactory(communicationsRouter);
const log = createLogger({ level: 'silent' });
let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

function reminder(tenantId: string, userIds: string[]): EventEnvelope {
  const billId = uuidv7();
  return {
    id: uuidv7(),
    tenant_id: tenantId,
    type: approvalReminderDue.type,
    version: approvalReminderDue.version,
    payload: approvalReminderDue.payload.parse({
      request_id: uuidv7(),
      subject_kind: 'bill',
      subject_id: billId,
      step_position: 0,
      user_ids: userIds,
      role: null,
      title: 'Acme Supplies · bill INV-7 is waiting for your approval',
      link: `/bills/${billId}`,
    }),
    actor_id: null,
    aggregate_type: approvalReminderDue.aggregateType,
    aggregate_id: uuidv7(),
    occurred_at: new Date().toISOString(),
    correlation_id: 'test',
    causation_id: null,
  };
}

const handle = (event: EventEnvelope) =>
  withTenant<UntypedDB, void>(testDb.db, { tenantId: event.tenant_id }, (trx) =>
    remindApprovers.handle(event, createDomainContext({ trx, tenantId: event.tenant_id, actorId: null, correlationId: 'test', log })),
  );

describe('approval reminders', () => {
  it('notifies every approver named, once per reminder, with the link to the bill', async () => {
    const tenantId = uuidv7();
    const [first, second, bystander] = [uuidv7(), uuidv7(), uuidv7()].map((userId) => ({
      userId,
      caller: createCaller(
        testContext({
          db: testDb.db,
          session: testSession({ userId, tenantId, role: 'member', modules: [communicationsModule] }),
          modules: [communicationsModule],
        }),
      ),
    }));
    const event = reminder(tenantId, [first?.userId ?? '', second?.userId ?? '']);
    await handle(event);
    await handle(event);
    for (const who of [first, second]) {
      const page = await who?.caller.notifications.list({ limit: 20, unreadOnly: false });
      expect(page?.items.map((item) => [item.title, item.link])).toEqual([
        [(event.payload as { title: string }).title, (event.payload as { link: string }).link],
      ]);
    }
    expect((await bystander?.caller.notifications.list({ limit: 20, unreadOnly: false }))?.items).toEqual([]);
  });
});
