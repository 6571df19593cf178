import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createBoss,
  createCallerFactory,
  createLogger,
  defineEvent,
  eventsAdminRouter,
  listProcedures,
  metricsRegistry,
  platformModule,
  pruneOutbox,
  router,
  sql,
  startEventBackbone,
  uuidv7,
  withTenant,
  writeEvent,
  type EventBackbone,
  type PgBoss,
  type Subscription,
  type Upcaster,
  type Transaction,
  type UntypedDB,
} from '../src/index.ts';
import { createTestDatabase, testContext, testSession, type TestDatabase, waitFor } from '../src/testing/index.ts';

const itemCreated = defineEvent({ type: 'test.item.created', version: 1, aggregateType: 'item', payload: z.object({ name: z.string() }) });
const itemRenamedV1 = defineEvent({ type: 'test.item.renamed', version: 1, aggregateType: 'item', payload: z.object({ name: z.string() }) });
const flakyHappened = defineEvent({ type: 'test.flaky.happened', version: 1, aggregateType: 'flaky', payload: z.object({ n: z.number() }) });
const orderPlaced = defineEvent({ type: 'test.order.placed', version: 1, aggregateType: 'order', payload: z.object({ orderId: z.string() }) });
const stepDone = defineEvent({ type: 'test.step.done', version: 1, aggregateType: 'process', payload: z.object({ n: z.number() }) });
const mixedDone = defineEvent({ type: 'test.mixed.done', version: 1, aggregateType: 'mixed', payload: z.object({ n: z.number() }) });
const poisonDone = defineEvent({ type: 'test.poison.done', version: 1, aggregateType: 'process', payload: z.object({ n: z.number() }) });
const strictHappened = defineEvent({ type: 'test.strict.happened', version: 1, aggregateType: 'strict', payload: z.object({ n: z.number() }) });
const orderConfirmed = defineEvent({ type: 'test.order.confirmed', version: 1, aggregateType: 'order', payload: z.object({ orderId: z.string() }) });
const meteredFailed = defineEvent({ type: 'test.metered.failed', version: 1, aggregateType: 'metered', payload: z.object({ n: z.number() }) });

// Every wait below is on a condition, so a generous budget costs nothing when the condition
// holds early: a busy 2-core machine (the whole suite in parallel, other builds) stretches a
// delivery from milliseconds to many seconds, and a budget sized for an idle machine turns
// that into a failure. Each test's vitest timeout covers the budgets of all its waits.
const WAIT = 60_000;
const budget = (waits: number) => ({ timeout: waits * WAIT + 30_000 });

let testDb: TestDatabase;
let adminClient: pg.Client;
let boss: PgBoss;
let backbone: EventBackbone;

let flakyBroken = true;
const orderedSeen: number[] = [];
let orderedActive = 0;
let orderedMaxActive = 0;
let poisonBroken = true;
const poisonSeen: number[] = [];
const mixedCalls = new Map<number, number>();
const flakyAttempts = new Map<string, number[]>();
const strictAttempts: string[] = [];
const strictDeadLetters: { eventId: string; name: string; attempts: number }[] = [];
const flakyDeadLetterCalls: { eventId: string; message: string; attempts: number }[] = [];

async function admin<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  return (await adminClient.query<T>(text, values)).rows;
}

