import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallerFactory, router, sql, tenantProcedure, uuidv7, withTenant, type Database, type UntypedDB } from '../src/index.ts';
import { createTestDatabase, testContext, testSession, type TestDatabase } from '../src/testing/index.ts';

let testDb: TestDatabase;
let db: Database;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = testDb.db;
});
afterAll(async () => {
  await testDb?.drop();
});

async function keyVisible(tenantId: string, key: string): Promise<boolean> {
  const rows = await withTenant(db, { tenantId }, (trx) =>
    sql<{ key: string }>`select key from platform.idempotency_keys where scope = 'after-commit-test' and key = ${key}`.execute(trx),
  );
  return rows.rows.length === 1;
}

describe('tenantProcedure afterCommit', () => {
  const seen: { key: string; visible: boolean }[] = [];
  const testRouter = router({
    write: tenantProcedure.meta({ permission: 'platform.events.admin' }).mutation(async ({ ctx }) => {
      const key = uuidv7();
      await sql`insert into platform.idempotency_keys (tenant_id, scope, key, result) values (${ctx.tenant.tenantId}, 'after-commit-test', ${key}, '{}'::jsonb)`.execute(
        ctx.domain.db<UntypedDB>(),
      );
      ctx.domain.afterCommit(async () => {
        // Another connection sees the row: the task runs after COMMIT.
        seen.push({ key, visible: await keyVisible(ctx.tenant.tenantId, key) });
      });
      return key;
    }),
    fail: tenantProcedure.meta({ permission: 'platform.events.admin' }).mutation(async ({ ctx }) => {
      ctx.domain.afterCommit(async () => {
        seen.push({ key: 'rolled-back', visible: true });
      });
      throw new Error('boom');
    }),
  });
  const createCaller = createCallerFactory(testRouter);

  it('runs tasks after the commit, and never after a rollback', async () => {
    const tenantId = uuidv7();
    const caller = createCaller(testContext({ db, session: testSession({ userId: uuidv7(), tenantId, role: 'admin' }) }));
    const key = await caller.write();
    expect(seen).toEqual([{ key, visible: true }]);
    await expect(caller.fail()).rejects.toMatchObject({ code: 'INTERNAL_SERVER_ERROR' });
    expect(seen).toHaveLength(1);
  });
});
