import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createCallerFactory,
  createLogger,
  defineAction,
  findUndeclaredProcedures,
  listProcedures,
  sql,
  uuidv7,
  withTenant,
  type EventEnvelope,
  type PgBoss,
} from '@ubos/platform';
import { createTestDatabase, testContext, testRuntime, testSession, type TestDatabase } from '@ubos/platform/testing';
import { PermissionCatalog, PgBoss as Boss, QUEUE_SCHEMA, type DomainModule, type DomainRuntime } from '@ubos/platform';
import { CRON_QUEUE, createWorkflowEngine, type WorkflowEngine } from '../src/engine.ts';
import { workflowTrigger } from '../src/handlers.ts';
import { workflowModule } from '../src/module.ts';
import { workflowRouter } from '../src/router.ts';
import {
  count,
  createFixtureTables,
  createFromTemplate,
  createTask,
  fixtureModule,
  handlerContext,
  recordAction,
  testBoss,
  testEvent,
  waitFor,
  waitForRun,
} from './helpers.ts';

const log = createLogger({ level: 'silent' });
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
const createCaller = createCallerFactory(workflowRouter);

let testDb: TestDatabase;
let boss: PgBoss;
let engine: WorkflowEngine;
let modules: DomainModule[];
let runtime: DomainRuntime;

beforeAll(async () => {
  testDb = await createTestDatabase();
  await createFixtureTables(testDb.adminUrl);
  // The API and the engine share the host's registry, as in apps/api.
  modules = [workflowModule, fixtureModule([createFromTemplate, createTask, recordAction(testDb.db), badOutput])];
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

function callerFor(tenantId: string, role: 'owner' | 'viewer' = 'owner') {
  const userId = uuidv7();
  return { userId, caller: createCaller(testContext({ db: testDb.db, session: testSession({ userId, tenantId, role, modules }), runtime })) };
}

/** Delivers an event to the `workflow.trigger` subscription the way the event backbone does: in a tenant transaction. */
async function deliver(event: EventEnvelope): Promise<void> {
  await withTenant(testDb.db, { tenantId: event.tenant_id }, (trx) => workflowTrigger.handle(event, handlerContext(trx, event)));
}

async function runsForEvent(tenantId: string, eventId: string): Promise<{ id: string; status: string; definition_version: number }[]> {
  return withTenant(testDb.db, { tenantId }, async (trx) => {
    const rows = await sql<{ id: string; status: string; definition_version: number }>`
      SELECT id, status, definition_version FROM workflow.runs WHERE trigger_event_id = ${eventId}`.execute(trx);
    return rows.rows;
  });
}

async function outboxTypes(tenantId: string, aggregateId: string): Promise<string[]> {
  return withTenant(testDb.db, { tenantId }, async (trx) => {
    const rows = await sql<{ type: string }>`SELECT type FROM platform.outbox WHERE aggregate_id = ${aggregateId} ORDER BY position`.execute(trx);
    return rows.rows.map((row) => row.type);
  });
}

const projectTemplateId = '0190a0a0-0000-7000-8000-00000000abcd';

/** A crm.deal.won payload as the crm domain publishes it (deal snapshot). */
function dealWonEvent(tenantId: string, overrides: Record<string, unknown> = {}): EventEnvelope {
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
    custom_fields: { project_template_id: projectTemplateId },
    reason: null,
    ...overrides,
  });
}

function recordSteps(steps: { key: string; input?: Record<string, unknown>; retry?: Record<string, unknown>; action?: string }[]) {
  return steps.map((step) => ({ key: step.key, action: step.action ?? 'test.record', input: step.input ?? { step: step.key }, ...(step.retry ? { retry: step.retry } : {}) }));
}

