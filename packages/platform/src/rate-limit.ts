import type { Redis } from 'ioredis';

export interface RateLimitResult {
  allowed: boolean;
  remaining: number;
  retryAfterMs: number;
}

/** A token bucket: holds at most `capacity` units and refills `perSecond` units a second. */
export interface TokenBucket {
  key: string;
  perSecond: number;
  capacity: number;
}

/** The answer of `takeAll`: all buckets charged, or none and the first that refused with its wait. */
export type TakeResult = { allowed: true } | { allowed: false; refusedIndex: number; retryAfterMs: number };

/** Fixed-window counter: Redis when configured (shared by every replica), in-process otherwise. */
export interface RateLimiter {
  hit(key: string, limit: number, windowMs: number): Promise<RateLimitResult>;
  /**
   * Takes `weight` units from every bucket, atomically (one round trip for Redis): either all have
   * them and all are charged, or none is charged and the answer names the first that lacked them.
   */
  takeAll(buckets: readonly TokenBucket[], weight: number): Promise<TakeResult>;
  /** The current window's count and how long it has left, without counting a hit. */
  peek(key: string): Promise<{ count: number; resetInMs: number }>;
  reset(key: string): Promise<void>;
}

export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  async takeAll(buckets: readonly TokenBucket[], weight: number): Promise<TakeResult> {
    const now = Date.now();
    const levels = buckets.map((bucket) => {
      const state = this.buckets.get(bucket.key);
      const tokens = state ? Math.min(bucket.capacity, state.tokens + ((now - state.at) / 1000) * bucket.perSecond) : bucket.capacity;
      return tokens;
    });
    for (const [index, bucket] of buckets.entries()) {
      const tokens = levels[index] ?? 0;
      if (tokens < weight) return { allowed: false, refusedIndex: index, retryAfterMs: Math.ceil(((weight - tokens) / bucket.perSecond) * 1000) };
    }
    for (const [index, bucket] of buckets.entries()) this.buckets.set(bucket.key, { tokens: (levels[index] ?? 0) - weight, at: now });
    if (this.buckets.size > 50_000) {
      for (const [key, state] of this.buckets) if (now - state.at > 3_600_000) this.buckets.delete(key);
    }
    return { allowed: true };
  }
  async hit(key: string, limit: number, windowMs: number): Promise<RateLimitResult> {
    const now = Date.now();
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { count: 0, resetAt: now + windowMs };
      this.windows.set(key, window);
      if (this.windows.size > 50_000) this.sweep(now);
    }
    window.count += 1;
    const allowed = window.count <= limit;
    return { allowed, remaining: Math.max(0, limit - window.count), retryAfterMs: allowed ? 0 : window.resetAt - now };
  }
  async peek(key: string): Promise<{ count: number; resetInMs: number }> {
    const now = Date.now();
    const window = this.windows.get(key);
    if (!window || window.resetAt <= now) return { count: 0, resetInMs: 0 };
    return { count: window.count, resetInMs: window.resetAt - now };
  }
  async reset(key: string): Promise<void> {
    this.windows.delete(key);
  }
  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }
}

/**
 * Token buckets in Redis hashes {tokens, at}, refilled on read with the server's clock; all or none
 * charged. ARGV: weight, then perSecond and capacity per key. Returns {allowed, refusedIndex, waitMs}.
 */
const TAKE_ALL_SCRIPT = `
local weight = tonumber(ARGV[1])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local levels = {}
for i, key in ipairs(KEYS) do
  local perSecond = tonumber(ARGV[i * 2])
  local capacity = tonumber(ARGV[i * 2 + 1])
  local state = redis.call('HMGET', key, 'tokens', 'at')
  local tokens = capacity
  if state[1] then tokens = math.min(capacity, tonumber(state[1]) + (now - tonumber(state[2])) / 1000 * perSecond) end
  if tokens < weight then
    return {0, i - 1, math.ceil((weight - tokens) / perSecond * 1000)}
  end
  levels[i] = tokens
end
for i, key in ipairs(KEYS) do
  local perSecond = tonumber(ARGV[i * 2])
  local capacity = tonumber(ARGV[i * 2 + 1])
  redis.call('HSET', key, 'tokens', tostring(levels[i] - weight), 'at', tostring(now))
  redis.call('PEXPIRE', key, math.ceil(capacity / perSecond * 1000) + 1000)
end
return {1, -1, 0}
`;

export class RedisRateLimiter implements RateLimiter {
  private readonly redis: Redis;
  private readonly prefix: string;
  constructor(redis: Redis, prefix = 'ubos:rl:') {
    this.redis = redis;
    this.prefix = prefix;
  }
  async hit(key: string, limit: number, windowMs: number): Promise<RateLimitResult> {
    const redisKey = this.prefix + key;
    const results = await this.redis.multi().incr(redisKey).pexpire(redisKey, windowMs, 'NX').pttl(redisKey).exec();
    const count = Number(results?.[0]?.[1] ?? 0);
    const ttl = Number(results?.[2]?.[1] ?? windowMs);
    const allowed = count <= limit;
    return { allowed, remaining: Math.max(0, limit - count), retryAfterMs: allowed ? 0 : Math.max(0, ttl) };
  }
  async takeAll(buckets: readonly TokenBucket[], weight: number): Promise<TakeResult> {
    if (buckets.length === 0) return { allowed: true };
    const keys = buckets.map((bucket) => this.prefix + bucket.key);
    const args = [String(weight), ...buckets.flatMap((bucket) => [String(bucket.perSecond), String(bucket.capacity)])];
    const [allowed, refusedIndex, retryAfterMs] = (await this.redis.eval(TAKE_ALL_SCRIPT, keys.length, ...keys, ...args)) as [number, number, number];
    return allowed === 1 ? { allowed: true } : { allowed: false, refusedIndex, retryAfterMs };
  }
  async peek(key: string): Promise<{ count: number; resetInMs: number }> {
    const redisKey = this.prefix + key;
    const results = await this.redis.multi().get(redisKey).pttl(redisKey).exec();
    const count = Number(results?.[0]?.[1] ?? 0);
    const ttl = Number(results?.[1]?.[1] ?? 0);
    return { count: Number.isFinite(count) ? count : 0, resetInMs: Math.max(0, ttl) };
  }
  async reset(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }
}
