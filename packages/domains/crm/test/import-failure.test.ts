import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createBoss,
  createCallerFactory,
  createDatabase,
  createLogger,
  eventsAdminRouter,
  notifyDeadLetter,
  rowToEnvelope,
  sql,
  startEventBackbone,
  UpcasterRegistry,
  withTenant,
  type Database,
  type EventBackbone,
  type OutboxRow,
  type PgBoss,
} from '@ubos/platform';
import { createTestDatabase, testContext, testSession, type TestDatabase, waitFor } from '@ubos/platform/testing';
import { importSubscription } from '../src/handlers.ts';
import { IMPORT_CHUNK_ROWS } from '../src/service-import.ts';
import { actor, count, outbox } from './helpers.ts';

/**
 * A CSV import whose chunk keeps failing must not stay "running": under the real event backbone
 * (outbox dispatcher -> pg-boss -> runner) the chunk is retried, dead-lettered, and the
 * subscription's onDeadLetter marks the import failed with a readable error and a timeline event.
 * Redriving the dead letter once the cause is gone resumes the import to completion.
 * The failure is a real one: a CHECK constraint the chunk's insert violates.
 */
let testDb: TestDatabase;
let boss: PgBoss;
let backbone: EventBackbone;
/** A superuser connection, to change the schema under the importer. */
let admin: Database;
const log = createLogger({ level: 'silent' });

beforeAll(async () => {
  testDb = await createTestDatabase();
  admin = createDatabase({ connectionString: testDb.adminUrl, max: 1 });
  boss = createBoss({ connectionString: testDb.appUrl, supervise: false, schedule: false });
  boss.on('error', () => undefined);
  await boss.start();
  backbone = await startEventBackbone({
    db: testDb.db,
    boss,
    // The real subscription (handler + onDeadLetter), with short retries so the test does not wait a minute.
    modules: [{ subscriptions: [{ ...importSubscription, retryLimit: 1, retryDelaySeconds: 1, retryDelayMaxSeconds: 1 }] }],
    log,
    workerPollIntervalSeconds: 0.5,
    dispatchPollIntervalMs: 200,
  });
});

afterAll(async () => {
  await backbone?.stop();
  await boss?.stop({ graceful: false });
  await admin?.close();
  await testDb?.drop();
});

describe('a CSV import whose chunk dead-letters', () => {
  it('ends failed with the error (not running), on the timeline; a redrive resumes it to completion', { timeout: 120_000 }, async () => {
    const a = actor(testDb.db);
    const total = IMPORT_CHUNK_ROWS + 100;
    const poisonRow = IMPORT_CHUNK_ROWS + 50;
    const lines = ['Name,Website'];
    for (let i = 1; i <= total; i += 1) lines.push(i === poisonRow ? 'Poison Pill Ltd,https://poison.test' : `Company ${i},https://company-${i}.test`);
    // A rule the database enforces that the importer does not know: the second chunk's insert violates it.
    await sql`ALTER TABLE crm.clients ADD CONSTRAINT no_poison CHECK (name <> 'Poison Pill Ltd') NOT VALID`.execute(admin.kysely);

    const created = await a.caller.imports.create({ kind: 'clients', csv: lines.join('\n'), mapping: { Name: 'name', Website: 'website' } });
    await waitFor(async () => (await a.caller.imports.get({ id: created.id })).status === 'failed', 60_000, 'the import to be marked failed');
    const failed = await a.caller.imports.get({ id: created.id });
    expect(failed).toMatchObject({ status: 'failed', rowsDone: IMPORT_CHUNK_ROWS, createdCount: IMPORT_CHUNK_ROWS, totalRows: total });
    expect(failed.error).toBe(
      `Rows ${IMPORT_CHUNK_ROWS + 2}–${total + 1} could not be imported after 2 attempts: new row for relation "clients" violates check constraint "no_poison"`,
    );
    expect(failed.finishedAt).toBeInstanceOf(Date);
    expect(await count(testDb.db, a.tenantId, 'crm.clients')).toBe(IMPORT_CHUNK_ROWS);
    const [failedEvent] = await outbox(testDb.db, a.tenantId, 'crm.import.failed');
    expect(failedEvent?.payload).toEqual({
      import_id: created.id,
      kind: 'clients',
      chunk: 1,
      rows_done: IMPORT_CHUNK_ROWS,
      total_rows: total,
      error: failed.error,
    });

    // The dead letter waits in crm.import-chunks.dead; the tenant's admin sees it.
    const events = createCallerFactory(eventsAdminRouter)(
      testContext({
        db: testDb.db,
        session: testSession({ userId: a.userId, tenantId: a.tenantId, role: 'owner' }),
        events: { boss, subscriptions: backbone.subscriptions },
      }),
    );
    const { items } = await events.deadLetters.list({ subscription: 'crm.import-chunks' });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ eventType: 'crm.import.chunk_processed', attempts: 2 });

    // The cause is fixed, the dead letter redriven: the same chunk runs again and the import completes.
    await sql`ALTER TABLE crm.clients DROP CONSTRAINT no_poison`.execute(admin.kysely);
    expect(await events.deadLetters.redrive({ id: items[0]?.id ?? '' })).toEqual({ redriven: 1 });
    await waitFor(async () => (await a.caller.imports.get({ id: created.id })).status === 'completed', 60_000, 'the redriven import to complete');
    expect(await a.caller.imports.get({ id: created.id })).toMatchObject({ status: 'completed', rowsDone: total, createdCount: total, error: null });
    expect(await count(testDb.db, a.tenantId, 'crm.clients')).toBe(total);
    const lifecycle = (await outbox(testDb.db, a.tenantId)).filter((event) => event.type.startsWith('crm.import.')).map((event) => event.type);
    expect(lifecycle).toEqual([
      'crm.import.requested',
      'crm.import.chunk_processed',
      'crm.import.failed',
      'crm.import.resumed',
      'crm.import.chunk_processed',
      'crm.import.completed',
    ]);
  });

  it('a stale event dead-lettering (not the chunk the import waits for) changes nothing', async () => {
    const a = actor(testDb.db);
    const created = await a.caller.imports.create({ kind: 'clients', csv: 'name\nStale One\nStale Two\n', mapping: { name: 'name' } });
    await waitFor(async () => (await a.caller.imports.get({ id: created.id })).status === 'completed', 60_000, 'the import to complete');
    const before = await a.caller.imports.get({ id: created.id });
    const requested = await withTenant(
      testDb.db,
      { tenantId: a.tenantId },
      async (trx) => (await sql<OutboxRow>`SELECT * FROM platform.outbox WHERE type = 'crm.import.requested'`.execute(trx)).rows[0],
    );
    if (!requested) throw new Error('no request event');
    await notifyDeadLetter(testDb.db, importSubscription, rowToEnvelope(requested), new Error('late failure'), 6, { registry: new UpcasterRegistry(), log });
    expect(await a.caller.imports.get({ id: created.id })).toEqual(before);
    expect(await outbox(testDb.db, a.tenantId, 'crm.import.failed')).toEqual([]);
  });
});
