// The workflow engine end to end: runs from trigger to completion, failures, retries, cancel,
// compensation, and the events a run writes.
import { describe, expect, it } from 'vitest';
import { sql, uuidv7, withTenant } from '@ubos/platform';
import { dealWonEvent, projectTemplateId, recordSteps, useEngine } from './engine-harness.ts';
import { count, testEvent, waitFor, waitForRun } from './helpers.ts';

const h = useEngine();
const { callerFor, deliver, runsForEvent, outboxTypes } = h;

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
    await waitForRun(h.testDb.db, tenantId, run!.id, ['succeeded', 'failed']);

    const detail = await caller.runs.get({ id: run!.id });
    expect(detail.status).toBe('succeeded');
    expect(detail.steps.map((step) => [step.key, step.status, step.attempts])).toEqual([
      ['create_project', 'succeeded', 1],
      ['kickoff_task', 'succeeded', 1],
    ]);
    const projectId = (detail.steps[0]?.output as { project_id: string } | undefined)?.project_id;
    const ownerId = (event.payload as { owner_id: string }).owner_id;
    expect(detail.steps[1]?.input).toEqual({ projectId, title: 'Kickoff: Website relaunch', assigneeId: ownerId });

    const project = await withTenant(h.testDb.db, { tenantId }, (trx) =>
      sql<{
        id: string;
        name: string;
        template_id: string;
        idempotency_key: string;
      }>`SELECT id, name, template_id, idempotency_key FROM wftest.projects`.execute(trx),
    );
    expect(project.rows).toEqual([{ id: projectId, name: 'Website relaunch', template_id: projectTemplateId, idempotency_key: `${run!.id}:create_project` }]);
    const tasks = await withTenant(h.testDb.db, { tenantId }, (trx) =>
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
    await h.engine.handleEvent(event);
    const runs = await runsForEvent(tenantId, event.id);
    expect(runs).toHaveLength(1);
    await waitForRun(h.testDb.db, tenantId, runs[0]!.id, ['succeeded']);
    // Replaying the step jobs changes nothing either.
    expect(await h.engine.runStep({ tenantId, runId: runs[0]!.id, stepIndex: 0 })).toBe('stale');
    expect(await count(h.testDb.db, tenantId, 'wftest.projects')).toBe(1);
    expect(await count(h.testDb.db, tenantId, 'wftest.tasks')).toBe(1);
    expect(await count(h.testDb.db, tenantId, 'workflow.runs')).toBe(1);
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
    expect(await count(h.testDb.db, tenantId, 'workflow.runs')).toBe(0);
    await caller.definitions.disable({ id: definition.id });
    await deliver(dealWonEvent(tenantId, { amount: 50_000 }));
    expect(await count(h.testDb.db, tenantId, 'workflow.runs')).toBe(0);
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
    await waitForRun(h.testDb.db, tenantId, run!.id, ['succeeded', 'failed']);
    const detail = await caller.runs.get({ id: run!.id });
    expect(detail.status).toBe('succeeded');
    expect(detail.steps[0]).toMatchObject({ status: 'succeeded', attempts: 3, error: null });
    expect(await count(h.testDb.db, tenantId, 'wftest.entities')).toBe(1);
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
    await waitForRun(h.testDb.db, tenantId, run!.id, ['failed', 'succeeded']);
    const failed = await caller.runs.get({ id: run!.id });
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ stepKey: 'second', message: 'planned failure 1 of 1', attempt: 1 });
    expect(failed.steps.map((step) => step.status)).toEqual(['succeeded', 'failed', 'pending']);
    expect(await outboxTypes(tenantId, run!.id)).toEqual(['workflow.run.started', 'workflow.run.failed']);
    const failedList = await caller.runs.list({ status: 'failed' });
    expect(failedList.items.map((item) => item.id)).toEqual([run!.id]);

    await caller.runs.retry({ id: run!.id });
    await waitForRun(h.testDb.db, tenantId, run!.id, ['succeeded', 'failed']);
    const retried = await caller.runs.get({ id: run!.id });
    expect(retried.status).toBe('succeeded');
    expect(retried.steps.map((step) => [step.status, step.attempts])).toEqual([
      ['succeeded', 1],
      ['succeeded', 1],
      ['succeeded', 1],
    ]);
    // The first step did not run again: one entity per step.
    const perStep = await withTenant(h.testDb.db, { tenantId }, (trx) =>
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
    expect(await h.engine.runStep({ tenantId, runId: run!.id, stepIndex: 1 })).toBe('stale');
    expect(await count(h.testDb.db, tenantId, 'wftest.entities')).toBe(1);
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
          {
            key: 'project',
            action: 'projects.createFromTemplate',
            input: { templateId: projectTemplateId, clientId: '{{ event.payload.client_id }}', name: 'P' },
          },
          { key: 'boom', action: 'test.record', input: { step: 'boom', failTimes: 10 } },
        ],
      },
    });
    const event = dealWonEvent(tenantId);
    await deliver(event);
    const [run] = await runsForEvent(tenantId, event.id);
    await waitForRun(h.testDb.db, tenantId, run!.id, ['compensated', 'failed', 'succeeded']);
    const detail = await caller.runs.get({ id: run!.id });
    expect(detail.status).toBe('compensated');
    expect(detail.steps.map((step) => step.status)).toEqual(['compensated', 'failed']);
    expect(await count(h.testDb.db, tenantId, 'wftest.projects')).toBe(0);
  });

  it('fails at once, without retries, when the rendered input does not satisfy the action', async () => {
    const tenantId = uuidv7();
    const { caller } = callerFor(tenantId);
    await caller.definitions.create({
      spec: {
        name: 'Bad input at run time',
        trigger: { event: 'crm.deal.won' },
        steps: [
          {
            key: 'project',
            action: 'projects.createFromTemplate',
            input: { templateId: projectTemplateId, clientId: '{{ event.payload.client_id }}', name: 'P' },
          },
        ],
      },
    });
    const event = dealWonEvent(tenantId, { client_id: 'not-a-uuid' });
    await deliver(event);
    const [run] = await runsForEvent(tenantId, event.id);
    await waitForRun(h.testDb.db, tenantId, run!.id, ['failed', 'succeeded']);
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
    await waitForRun(h.testDb.db, tenantId, run!.id, ['failed', 'succeeded']);
    const detail = await caller.runs.get({ id: run!.id });
    expect(detail.steps[0]).toMatchObject({ status: 'failed', attempts: 1 });
    expect(detail.steps[0]?.error).toMatchObject({
      message: 'output of test.badOutput does not match its schema',
      permanent: true,
      issues: [{ path: ['count'] }],
    });
  });
});