describe('deal won → project from template + kickoff task (built-in example)', () => {
  it('installs the template enabled and runs it end to end', async () => {
    const tenantId = uuidv7();
    const { caller } = callerFor(tenantId);
    const installed = await caller.templates.install({ key: 'deal-won-project' });
    expect(installed).toMatchObject({ enabled: true, missingActions: [], templateKey: 'deal-won-project', version: 1 });

    const event = dealWonEvent(tenantId);
    await deliver(event);
    const [run] = await runsForEvent(tenantId, event.id);
    expect(run).toBeDefined();
    await waitForRun(testDb.db, tenantId, run!.id, ['succeeded', 'failed']);

    const detail = await caller.runs.get({ id: run!.id });
    expect(detail.status).toBe('succeeded');
    expect(detail.steps.map((step) => [step.key, step.status, step.attempts])).toEqual([
      ['create_project', 'succeeded', 1],
      ['kickoff_task', 'succeeded', 1],
    ]);
    const projectId = (detail.steps[0]?.output as { project_id: string }).project_id;
    const ownerId = (event.payload as { owner_id: string }).owner_id;
    expect(detail.steps[1]?.input).toEqual({ projectId, title: 'Kickoff: Website relaunch', assigneeId: ownerId });

    const project = await withTenant(testDb.db, { tenantId }, (trx) =>
      sql<{ id: string; name: string; template_id: string; idempotency_key: string }>`SELECT id, name, template_id, idempotency_key FROM wftest.projects`.execute(trx),
    );
    expect(project.rows).toEqual([{ id: projectId, name: 'Website relaunch', template_id: projectTemplateId, idempotency_key: `${run!.id}:create_project` }]);
    const tasks = await withTenant(testDb.db, { tenantId }, (trx) =>
      sql<{ project_id: string; title: string; assignee_id: string }>`SELECT project_id, title, assignee_id FROM wftest.tasks`.execute(trx),
    );
    expect(tasks.rows).toEqual([{ project_id: projectId, title: 'Kickoff: Website relaunch', assignee_id: ownerId }]);
    expect(await outboxTypes(tenantId, run!.id)).toEqual(['workflow.run.started', 'workflow.run.completed']);
  });

  it('handles the same trigger event delivered 5 times as one run and one project', async () => {
    const tenantId = uuidv7();
    const { caller } = callerFor(tenantId);
    await caller.templates.install({ key: 'deal-won-project' });
    const event = dealWonEvent(tenantId);
    // Concurrent and repeated deliveries, through the subscription and the engine's own entry point.
    await Promise.all([deliver(event), deliver(event), deliver(event)]);
    await deliver(event);
    await engine.handleEvent(event);
    const runs = await runsForEvent(tenantId, event.id);
    expect(runs).toHaveLength(1);
    await waitForRun(testDb.db, tenantId, runs[0]!.id, ['succeeded']);
    // Replaying the step jobs changes nothing either.
    expect(await engine.runStep({ tenantId, runId: runs[0]!.id, stepIndex: 0 })).toBe('stale');
    expect(await count(testDb.db, tenantId, 'wftest.projects')).toBe(1);
    expect(await count(testDb.db, tenantId, 'wftest.tasks')).toBe(1);
    expect(await count(testDb.db, tenantId, 'workflow.runs')).toBe(1);
  });

  it('ignores events that do not match the trigger conditions and disabled definitions', async () => {
    const tenantId = uuidv7();
    const { caller } = callerFor(tenantId);
    const definition = await caller.definitions.create({
      spec: {
        name: 'Big deals only',
        trigger: { event: 'crm.deal.won', conditions: { path: 'event.payload.amount', op: 'gte', value: 10_000 } },
        steps: recordSteps([{ key: 'one' }]),
      },
    });
    await deliver(dealWonEvent(tenantId, { amount: 50 }));
    expect(await count(testDb.db, tenantId, 'workflow.runs')).toBe(0);
    await caller.definitions.disable({ id: definition.id });
    await deliver(dealWonEvent(tenantId, { amount: 50_000 }));
    expect(await count(testDb.db, tenantId, 'workflow.runs')).toBe(0);
    await caller.definitions.enable({ id: definition.id });
    const event = dealWonEvent(tenantId, { amount: 50_000 });
    await deliver(event);
    expect(await runsForEvent(tenantId, event.id)).toHaveLength(1);
  });
});

