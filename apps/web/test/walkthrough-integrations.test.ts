/**
 * Settings → Integrations in a real browser (§7, §9): Chromium against the real host and the
 * OAuth provider fake, both on 127.0.0.1. Connect Google through the fake's authorize page,
 * revoke the grant at the fake, let a refresh hit invalid_grant, and see the dashboard say
 * "Needs reconnecting" with the Reconnect action that fixes it.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ConnectionNeedsReauthError, createAccessTokenSource, createDatabase, createLogger, sql, withTenant } from '@ubos/platform';
import { createTestDatabase, testConfig, type TestDatabase } from '@ubos/platform/testing';
// The provider fake lives with the adapters; apps/web has no package dependency on them.
import { startFakeOAuthProvider, type FakeOAuthProvider } from '../../../packages/integrations/testing/oauth.ts';
import { buildWeb, launchBrowser, screenshot, startHost, type Host } from './harness.ts';

const owner = { name: 'Iris Integrator', email: `iris.${Date.now()}@example.com`, password: 'correct horse battery', org: 'Integrations Studio' };
const VAULT_KEY = randomBytes(32).toString('hex');

let database: TestDatabase;
let fake: FakeOAuthProvider;
let host: Host;
let browser: Browser;
let page: Page;
let settings: Record<string, string>;

async function onlyConnection(): Promise<{ id: string; tenant_id: string }> {
  // As the superuser of the test database (fixtures only): the connection's tenant is what we look up.
  const admin = createDatabase({ connectionString: database.adminUrl, max: 1 });
  try {
    const result = await sql<{ id: string; tenant_id: string }>`SELECT id, tenant_id FROM platform.integration_connections`.execute(admin.kysely);
    expect(result.rows).toHaveLength(1);
    const row = result.rows[0];
    if (!row) throw new Error('no connection');
    return row;
  } finally {
    await admin.close();
  }
}

describe('Settings → Integrations walk-through (real browser)', () => {
  beforeAll(async () => {
    await buildWeb();
    database = await createTestDatabase();
    fake = await startFakeOAuthProvider({ accountEmail: 'iris@integrations.example' });
    settings = {
      VAULT_KEY,
      OAUTH_GOOGLE_CLIENT_ID: 'walkthrough-client',
      OAUTH_GOOGLE_CLIENT_SECRET: 'walkthrough-secret',
      OAUTH_GOOGLE_AUTHORIZE_URL: fake.authorizeUrl,
      OAUTH_GOOGLE_TOKEN_URL: fake.tokenUrl,
    };
    // No PUBLIC_URL: the app sends its own origin, so the callback comes back to this host.
    host = await startHost({ DATABASE_URL: database.ownerUrl, DATABASE_APP_URL: database.appUrl, ...settings }, 'host-integrations.log');
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1360, height: 860 }, baseURL: host.url });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
  }, 180_000);

  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    if (page) await screenshot(page, `FAILED-integrations-${context.task.name.slice(0, 30).replace(/[^a-z0-9]+/gi, '-')}`).catch(() => {});
  });

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await host?.stop();
    await fake?.stop();
    await database?.drop();
  }, 60_000);

  it('signs up and finds the Integrations tab with nothing connected yet', async () => {
    await page.goto('/signup');
    await page.getByLabel('Your name').fill(owner.name);
    await page.getByLabel('Work email').fill(owner.email);
    await page.getByLabel('Password').fill(owner.password);
    await page.getByLabel('Organization name').fill(owner.org);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByTestId('org-switcher').filter({ hasText: owner.org }).waitFor();
    await page.goto('/settings');
    await page.getByRole('tab', { name: 'Integrations' }).click();
    await page.getByText('No accounts connected yet').waitFor();
    await page.getByRole('button', { name: 'Connect Google' }).waitFor();
    // Providers without an OAuth client on this server cannot be started.
    expect(await page.getByRole('button', { name: 'Connect Xero' }).isDisabled()).toBe(true);
    await screenshot(page, 'integrations-empty');
  }, 60_000);

  it('connects Google through the provider fake and shows it connected', async () => {
    await page.getByRole('button', { name: 'Connect Google' }).click();
    // Through the fake's authorize redirect and the host's callback, back to the settings tab.
    await page.waitForURL(/\/settings\?tab=integrations/);
    const row = page.getByTestId('integration-row').filter({ hasText: 'iris@integrations.example' });
    await row.waitFor();
    expect(await row.getByTestId('integration-status').textContent()).toBe('Connected');
    expect(await row.textContent()).toContain('Google');
    expect(fake.codeExchanges()).toBe(1);
    await screenshot(page, 'integrations-connected');
  }, 60_000);

  it('shows "Needs reconnecting" after the provider answers invalid_grant to a refresh, and Reconnect fixes it', async () => {
    const connection = await onlyConnection();
    fake.forceInvalidGrant();
    // A refresh, as any adapter's call would trigger it once the access token is stale.
    await withTenant(database.db, { tenantId: connection.tenant_id }, (trx) =>
      sql`UPDATE platform.integration_connections SET token_expires_at = now() - interval '1 minute' WHERE id = ${connection.id}`.execute(trx),
    );
    const tokens = createAccessTokenSource({ db: database.db, config: testConfig(settings), log: createLogger({ level: 'silent' }) });
    await expect(tokens.accessToken({ tenantId: connection.tenant_id, connectionId: connection.id })).rejects.toBeInstanceOf(ConnectionNeedsReauthError);
    expect(fake.calls.at(-1)?.result).toBe('invalid_grant');

    await page.reload();
    const row = page.getByTestId('integration-row').filter({ hasText: 'iris@integrations.example' });
    await row.getByText('Needs reconnecting').waitFor();
    expect(await row.textContent()).toContain('Reconnect to sign in again');
    await screenshot(page, 'integrations-needs-reconnecting');

    await row.getByRole('button', { name: 'Reconnect' }).click();
    await page.waitForURL(/\/settings\?tab=integrations/);
    await page.getByTestId('integration-row').filter({ hasText: 'iris@integrations.example' }).getByText('Connected', { exact: true }).waitFor();
    expect(await page.getByTestId('integration-row').count()).toBe(1);
    await screenshot(page, 'integrations-reconnected');
  }, 60_000);

  it('disconnects after a confirmation', async () => {
    const row = page.getByTestId('integration-row').filter({ hasText: 'iris@integrations.example' });
    await row.getByRole('button', { name: 'Disconnect' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Disconnect' }).click();
    await page.getByText('No accounts connected yet').waitFor();
  }, 30_000);
});
