import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryRateLimiter, RedisRateLimiter, type RateLimiter } from '../src/rate-limit.ts';
import { testRedisUrl } from '../src/testing/index.ts';

const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
afterAll(() => redis.quit());

const limiters: [string, () => RateLimiter][] = [
  ['in-process', () => new MemoryRateLimiter()],
  ['Redis', () => new RedisRateLimiter(redis, `ubos:test-rl:${Date.now()}:${Math.random()}:`)],
];

describe.each(limiters)('%s rate limiter', (_name, make) => {
  it('counts hits in a window, refuses past the limit with the time left, and resets', async () => {
    const limiter = make();
    expect(await limiter.hit('k', 2, 60_000)).toMatchObject({ allowed: true, remaining: 1 });
    expect(await limiter.hit('k', 2, 60_000)).toMatchObject({ allowed: true, remaining: 0 });
    const refused = await limiter.hit('k', 2, 60_000);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBeGreaterThan(50_000);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(60_000);
    await limiter.reset('k');
    expect(await limiter.hit('k', 2, 60_000)).toMatchObject({ allowed: true, remaining: 1 });
  });

  it('peek reads the count and time left without counting', async () => {
    const limiter = make();
    expect(await limiter.peek('p')).toEqual({ count: 0, resetInMs: 0 });
    await limiter.hit('p', 10, 60_000);
    await limiter.hit('p', 10, 60_000);
    const first = await limiter.peek('p');
    const second = await limiter.peek('p');
    expect(first.count).toBe(2);
    expect(second.count).toBe(2);
    expect(first.resetInMs).toBeGreaterThan(50_000);
  });
});
