import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, uuidv7, withIdempotency, withTenant } from '@ubos/platform';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';

let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase();
});

afterAll(async () => {
  await testDb?.drop();
});

describe('withIdempotency (platform helper)', () => {
  it('runs once per (tenant, scope, key), returns the stored result on repeat, and keeps tenants apart', async () => {
    const tenantA = uuidv7();
    const tenantB = uuidv7();
    let calls = 0;
    const call = (tenantId: string, key: string) =>
      withTenant(testDb.db, { tenantId }, (trx) =>
        withIdempotency(trx, { tenantId, scope: 'test.create', key }, async () => {
          calls += 1;
          return { id: uuidv7(), n: calls, nested: { at: new Date(0) } };
        }),
      );
    const first = await call(tenantA, 'run-1:step');
    const again = await call(tenantA, 'run-1:step');
    expect(again).toEqual(first);
    expect(first.nested.at).toBe('1970-01-01T00:00:00.000Z');
    const otherKey = await call(tenantA, 'run-1:other');
    const otherTenant = await call(tenantB, 'run-1:step');
    expect(otherKey.id).not.toBe(first.id);
    expect(otherTenant.id).not.toBe(first.id);
    expect(calls).toBe(3);
  });

  it('serialises concurrent callers: one run, everyone gets its result', async () => {
    const tenantId = uuidv7();
    let calls = 0;
    const results = await Promise.all(
      Array.from({ length: 4 }, () =>
        withTenant(testDb.db, { tenantId }, (trx) =>
          withIdempotency(trx, { tenantId, scope: 'test.concurrent', key: 'k' }, async () => {
            calls += 1;
            await new Promise((resolve) => setTimeout(resolve, 100));
            return { id: uuidv7() };
          }),
        ),
      ),
    );
    expect(calls).toBe(1);
    expect(new Set(results.map((result) => result.id)).size).toBe(1);
  });

  it('forgets a result whose transaction rolled back', async () => {
    const tenantId = uuidv7();
    await expect(
      withTenant(testDb.db, { tenantId }, async (trx) => {
        await withIdempotency(trx, { tenantId, scope: 'test.rollback', key: 'k' }, async () => ({ ok: 1 }));
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    const stored = await withTenant(testDb.db, { tenantId }, (trx) =>
      sql<{ n: number }>`SELECT count(*)::int AS n FROM platform.idempotency_keys`.execute(trx),
    );
    expect(stored.rows[0]?.n).toBe(0);
    const result = await withTenant(testDb.db, { tenantId }, (trx) =>
      withIdempotency(trx, { tenantId, scope: 'test.rollback', key: 'k' }, async () => ({ ok: 2 })),
    );
    expect(result).toEqual({ ok: 2 });
  });
});
