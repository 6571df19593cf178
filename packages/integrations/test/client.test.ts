// The outbound client against the QuickBooks and Xero fakes: what arrives at the provider on each
// attempt (idempotency keys, tokens), how long it waits between attempts (Retry-After, full jitter;
// the wait is injected and recorded, never slept), and the breaker's states in the health store.
import type { AccessTokenSource, ConnectionRef } from '@ubos/platform';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CircuitOpenError,
  MemoryHealthStore,
  ProviderHttpClient,
  ProviderUnreachableError,
  type HttpTransport,
  type ProviderHttpClientOptions,
} from '../src/index.ts';
import { FAKE_ACCESS_TOKEN, startQuickbooksFake, startXeroFake, type QuickbooksFake, type XeroFake } from '../testing/index.ts';

let quickbooks: QuickbooksFake;
let xero: XeroFake;
const ref: ConnectionRef = { tenantId: '0190f0c0-0000-7000-8000-000000000001', connectionId: '0190f0c0-0000-7000-8000-0000000000c1' };
const bearer: AccessTokenSource = { accessToken: async () => FAKE_ACCESS_TOKEN };

beforeAll(async () => {
  [quickbooks, xero] = await Promise.all([startQuickbooksFake(), startXeroFake()]);
});
afterAll(async () => {
  await Promise.all([quickbooks?.stop(), xero?.stop()]);
});
beforeEach(() => {
  quickbooks.requests.length = 0;
  xero.requests.length = 0;
});

function harness(options: Partial<ProviderHttpClientOptions> & Pick<ProviderHttpClientOptions, 'provider'>) {
  const waits: number[] = [];
  let clock = new Date('2026-03-01T12:00:00Z');
  const health = new MemoryHealthStore({ now: () => clock });
  const client = new ProviderHttpClient({
    connection: ref,
    health,
    tokens: bearer,
    sleep: async (ms) => {
      waits.push(ms);
    },
    now: () => clock,
    random: () => 0.5,
    ...options,
  });
  return {
    client,
    health,
    waits,
    advance(ms: number) {
      clock = new Date(clock.getTime() + ms);
    },
  };
}

describe('retries', () => {
  it('waits what Retry-After says, in seconds', async () => {
    const { client, waits } = harness({ provider: 'quickbooks', baseUrl: `${quickbooks.url}/v3/company/${quickbooks.realmId}` });
    quickbooks.failNext(2, { status: 429, headers: { 'retry-after': '3' } });
    const response = await client.request({ url: `customer/nope` });
    expect(response.status).toBe(400);
    expect(response.attempts).toBe(3);
    expect(waits).toEqual([3000, 3000]);
    expect(quickbooks.requests.map((request) => request.status)).toEqual([429, 429, 400]);
  });

  it('waits until the Retry-After date', async () => {
    const { client, waits } = harness({ provider: 'xero', baseUrl: `${xero.url}/api.xro/2.0`, headers: { 'xero-tenant-id': xero.tenantId } });
    xero.failNext(1, { status: 503, headers: { 'retry-after': 'Sun, 01 Mar 2026 12:00:07 GMT' } });
    const response = await client.request({ url: 'Contacts' });
    expect(response.status).toBe(200);
    expect(waits).toEqual([7000]);
  });

  it('backs off exponentially with full jitter when the provider gives no Retry-After', async () => {
    const { client, waits } = harness({
      provider: 'xero',
      baseUrl: `${xero.url}/api.xro/2.0`,
      headers: { 'xero-tenant-id': xero.tenantId },
      retry: { baseDelayMs: 100 },
    });
    xero.failNext(3, { status: 502 });
    await client.request({ url: 'Contacts' });
    // random() = 0.5 of the ceilings 100, 200, 400.
    expect(waits).toEqual([50, 100, 200]);
  });

  it('gives up on a Retry-After longer than it may wait, and records when to try again', async () => {
    const { client, health, waits } = harness({ provider: 'xero', baseUrl: `${xero.url}/api.xro/2.0`, headers: { 'xero-tenant-id': xero.tenantId } });
    xero.failNext(1, { status: 429, headers: { 'retry-after': '3600' } });
    const response = await client.request({ url: 'Contacts' });
    expect(response.status).toBe(429);
    expect(waits).toEqual([]);
    expect(health.health(ref).nextRetryAt?.toISOString()).toBe('2026-03-01T13:00:00.000Z');
    expect(health.health(ref).lastError).toMatchObject({ providerCode: '429' });
  });

  it('does not repeat a write the provider cannot deduplicate after a server error, but does after a refusal', async () => {
    const harnessed = harness({ provider: 'quickbooks', idempotency: null, baseUrl: `${quickbooks.url}/v3/company/${quickbooks.realmId}` });
    const { client } = harnessed;
    const { health } = harnessed;
    quickbooks.failNext(1, { status: 500 });
    expect((await client.request({ url: 'customer', json: { DisplayName: 'Once' } })).status).toBe(500);
    expect(quickbooks.requests).toHaveLength(1);
    // Not repeated, but a failure of the connection all the same.
    expect(health.health(ref)).toMatchObject({ failures: 1, successes: 0, lastError: { providerCode: '500' } });
    quickbooks.failNext(1, { status: 503, headers: { 'retry-after': '1' } });
    expect((await client.request({ url: 'customer', json: { DisplayName: 'Twice' } })).status).toBe(200);
    expect(quickbooks.requests).toHaveLength(3);
  });

  it('times out each attempt and reports the provider unreachable after the last', async () => {
    const hanging: HttpTransport = (request) =>
      new Promise((_resolve, reject) => {
        request.signal?.addEventListener('abort', () => reject(request.signal?.reason));
      });
    const { client, health, waits } = harness({ provider: 'google', transport: hanging, timeoutMs: 20, retry: { retries: 2 } });
    await expect(client.request({ url: 'https://gmail.example/gmail/v1/users/me/profile' })).rejects.toBeInstanceOf(ProviderUnreachableError);
    expect(waits).toHaveLength(2);
    expect(health.health(ref).lastError).toMatchObject({ providerCode: 'unreachable', message: expect.stringMatching(/timed out/) });
  });
});