describe('failures, retries, cancel and compensation', () => {
  it('retries a failing step per its policy with backoff and then succeeds', async () => {
    const tenantId = uuidv7();
    const { caller } = callerFor(tenantId);
    await caller.definitions.create({
      spec: {
        name: 'Flaky',
        trigger: { event: 'test.flaky.happened' },
        steps: recordSteps([{ key: 'flaky', input: { step: 'flaky', failTimes: 2 }, retry: { maxAttempts: 3, backoff: 'exponential', delayMs: 50 } }]),
      },
    });
    const event = testEvent(tenantId, 'test.flaky.happened', {});
    await deliver(event);
    const [run] = await runsForEvent(tenantId, event.id);
    await waitForRun(testDb.db, tenantId, run!.id, ['succeeded', 'failed']);
    const detail = await caller.runs.get({ id: run!.id });
    expect(detail.status).toBe('succeeded');
    expect(detail.steps[0]).toMatchObject({ status: 'succeeded', attempts: 3, error: null });
    expect(await count(testDb.db, tenantId, 'wftest.entities')).toBe(1);
  });

  it('fails the run with its error after the last attempt; an operator retries from the failed step', async () => {
    const tenantId = uuidv7();
    const { caller } = callerFor(tenantId);
    await caller.definitions.create({
      spec: {
        name: 'Fails once',
        trigger: { event: 'test.failing.happened' },
        retry: { maxAttempts: 1 },
        steps: recordSteps([{ key: 'first' }, { key: 'second', input: { step: 'second', failTimes: 1 } }, { key: 'third' }]),
      },
    });
    const event = testEvent(tenantId, 'test.failing.happened', {});
    await deliver(event);
    const [run] = await runsForEvent(tenantId, event.id);
    await waitForRun(testDb.db, tenantId, run!.id, ['failed', 'succeeded']);
    const failed = await caller.runs.get({ id: run!.id });
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ stepKey: 'second', message: 'planned failure 1 of 1', attempt: 1 });
    expect(failed.steps.map((step) => step.status)).toEqual(['succeeded', 'failed', 'pending']);
    expect(await outboxTypes(tenantId, run!.id)).toEqual(['workflow.run.started', 'workflow.run.failed']);
    const failedList = await caller.runs.list({ status: 'failed' });
    expect(failedList.items.map((item) => item.id)).toEqual([run!.id]);

    await caller.runs.retry({ id: run!.id });
    await waitForRun(testDb.db, tenantId, run!.id, ['succeeded', 'failed']);
    const retried = await caller.runs.get({ id: run!.id });
    expect(retried.status).toBe('succeeded');
    expect(retried.steps.map((step) => [step.status, step.attempts])).toEqual([
      ['succeeded', 1],
      ['succeeded', 1],
      ['succeeded', 1],
    ]);
    // The first step did not run again: one entity per step.
    const perStep = await withTenant(testDb.db, { tenantId }, (trx) =>
      sql<{ step: string; n: number }>`SELECT step, count(*)::int AS n FROM wftest.entities GROUP BY step ORDER BY step`.execute(trx),
    );
    expect(perStep.rows).toEqual([
      { step: 'first', n: 1 },
      { step: 'second', n: 1 },
      { step: 'third', n: 1 },
    ]);
    await expect(caller.runs.retry({ id: run!.id })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
  });

  it('cancels a waiting run; its queued step becomes a no-op', async () => {
    const tenantId = uuidv7();
    const { caller } = callerFor(tenantId);
    await caller.definitions.create({
      spec: {
        name: 'Waits',
        trigger: { event: 'test.waiting.happened' },
        steps: [
          { key: 'first', action: 'test.record', input: { step: 'first' } },
          { key: 'wait', action: 'core.wait', input: { seconds: 3600 } },
          { key: 'after', action: 'test.record', input: { step: 'after' } },
        ],
      },
    });
    const event = testEvent(tenantId, 'test.waiting.happened', {});
    await deliver(event);
    const [run] = await runsForEvent(tenantId, event.id);
    const waiting = await waitFor(async () => {
      const detail = await caller.runs.get({ id: run!.id });
      return detail.currentStep === 1 ? detail : null;
    });
    expect(waiting.steps[1]?.status).toBe('pending');
    const scheduled = Date.parse(waiting.steps[1]?.scheduledFor ?? '');
    expect(scheduled - Date.now()).toBeGreaterThan(3500_000);

    const cancelled = await caller.runs.cancel({ id: run!.id });
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.steps.map((step) => step.status)).toEqual(['succeeded', 'cancelled', 'cancelled']);
    expect(await engine.runStep({ tenantId, runId: run!.id, stepIndex: 1 })).toBe('stale');
    expect(await count(testDb.db, tenantId, 'wftest.entities')).toBe(1);
    await expect(caller.runs.cancel({ id: run!.id })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    expect(await outboxTypes(tenantId, run!.id)).toEqual(['workflow.run.started', 'workflow.run.cancelled']);
  });

  it('compensates completed steps in reverse order when the definition asks for it', async () => {
    const tenantId = uuidv7();
    const { caller } = callerFor(tenantId);
    await caller.definitions.create({
      spec: {
        name: 'Compensating',
        trigger: { event: 'crm.deal.won' },
        compensateOnFailure: true,
        retry: { maxAttempts: 1 },
        steps: [
          { key: 'project', action: 'projects.createFromTemplate', input: { templateId: projectTemplateId, clientId: '{{ event.payload.client_id }}', name: 'P' } },
          { key: 'boom', action: 'test.record', input: { step: 'boom', failTimes: 10 } },
        ],
      },
    });
    const event = dealWonEvent(tenantId);
    await deliver(event);
    const [run] = await runsForEvent(tenantId, event.id);
    await waitForRun(testDb.db, tenantId, run!.id, ['compensated', 'failed', 'succeeded']);
    const detail = await caller.runs.get({ id: run!.id });
    expect(detail.status).toBe('compensated');
    expect(detail.steps.map((step) => step.status)).toEqual(['compensated', 'failed']);
    expect(await count(testDb.db, tenantId, 'wftest.projects')).toBe(0);
  });

  it('fails at once, without retries, when the rendered input does not satisfy the action', async () => {
    const tenantId = uuidv7();
    const { caller } = callerFor(tenantId);
    await caller.definitions.create({
      spec: {
        name: 'Bad input at run time',
        trigger: { event: 'crm.deal.won' },
        steps: [{ key: 'project', action: 'projects.createFromTemplate', input: { templateId: projectTemplateId, clientId: '{{ event.payload.client_id }}', name: 'P' } }],
      },
    });
    const event = dealWonEvent(tenantId, { client_id: 'not-a-uuid' });
    await deliver(event);
    const [run] = await runsForEvent(tenantId, event.id);
    await waitForRun(testDb.db, tenantId, run!.id, ['failed', 'succeeded']);
    const detail = await caller.runs.get({ id: run!.id });
    expect(detail.steps[0]).toMatchObject({ status: 'failed', attempts: 1, input: { templateId: projectTemplateId, clientId: 'not-a-uuid', name: 'P' } });
    expect(detail.steps[0]?.error).toMatchObject({ permanent: true, issues: [{ path: ['clientId'] }] });
  });

  it('fails at once, without retries, when the action returns what its output schema refuses', async () => {
    const tenantId = uuidv7();
    const { caller } = callerFor(tenantId);
    await caller.definitions.create({
      spec: { name: 'Bad output', trigger: { event: 'test.badoutput.happened' }, steps: [{ key: 'bad', action: 'test.badOutput', input: {} }] },
    });
    const event = testEvent(tenantId, 'test.badoutput.happened', {});
    await deliver(event);
    const [run] = await runsForEvent(tenantId, event.id);
    await waitForRun(testDb.db, tenantId, run!.id, ['failed', 'succeeded']);
    const detail = await caller.runs.get({ id: run!.id });
    expect(detail.steps[0]).toMatchObject({ status: 'failed', attempts: 1 });
    expect(detail.steps[0]?.error).toMatchObject({ message: 'output of test.badOutput does not match its schema', permanent: true, issues: [{ path: ['count'] }] });
  });
});