describe('events', () => {
  it('writes version 2 payloads, snake_case, on aggregate type workflow.run', async () => {
    const tenantId = uuidv7();
    const { caller } = callerFor(tenantId);
    const definition = await caller.definitions.create({
      spec: { name: 'Events', trigger: { event: 'test.events.happened' }, steps: recordSteps([{ key: 'one' }]) },
    });
    const event = testEvent(tenantId, 'test.events.happened', {});
    await deliver(event);
    const [run] = await runsForEvent(tenantId, event.id);
    await waitForRun(h.testDb.db, tenantId, run!.id, ['succeeded', 'failed']);
    const rows = await withTenant(h.testDb.db, { tenantId }, (trx) =>
      sql<{ type: string; version: number; aggregate_type: string; payload: Record<string, unknown>; correlation_id: string; causation_id: string | null }>`
        SELECT type, version, aggregate_type, payload, correlation_id, causation_id FROM platform.outbox WHERE aggregate_id = ${run!.id} ORDER BY position`.execute(
        trx,
      ),
    );
    expect(rows.rows).toEqual([
      {
        type: 'workflow.run.started',
        version: 2,
        aggregate_type: 'workflow.run',
        payload: {
          run_id: run!.id,
          definition_id: definition.id,
          definition_version: 1,
          trigger_event_id: event.id,
          trigger_event_type: 'test.events.happened',
        },
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
