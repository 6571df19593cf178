// The host's default webhook targets: the connections registry with its vaulted webhook secrets.
// A QuickBooks delivery signed with the connection's secret is stored under its tenant; one signed
// with a retired secret, or addressed to another provider's URL, is refused and stores nothing.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDomainContext, createLogger, saveOAuthConnection, setWebhookSecrets, uuidv7, vaultFromConfig, withTenant, type Config } from '@ubos/platform';
import { createTestDatabase, testConfig, type TestDatabase } from '@ubos/platform/testing';
import { startQuickbooksFake, type QuickbooksFake } from '@ubos/integrations/testing';
import { buildServer, type Server } from '../src/server.ts';

const log = createLogger({ level: 'silent' });
const config: Config = testConfig({ RATE_LIMIT_MAX: 10_000, WEB_DIST_DIR: '/nonexistent/ubos-web-dist', VAULT_KEY: randomBytes(32).toString('hex') });
let testDb: TestDatabase;
let admin: pg.Client;
let server: Server;
let quickbooks: QuickbooksFake;
const tenantId = uuidv7();
let connectionId = '';

beforeAll(async () => {
  testDb = await createTestDatabase();
  admin = new pg.Client({ connectionString: testDb.adminUrl });
  await admin.connect();
  quickbooks = await startQuickbooksFake({ verifierToken: `qbo-verifier-${randomBytes(8).toString('hex')}` });
  connectionId = await withTenant(testDb.db, { tenantId }, async (trx) => {
    const ctx = createDomainContext({ trx, tenantId, actorId: null, correlationId: 'test', log });
    const connection = await saveOAuthConnection(ctx, vaultFromConfig(config), {
      provider: 'quickbooks',
      accountLabel: 'Sandbox Company',
      externalAccountId: quickbooks.realmId,
      ownerUserId: null,
      scopes: ['com.intuit.quickbooks.accounting'],
      credentials: { accessToken: 'a', refreshToken: 'r', expiresAt: null, tokenType: 'Bearer' },
      connectionId: null,
    });
    await setWebhookSecrets(ctx, vaultFromConfig(config), connection.id, [quickbooks.verifierToken]);
    return connection.id;
  });
  server = await buildServer({ config, log, db: testDb.db, redis: null, boss: null });
  await server.ready();
});

afterAll(async () => {
  await quickbooks?.stop();
  await server?.close();
  await admin?.end();
  await testDb?.drop();
});

async function stored(): Promise<{ tenant_id: string; provider_event_id: string }[]> {
  const result = await admin.query('SELECT tenant_id, provider_event_id FROM platform.webhook_deliveries WHERE connection_id = $1', [connectionId]);
  return result.rows;
}

describe('webhooks through the connections registry', () => {
  it('stores a delivery signed with the vaulted secret under the connection’s tenant', async () => {
    const delivery = quickbooks.webhook([{ name: 'Customer', id: '42', operation: 'Create' }]);
    const response = await server.inject({ method: 'POST', url: `/webhooks/quickbooks/${connectionId}`, headers: delivery.headers, payload: delivery.body });
    expect(response.statusCode).toBe(200);
    expect(await stored()).toEqual([{ tenant_id: tenantId, provider_event_id: expect.stringContaining(':Customer:42:Create:') }]);
  });

  it('refuses a retired secret and the wrong provider’s URL', async () => {
    const before = (await stored()).length;
    await withTenant(testDb.db, { tenantId }, (trx) =>
      setWebhookSecrets(createDomainContext({ trx, tenantId, actorId: null, correlationId: 'test', log }), vaultFromConfig(config), connectionId, [
        'rotated-secret',
      ]),
    );
    const delivery = quickbooks.webhook([{ name: 'Invoice', id: '43', operation: 'Create' }]);
    const refused = await server.inject({ method: 'POST', url: `/webhooks/quickbooks/${connectionId}`, headers: delivery.headers, payload: delivery.body });
    expect(refused.statusCode).toBe(401);
    const elsewhere = await server.inject({ method: 'POST', url: `/webhooks/xero/${connectionId}`, headers: delivery.headers, payload: delivery.body });
    expect(elsewhere.statusCode).toBe(404);
    expect(await stored()).toHaveLength(before);
  });
});