/** No job of the queue is waiting, due for a retry or running: everything sent to it has settled. */
const queueDrained = (queue: string) => async () =>
  (await admin<{ n: number }>(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state < 'completed'`, [queue]))[0]?.n === 0;

/** The current value of each series in the registry's exposition text (0 for a series not exposed yet). */
async function seriesValues<K extends string>(series: Record<K, string>): Promise<Record<K, number>> {
  const lines = (await metricsRegistry.metrics()).split('\n');
  const entries = (Object.keys(series) as K[]).map((key) => {
    const line = lines.find((candidate) => candidate.startsWith(`${series[key]} `));
    return [key, line ? Number(line.slice(series[key].length + 1)) : 0] as const;
  });
  return Object.fromEntries(entries) as Record<K, number>;
}

async function applied(eventId: string): Promise<{ times: number; version: number; payload: Record<string, unknown> } | undefined> {
  const [row] = await admin<{ times: number; version: number; payload: Record<string, unknown> }>(
    'SELECT times, version, payload FROM public.ev_applied WHERE event_id = $1',
    [eventId],
  );
  return row;
}

const record = async (
  event: { id: string; type: string; version: number; payload: Record<string, unknown> },
  trx: Transaction<UntypedDB>,
  subscription: string,
) => {
  await sql`
    INSERT INTO public.ev_applied (event_id, subscription, type, version, payload, times)
    VALUES (${event.id}, ${subscription}, ${event.type}, ${event.version}, ${JSON.stringify(event.payload)}::jsonb, 1)
    ON CONFLICT (event_id) DO UPDATE SET times = ev_applied.times + 1`.execute(trx);
};

const subscriptions: Subscription[] = [
  {
    name: 'test.counter',
    events: ['test.item.created', 'test.item.renamed'],
    async handle(event, ctx) {
      await record(event, ctx.db<UntypedDB>(), 'test.counter');
    },
  },
  {
    name: 'test.flaky',
    events: ['test.flaky.happened'],
    retryLimit: 3,
    retryDelaySeconds: 1,
    async handle(event, ctx) {
      const attempts = flakyAttempts.get(event.id) ?? [];
      attempts.push(Date.now());
      flakyAttempts.set(event.id, attempts);
      if (flakyBroken) throw new Error('downstream is broken');
      await record(event, ctx.db<UntypedDB>(), 'test.flaky');
    },
    async onDeadLetter(event, failure, ctx) {
      flakyDeadLetterCalls.push({ eventId: event.id, ...failure });
      // Runs in the event's tenant transaction: what it writes commits.
      await sql`INSERT INTO public.ev_chain (event_id, correlation_id, causation_id)
                VALUES (${event.id}, ${'dead-letter'}, ${ctx.tenantId})`.execute(ctx.db<UntypedDB>());
    },
  },
  {
    name: 'test.strict-handler',
    events: ['test.strict.happened'],
    retryLimit: 1,
    retryDelaySeconds: 1,
    async handle(event) {
      strictAttempts.push(event.id);
      // A handler's own validation failure is an ordinary failure: retried, then dead-lettered.
      z.object({ required: z.string() }).parse(event.payload);
    },
    async onDeadLetter(event, failure) {
      strictDeadLetters.push({ eventId: event.id, name: failure.name ?? '', attempts: failure.attempts });
    },
  },
  {
    name: 'test.ordered',
    events: ['test.step.done'],
    ordered: true,
    async handle(event) {
      orderedActive += 1;
      orderedMaxActive = Math.max(orderedMaxActive, orderedActive);
      await new Promise((resolve) => setTimeout(resolve, 2));
      orderedSeen.push(Number(event.payload.n));
      orderedActive -= 1;
    },
  },
  {
    name: 'test.ordered-poison',
    events: ['test.poison.done'],
    ordered: true,
    retryLimit: 0,
    async handle(event) {
      const n = Number(event.payload.n);
      if (n === 0 && poisonBroken) throw new Error('poison');
      poisonSeen.push(n);
    },
  },
  {
    name: 'test.mixed',
    events: ['test.mixed.done'],
    retryLimit: 0,
    batchSize: 20,
    concurrency: 1,
    async handle(event, ctx) {
      const n = Number(event.payload.n);
      mixedCalls.set(n, (mixedCalls.get(n) ?? 0) + 1);
      if (n === 2) throw new Error('bad apple');
      await record(event, ctx.db<UntypedDB>(), 'test.mixed');
    },
  },
  {
    name: 'test.confirm-order',
    events: ['test.order.placed'],
    async handle(event, ctx) {
      const orderId = String(event.payload.orderId);
      await ctx.emit(orderConfirmed, { orderId }, { aggregateId: orderId });
    },
  },
  {
    // Fails every attempt: the metrics test's own failures and dead letter.
    name: 'test.metered',
    events: ['test.metered.failed'],
    retryLimit: 1,
    retryDelaySeconds: 1,
    async handle() {
      throw new Error('metered failure');
    },
  },
  {
    name: 'test.order-sink',
    events: ['test.order.confirmed'],
    async handle(event, ctx) {
      await sql`INSERT INTO public.ev_chain (event_id, correlation_id, causation_id)
                VALUES (${event.id}, ${event.correlation_id}, ${event.causation_id})`.execute(ctx.db<UntypedDB>());
    },
  },
];

const renamedUpcaster: Upcaster = {
  type: 'test.item.renamed',
  fromVersion: 1,
  upcast: (payload) => ({ title: payload.name }),
};

beforeAll(async () => {
  testDb = await createTestDatabase();
  adminClient = new pg.Client({ connectionString: testDb.adminUrl });
  await adminClient.connect();
  await admin(`
    CREATE TABLE public.ev_applied (event_id uuid PRIMARY KEY, subscription text, type text, version int, payload jsonb, times int NOT NULL);
    CREATE TABLE public.ev_chain (event_id uuid PRIMARY KEY, correlation_id text, causation_id text);
    GRANT SELECT, INSERT, UPDATE ON public.ev_applied, public.ev_chain TO ubos_app`);
  boss = createBoss({ connectionString: testDb.appUrl, supervise: false, schedule: false });
  boss.on('error', () => undefined);
  await boss.start();
  backbone = await startEventBackbone({
    db: testDb.db,
    boss,
    modules: [{ subscriptions, upcasters: [renamedUpcaster] }],
    log: createLogger({ level: 'silent' }),
    workerPollIntervalSeconds: 0.5,
    dispatchPollIntervalMs: 500,
  });
});

afterAll(async () => {
  await backbone?.stop();
  await boss?.stop({ graceful: false });
  await adminClient?.end();
  await testDb?.drop();
});

const meta = (tenantId: string, correlationId = uuidv7()) => ({ tenantId, actorId: null, correlationId, aggregateId: uuidv7() });

describe('delivery', () => {
  it('a transaction that rolls back produces no event; a committed one is delivered to the handler', budget(1), async () => {
    const tenantId = uuidv7();
    let rolledBackId = '';
    await expect(
      withTenant(testDb.db, { tenantId }, async (trx) => {
        rolledBackId = (await writeEvent(trx, itemCreated, { name: 'ghost' }, meta(tenantId))).id;
        throw new Error('business rule failed after the event was written');
      }),
    ).rejects.toThrow('business rule failed');
    const committed = await withTenant(testDb.db, { tenantId }, (trx) => writeEvent(trx, itemCreated, { name: 'real' }, meta(tenantId)));

    await waitFor(async () => (await applied(committed.id)) !== undefined, WAIT, 'the committed event to be handled');
    await backbone.dispatcher?.flush();
    const outbox = await admin<{ id: string; dispatched: boolean }>(
      'SELECT id, dispatched_at IS NOT NULL AS dispatched FROM platform.outbox WHERE tenant_id = $1',
      [tenantId],
    );
    expect(outbox).toEqual([{ id: committed.id, dispatched: true }]);
    expect(await applied(rolledBackId)).toBeUndefined();
    expect(await applied(committed.id)).toMatchObject({ times: 1, payload: { name: 'real' } });
  });

  it('carries the correlation id of the first event to the events a handler emits (causation = that event)', budget(1), async () => {
    const tenantId = uuidv7();
    const correlationId = `req-${uuidv7()}`;
    const placed = await withTenant(testDb.db, { tenantId }, (trx) =>
      writeEvent(trx, orderPlaced, { orderId: 'o-1' }, { tenantId, actorId: null, correlationId, aggregateId: 'o-1' }),
    );
    await waitFor(async () => (await admin('SELECT 1 FROM public.ev_chain WHERE correlation_id = $1', [correlationId])).length > 0, WAIT, 'the chained event');
    const [chained] = await admin<{ event_id: string; correlation_id: string; causation_id: string }>(
      'SELECT event_id, correlation_id, causation_id FROM public.ev_chain WHERE correlation_id = $1',
      [correlationId],
    );
    expect(chained).toMatchObject({ correlation_id: correlationId, causation_id: placed.id });
    const [confirmedRow] = await admin<{ type: string; tenant_id: string; correlation_id: string; causation_id: string }>(
      'SELECT type, tenant_id, correlation_id, causation_id FROM platform.outbox WHERE id = $1',
      [chained?.event_id],
    );
    expect(confirmedRow).toEqual({ type: 'test.order.confirmed', tenant_id: tenantId, correlation_id: correlationId, causation_id: placed.id });
  });

  it('handles the events of one aggregate one at a time, oldest first, for an ordered subscription', budget(1), async () => {
    const tenantId = uuidv7();
    const total = 40;
    // Two transactions, so the events span more than one dispatch batch as well.
    for (const range of [
      [0, 25],
      [25, total],
    ] as const) {
      await withTenant(testDb.db, { tenantId }, async (trx) => {
        for (let n = range[0]; n < range[1]; n += 1) {
          await writeEvent(trx, stepDone, { n }, { tenantId, actorId: null, correlationId: 'ordered', aggregateId: 'process-1' });
        }
      });
    }
    await waitFor(async () => orderedSeen.length === total, WAIT, 'the ordered events');
    expect(orderedSeen).toEqual(Array.from({ length: total }, (_, n) => n));
    expect(orderedMaxActive).toBe(1);
  });

  it('upcasts an older event version before the handler sees it', budget(1), async () => {
    const tenantId = uuidv7();
    const old = await withTenant(testDb.db, { tenantId }, (trx) => writeEvent(trx, itemRenamedV1, { name: 'Legacy' }, meta(tenantId)));
    await waitFor(async () => (await applied(old.id)) !== undefined, WAIT, 'the v1 event');
    expect(await applied(old.id)).toMatchObject({ version: 2, payload: { title: 'Legacy' } });
  });

  it('configures each subscription queue with backoff, a dead-letter queue, NOTIFY and deletion of completed jobs', async () => {
    const queue = await boss.getQueue('test.flaky');
    expect(queue).toMatchObject({ retryLimit: 3, retryDelay: 1, retryBackoff: true, deadLetter: 'test.flaky.dead', notify: false, deleteAfterSeconds: 300 });
    expect(await boss.getQueue('test.flaky.dead')).not.toBeNull();
  });
});

// Typed view of what platformModule mounts at `events` (platformModule.router is an AnyRouter).
const adminRouter = router({ events: eventsAdminRouter });

it('mounts the admin procedures on the platform router with permission platform.events.admin', () => {
  const mounted = listProcedures(platformModule.router).filter((procedure) => procedure.path.startsWith('events.'));
  expect(mounted.map((procedure) => [procedure.path, procedure.permission]).sort()).toEqual([
    ['events.deadLetters.get', 'platform.events.admin'],
    ['events.deadLetters.list', 'platform.events.admin'],
    ['events.deadLetters.redrive', 'platform.events.admin'],
    ['events.deadLetters.redriveAll', 'platform.events.admin'],
    ['events.replay', 'platform.events.admin'],
  ]);
});

describe('retries, dead letters and redrive', () => {
  const callerFor = (tenantId: string, role: 'admin' | 'viewer' = 'admin') =>
    createCallerFactory(adminRouter)(
      testContext({ db: testDb.db, events: { boss, subscriptions: backbone.subscriptions }, session: testSession({ userId: uuidv7(), tenantId, role }) }),
    );

  it('backs off exponentially with jitter, dead-letters after the last attempt, and a redrive after the fix applies once', budget(3), async () => {
    const tenantId = uuidv7();
    const event = await withTenant(testDb.db, { tenantId }, (trx) => writeEvent(trx, flakyHappened, { n: 1 }, meta(tenantId)));
    const caller = callerFor(tenantId);

    await waitFor(async () => (await caller.events.deadLetters.list({})).items.length === 1, WAIT, 'the dead letter');
    const attempts = flakyAttempts.get(event.id) ?? [];
    expect(attempts).toHaveLength(4); // first attempt + retryLimit 3
    const gaps = attempts.slice(1).map((at, index) => (at - (attempts[index] ?? at)) / 1000);
    // pg-boss backoff: delay_k = retryDelay * 2^k * (1 + random()), so [1,2], [2,4], [4,8] s (+ poll).
    gaps.forEach((gap, k) => {
      expect(gap).toBeGreaterThanOrEqual(2 ** k * 0.95);
      expect(gap).toBeLessThanOrEqual(2 ** (k + 1) + 2);
    });
    expect(gaps[2]).toBeGreaterThan(gaps[0] ?? Infinity);
    // The subscription's onDeadLetter hook ran once, after the last attempt, in the tenant's transaction.
    expect(flakyDeadLetterCalls).toEqual([expect.objectContaining({ eventId: event.id, message: 'downstream is broken', attempts: 4 })]);
    const hookRow = await admin(`SELECT correlation_id, causation_id FROM public.ev_chain WHERE event_id = '${event.id}'`);
    expect(hookRow).toEqual([{ correlation_id: 'dead-letter', causation_id: tenantId }]);

    const { items } = await caller.events.deadLetters.list({});
    const letter = items[0];
    expect(letter).toMatchObject({ subscription: 'test.flaky', eventId: event.id, eventType: 'test.flaky.happened', attempts: 4 });
    expect(letter?.error?.message).toBe('downstream is broken');
    const detail = await caller.events.deadLetters.get({ id: letter?.id ?? '' });
    expect(detail.payload).toEqual({ n: 1 });

    // Another tenant's admin sees nothing and cannot redrive it; a viewer may not look at all.
    const stranger = callerFor(uuidv7());
    expect((await stranger.events.deadLetters.list({})).items).toEqual([]);
    await expect(stranger.events.deadLetters.redrive({ id: letter?.id ?? '' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(callerFor(tenantId, 'viewer').events.deadLetters.list({})).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await applied(event.id)).toBeUndefined();

    flakyBroken = false;
    expect(await caller.events.deadLetters.redrive({ id: letter?.id ?? '' })).toEqual({ redriven: 1 });
    await waitFor(async () => (await applied(event.id)) !== undefined, WAIT, 'the redriven event');
    expect((await caller.events.deadLetters.list({})).items).toEqual([]);
    // A second redrive finds nothing; the event stays applied once. Once the queue has settled
    // (however long that takes), any extra delivery a redrive had enqueued, delayed or not, has run.
    expect(await caller.events.deadLetters.redriveAll({})).toEqual({ redriven: 0 });
    const audited = await admin<{ payload: { redriven: number; dead_letter_ids: string[] | null } }>(
      `SELECT payload FROM platform.outbox WHERE tenant_id = $1 AND type = 'platform.events.dead_letters_redriven' ORDER BY id`,
      [tenantId],
    );
    expect(audited.map((row) => row.payload)).toEqual([
      { subscriptions: ['test.flaky'], dead_letter_ids: [letter?.id], redriven: 1 },
      { subscriptions: ['*'], dead_letter_ids: null, redriven: 0 },
    ]);
    await waitFor(queueDrained('test.flaky'), WAIT, 'the flaky queue to settle');
    expect(await applied(event.id)).toMatchObject({ times: 1 });
    expect(flakyAttempts.get(event.id)).toHaveLength(5);
  });
});

describe('handler validation errors', () => {
  it('dead-letters a job whose envelope does not parse at once, without running the handler', budget(1), async () => {
    const before = strictAttempts.length;
    const jobId = await boss.send('test.strict-handler', { garbage: true });
    await waitFor(
      async () => (await admin(`SELECT 1 FROM pgboss.job WHERE name = 'test.strict-handler.dead' AND data->>'garbage' = 'true'`)).length === 1,
      WAIT,
      'the dead-lettered garbage',
    );
    const [original] = await admin<{ state: string; retry_count: number }>(`SELECT state, retry_count FROM pgboss.job WHERE id = $1`, [jobId]);
    expect(original).toMatchObject({ state: 'failed', retry_count: 0 });
    expect(strictAttempts).toHaveLength(before);
    expect(strictDeadLetters).toEqual([]); // no onDeadLetter without a parsed envelope
  });

  it('retries a handler that throws a ZodError like any failure and runs onDeadLetter after the last attempt', budget(1), async () => {
    const tenantId = uuidv7();
    const event = await withTenant(testDb.db, { tenantId }, (trx) => writeEvent(trx, strictHappened, { n: 1 }, meta(tenantId)));
    await waitFor(async () => strictDeadLetters.length === 1, WAIT, 'the dead-lettered strict event');
    expect(strictAttempts.filter((id) => id === event.id)).toHaveLength(2);
    expect(strictDeadLetters).toEqual([{ eventId: event.id, name: 'ZodError', attempts: 2 }]);
  });
});

describe('batches', () => {
  it('handles a batch of one tenant in one transaction, and isolates a failing event from its neighbours', budget(2), async () => {
    const tenantId = uuidv7();
    const events = await withTenant(testDb.db, { tenantId }, async (trx) => {
      const written = [];
      for (let n = 0; n < 6; n += 1) written.push(await writeEvent(trx, mixedDone, { n }, meta(tenantId)));
      return written;
    });
    const caller = createCallerFactory(adminRouter)(
      testContext({
        db: testDb.db,
        events: { boss, subscriptions: backbone.subscriptions },
        session: testSession({ userId: uuidv7(), tenantId, role: 'admin' }),
      }),
    );
    await waitFor(async () => (await caller.events.deadLetters.list({ subscription: 'test.mixed' })).items.length === 1, WAIT, 'the bad event');
    const good = events.filter((_, n) => n !== 2);
    await waitFor(async () => (await Promise.all(good.map((event) => applied(event.id)))).every(Boolean), WAIT, 'the good events');
    for (const event of good) expect(await applied(event.id)).toMatchObject({ times: 1 });
    expect(await applied(events[2]?.id ?? '')).toBeUndefined();
    // The bad event ran in the shared attempt and once alone; nothing was applied twice.
    expect(mixedCalls.get(2)).toBeGreaterThanOrEqual(1);
  });
});

describe('ordered subscriptions and dead letters', () => {
  it('a dead-lettered event holds back its aggregate; after redrive it and its successors run in order', budget(3), async () => {
    const tenantId = uuidv7();
    await withTenant(testDb.db, { tenantId }, async (trx) => {
      for (let n = 0; n < 3; n += 1) {
        await writeEvent(trx, poisonDone, { n }, { tenantId, actorId: null, correlationId: 'poison', aggregateId: 'p-1' });
      }
      await writeEvent(trx, poisonDone, { n: 100 }, { tenantId, actorId: null, correlationId: 'poison', aggregateId: 'p-2' });
    });
    const caller = createCallerFactory(adminRouter)(
      testContext({
        db: testDb.db,
        events: { boss, subscriptions: backbone.subscriptions },
        session: testSession({ userId: uuidv7(), tenantId, role: 'admin' }),
      }),
    );
    await waitFor(
      async () => (await caller.events.deadLetters.list({ subscription: 'test.ordered-poison' })).items.length === 1,
      WAIT,
      'the poison dead letter',
    );
    await waitFor(async () => poisonSeen.includes(100), WAIT, 'the other aggregate');
    // An observation window, not a wait: p-1's later events must not run during it. (Load can
    // only make a wrong delivery later, never make a right one fail.)
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(poisonSeen).toEqual([100]); // p-1's later events wait behind the dead letter

    poisonBroken = false;
    expect(await caller.events.deadLetters.redriveAll({ subscription: 'test.ordered-poison' })).toEqual({ redriven: 1 });
    await waitFor(async () => poisonSeen.length === 4, WAIT, 'the held-back events');
    expect(poisonSeen).toEqual([100, 0, 1, 2]);
  });
});

describe('replay and retention', () => {
  it('replays one subscription from an event id; with reset the handler runs again, without it redeliveries are skipped', budget(4), async () => {
    const tenantId = uuidv7();
    const events = await withTenant(testDb.db, { tenantId }, async (trx) => [
      await writeEvent(trx, itemCreated, { name: 'a' }, meta(tenantId)),
      await writeEvent(trx, itemCreated, { name: 'b' }, meta(tenantId)),
      await writeEvent(trx, itemCreated, { name: 'c' }, meta(tenantId)),
    ]);
    const ids = events.map((event) => event.id);
    // In the order the events were written: uuid v7 ids made in the same millisecond need not sort that way.
    const timesOf = async () => {
      const rows = await admin<{ event_id: string; times: number }>('SELECT event_id, times FROM public.ev_applied WHERE event_id = ANY($1::uuid[])', [ids]);
      const byId = new Map(rows.map((row) => [row.event_id, row.times]));
      return ids.filter((id) => byId.has(id)).map((id) => byId.get(id));
    };
    await waitFor(async () => (await timesOf()).length === 3, WAIT, 'the three events');
    // Replay only once pg-boss has settled the first deliveries too, not just their handlers.
    await waitFor(queueDrained('test.counter'), WAIT, 'the first deliveries to settle');
    await backbone.dispatcher?.flush();

    const caller = createCallerFactory(adminRouter)(
      testContext({
        db: testDb.db,
        events: { boss, subscriptions: backbone.subscriptions },
        session: testSession({ userId: uuidv7(), tenantId, role: 'owner' }),
      }),
    );
    const fromSecond = await caller.events.replay({ subscription: 'test.counter', from: ids[1] ?? '' });
    expect(fromSecond).toEqual({ enqueued: 2, reset: 2 });
    // The replayed jobs are in the queue when replay returns: once it has settled they have run.
    await waitFor(queueDrained('test.counter'), WAIT, 'the replayed events');
    expect(await timesOf()).toEqual([1, 2, 2]);

    const noReset = await caller.events.replay({ subscription: 'test.counter', from: ids[0] ?? '', reset: false });
    expect(noReset).toEqual({ enqueued: 3, reset: 0 });
    await waitFor(queueDrained('test.counter'), WAIT, 'the no-reset replay to drain');
    expect(await timesOf()).toEqual([1, 2, 2]);
    await expect(caller.events.replay({ subscription: 'test.nope', from: ids[0] ?? '' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // Every replay is on the record (the timeline shows it), with who asked and what it did.
    const audited = await admin<{ payload: Record<string, unknown>; actor_id: string | null }>(
      `SELECT payload, actor_id FROM platform.outbox WHERE tenant_id = $1 AND type = 'platform.events.replayed' ORDER BY id`,
      [tenantId],
    );
    expect(audited.map((row) => row.payload)).toEqual([
      { subscription: 'test.counter', from: ids[1], reset: true, enqueued: 2, reset_count: 2 },
      { subscription: 'test.counter', from: ids[0], reset: false, enqueued: 3, reset_count: 0 },
    ]);
    expect(audited.every((row) => row.actor_id !== null)).toBe(true);
  });

  it('prunes dispatched outbox rows older than the retention window and keeps the rest', budget(1), async () => {
    const tenantId = uuidv7();
    const [old, recent] = await withTenant(testDb.db, { tenantId }, async (trx) => [
      await writeEvent(trx, itemCreated, { name: 'old' }, meta(tenantId)),
      await writeEvent(trx, itemCreated, { name: 'recent' }, meta(tenantId)),
    ]);
    await waitFor(async () => (await applied(recent?.id ?? '')) !== undefined, WAIT, 'dispatch');
    await backbone.dispatcher?.flush();
    await admin(`UPDATE platform.outbox SET occurred_at = now() - interval '40 days' WHERE id = $1`, [old?.id]);
    const pruned = await pruneOutbox(testDb.db, 30);
    expect(pruned.outbox).toBeGreaterThanOrEqual(1);
    const left = await admin<{ id: string }>('SELECT id FROM platform.outbox WHERE tenant_id = $1', [tenantId]);
    expect(left.map((row) => row.id)).toEqual([recent?.id]);
  });

  it('exposes the backbone metrics in the kernel registry', budget(2), async () => {
    // Counts what this test itself causes, so it holds whatever earlier tests did or left undone.
    const series = {
      written: 'ubos_events_written_total{type="test.item.created"}',
      writtenMetered: 'ubos_events_written_total{type="test.metered.failed"}',
      dispatched: 'ubos_events_dispatched_total',
      dispatchLag: 'ubos_event_dispatch_lag_seconds_count',
      replayEnqueued: 'ubos_event_jobs_enqueued_total{subscription="test.counter",source="replay"}',
      handled: 'ubos_events_handled_total{subscription="test.counter",outcome="handled"}',
      skipped: 'ubos_events_handled_total{subscription="test.counter",outcome="skipped"}',
      handlerDuration: 'ubos_event_handler_duration_seconds_count{subscription="test.counter"}',
      failed: 'ubos_events_failed_total{subscription="test.metered"}',
      deadLettered: 'ubos_events_dead_lettered_total{subscription="test.metered"}',
    };
    const before = await seriesValues(series);
    const increase = async () => {
      const now = await seriesValues(series);
      return Object.fromEntries(Object.entries(now).map(([key, value]) => [key, value - before[key as keyof typeof series]]));
    };
    const tenantId = uuidv7();
    const [created] = await withTenant(testDb.db, { tenantId }, async (trx) => [
      await writeEvent(trx, itemCreated, { name: 'metered' }, meta(tenantId)),
      await writeEvent(trx, meteredFailed, { n: 1 }, meta(tenantId)),
    ]);
    await waitFor(
      async () => {
        const counted = await increase();
        return (counted.handled ?? 0) >= 1 && (counted.deadLettered ?? 0) >= 1;
      },
      WAIT,
      'the handled and the dead-lettered event to be counted',
    );
    // A replay without reset redelivers the handled event, which is skipped.
    const caller = createCallerFactory(adminRouter)(
      testContext({
        db: testDb.db,
        events: { boss, subscriptions: backbone.subscriptions },
        session: testSession({ userId: uuidv7(), tenantId, role: 'owner' }),
      }),
    );
    expect(await caller.events.replay({ subscription: 'test.counter', from: created?.id ?? '', reset: false })).toEqual({ enqueued: 1, reset: 0 });
    await waitFor(async () => ((await increase()).skipped ?? 0) >= 1, WAIT, 'the skipped redelivery to be counted');
    // The replay's own audit event (platform.events.replayed) is dispatched like any other.
    await waitFor(async () => ((await increase()).dispatched ?? 0) >= 3, WAIT, 'the replay audit event to be dispatched');

    expect(await increase()).toEqual({
      written: 1,
      writtenMetered: 1,
      dispatched: 3,
      dispatchLag: 3,
      replayEnqueued: 1,
      handled: 1,
      skipped: 1,
      handlerDuration: 2, // the handled delivery and the skipped one
      failed: 2, // one per attempt: retryLimit 1
      deadLettered: 1,
    });
  });
});
