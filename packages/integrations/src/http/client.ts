import { randomUUID } from 'node:crypto';
import type { AccessTokenSource, BreakerSnapshot, CallOutcome, ConnectionHealthStore, ConnectionRef, ProviderId } from '@ubos/platform';
import { backoffDelay, defaultRetryPolicy, parseRetryAfter, REFUSED_STATUSES, RETRYABLE_STATUSES, type RetryPolicy } from './retry.ts';
import { fetchTransport, type HttpTransport, type TransportResponse } from './transport.ts';

/**
 * The outbound HTTP client every provider adapter uses (ARCHITECTURE.md §7): a per-attempt timeout,
 * retries with exponential backoff and full jitter that honour Retry-After, the provider's
 * idempotency key carried unchanged across retries, bearer auth from an AccessTokenSource with one
 * retry after a refresh on 401, and a circuit breaker per connection whose state and outcomes live
 * in a ConnectionHealthStore (the connection's row in the registry).
 */

/** Where a provider takes an idempotency key on writes. */
export type IdempotencyStyle = { in: 'query'; name: string } | { in: 'header'; name: string };

/** QuickBooks Online: `?requestid=` on writes; Xero: the `Idempotency-Key` header. */
export const idempotencyStyles: Partial<Record<ProviderId, IdempotencyStyle>> = {
  quickbooks: { in: 'query', name: 'requestid' },
  xero: { in: 'header', name: 'Idempotency-Key' },
};

export interface BreakerPolicy {
  /** Consecutive failed calls that open the breaker (default 5). */
  failureThreshold: number;
  /** How long an open breaker refuses calls before one probe may try (default 30 s). */
  coolDownMs: number;
}

export const defaultBreakerPolicy: BreakerPolicy = { failureThreshold: 5, coolDownMs: 30_000 };

export interface ProviderHttpClientOptions {
  provider: ProviderId;
  connection: ConnectionRef;
  health: ConnectionHealthStore;
  /** Prefix for relative request paths, e.g. `https://quickbooks.api.intuit.com/v3/company/123`. */
  baseUrl?: string;
  /** Bearer tokens for the connection; omit for providers authenticated otherwise. */
  tokens?: AccessTokenSource;
  /** Default: node's fetch. Tenant-configured URLs pass guardedTransport (ssrf.ts). */
  transport?: HttpTransport;
  retry?: Partial<RetryPolicy>;
  breaker?: Partial<BreakerPolicy>;
  /** Per-attempt timeout in ms (default 15 s). */
  timeoutMs?: number;
  /** Default: the provider's style from idempotencyStyles; null = none. */
  idempotency?: IdempotencyStyle | null;
  headers?: Record<string, string>;
  /** Injected in tests: the clock, the wait between attempts and the jitter source. */
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface HttpRequestInput {
  method?: string;
  /** Absolute, or relative to baseUrl. */
  url: string;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  /** Sent as application/json. */
  json?: unknown;
  /** Sent as is (set content-type yourself). */
  body?: string | Buffer;
  /**
   * The idempotency key of this logical call (e.g. a workflow step's `run_id:step_key`), sent
   * unchanged on every attempt. Writes to a provider with an idempotency style get a random one
   * when omitted, so retries inside this call are still safe.
   */
  idempotencyKey?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  ok: boolean;
  headers: Record<string, string>;
  body: Buffer;
  /** How many attempts the call took (retries + 1, the 401 refresh included). */
  attempts: number;
  text(): string;
  json<T = unknown>(): T;
}

/** The breaker is open: no request was sent. */
export class CircuitOpenError extends Error {
  readonly retryAt: Date | null;
  constructor(connectionId: string, retryAt: Date | null) {
    super(`The connection ${connectionId} is failing; calls resume ${retryAt ? `after ${retryAt.toISOString()}` : 'after the current probe'}`);
    this.name = 'CircuitOpenError';
    this.retryAt = retryAt;
  }
}

/** The provider could not be reached (network error or timeout) after every attempt. */
export class ProviderUnreachableError extends Error {
  readonly attempts: number;
  constructor(message: string, attempts: number, cause: unknown) {
    super(message, { cause });
    this.name = 'ProviderUnreachableError';
    this.attempts = attempts;
  }
}

/** Idempotent by HTTP's definition, so safe to repeat. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function responseOf(raw: TransportResponse, attempts: number): HttpResponse {
  return {
    status: raw.status,
    ok: raw.status >= 200 && raw.status < 300,
    headers: raw.headers,
    body: raw.body,
    attempts,
    text: () => raw.body.toString('utf8'),
    json: <T>() => JSON.parse(raw.body.toString('utf8')) as T,
  };
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.name === 'TimeoutError' ? 'the request timed out' : error.message;
  return String(error);
}

type Gate = { mode: 'normal' | 'probe'; snapshot: BreakerSnapshot };

/** Probes held by this process, for health stores without claimProbe. */
const localProbes = new Set<string>();

export class ProviderHttpClient {
  private readonly options: ProviderHttpClientOptions;
  private readonly retry: RetryPolicy;
  private readonly breakerPolicy: BreakerPolicy;
  private readonly transport: HttpTransport;
  private readonly idempotency: IdempotencyStyle | null;
  private readonly now: () => Date;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(options: ProviderHttpClientOptions) {
    this.options = options;
    this.retry = { ...defaultRetryPolicy, ...options.retry };
    this.breakerPolicy = { ...defaultBreakerPolicy, ...options.breaker };
    this.transport = options.transport ?? fetchTransport;
    this.idempotency = options.idempotency === undefined ? (idempotencyStyles[options.provider] ?? null) : options.idempotency;
    this.now = options.now ?? (() => new Date());
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
  }

