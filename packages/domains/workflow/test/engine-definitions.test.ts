// The workflow API against a running engine: storage, definitions (versions, validation,
// templates, dry run, permissions, paging) and scheduled (cron) triggers.
import { describe, expect, it } from 'vitest';
import { findUndeclaredProcedures, listProcedures, PermissionCatalog, PgBoss as Boss, QUEUE_SCHEMA, sql, uuidv7, withTenant } from '@ubos/platform';
import { CRON_QUEUE } from '../src/engine.ts';
import { workflowModule } from '../src/module.ts';
import { workflowRouter } from '../src/router.ts';
import { dealWonEvent, projectTemplateId, recordSteps, useEngine } from './engine-harness.ts';
import { count, testEvent, waitFor, waitForRun } from './helpers.ts';

const h = useEngine();
const { callerFor, deliver, runsForEvent, outboxTypes } = h;

describe('storage', () => {
  it('forces row-level security on every workflow table', async () => {
    const tables = await sql<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean; has_tenant: boolean }>`
      SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
             EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND a.attnotnull) AS has_tenant
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'workflow' AND c.relkind = 'r' ORDER BY c.relname`.execute(h.testDb.db.kysely);
    expect(tables.rows.map((row) => row.relname)).toEqual([
      'definition_versions',
      'definitions',
      'notifications',
      'run_steps',
      'runs',
      'schedules',
      'step_waits',
      'step_wakeups',
    ]);
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
    await waitForRun(h.testDb.db, tenantId, run!.id, ['succeeded', 'failed']);
    const steps = await withTenant(h.testDb.db, { tenantId }, (trx) => sql<{ step: string }>`SELECT step FROM wftest.entities ORDER BY step`.execute(trx));
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
    expect(await count(h.testDb.db, tenantId, 'workflow.runs')).toBe(0);
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
    expect(await count(h.testDb.db, tenantId, 'workflow.runs')).toBe(0);
    expect(await count(h.testDb.db, tenantId, 'wftest.projects')).toBe(0);
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
    await waitForRun(h.testDb.db, tenantId, run!.id, ['succeeded', 'failed']);
    const rows = await withTenant(h.testDb.db, { tenantId }, (trx) =>
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
    await h.engine.syncSchedules();
    const schedules = await h.boss.getSchedules(CRON_QUEUE, definition.id);
    expect(schedules.map((schedule) => [schedule.cron, schedule.timezone])).toEqual([['0 9 * * 1', 'Europe/Berlin']]);

    const occurrenceId = uuidv7();
    const runId = await h.engine.fireSchedule({ tenantId, definitionId: definition.id, occurrenceId });
    expect(runId).not.toBeNull();
    expect(await h.engine.fireSchedule({ tenantId, definitionId: definition.id, occurrenceId })).toBeNull();
    await waitForRun(h.testDb.db, tenantId, runId!, ['succeeded']);
    const detail = await caller.runs.get({ id: runId! });
    expect(detail).toMatchObject({ triggerEventType: 'workflow.schedule.fired', triggerEventId: occurrenceId });
    // The synthetic trigger event is snake_case like every payload (version 2).
    expect(detail.triggerEvent).toMatchObject({
      version: 2,
      aggregate_type: 'workflow.definition',
      payload: { definition_id: definition.id, cron: '0 9 * * 1' },
    });
    expect(typeof (detail.triggerEvent as { payload: { fired_at?: unknown } }).payload.fired_at).toBe('string');

    await caller.definitions.disable({ id: definition.id });
    await h.engine.syncSchedules();
    expect(await h.boss.getSchedules(CRON_QUEUE, definition.id)).toEqual([]);
    expect(await h.engine.fireSchedule({ tenantId, definitionId: definition.id, occurrenceId: uuidv7() })).toBeNull();
  });

  it('fires from a real pg-boss cron pass', async () => {
    const tenantId = uuidv7();
    const { caller } = callerFor(tenantId);
    const definition = await caller.definitions.create({
      spec: { name: 'Every second', trigger: { schedule: { cron: '* * * * * *' } }, steps: [{ key: 'tick', action: 'test.record', input: { step: 'tick' } }] },
    });
    await h.engine.syncSchedules();
    const clock = new Boss({
      connectionString: h.testDb.appUrl,
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
      await waitFor(async () => (await count(h.testDb.db, tenantId, 'wftest.entities')) > 0, 30_000);
    } finally {
      await caller.definitions.disable({ id: definition.id });
      await h.engine.syncSchedules();
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