describe('idempotency keys', () => {
  it('QuickBooks: the same requestid on every attempt, and a repeated call creates nothing', async () => {
    const { client } = harness({ provider: 'quickbooks', baseUrl: `${quickbooks.url}/v3/company/${quickbooks.realmId}` });
    const before = quickbooks.created.length;
    quickbooks.failNext(2, { status: 503 });
    const first = await client.request({ method: 'POST', url: 'customer', json: { DisplayName: 'Acme' }, idempotencyKey: 'run-1:step-a' });
    expect(first.status).toBe(200);
    expect(quickbooks.requests.map((request) => request.query.requestid)).toEqual(['run-1:step-a', 'run-1:step-a', 'run-1:step-a']);
    const again = await client.request({ method: 'POST', url: 'customer', json: { DisplayName: 'Acme' }, idempotencyKey: 'run-1:step-a' });
    expect(again.json()).toEqual(first.json());
    expect(quickbooks.created.length - before).toBe(1);
  });

  it('QuickBooks: a write without a key gets one generated once, kept across retries', async () => {
    const { client } = harness({ provider: 'quickbooks', baseUrl: `${quickbooks.url}/v3/company/${quickbooks.realmId}` });
    quickbooks.failNext(1, { status: 504 });
    await client.request({ url: 'invoice', json: { CustomerRef: { value: '100' }, Line: [] } });
    const keys = quickbooks.requests.map((request) => request.query.requestid);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
  });

  it('Xero: the same Idempotency-Key header on every attempt (PUT creates in Xero), and a repeat creates nothing', async () => {
    const { client } = harness({ provider: 'xero', baseUrl: `${xero.url}/api.xro/2.0`, headers: { 'xero-tenant-id': xero.tenantId } });
    const before = xero.created.length;
    xero.failNext(2, { status: 429, headers: { 'retry-after': '1' } });
    const input = { method: 'PUT', url: 'Contacts', json: { Contacts: [{ Name: 'Acme Ltd' }] }, idempotencyKey: 'invoice-sync-42' };
    const response = await client.request(input);
    expect(response.status).toBe(200);
    expect(xero.requests.map((request) => request.headers['idempotency-key'])).toEqual(['invoice-sync-42', 'invoice-sync-42', 'invoice-sync-42']);
    const again = await client.request(input);
    expect(again.json()).toEqual(response.json());
    expect(xero.created.length - before).toBe(1);
    expect(xero.contacts.size).toBe(xero.created.filter((entry) => entry.kind === 'Contact').length);
  });

  it('reads carry no idempotency key', async () => {
    const { client } = harness({ provider: 'xero', baseUrl: `${xero.url}/api.xro/2.0`, headers: { 'xero-tenant-id': xero.tenantId } });
    await client.request({ url: 'Contacts' });
    expect(xero.requests[0]?.headers['idempotency-key']).toBeUndefined();
  });
});

