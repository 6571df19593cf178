import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallerFactory, sql, uuidv7, withTenant, type DomainModule } from '@ubos/platform';
import { createTestDatabase, testContext, testSession, type TestDatabase } from '@ubos/platform/testing';
import { workflowTrigger } from '../src/handlers.ts';
import { workflowModule } from '../src/module.ts';
import { workflowRouter } from '../src/router.ts';
import { createFixtureTables, fixtureModule, handlerContext, recordAction, testEvent, waitFor, waitForRun } from './helpers.ts';

const fixture = fileURLToPath(new URL('./fixtures/engine-worker.ts', import.meta.url));
let testDb: TestDatabase;
let modules: DomainModule[];
const children: ChildProcess[] = [];

/** Starts a worker; a start that fails (e.g. the shared test server is briefly out of connections) is retried. */
async function startWorker(env: Record<string, string>): Promise<ChildProcess> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await spawnWorker(env);
    } catch (error) {
      if (attempt >= 3) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

function spawnWorker(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [fixture], {
    env: { ...process.env, APP_URL: testDb.appUrl, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    const timeout = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`worker did not start: ${stderr}`));
    }, 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) {
        clearTimeout(timeout);
        resolve(child);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timeout);
      reject(new Error(`worker exited (${code}): ${stderr}`));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  await createFixtureTables(testDb.adminUrl);
  modules = [workflowModule, fixtureModule([recordAction(testDb.db)])];
});

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
  }
  await testDb?.drop();
});

describe('kill -9 of the worker in the middle of a 3-step run', () => {
  it('completes the run after a restart, with no step entity created twice', async () => {
    const tenantId = uuidv7();
    const caller = createCallerFactory(workflowRouter)(
      testContext({ db: testDb.db, session: testSession({ userId: uuidv7(), tenantId, role: 'owner', modules }), modules }),
    );
    await caller.definitions.create({
      spec: {
        name: 'Three steps',
        trigger: { event: 'test.crash.happened' },
        steps: ['first', 'second', 'third'].map((key) => ({ key, action: 'test.record', input: { step: key } })),
      },
    });

    const first = await startWorker({ SLOW_STEP: 'second', SLOW_MS: '60000' });
    const event = testEvent(tenantId, 'test.crash.happened', {});
    await withTenant(testDb.db, { tenantId }, (trx) => workflowTrigger.handle(event, handlerContext(trx, event)));
    const runId = await waitFor(async () => {
      const rows = await withTenant(testDb.db, { tenantId }, (trx) =>
        sql<{ id: string }>`SELECT id FROM workflow.runs WHERE trigger_event_id = ${event.id}`.execute(trx),
      );
      return rows.rows[0]?.id;
    });
    const stepStates = async (): Promise<{ step_key: string; status: string; attempts: number }[]> =>
      withTenant(testDb.db, { tenantId }, async (trx) => {
        const rows = await sql<{ step_key: string; status: string; attempts: number }>`
          SELECT step_key, status, attempts FROM workflow.run_steps WHERE run_id = ${runId} ORDER BY step_index`.execute(trx);
        return rows.rows;
      });
    // Step 2 is running: its entity row is inserted, uncommitted, while the action sleeps.
    await waitFor(async () => {
      const states = await stepStates();
      return states[0]?.status === 'succeeded' && states[1]?.status === 'running' ? states : null;
    });
    await waitFor(async () => {
      const admin = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE application_name = 'ubos-wf-child' AND state = 'idle in transaction'`.execute(testDb.db.kysely);
      return (admin.rows[0]?.n ?? 0) > 0;
    });

    first.kill('SIGKILL');
    await exited(first);
    expect(first.signalCode).toBe('SIGKILL');

    const afterKill = await stepStates();
    expect(afterKill.map((step) => step.status)).toEqual(['succeeded', 'running', 'pending']);
    const entitiesAfterKill = await withTenant(testDb.db, { tenantId }, (trx) =>
      sql<{ step: string }>`SELECT step FROM wftest.entities ORDER BY step`.execute(trx),
    );
    expect(entitiesAfterKill.rows.map((row) => row.step)).toEqual(['first']);

    const second = await startWorker({});
    await waitForRun(testDb.db, tenantId, runId, ['succeeded', 'failed'], 45_000);
    expect(await waitForRun(testDb.db, tenantId, runId, ['succeeded'])).toBe('succeeded');

    const finalStates = await stepStates();
    expect(finalStates).toEqual([
      { step_key: 'first', status: 'succeeded', attempts: 1 },
      { step_key: 'second', status: 'succeeded', attempts: 2 },
      { step_key: 'third', status: 'succeeded', attempts: 1 },
    ]);
    const perStep = await withTenant(testDb.db, { tenantId }, (trx) =>
      sql<{ step: string; n: number }>`SELECT step, count(*)::int AS n FROM wftest.entities GROUP BY step ORDER BY step`.execute(trx),
    );
    expect(perStep.rows).toEqual([
      { step: 'first', n: 1 },
      { step: 'second', n: 1 },
      { step: 'third', n: 1 },
    ]);
    second.kill('SIGTERM');
    await exited(second);
  }, 120_000);
});