describe('events', () => {
  it('writes version 2 payloads, snake_case, on aggregate type workflow.run', async () => {
    const tenantId = uuidv7();
    const { caller } = callerFor(tenantId);
    const definition = await caller.definitions.create({ spec: { name: 'Events', trigger: { event: 'test.events.happened' }, steps: recordSteps([{ key: 'one' }]) } });
    const event = testEvent(tenantId, 'test.events.happened', {});
    await deliver(event);
    const [run] = await runsForEvent(tenantId, event.id);
    await waitForRun(testDb.db, tenantId, run!.id, ['succeeded', 'failed']);
    const rows = await withTenant(testDb.db, { tenantId }, (trx) =>
      sql<{ type: string; version: number; aggregate_type: string; payload: Record<string, unknown>; correlation_id: string; causation_id: string | null }>`
        SELECT type, version, aggregate_type, payload, correlation_id, causation_id FROM platform.outbox WHERE aggregate_id = ${run!.id} ORDER BY position`.execute(trx),
    );
    expect(rows.rows).toEqual([
      {
        type: 'workflow.run.started',
        version: 2,
        aggregate_type: 'workflow.run',
        payload: { run_id: run!.id, definition_id: definition.id, definition_version: 1, trigger_event_id: event.id, trigger_event_type: 'test.events.happened' },
        correlation_id: event.correlation_id,
        causation_id: event.id,
      },
      {
        type: 'workflow.run.completed',
        version: 2,
        aggregate_type: 'workflow.run',
        payload: { run_id: run!.id, definition_id: definition.id, definition_version: 1, steps: 1 },
        correlation_id: event.correlation_id,
        causation_id: event.id,
      },
    ]);
  });
});

