import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBoss, createLogger, startEventBackbone, type EventBackbone, type PgBoss } from '@ubos/platform';
import { createTestDatabase, type TestDatabase, waitFor } from '@ubos/platform/testing';
import { crmModule } from '../src/module.ts';
import { actor } from './helpers.ts';

/** The crm subscriptions under the real event backbone: outbox dispatcher -> pg-boss queues -> runner. */
let testDb: TestDatabase;
let boss: PgBoss;
let backbone: EventBackbone;

beforeAll(async () => {
  testDb = await createTestDatabase();
  boss = createBoss({ connectionString: testDb.appUrl, supervise: false, schedule: false });
  boss.on('error', () => undefined);
  await boss.start();
  backbone = await startEventBackbone({
    db: testDb.db,
    boss,
    modules: [crmModule],
    log: createLogger({ level: 'silent' }),
    workerPollIntervalSeconds: 0.5,
    dispatchPollIntervalMs: 500,
  });
});

afterAll(async () => {
  await backbone?.stop();
  await boss?.stop({ graceful: false });
  await testDb?.drop();
});

describe('crm subscriptions on the event backbone', () => {
  it('runs a CSV import in the background with readable progress, and keeps the client profile', { timeout: 200_000 }, async () => {
    const a = actor(testDb.db);
    const lines = ['Name,Email,Company'];
    for (let i = 0; i < 2_100; i += 1) lines.push(`Person ${i},p${i}@example.com,${i < 3 ? 'Backbone Co' : ''}`);
    const created = await a.caller.imports.create({ kind: 'contacts', csv: lines.join('\n'), mapping: { Name: 'name', Email: 'email', Company: 'company' } });
    const seen = new Set<number>();
    await waitFor(
      async () => {
        const state = await a.caller.imports.get({ id: created.id });
        seen.add(state.rowsDone);
        return state.status === 'completed';
      },
      90_000,
      'the import to complete',
    );
    expect(await a.caller.imports.get({ id: created.id })).toMatchObject({ rowsDone: 2_100, createdCount: 2_100, errorCount: 0 });
    expect([...seen].every((rows) => [0, 2_000, 2_100].includes(rows))).toBe(true);

    const client = (await a.caller.clients.list({ q: 'backbone' })).items[0];
    if (!client) throw new Error('company client missing');
    await a.caller.deals.create({ clientId: client.id, title: 'Via backbone', valueMinor: 5_000, currency: 'USD' });
    await waitFor(
      async () => {
        const profile = await a.caller.clients.profile({ id: client.id });
        return profile.contacts.length === 3 && profile.openDealsCount === 1;
      },
      90_000,
      'the client profile',
    );
    expect((await a.caller.clients.profile({ id: client.id })).contacts.map((c) => c.name)).toEqual(['Person 0', 'Person 1', 'Person 2']);
  });
});
