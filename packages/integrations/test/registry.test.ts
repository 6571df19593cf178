// The outbound client on the connections registry's health store: the breaker's state, the failure
// count, the last error and the next retry land on the connection's row (what Settings shows), and
// the connection goes degraded when the breaker opens and connected again when a probe succeeds.
import { randomBytes } from 'node:crypto';
import {
  createConnectionHealthStore,
  createDomainContext,
  createLogger,
  saveOAuthConnection,
  sql,
  uuidv7,
  vaultFromConfig,
  withTenant,
  type ConnectionRef,
} from '@ubos/platform';
import { createTestDatabase, testConfig, type TestDatabase } from '@ubos/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CircuitOpenError, ProviderHttpClient } from '../src/index.ts';
import { FAKE_ACCESS_TOKEN, startXeroFake, type XeroFake } from '../testing/index.ts';

const log = createLogger({ level: 'silent' });
const config = testConfig({ VAULT_KEY: randomBytes(32).toString('hex') });
let testDb: TestDatabase;
let xero: XeroFake;
const tenantId = uuidv7();

beforeAll(async () => {
  testDb = await createTestDatabase();
  xero = await startXeroFake();
});
afterAll(async () => {
  await xero?.stop();
  await testDb?.drop();
});

async function connect(): Promise<ConnectionRef> {
  const connection = await withTenant(testDb.db, { tenantId }, (trx) =>
    saveOAuthConnection(createDomainContext({ trx, tenantId, actorId: null, correlationId: 'test', log }), vaultFromConfig(config), {
      provider: 'xero',
      accountLabel: 'Demo Company (NZ)',
      externalAccountId: xero.tenantId,
      ownerUserId: null,
      scopes: ['accounting.transactions'],
      credentials: { accessToken: FAKE_ACCESS_TOKEN, refreshToken: null, expiresAt: null, tokenType: 'Bearer' },
      connectionId: null,
    }),
  );
  return { tenantId, connectionId: connection.id };
}

async function row(ref: ConnectionRef) {
  return withTenant(testDb.db, { tenantId }, async (trx) => {
    const result = await sql<{
      status: string;
      breaker_state: string;
      consecutive_failures: number;
      last_error_code: string | null;
      next_retry_at: Date | null;
    }>`SELECT status, breaker_state, consecutive_failures, last_error_code, next_retry_at FROM platform.integration_connections WHERE id = ${ref.connectionId}`.execute(
      trx,
    );
    return result.rows[0];
  });
}

describe('the breaker on the connection row', () => {
  it('opens (degraded), refuses unsent, half-opens after the cool-down and closes (connected) on a successful probe', async () => {
    const ref = await connect();
    let clock = new Date();
    const client = new ProviderHttpClient({
      provider: 'xero',
      connection: ref,
      health: createConnectionHealthStore({ db: testDb.db, log }),
      baseUrl: `${xero.url}/api.xro/2.0`,
      headers: { 'xero-tenant-id': xero.tenantId },
      tokens: { accessToken: async () => FAKE_ACCESS_TOKEN },
      retry: { retries: 0 },
      breaker: { failureThreshold: 2, coolDownMs: 60_000 },
      now: () => clock,
    });
    xero.failNext(2, { status: 503 });
    await client.request({ url: 'Contacts' });
    expect(await row(ref)).toMatchObject({ status: 'connected', breaker_state: 'closed', consecutive_failures: 1, last_error_code: '503' });
    await client.request({ url: 'Contacts' });
    const opened = await row(ref);
    expect(opened).toMatchObject({ status: 'degraded', breaker_state: 'open', consecutive_failures: 2 });
    expect(opened?.next_retry_at?.getTime()).toBe(clock.getTime() + 60_000);

    const sent = xero.requests.length;
    await expect(client.request({ url: 'Contacts' })).rejects.toBeInstanceOf(CircuitOpenError);
    expect(xero.requests.length).toBe(sent);

    clock = new Date(clock.getTime() + 60_001);
    expect((await client.request({ url: 'Contacts' })).status).toBe(200);
    expect(await row(ref)).toMatchObject({ status: 'connected', breaker_state: 'closed', consecutive_failures: 0 });
  });
});