describe('storage', () => {
  it('forces row-level security on every workflow table', async () => {
    const tables = await sql<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean; has_tenant: boolean }>`
      SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
             EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND a.attnotnull) AS has_tenant
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'workflow' AND c.relkind = 'r' ORDER BY c.relname`.execute(testDb.db.kysely);
    expect(tables.rows.map((row) => row.relname)).toEqual(['definition_versions', 'definitions', 'notifications', 'run_steps', 'runs', 'schedules', 'step_wakeups']);
    for (const row of tables.rows) expect(row, row.relname).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true, has_tenant: true });
  });
});

describe('definitions API', () => {
  it('versions definitions: a run keeps the version it started with', async () => {
    const tenantId = uuidv7();
    const { caller } = callerFor(tenantId);
    const created = await caller.definitions.create({
      spec: {
        name: 'Versioned',
        trigger: { event: 'test.versioned.happened' },
        steps: [
          { key: 'first', action: 'test.record', input: { step: 'v1-first' } },
          { key: 'wait', action: 'core.wait', input: { seconds: 1 } },
          { key: 'last', action: 'test.record', input: { step: 'v1-last' } },
        ],
      },
    });
    const event = testEvent(tenantId, 'test.versioned.happened', {});
    await deliver(event);
    const updated = await caller.definitions.update({
      id: created.id,
      expectedVersion: 1,
      spec: {
        name: 'Versioned v2',
        trigger: { event: 'test.versioned.happened' },
        steps: [{ key: 'only', action: 'test.record', input: { step: 'v2-only' } }],
      },
    });
    expect(updated).toMatchObject({ version: 2, name: 'Versioned v2' });
    await expect(caller.definitions.update({ id: created.id, expectedVersion: 1, spec: updated.spec })).rejects.toMatchObject({ code: 'CONFLICT' });
    const [run] = await runsForEvent(tenantId, event.id);
    expect(run?.definition_version).toBe(1);
    await waitForRun(testDb.db, tenantId, run!.id, ['succeeded', 'failed']);
    const steps = await withTenant(testDb.db, { tenantId }, (trx) => sql<{ step: string }>`SELECT step FROM wftest.entities ORDER BY step`.execute(trx));
    expect(steps.rows.map((row) => row.step)).toEqual(['v1-first', 'v1-last']);
    const event2 = testEvent(tenantId, 'test.versioned.happened', {});
    await deliver(event2);
    const [run2] = await runsForEvent(tenantId, event2.id);
    expect(run2?.definition_version).toBe(2);
    const detail = await caller.definitions.get({ id: created.id });
    expect(detail.versions.map((v) => v.version)).toEqual([2, 1]);
    const listed = await caller.definitions.list();
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id: created.id, version: 2, name: 'Versioned v2', spec: { name: 'Versioned v2', steps: [{ key: 'only' }] } });
    expect(await outboxTypes(tenantId, created.id)).toEqual(['workflow.definition.created', 'workflow.definition.updated']);
  });

  it('refuses an invalid definition with one BAD_REQUEST listing each problem', async () => {
    const { caller } = callerFor(uuidv7());
    const error = await caller.definitions
      .create({
        spec: {
          name: 'Invalid',
          trigger: { event: 'crm.deal.won' },
          steps: [
            { key: 'a', action: 'projects.createTask', input: { projectId: '{{ steps.b.output.projectId }}' } },
            { key: 'b', action: 'crm.notRegistered', input: {} },
            { key: 'c', action: 'projects.createFromTemplate', input: { templateId: projectTemplateId, clientId: 'x', name: 'n' } },
          ],
        },
      })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'BAD_REQUEST' });
    const issues = (error as { cause: { issues: { path: (string | number)[] }[] } }).cause.issues.map((issue) => issue.path.join('.'));
    expect(issues).toEqual(expect.arrayContaining(['steps.0.input.projectId', 'steps.0.input.title', 'steps.1.action', 'steps.2.input.clientId']));
  });

  it('installs a template whose actions are missing disabled and says which it waits for', async () => {
    const tenantId = uuidv7();
    const { caller } = callerFor(tenantId);
    const templates = await caller.templates.list();
    expect(templates).toHaveLength(7);
    expect(templates.find((template) => template.key === 'deal-won-project')?.missingActions).toEqual([]);
    const installed = await caller.templates.install({ key: 'appointment-onboarding' });
    expect(installed.enabled).toBe(false);
    expect(installed.missingActions).toEqual(['crm.findOrCreateContact', 'crm.createClient', 'portal.inviteUser', 'files.createFolderFromTemplate']);
    await expect(caller.definitions.enable({ id: installed.id })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    await deliver(testEvent(tenantId, 'scheduling.appointment.booked', { attendee_email: 'a@b.c' }));
    expect(await count(testDb.db, tenantId, 'workflow.runs')).toBe(0);
  });

  it('dry-runs a saved definition without side effects', async () => {
    const tenantId = uuidv7();
    const { caller } = callerFor(tenantId);
    const installed = await caller.templates.install({ key: 'deal-won-project' });
    const event = dealWonEvent(tenantId);
    const result = await caller.definitions.dryRun({ definitionId: installed.id, event, stepOutputs: { create_project: { project_id: projectTemplateId } } });
    expect(result).toMatchObject({ valid: true, triggerMatched: true, eventTypeMatched: true, conditions: { matched: true, op: 'exists' } });
    expect(result.steps.map((step) => step.input)).toEqual([
      { templateId: projectTemplateId, clientId: (event.payload as { client_id: string }).client_id, name: 'Website relaunch' },
      { projectId: projectTemplateId, title: 'Kickoff: Website relaunch', assigneeId: (event.payload as { owner_id: string }).owner_id },
    ]);
    const withoutTemplate = await caller.definitions.dryRun({ definitionId: installed.id, event: { ...event, payload: { title: 'x' } } });
    expect(withoutTemplate.triggerMatched).toBe(false);
    expect(await count(testDb.db, tenantId, 'workflow.runs')).toBe(0);
    expect(await count(testDb.db, tenantId, 'wftest.projects')).toBe(0);
    await expect(caller.definitions.dryRun({ event })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('declares a permission on every procedure', () => {
    expect(findUndeclaredProcedures(workflowRouter, new PermissionCatalog([workflowModule]))).toEqual([]);
    const byPath = Object.fromEntries(listProcedures(workflowRouter).map((procedure) => [procedure.path, procedure.permission]));
    expect(byPath).toMatchObject({
      'definitions.create': 'workflow.definition.write',
      'definitions.dryRun': 'workflow.definition.read',
      'runs.list': 'workflow.run.read',
      'runs.retry': 'workflow.run.manage',
      'runs.cancel': 'workflow.run.manage',
      'templates.install': 'workflow.definition.write',
    });
  });

  it('guards procedures by permission and isolates tenants', async () => {
    const tenantId = uuidv7();
    const { caller: viewer } = callerFor(tenantId, 'viewer');
    await expect(viewer.templates.install({ key: 'deal-won-project' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(viewer.definitions.list()).resolves.toEqual([]);
    const { caller: owner } = callerFor(tenantId);
    const definition = await owner.definitions.create({ spec: { name: 'Mine', trigger: { event: 'test.mine.happened' }, steps: recordSteps([{ key: 'x' }]) } });
    const { caller: stranger } = callerFor(uuidv7());
    await expect(stranger.definitions.get({ id: definition.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('lists runs by definition with keyset pagination', async () => {
    const tenantId = uuidv7();
    const { caller } = callerFor(tenantId);
    const definition = await caller.definitions.create({
      spec: { name: 'Paged', trigger: { event: 'test.paged.happened' }, steps: [{ key: 'wait', action: 'core.wait', input: { seconds: 3600 } }] },
    });
    for (let index = 0; index < 5; index += 1) await deliver(testEvent(tenantId, 'test.paged.happened', { index }));
    const first = await caller.runs.list({ definitionId: definition.id, limit: 2 });
    expect(first.items).toHaveLength(2);
    const second = await caller.runs.list({ definitionId: definition.id, limit: 2, cursor: first.nextCursor ?? undefined });
    const third = await caller.runs.list({ definitionId: definition.id, limit: 2, cursor: second.nextCursor ?? undefined });
    expect(third.nextCursor).toBeNull();
    const ids = [...first.items, ...second.items, ...third.items].map((run) => run.id);
    expect(new Set(ids).size).toBe(5);
    expect(ids).toEqual([...ids].sort().reverse());
    const none = await caller.runs.list({ definitionId: definition.id, from: new Date(Date.now() + 60_000).toISOString() });
    expect(none.items).toEqual([]);
  });

  it('core.notify writes a notification record for a user', async () => {
    const tenantId = uuidv7();
    const { caller, userId } = callerFor(tenantId);
    await caller.definitions.create({
      spec: {
        name: 'Notify',
        trigger: { event: 'test.notify.happened' },
        steps: [{ key: 'tell', action: 'core.notify', input: { userId, title: 'Hello {{ event.payload.name }}' } }],
      },
    });
    const event = testEvent(tenantId, 'test.notify.happened', { name: 'Ada' });
    await deliver(event);
    const [run] = await runsForEvent(tenantId, event.id);
    await waitForRun(testDb.db, tenantId, run!.id, ['succeeded', 'failed']);
    const rows = await withTenant(testDb.db, { tenantId }, (trx) =>
      sql<{ user_id: string; title: string; run_id: string }>`SELECT user_id, title, run_id FROM workflow.notifications`.execute(trx),
    );
    expect(rows.rows).toEqual([{ user_id: userId, title: 'Hello Ada', run_id: run!.id }]);
  });
});

describe('scheduled (cron) triggers', () => {
  it('mirrors enabled scheduled definitions into pg-boss schedules; one run per occurrence', async () => {
    const tenantId = uuidv7();
    const { caller } = callerFor(tenantId);
    const definition = await caller.definitions.create({
      spec: {
        name: 'Weekly digest',
        trigger: { schedule: { cron: '0 9 * * 1', timezone: 'Europe/Berlin' } },
        steps: [{ key: 'digest', action: 'test.record', input: { step: 'digest' } }],
      },
    });
    expect(definition.triggerEvent).toBe('schedule');
    await engine.syncSchedules();
    const schedules = await boss.getSchedules(CRON_QUEUE, definition.id);
    expect(schedules.map((schedule) => [schedule.cron, schedule.timezone])).toEqual([['0 9 * * 1', 'Europe/Berlin']]);

    const occurrenceId = uuidv7();
    const runId = await engine.fireSchedule({ tenantId, definitionId: definition.id, occurrenceId });
    expect(runId).not.toBeNull();
    expect(await engine.fireSchedule({ tenantId, definitionId: definition.id, occurrenceId })).toBeNull();
    await waitForRun(testDb.db, tenantId, runId!, ['succeeded']);
    const detail = await caller.runs.get({ id: runId! });
    expect(detail).toMatchObject({ triggerEventType: 'workflow.schedule.fired', triggerEventId: occurrenceId });
    // The synthetic trigger event is snake_case like every payload (version 2).
    expect(detail.triggerEvent).toMatchObject({ version: 2, aggregate_type: 'workflow.definition', payload: { definition_id: definition.id, cron: '0 9 * * 1' } });
    expect(typeof (detail.triggerEvent as { payload: { fired_at?: unknown } }).payload.fired_at).toBe('string');

    await caller.definitions.disable({ id: definition.id });
    await engine.syncSchedules();
    expect(await boss.getSchedules(CRON_QUEUE, definition.id)).toEqual([]);
    expect(await engine.fireSchedule({ tenantId, definitionId: definition.id, occurrenceId: uuidv7() })).toBeNull();
  });

  it('fires from a real pg-boss cron pass', async () => {
    const tenantId = uuidv7();
    const { caller } = callerFor(tenantId);
    const definition = await caller.definitions.create({
      spec: { name: 'Every second', trigger: { schedule: { cron: '* * * * * *' } }, steps: [{ key: 'tick', action: 'test.record', input: { step: 'tick' } }] },
    });
    await engine.syncSchedules();
    const clock = new Boss({
      connectionString: testDb.appUrl,
      schema: QUEUE_SCHEMA,
      migrate: false,
      createSchema: false,
      supervise: false,
      schedule: true,
      cronMonitorIntervalSeconds: 1,
      cronWorkerIntervalSeconds: 1,
    });
    clock.on('error', () => undefined);
    await clock.start();
    try {
      await waitFor(async () => (await count(testDb.db, tenantId, 'wftest.entities')) > 0, 30_000);
    } finally {
      await caller.definitions.disable({ id: definition.id });
      await engine.syncSchedules();
      await clock.stop({ graceful: false, close: true });
    }
    const runs = await caller.runs.list({ definitionId: definition.id });
    expect(runs.items.length).toBeGreaterThan(0);
    expect(runs.items.every((run) => run.triggerEventType === 'workflow.schedule.fired')).toBe(true);
  });

  it('rejects a bad schedule on save', async () => {
    const { caller } = callerFor(uuidv7());
    const error = await caller.definitions
      .create({
        spec: {
          name: 'Bad',
          trigger: { event: 'crm.deal.won', schedule: { cron: 'every day', timezone: 'Mars/Olympus' } },
          steps: [{ key: 'x', action: 'test.record', input: { step: 'x' } }],
        },
      })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'BAD_REQUEST' });
    const issues = (error as { cause: { issues: { path: (string | number)[] }[] } }).cause.issues.map((issue) => issue.path.join('.'));
    expect(issues).toEqual(expect.arrayContaining(['trigger.schedule.cron', 'trigger.schedule.timezone']));
  });
});
