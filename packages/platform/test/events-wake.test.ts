// Delivery must not wait for polls: the writer's NOTIFY wakes the dispatcher, the dispatcher
// wakes this process's workers of the queues it filled, and an ordered queue fetches an
// aggregate's next event as soon as the previous one completes. Every poll here is 30 s, so a
// delivery that fell back to polling would time these tests out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createBoss,
  createLogger,
  defineEvent,
  startEventBackbone,
  uuidv7,
  withTenant,
  writeEvent,
  type EventBackbone,
  type PgBoss,
  type Subscription,
} from '../src/index.ts';
import { createTestDatabase, type TestDatabase, waitFor } from '../src/testing/index.ts';

const pinged = defineEvent({ type: 'test.wake.pinged', version: 1, aggregateType: 'wake', payload: z.object({ n: z.number() }) });
const stepped = defineEvent({ type: 'test.wake.stepped', version: 1, aggregateType: 'wake', payload: z.object({ n: z.number() }) });

let testDb: TestDatabase;
let boss: PgBoss;
let backbone: EventBackbone;
const handledAt = new Map<string, number>();
const steps: number[] = [];

const subscriptions: Subscription[] = [
  {
    name: 'test.wake.plain',
    events: ['test.wake.pinged'],
    async handle(event) {
      handledAt.set(event.id, Date.now());
    },
  },
  {
    name: 'test.wake.ordered',
    events: ['test.wake.stepped'],
    ordered: true,
    async handle(event) {
      steps.push(Number(event.payload.n));
    },
  },
];

beforeAll(async () => {
  testDb = await createTestDatabase();
  boss = createBoss({ connectionString: testDb.appUrl, supervise: false, schedule: false });
  boss.on('error', () => undefined);
  await boss.start();
  backbone = await startEventBackbone({
    db: testDb.db,
    boss,
    modules: [{ subscriptions }],
    log: createLogger({ level: 'silent' }),
    workerPollIntervalSeconds: 30,
    dispatchPollIntervalMs: 30_000,
  });
  // Let the workers finish their first (empty) fetch and go to sleep on the 30 s poll.
  await new Promise((resolve) => setTimeout(resolve, 500));
});

afterAll(async () => {
  await backbone?.stop();
  await boss?.stop({ graceful: false });
  await testDb?.drop();
});

// The waits are on conditions with budgets a busy machine cannot exhaust, yet still well under
// the 30 s poll a fallback to polling would need for every event; the latency bound below is
// what this test asserts, and a poll fallback misses it by ~28 s.
describe('delivery without polling', () => {
  it('hands a committed event to its handler in well under a poll interval', { timeout: 150_000 }, async () => {
    const tenantId = uuidv7();
    for (let n = 0; n < 5; n += 1) {
      const committed = Date.now();
      const event = await withTenant(testDb.db, { tenantId }, (trx) =>
        writeEvent(trx, pinged, { n }, { tenantId, actorId: null, correlationId: 'wake', aggregateId: `a-${n}` }),
      );
      await waitFor(() => handledAt.has(event.id), 25_000, `event ${n}`);
      expect((handledAt.get(event.id) ?? Infinity) - committed).toBeLessThan(2_000);
      // A quiet gap, so the next event meets sleeping workers and a sleeping dispatcher again.
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  });

  it('runs an aggregate of an ordered subscription event after event without waiting for the poll', { timeout: 90_000 }, async () => {
    const tenantId = uuidv7();
    await withTenant(testDb.db, { tenantId }, async (trx) => {
      for (let n = 0; n < 20; n += 1) {
        await writeEvent(trx, stepped, { n }, { tenantId, actorId: null, correlationId: 'wake', aggregateId: 'one-aggregate' });
      }
    });
    // 20 events of one aggregate, one at a time: at one poll each this would take 10 minutes.
    await waitFor(() => steps.length === 20, 60_000, 'the ordered events');
    expect(steps).toEqual(Array.from({ length: 20 }, (_, n) => n));
  });
});