  private get ref(): ConnectionRef {
    return this.options.connection;
  }

  private probeKey(): string {
    return `${this.ref.tenantId}/${this.ref.connectionId}`;
  }

  /** Lets the call through, as a normal call or the single half-open probe, or throws CircuitOpenError. */
  private async enter(): Promise<Gate> {
    const health = this.options.health;
    const snapshot = await health.breaker(this.ref);
    if (snapshot.state === 'closed') return { mode: 'normal', snapshot };
    const now = this.now();
    // half_open with a probe older than a cool-down: that probe never reported; allow another one.
    const coolDownEnds = snapshot.openedAt ? new Date(snapshot.openedAt.getTime() + this.breakerPolicy.coolDownMs) : now;
    if (now < coolDownEnds) throw new CircuitOpenError(this.ref.connectionId, snapshot.state === 'open' ? coolDownEnds : null);
    if (health.claimProbe) {
      if (!(await health.claimProbe(this.ref, snapshot, now))) throw new CircuitOpenError(this.ref.connectionId, null);
    } else {
      if (localProbes.has(this.probeKey())) throw new CircuitOpenError(this.ref.connectionId, null);
      localProbes.add(this.probeKey());
    }
    return { mode: 'probe', snapshot };
  }

  private async settle(gate: Gate, failure: { message: string; providerCode?: string; retryAt?: Date } | null): Promise<void> {
    let outcome: CallOutcome;
    let breaker: BreakerSnapshot;
    if (failure === null) {
      outcome = { outcome: 'success' };
      breaker = { state: 'closed', consecutiveFailures: 0, openedAt: null };
    } else {
      const consecutiveFailures = gate.snapshot.consecutiveFailures + 1;
      const opens = gate.mode === 'probe' || consecutiveFailures >= this.breakerPolicy.failureThreshold;
      const now = this.now();
      breaker = opens ? { state: 'open', consecutiveFailures, openedAt: now } : { state: 'closed', consecutiveFailures, openedAt: null };
      const retryAt = failure.retryAt ?? (opens ? new Date(now.getTime() + this.breakerPolicy.coolDownMs) : undefined);
      outcome = {
        outcome: 'failure',
        message: failure.message,
        ...(failure.providerCode ? { providerCode: failure.providerCode } : {}),
        ...(retryAt ? { retryAt } : {}),
      };
    }
    await this.options.health.record(this.ref, outcome, breaker);
  }

