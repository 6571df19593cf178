// Waiting for an event (README "Waiting for an event"): a step whose action says "not yet" is parked,
// woken by the matching event through workflow.trigger (no polling), and fails at its deadline.
import { describe, expect, it } from 'vitest';
import { sql, uuidv7, withTenant } from '@ubos/platform';
import { useEngine } from './engine-harness.ts';
import { testEvent, waitFor, waitForRun } from './helpers.ts';

const h = useEngine();
const { callerFor, deliver, runsForEvent } = h;

async function stepOf(tenantId: string, runId: string, key: string) {
  return withTenant(h.testDb.db, { tenantId }, async (trx) => {
    const rows = await sql<{ status: string; attempts: number; output: unknown }>`
      SELECT status, attempts, output FROM workflow.run_steps WHERE run_id = ${runId} AND step_key = ${key}`.execute(trx);
    return rows.rows[0];
  });
}

async function sendSignal(tenantId: string, signalId: string, alsoDeliver = true) {
  await withTenant(h.testDb.db, { tenantId }, (trx) => sql`INSERT INTO wftest.signals (tenant_id, id) VALUES (${tenantId}, ${signalId})`.execute(trx));
  if (alsoDeliver) await deliver(testEvent(tenantId, 'test.signal.sent', { signal_id: signalId }));
}

async function startWaiting(timeoutSeconds = 3600) {
  const tenantId = uuidv7();
  const { caller } = callerFor(tenantId);
  await caller.definitions.create({
    spec: {
      name: 'Wait for the signal',
      trigger: { event: 'test.wait.started' },
      steps: [
        { key: 'await_signal', action: 'test.awaitSignal', input: { signalId: '{{ event.payload.signal_id }}', timeoutSeconds } },
        { key: 'after', action: 'test.record', input: { step: 'after' } },
      ],
    },
  });
  const signalId = uuidv7();
  const event = testEvent(tenantId, 'test.wait.started', { signal_id: signalId });
  await deliver(event);
  const [run] = await runsForEvent(tenantId, event.id);
  if (!run) throw new Error('no run started');
  return { tenantId, caller, signalId, runId: run.id };
}

const entities = (tenantId: string, step: string) =>
  withTenant(
    h.testDb.db,
    { tenantId },
    async (trx) => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM wftest.entities WHERE step = ${step}`.execute(trx)).rows[0]?.n,
  );

describe('a step that waits for an event', () => {
  it('parks until the matching event arrives, ignores others, then runs on; a "not yet" writes nothing', async () => {
    const { tenantId, caller, signalId, runId } = await startWaiting();
    await waitFor(async () => (await stepOf(tenantId, runId, 'await_signal'))?.status === 'waiting', 20_000);
    const parked = await stepOf(tenantId, runId, 'await_signal');
    expect(parked).toMatchObject({ attempts: 0, output: { waitingFor: 'test.signal.sent', match: { signal_id: signalId } } });
    // The attempt's own write was undone with the "not yet".
    expect(await entities(tenantId, 'await')).toBe(0);

    // Another signal, and the right one's event without the signal existing: still waiting.
    await sendSignal(tenantId, uuidv7());
    await deliver(testEvent(tenantId, 'test.other.happened', { signal_id: signalId }));
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await stepOf(tenantId, runId, 'await_signal'))?.status).toBe('waiting');
    expect((await caller.runs.get({ id: runId })).status).toBe('running');

    await sendSignal(tenantId, signalId);
    expect(await waitForRun(h.testDb.db, tenantId, runId, ['succeeded', 'failed'])).toBe('succeeded');
    const detail = await caller.runs.get({ id: runId });
    expect(detail.steps.map((step) => [step.key, step.status])).toEqual([
      ['await_signal', 'succeeded'],
      ['after', 'succeeded'],
    ]);
    expect(detail.steps[0]?.output).toEqual({ signal_id: signalId });
    expect(await entities(tenantId, 'await')).toBe(1);
    // The wait is gone; a late duplicate of the event changes nothing.
    await deliver(testEvent(tenantId, 'test.signal.sent', { signal_id: signalId }));
    const waits = await withTenant(h.testDb.db, { tenantId }, (trx) => sql<{ n: number }>`SELECT count(*)::int AS n FROM workflow.step_waits`.execute(trx));
    expect(waits.rows[0]?.n).toBe(0);
  });

  it('does not wait when what it waits for has already happened', async () => {
    const tenantId = uuidv7();
    const { caller } = callerFor(tenantId);
    const signalId = uuidv7();
    await sendSignal(tenantId, signalId, false);
    await caller.definitions.create({
      spec: {
        name: 'Already signalled',
        trigger: { event: 'test.wait.started' },
        steps: [{ key: 'await_signal', action: 'test.awaitSignal', input: { signalId: '{{ event.payload.signal_id }}' } }],
      },
    });
    const event = testEvent(tenantId, 'test.wait.started', { signal_id: signalId });
    await deliver(event);
    const [run] = await runsForEvent(tenantId, event.id);
    expect(await waitForRun(h.testDb.db, tenantId, run!.id, ['succeeded', 'failed'])).toBe('succeeded');
  });

  it('fails the step for good at its deadline, saying what it waited for', async () => {
    const { tenantId, caller, runId } = await startWaiting(1);
    expect(await waitForRun(h.testDb.db, tenantId, runId, ['succeeded', 'failed'], 30_000)).toBe('failed');
    const detail = await caller.runs.get({ id: runId });
    expect(detail.steps[0]).toMatchObject({ key: 'await_signal', status: 'failed' });
    expect(JSON.stringify(detail.steps[0]?.error)).toContain('Gave up waiting for test.signal.sent after 1 seconds');
    expect(detail.steps[1]?.status).toBe('pending');
  });

  it('a cancelled run stops waiting: the event wakes nothing', async () => {
    const { tenantId, caller, signalId, runId } = await startWaiting();
    await waitFor(async () => (await stepOf(tenantId, runId, 'await_signal'))?.status === 'waiting', 20_000);
    await caller.runs.cancel({ id: runId });
    await sendSignal(tenantId, signalId);
    await new Promise((resolve) => setTimeout(resolve, 600));
    const detail = await caller.runs.get({ id: runId });
    expect(detail.status).toBe('cancelled');
    expect(detail.steps[0]?.status).toBe('cancelled');
    expect(await entities(tenantId, 'after')).toBe(0);
  });
});
