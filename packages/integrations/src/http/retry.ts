/** Retry timing for the outbound client (ARCHITECTURE.md §7): exponential backoff, full jitter, Retry-After. */

export interface RetryPolicy {
  /** Attempts after the first (default 3). */
  retries: number;
  /** Base delay in ms: attempt n waits random(0, min(maxDelayMs, baseDelayMs * 2^n)) (default 250). */
  baseDelayMs: number;
  /** Cap of one backoff delay in ms (default 10 s). */
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the call fails with its retry time (default 60 s). */
  maxRetryAfterMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { retries: 3, baseDelayMs: 250, maxDelayMs: 10_000, maxRetryAfterMs: 60_000 };

/** Statuses worth another attempt: timeouts, rate limits and the server-side failures a retry can outlive. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 425, 429, 500, 502, 503, 504]);
/** Statuses that mean the server refused before doing anything, so even a non-idempotent call may repeat. */
export const REFUSED_STATUSES: ReadonlySet<number> = new Set([429, 503]);

/** Full jitter (AWS architecture blog): a uniform delay between 0 and the exponential ceiling. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

/**
 * `Retry-After` as a delay in ms: delta-seconds (`120`) or an HTTP date. null when absent or
 * unreadable; a date in the past is 0.
 */
export function parseRetryAfter(value: string | undefined, now: Date): number | null {
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now.getTime());
}
