import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBoss, type PgBoss } from '../src/index.ts';
import { createTestDatabase, type TestDatabase, waitFor } from '../src/testing/index.ts';

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

it('runs pg-boss as ubos_app in the migrated database: create a queue, send, work', { timeout: 60_000 }, async () => {
  await boss.createQueue('platform-smoke');
  const received = new Promise<unknown>((resolve) => {
    void boss.work<{ n: number }>('platform-smoke', async ([job]) => {
      resolve(job?.data);
    });
  });
  await boss.send('platform-smoke', { n: 42 });
  await expect(received).resolves.toEqual({ n: 42 });
});

it('deletes completed jobs once they pass deleteAfterSeconds, on the maintenance interval createBoss sets', { timeout: 150_000 }, async () => {
  // pg-boss's own default runs this deletion once a day; createBoss defaults to every minute.
  // Here a supervising instance with 1 s passes shows the wiring: the job is gone within seconds.
  const supervising = createBoss({
    connectionString: testDb.appUrl,
    supervise: true,
    schedule: false,
    superviseIntervalSeconds: 1,
    maintenanceIntervalSeconds: 1,
  });
  supervising.on('error', () => undefined);
  await supervising.start();
  try {
    await supervising.createQueue('platform-retention', { deleteAfterSeconds: 1 });
    let handled = 0;
    await supervising.work('platform-retention', async () => {
      handled += 1;
    });
    // Two jobs, one after the other: the second is deleted only if deletion passes keep coming
    // at the configured interval (with pg-boss's default the second pass would be a day later).
    // The waits are on conditions, 30 s each: far more than a busy machine needs for a 1 s pass,
    // and still under the 60 s of createBoss's default interval, so the second job would time out
    // if the interval given here were not the one in force.
    for (let n = 1; n <= 2; n += 1) {
      const id = (await supervising.send('platform-retention', { n })) ?? '';
      await waitFor(() => handled >= n, 30_000, `job ${n} to be handled`);
      expect(handled).toBe(n);
      await waitFor(async () => (await supervising.getJobById('platform-retention', id)) === null, 30_000, `completed job ${n} to be deleted`, 250);
      expect(await supervising.getJobById('platform-retention', id)).toBeNull();
    }
  } finally {
    await supervising.stop({ graceful: false });
  }
});
