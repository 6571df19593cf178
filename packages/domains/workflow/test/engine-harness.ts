// The engine under test: a test database, pg-boss and a started workflow engine whose registry is
// the runtime the callers use (built from [workflowModule, the fixture module], as the host does),
// and the helpers the engine tests share. Each test file that calls useEngine() gets its own.
import { afterAll, beforeAll } from 'vitest';
import { z } from 'zod';
import {
  createCallerFactory,
  createLogger,
  defineAction,
  sql,
  uuidv7,
  withTenant,
  type DomainModule,
  type DomainRuntime,
  type EventEnvelope,
  type PgBoss,
} from '@ubos/platform';
import { createTestDatabase, testContext, testRuntime, testSession, type TestDatabase } from '@ubos/platform/testing';
import { createWorkflowEngine, type WorkflowEngine } from '../src/engine.ts';
import { workflowTrigger } from '../src/handlers.ts';
import { workflowModule } from '../src/module.ts';
import { workflowRouter } from '../src/router.ts';
import {
  awaitSignal,
  createFixtureTables,
  createFromTemplate,
  createTask,
  fixtureModule,
  handlerContext,
  recordAction,
  testBoss,
  testEvent,
} from './helpers.ts';

const log = createLogger({ level: 'silent' });
const createCaller = createCallerFactory(workflowRouter);

/** An action whose result its own output schema refuses. */
const badOutput = defineAction({
  name: 'test.badOutput',
  description: 'Returns a string where its output schema wants a number (test)',
  input: z.strictObject({}),
  output: z.object({ count: z.number() }),
  idempotent: false,
  // @ts-expect-error the point of the test: a result that does not fit the output schema
  async run() {
    return { count: 'many' };
  },
});

export interface EngineHarness {
  testDb: TestDatabase;
  boss: PgBoss;
  engine: WorkflowEngine;
  modules: DomainModule[];
  runtime: DomainRuntime;
  callerFor(tenantId: string, role?: 'owner' | 'viewer'): { userId: string; caller: ReturnType<typeof createCaller> };
  /** Delivers an event to the `workflow.trigger` subscription the way the event backbone does: in a tenant transaction. */
  deliver(event: EventEnvelope): Promise<void>;
  runsForEvent(tenantId: string, eventId: string): Promise<{ id: string; status: string; definition_version: number }[]>;
  outboxTypes(tenantId: string, aggregateId: string): Promise<string[]>;
}

/** Registers the beforeAll/afterAll of an engine test file; its fields are set once beforeAll ran. */
export function useEngine(): EngineHarness {
  let testDb!: TestDatabase;
  let boss!: PgBoss;
  let engine!: WorkflowEngine;
  let modules!: DomainModule[];
  let runtime!: DomainRuntime;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    await createFixtureTables(testDb.adminUrl);
    // The API and the engine share the host's registry, as in apps/api.
    modules = [workflowModule, fixtureModule([createFromTemplate, createTask, recordAction(testDb.db), badOutput, awaitSignal])];
    runtime = testRuntime(modules);
    boss = testBoss(testDb.appUrl);
    await boss.start();
    engine = createWorkflowEngine({ db: testDb.db, boss, registry: runtime.actions, log, concurrency: 4, pollIntervalMs: 200 });
    await engine.start();
  });

  afterAll(async () => {
    await engine?.stop();
    await boss?.stop({ graceful: false, close: true });
    await testDb?.drop();
  });

  return {
    get testDb() {
      return testDb;
    },
    get boss() {
      return boss;
    },
    get engine() {
      return engine;
    },
    get modules() {
      return modules;
    },
    get runtime() {
      return runtime;
    },
    callerFor(tenantId, role = 'owner') {
      const userId = uuidv7();
      return { userId, caller: createCaller(testContext({ db: testDb.db, session: testSession({ userId, tenantId, role, modules }), runtime })) };
    },
    async deliver(event) {
      await withTenant(testDb.db, { tenantId: event.tenant_id }, (trx) => workflowTrigger.handle(event, handlerContext(trx, event)));
    },
    async runsForEvent(tenantId, eventId) {
      return withTenant(testDb.db, { tenantId }, async (trx) => {
        const rows = await sql<{ id: string; status: string; definition_version: number }>`
          SELECT id, status, definition_version FROM workflow.runs WHERE trigger_event_id = ${eventId}`.execute(trx);
        return rows.rows;
      });
    },
    async outboxTypes(tenantId, aggregateId) {
      return withTenant(testDb.db, { tenantId }, async (trx) => {
        const rows = await sql<{ type: string }>`SELECT type FROM platform.outbox WHERE aggregate_id = ${aggregateId} ORDER BY position`.execute(trx);
        return rows.rows.map((row) => row.type);
      });
    },
  };
}

export const projectTemplateId = '0190a0a0-0000-7000-8000-00000000abcd';

/** A crm.deal.won payload as the crm domain publishes it (deal snapshot). */
export function dealWonEvent(tenantId: string, overrides: Record<string, unknown> = {}): EventEnvelope {
  return testEvent(tenantId, 'crm.deal.won', {
    deal_id: uuidv7(),
    client_id: uuidv7(),
    contact_id: null,
    pipeline_id: uuidv7(),
    stage_id: uuidv7(),
    stage_name: 'Won',
    title: 'Website relaunch',
    value_minor: 1_500_000,
    currency: 'EUR',
    expected_close: null,
    status: 'won',
    owner_id: uuidv7(),
    custom_fields: {},
    project_template_id: projectTemplateId,
    reason: null,
    ...overrides,
  });
}

export function recordSteps(steps: { key: string; input?: Record<string, unknown>; retry?: Record<string, unknown>; action?: string }[]) {
  return steps.map((step) => ({
    key: step.key,
    action: step.action ?? 'test.record',
    input: step.input ?? { step: step.key },
    ...(step.retry ? { retry: step.retry } : {}),
  }));
}
