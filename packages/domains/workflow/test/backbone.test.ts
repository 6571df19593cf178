// The workflow engine behind the real event backbone: outbox → dispatcher → pg-boss →
// `workflow.trigger` subscription → run → step jobs. No other domain is imported: the trigger
// event is written with a local contract of the same type.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createCallerFactory,
  createLogger,
  defineEvent,
  replayEvents,
  sql,
  startEventBackbone,
  uuidv7,
  withTenant,
  writeEvent,
  type EventBackbone,
  type PgBoss,
} from '@ubos/platform';
import { createTestDatabase, testContext, testRuntime, testSession, type TestDatabase } from '@ubos/platform/testing';
import { createWorkflowEngine, type WorkflowEngine } from '../src/engine.ts';
import { workflowTrigger } from '../src/handlers.ts';
import { workflowModule } from '../src/module.ts';
import { workflowRouter } from '../src/router.ts';
import { count, createFixtureTables, createFromTemplate, createTask, fixtureModule, testBoss, waitFor } from './helpers.ts';

const log = createLogger({ level: 'silent' });
const dealWon = defineEvent({
  type: 'crm.deal.won',
  version: 1,
  aggregateType: 'crm.deal',
  payload: z.object({
    deal_id: z.uuid(),
    client_id: z.uuid(),
    title: z.string(),
    owner_id: z.uuid().nullable(),
    custom_fields: z.record(z.string(), z.unknown()),
    project_template_id: z.uuid().nullable(),
  }),
});

let testDb: TestDatabase;
let boss: PgBoss;
let engine: WorkflowEngine;
let backbone: EventBackbone;
// The modules whose actions the deal-won template uses (test doubles of the projects actions).
const modules = [workflowModule, fixtureModule([createFromTemplate, createTask])];
const runtime = testRuntime(modules);

beforeAll(async () => {
  testDb = await createTestDatabase();
  await createFixtureTables(testDb.adminUrl);
  boss = testBoss(testDb.appUrl);
  await boss.start();
  engine = createWorkflowEngine({ db: testDb.db, boss, registry: runtime.actions, log });
  await engine.start();
  backbone = await startEventBackbone({ db: testDb.db, boss, modules: [workflowModule], log, dispatchPollIntervalMs: 200 });
});

afterAll(async () => {
  await backbone?.stop();
  await engine?.stop();
  await boss?.stop({ graceful: false, close: true });
  await testDb?.drop();
});

describe('behind the event backbone', () => {
  it('runs "deal won → project + kickoff task" from an outbox event, once however often it is delivered', async () => {
    const tenantId = uuidv7();
    const userId = uuidv7();
    const caller = createCallerFactory(workflowRouter)(
      testContext({ db: testDb.db, session: testSession({ userId, tenantId, role: 'owner', modules }), runtime }),
    );
    const installed = await caller.templates.install({ key: 'deal-won-project' });
    expect(installed.enabled).toBe(true);

    const dealId = uuidv7();
    const event = await withTenant(testDb.db, { tenantId }, (trx) =>
      writeEvent(
        trx,
        dealWon,
        { deal_id: dealId, client_id: uuidv7(), title: 'Brand refresh', owner_id: userId, custom_fields: {}, project_template_id: uuidv7() },
        { tenantId, actorId: userId, correlationId: uuidv7(), aggregateId: dealId },
      ),
    );
    const run = await waitFor(async () => {
      const page = await caller.runs.list({});
      const found = page.items[0];
      return found && found.status === 'succeeded' ? found : null;
    }, 30_000);
    expect(run.triggerEventId).toBe(event.id);

    // Four more deliveries of the same event: replay with reset makes the backbone hand it to the
    // subscription again (processed_events forgotten); the run's unique key absorbs them.
    for (let index = 0; index < 4; index += 1) {
      const replay = await replayEvents({ db: testDb.db, boss, subscription: workflowTrigger, from: event.id, tenantId, reset: true });
      // The deal event and every later event of the tenant (the run's own, which never trigger workflows).
      expect(replay.enqueued).toBeGreaterThanOrEqual(1);
      await waitFor(async () => {
        const handled = await withTenant(testDb.db, { tenantId }, (trx) =>
          sql<{
            n: number;
          }>`SELECT count(*)::int AS n FROM platform.processed_events WHERE subscription = 'workflow.trigger' AND event_id = ${event.id}`.execute(trx),
        );
        return (handled.rows[0]?.n ?? 0) === 1;
      }, 15_000);
    }
    expect(await count(testDb.db, tenantId, 'workflow.runs')).toBe(1);
    expect(await count(testDb.db, tenantId, 'wftest.projects')).toBe(1);
    expect(await count(testDb.db, tenantId, 'wftest.tasks')).toBe(1);
    const detail = await caller.runs.get({ id: run.id });
    expect(detail.steps.map((step) => [step.key, step.status, step.attempts])).toEqual([
      ['create_project', 'succeeded', 1],
      ['kickoff_task', 'succeeded', 1],
    ]);
    expect(detail.steps[1]?.input).toMatchObject({ title: 'Kickoff: Brand refresh', assigneeId: userId });
    // The run's own events went through the outbox (and so reach the timeline).
    const types = await withTenant(testDb.db, { tenantId }, (trx) =>
      sql<{ type: string }>`SELECT type FROM platform.outbox WHERE aggregate_id = ${run.id} ORDER BY position`.execute(trx),
    );
    expect(types.rows.map((row) => row.type)).toEqual(['workflow.run.started', 'workflow.run.completed']);
  });
});
