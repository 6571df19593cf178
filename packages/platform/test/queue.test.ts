import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBoss, type PgBoss } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

let testDb: TestDatabase;
let boss: PgBoss;

beforeAll(async () => {
  testDb = await createTestDatabase();
  boss = createBoss({ connectionString: testDb.appUrl, supervise: false, schedule: false });
  boss.on('error', () => undefined);
  await boss.start();
});

afterAll(async () => {
  await boss?.stop({ graceful: false });
  await testDb?.drop();
});

it('runs pg-boss as ubos_app in the migrated database: create a queue, send, work', async () => {
  await boss.createQueue('platform-smoke');
  const received = new Promise<unknown>((resolve) => {
    void boss.work<{ n: number }>('platform-smoke', async ([job]) => {
      resolve(job?.data);
    });
  });
  await boss.send('platform-smoke', { n: 42 });
  await expect(received).resolves.toEqual({ n: 42 });
});