  private buildUrl(input: HttpRequestInput, idempotencyKey: string | null): URL {
    const url = /^https?:\/\//.test(input.url)
      ? new URL(input.url)
      : new URL(input.url.replace(/^\//, ''), `${(this.options.baseUrl ?? '').replace(/\/?$/, '/')}`);
    for (const [name, value] of Object.entries(input.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
    if (idempotencyKey && this.idempotency?.in === 'query') url.searchParams.set(this.idempotency.name, idempotencyKey);
    return url;
  }

  /**
   * One logical call: answers the provider's response whatever its status (the adapter decides what
   * a 404 means), after retrying what a retry can fix. Throws CircuitOpenError without sending when the
   * breaker is open, ProviderUnreachableError when no attempt got an answer.
   */
  async request(input: HttpRequestInput): Promise<HttpResponse> {
    const method = (input.method ?? (input.json !== undefined || input.body !== undefined ? 'POST' : 'GET')).toUpperCase();
    // Xero creates with PUT: every method but a read carries the key where the provider takes one.
    const idempotencyKey = this.idempotency && !READ_METHODS.has(method) ? (input.idempotencyKey ?? randomUUID()) : null;
    const url = this.buildUrl(input, idempotencyKey);
    const headers: Record<string, string> = { accept: 'application/json' };
    for (const [name, value] of Object.entries({ ...this.options.headers, ...input.headers })) headers[name.toLowerCase()] = value;
    if (idempotencyKey && this.idempotency?.in === 'header') headers[this.idempotency.name.toLowerCase()] = idempotencyKey;
    let body: Buffer | undefined;
    if (input.json !== undefined) {
      body = Buffer.from(JSON.stringify(input.json));
      headers['content-type'] ??= 'application/json';
    } else if (input.body !== undefined) {
      body = Buffer.isBuffer(input.body) ? input.body : Buffer.from(input.body);
    }
    // Safe to repeat: an idempotent method, or a write the provider deduplicates by its key.
    const repeatable = SAFE_METHODS.has(method) || idempotencyKey !== null;

    const gate = await this.enter();
    try {
      return await this.attempt(gate, { method, url, headers, body, repeatable, input });
    } finally {
      if (gate.mode === 'probe') localProbes.delete(this.probeKey());
    }
  }

  private async attempt(
    gate: Gate,
    call: { method: string; url: URL; headers: Record<string, string>; body: Buffer | undefined; repeatable: boolean; input: HttpRequestInput },
  ): Promise<HttpResponse> {
    const { method, url, headers, body, repeatable, input } = call;
    const retries = gate.mode === 'probe' ? 0 : this.retry.retries;
    const tokens = this.options.tokens;
    let token = tokens ? await tokens.accessToken(this.ref) : null;
    let refreshed = false;
    let attempts = 0;
    let lastError: unknown = null;
    for (let retry = 0; ; ) {
      attempts += 1;
      const timeout = AbortSignal.timeout(input.timeoutMs ?? this.options.timeoutMs ?? 15_000);
      const signal = input.signal ? AbortSignal.any([input.signal, timeout]) : timeout;
      let response: TransportResponse;
      try {
        response = await this.transport({
          method,
          url,
          headers: token ? { ...headers, authorization: `Bearer ${token}` } : headers,
          ...(body ? { body } : {}),
          signal,
        });
      } catch (error) {
        lastError = error;
        if (input.signal?.aborted) throw error;
        if (repeatable && retry < retries) {
          await this.sleep(backoffDelay(retry, this.retry, this.random));
          retry += 1;
          continue;
        }
        const message = `${this.options.provider} did not answer: ${errorMessage(error)}`;
        await this.settle(gate, { message, providerCode: 'unreachable' });
        throw new ProviderUnreachableError(message, attempts, lastError);
      }

      if (response.status === 401 && tokens && token && !refreshed) {
        refreshed = true;
        token = await tokens.accessToken(this.ref, { rejectedToken: token });
        continue;
      }
      if (RETRYABLE_STATUSES.has(response.status) || response.status >= 500) {
        const retryAfter = parseRetryAfter(response.headers['retry-after'], this.now());
        // A write the provider cannot deduplicate is repeated only when the server refused it unread.
        const mayRepeat = RETRYABLE_STATUSES.has(response.status) && (repeatable || REFUSED_STATUSES.has(response.status));
        if (mayRepeat && retry < retries && (retryAfter === null || retryAfter <= this.retry.maxRetryAfterMs)) {
          // The provider's Retry-After is the floor; without one, full jitter.
          await this.sleep(retryAfter ?? backoffDelay(retry, this.retry, this.random));
          retry += 1;
          continue;
        }
        await this.settle(gate, {
          message: `${this.options.provider} answered ${response.status}`,
          providerCode: String(response.status),
          ...(retryAfter !== null ? { retryAt: new Date(this.now().getTime() + retryAfter) } : {}),
        });
        return responseOf(response, attempts);
      }
      if (response.status === 401) {
        await this.settle(gate, { message: `${this.options.provider} refused the credentials (401)`, providerCode: '401' });
        return responseOf(response, attempts);
      }
      // 2xx, 3xx and the caller's own 4xx mistakes: the connection works.
      await this.settle(gate, null);
      return responseOf(response, attempts);
    }
  }
}
