import { RedisCache, type Database } from '@ubos/platform';
import { createTestDatabase, testRedisUrl, type TestDatabase } from '@ubos/platform/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSession } from '../src/index.ts';
import { hashToken } from '../src/sessions.ts';
import { callerFor, PASSWORD, signUp, permissions } from './helpers.ts';

let testDb: TestDatabase;
let db: Database;
let redis: Redis;
let cache: RedisCache;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = testDb.db;
  redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
  // A prefix of its own: parallel test files and other engineers share this Redis.
  cache = new RedisCache(redis, `ubos:test:${testDb.name}:`);
});
afterAll(async () => {
  const keys = await redis.keys(`ubos:test:${testDb.name}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await testDb?.drop();
});

describe('session lookups cached in Redis', () => {
  it('caches the resolved session under the session id (never the token) and evicts it on logout', async () => {
    const { token } = await signUp({ db, cache });
    const first = await resolveSession({ db, cache, permissions }, token);
    expect(first?.session.role).toBe('owner');
    const key = `ubos:test:${testDb.name}:identity:session:${hashToken(token)}`;
    const stored = await redis.get(key);
    expect(stored).not.toBeNull();
    expect(stored).not.toContain(token);
    expect(await redis.pttl(key)).toBeLessThanOrEqual(30_000);

    const { caller } = await callerFor({ db, cache }, token);
    await caller.auth.logout();
    expect(await redis.get(key)).toBeNull();
    expect(await resolveSession({ db, cache, permissions }, token)).toBeNull();
  });

  it('a password change evicts every cached session of the user', async () => {
    const { token, email } = await signUp({ db, cache });
    const { ctx, caller: anonymous } = await callerFor({ db, cache });
    await anonymous.auth.login({ email, password: PASSWORD });
    const other = ctx.cookies.get('ubos_session') ?? '';
    expect(await resolveSession({ db, cache, permissions }, token)).not.toBeNull();
    expect(await resolveSession({ db, cache, permissions }, other)).not.toBeNull();
    const { caller } = await callerFor({ db, cache }, token);
    await caller.auth.changePassword({ currentPassword: PASSWORD, newPassword: 'another long password' });
    expect(await resolveSession({ db, cache, permissions }, token)).toBeNull();
    expect(await resolveSession({ db, cache, permissions }, other)).toBeNull();
  });
});
