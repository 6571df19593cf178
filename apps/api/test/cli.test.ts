import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collectSubscriptions,
  createLogger,
  deadLetterQueueName,
  ensureSubscriptionQueues,
  handleEvent,
  rowToEnvelope,
  sql,
  uuidv7,
  withTenant,
  writeEvent,
  type DomainModule,
  type OutboxRow,
  type PgBoss,
} from '@ubos/platform';
import { clientCreated } from '@ubos/crm/contracts';
import { indexDocuments } from '@ubos/search';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { modules } from '../src/modules.ts';
import { repoRoot } from '../src/paths.ts';
import { startTestBoss } from './helpers.ts';

/** `pnpm ubos`: the operations CLI, run as a real process against a test database. */

const run = promisify(execFile);
const subscriptions = collectSubscriptions(modules as readonly DomainModule[]);
let testDb: TestDatabase;
let boss: PgBoss;

async function ubos(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, DATABASE_URL: testDb.ownerUrl, DATABASE_APP_URL: testDb.appUrl };
  try {
    const { stdout, stderr } = await run(process.execPath, ['apps/api/src/cli/ubos.ts', ...args], { cwd: repoRoot, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  ({ boss } = await startTestBoss(testDb.appUrl));
  await ensureSubscriptionQueues(boss, subscriptions);
});

afterAll(async () => {
  await boss?.stop({ graceful: false, close: true });
  await testDb?.drop();
});

// Each case starts the CLI as child processes that load every module: on a busy 2-core machine one
// case can take well over the default 30 s, so the budget is generous (a passing case ends early).
describe('pnpm ubos', { timeout: 180_000 }, () => {
  it('lists every procedure with its declared access', async () => {
    const result = await ubos(['procedures']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/mutation\s+identity\.auth\.signUp\s+public/);
    expect(result.stdout).not.toContain('UNDECLARED');
  });

  it('rejects an unknown command with usage and exit code 2', async () => {
    const result = await ubos(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Unknown command "frobnicate"');
    expect(result.stderr).toContain('Usage: pnpm ubos');
  });

  it('lists dead letters and redrives them to their subscription queue', async () => {
    const subscription = subscriptions[0];
    if (!subscription) throw new Error('no module declares a subscription: nothing to dead-letter');
    const tenantId = uuidv7();
    const envelope = {
      id: uuidv7(),
      tenant_id: tenantId,
      type: 'crm.client.created',
      version: 1,
      payload: { clientId: uuidv7() },
      actor_id: null,
      aggregate_type: 'crm.client',
      aggregate_id: uuidv7(),
      occurred_at: new Date().toISOString(),
      correlation_id: uuidv7(),
      causation_id: null,
    };
    const jobId = await boss.send(deadLetterQueueName(subscription.name), envelope);
    expect(jobId).toBeTruthy();

    const listed = await ubos(['events:dlq', '--subscription', subscription.name]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(String(jobId));
    expect(listed.stdout).toContain('crm.client.created');
    expect(listed.stdout).toContain(tenantId);
    expect(listed.stderr).toContain('1 dead letter(s)');

    const otherTenant = await ubos(['events:dlq', '--tenant', uuidv7(), '--json']);
    expect(otherTenant.code).toBe(0);
    expect(otherTenant.stdout).toBe('');

    const redriven = await ubos(['events:redrive', '--subscription', subscription.name, '--id', String(jobId)]);
    expect(redriven.code).toBe(0);
    expect(redriven.stdout).toContain('Redrove 1 dead letter(s).');

    const after = await ubos(['events:dlq', '--subscription', subscription.name]);
    expect(after.stdout).not.toContain(String(jobId));
    // The same event now waits in the subscription's own queue for fresh attempts.
    const requeued = await testDb.db.pool.query<{ name: string; state: string }>(
      `SELECT name, state FROM pgboss.job WHERE data->>'id' = $1 ORDER BY created_on`,
      [envelope.id],
    );
    expect(requeued.rows.map((row) => row.name)).toContain(subscription.name);
  });

  it("search:rebuild rebuilds one tenant's documents from its outbox, printing progress", async () => {
    const tenantId = uuidv7();
    const otherTenant = uuidv7();
    const docs = (tenant: string) =>
      withTenant(testDb.db, { tenantId: tenant }, async (trx) =>
        (await sql<{ title: string }>`SELECT title FROM search.documents ORDER BY title`.execute(trx)).rows.map((row) => row.title),
      );
    for (const [tenant, count] of [
      [tenantId, 12],
      [otherTenant, 2],
    ] as const) {
      await withTenant(testDb.db, { tenantId: tenant }, async (trx) => {
        for (let i = 0; i < count; i += 1) {
          const id = uuidv7();
          // A payload crm's published contract accepts: the indexer reads crm events through it.
          const payload = {
            client_id: id,
            name: `CLI Client ${String(i).padStart(2, '0')}`,
            domain: null,
            website: null,
            status: 'active' as const,
            owner_id: null,
            tags: [],
            custom_fields: {},
          };
          await writeEvent(trx, clientCreated, payload, { tenantId: tenant, actorId: null, correlationId: 'cli', aggregateId: id });
        }
      });
      const rows = await withTenant(
        testDb.db,
        { tenantId: tenant },
        async (trx) => (await sql<OutboxRow>`SELECT * FROM platform.outbox ORDER BY position`.execute(trx)).rows,
      );
      for (const row of rows) await handleEvent(testDb.db, indexDocuments, rowToEnvelope(row), { log: createLogger({ level: 'silent' }) });
    }
    const expected = await docs(tenantId);
    const otherBefore = await docs(otherTenant);
    expect(expected).toHaveLength(12);
    await withTenant(testDb.db, { tenantId }, (trx) => sql`DELETE FROM search.documents WHERE title > 'CLI Client 05'`.execute(trx));
    expect(await docs(tenantId)).toHaveLength(6);

    const result = await ubos(['search:rebuild', '--tenant', tenantId, '--chunk', '5']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').filter(Boolean)).toEqual([
      'queued    0/0 events (0%)',
      'running   5/12 events (41%)',
      'running   10/12 events (83%)',
      'completed 12/12 events (100%)',
      expect.stringMatching(
        new RegExp(`^Rebuilt the search index of tenant ${tenantId}: 12 event\\(s\\) replayed, 12 document\\(s\\) \\(rebuild [0-9a-f-]{36}\\)\\.$`),
      ),
    ]);
    expect(await docs(tenantId)).toEqual(expected);
    expect(await docs(otherTenant)).toEqual(otherBefore);

    const missing = await ubos(['search:rebuild']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--tenant (missing)');
  });

  it('refuses an unknown subscription name', async () => {
    const result = await ubos(['events:dlq', '--subscription', 'nope.nothing']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown nope.nothing');
  });
});