describe('bearer tokens', () => {
  it('refreshes once on 401 and repeats the call with the new token', async () => {
    const asked: (string | undefined)[] = [];
    const tokens: AccessTokenSource = {
      async accessToken(_ref, options) {
        asked.push(options?.rejectedToken);
        return options?.rejectedToken ? FAKE_ACCESS_TOKEN : 'expired-token';
      },
    };
    const { client } = harness({ provider: 'quickbooks', tokens, baseUrl: `${quickbooks.url}/v3/company/${quickbooks.realmId}` });
    const response = await client.request({ url: 'cdc', query: { entities: 'Customer', changedSince: '2026-01-01T00:00:00Z' } });
    expect(response.status).toBe(200);
    expect(asked).toEqual([undefined, 'expired-token']);
    expect(quickbooks.requests.map((request) => [request.headers.authorization, request.status])).toEqual([
      ['Bearer expired-token', 401],
      [`Bearer ${FAKE_ACCESS_TOKEN}`, 200],
    ]);
  });

  it('answers the second 401 and records the connection as refused', async () => {
    const { client, health } = harness({
      provider: 'quickbooks',
      tokens: { accessToken: async () => 'revoked' },
      baseUrl: `${quickbooks.url}/v3/company/${quickbooks.realmId}`,
    });
    const response = await client.request({ url: 'customer/1' });
    expect(response.status).toBe(401);
    expect(quickbooks.requests).toHaveLength(2);
    expect(health.health(ref).lastError).toMatchObject({ providerCode: '401' });
  });
});

describe('the circuit breaker', () => {
  it('opens after N consecutive failures, refuses without calling, half-opens one probe after the cool-down, closes on success', async () => {
    const { client, health, advance } = harness({
      provider: 'xero',
      baseUrl: `${xero.url}/api.xro/2.0`,
      headers: { 'xero-tenant-id': xero.tenantId },
      retry: { retries: 0 },
      breaker: { failureThreshold: 3, coolDownMs: 30_000 },
    });
    xero.failNext(3, { status: 500 });
    for (let n = 0; n < 3; n += 1) expect((await client.request({ url: 'Contacts' })).status).toBe(500);
    expect(health.health(ref)).toMatchObject({ breaker: { state: 'open', consecutiveFailures: 3 }, failures: 3, successes: 0 });
    expect(health.health(ref).nextRetryAt?.toISOString()).toBe('2026-03-01T12:00:30.000Z');

    await expect(client.request({ url: 'Contacts' })).rejects.toBeInstanceOf(CircuitOpenError);
    expect(xero.requests).toHaveLength(3);

    advance(30_001);
    // Two callers after the cool-down: exactly one is the probe, the other is refused unsent.
    const results = await Promise.allSettled([client.request({ url: 'Contacts' }), client.request({ url: 'Contacts' })]);
    expect(results.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(results.find((result) => result.status === 'rejected')).toMatchObject({ reason: expect.any(CircuitOpenError) });
    expect(xero.requests).toHaveLength(4);
    expect(health.health(ref)).toMatchObject({ breaker: { state: 'closed', consecutiveFailures: 0 }, failures: 3, successes: 1 });
    expect(health.health(ref).transitions).toEqual(['closed', 'open', 'half_open', 'closed']);
  });

  it('a failed probe opens it again for another cool-down', async () => {
    const { client, health, advance } = harness({
      provider: 'xero',
      connection: { ...ref, connectionId: '0190f0c0-0000-7000-8000-0000000000c2' },
      baseUrl: `${xero.url}/api.xro/2.0`,
      headers: { 'xero-tenant-id': xero.tenantId },
      retry: { retries: 3 },
      breaker: { failureThreshold: 1, coolDownMs: 1000 },
    });
    const other = { ...ref, connectionId: '0190f0c0-0000-7000-8000-0000000000c2' };
    xero.failNext(4, { status: 503 });
    await client.request({ url: 'Contacts' });
    expect(health.health(other).breaker.state).toBe('open');
    advance(1001);
    xero.failNext(1, { status: 503 });
    xero.requests.length = 0;
    expect((await client.request({ url: 'Contacts' })).status).toBe(503);
    // The probe is a single attempt: no retries while half-open.
    expect(xero.requests).toHaveLength(1);
    expect(health.health(other).transitions).toEqual(['closed', 'open', 'half_open', 'open']);
    await expect(client.request({ url: 'Contacts' })).rejects.toBeInstanceOf(CircuitOpenError);
  });

  it('a 4xx of the caller is not a connection failure', async () => {
    const { client, health } = harness({
      provider: 'quickbooks',
      breaker: { failureThreshold: 1 },
      baseUrl: `${quickbooks.url}/v3/company/${quickbooks.realmId}`,
    });
    expect((await client.request({ url: 'customer', json: {} })).status).toBe(400);
    expect(health.health(ref).breaker.state).toBe('closed');
  });
});
