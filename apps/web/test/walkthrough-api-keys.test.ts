/**
 * Settings → API keys in a real browser (issue 18, §7): an owner creates a key, sees its secret
 * once, a script calls UBOS with it (Authorization: Bearer), the list shows it used and the
 * timeline names the key as the one who acted; revoking it refuses its next call.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { buildWeb, launchBrowser, screenshot, startHost, type Host } from './harness.ts';

const owner = { name: 'Kai Keymaker', email: `kai.${Date.now()}@example.com`, password: 'correct horse battery', org: 'Keys Studio' };

let database: TestDatabase;
let host: Host;
let browser: Browser;
let page: Page;
let secret = '';

async function scriptCall(path: string, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${host.url}/trpc/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
    body: JSON.stringify(body),
  });
}

describe('Settings → API keys walk-through (real browser)', () => {
  beforeAll(async () => {
    await buildWeb();
    database = await createTestDatabase();
    host = await startHost({ DATABASE_URL: database.ownerUrl, DATABASE_APP_URL: database.appUrl }, 'host-api-keys.log');
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1360, height: 860 }, baseURL: host.url });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
  }, 180_000);

  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    if (page) await screenshot(page, `FAILED-api-keys-${context.task.name.slice(0, 30).replace(/[^a-z0-9]+/gi, '-')}`).catch(() => {});
  });

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await host?.stop();
    await database?.drop();
  }, 60_000);

  it('signs up and finds the API keys tab empty', async () => {
    await page.goto('/signup');
    await page.getByLabel('Your name').fill(owner.name);
    await page.getByLabel('Work email').fill(owner.email);
    await page.getByLabel('Password').fill(owner.password);
    await page.getByLabel('Organization name').fill(owner.org);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByTestId('org-switcher').filter({ hasText: owner.org }).waitFor();
    await page.goto('/settings');
    await page.getByRole('tab', { name: 'API keys' }).click();
    await page.getByText('No API keys yet').waitFor();
  }, 60_000);

  it('creates a key scoped to the member role and shows its secret once, with a copy button', async () => {
    await page.getByRole('button', { name: 'Create API key' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('Nightly import');
    await dialog.getByLabel('Role').selectOption('member');
    await dialog.getByLabel('Expires in').selectOption('30');
    await dialog.getByRole('button', { name: 'Create key' }).click();
    const shown = dialog.getByTestId('api-key-secret');
    await shown.waitFor();
    secret = await shown.inputValue();
    expect(secret).toMatch(/^ubos_[a-z2-7]{52}$/);
    await dialog.getByRole('button', { name: 'Copy secret' }).waitFor();
    await screenshot(page, 'api-keys-secret-once');
    await dialog.getByRole('button', { name: 'Done' }).click();
    const row = page.getByRole('row').filter({ hasText: 'Nightly import' });
    await row.waitFor();
    expect(await row.textContent()).toContain('Never');
    expect(await row.textContent()).toContain(secret.slice(0, 13));
    expect(await page.content()).not.toContain(secret);
  }, 60_000);

  it("a script's call with the key shows as used, and the timeline names the key", async () => {
    const created = await scriptCall('crm.clients.create', { name: 'Imported by the key' });
    expect(created.status).toBe(200);
    await page.reload();
    const row = page.getByRole('row').filter({ hasText: 'Nightly import' });
    await row.waitFor();
    expect(await row.textContent()).not.toContain('Never');
    await page.goto('/timeline');
    const entry = page.getByTestId('timeline').locator('li[data-event-type="crm.client.created"]');
    await entry.filter({ hasText: 'Nightly import (API key)' }).waitFor({ timeout: 30_000 });
    await screenshot(page, 'api-keys-timeline');
  }, 60_000);

  it('revokes the key; its next call is refused', async () => {
    await page.goto('/settings?tab=apiKeys');
    await page.getByRole('button', { name: 'Revoke Nightly import' }).click();
    await page.getByRole('row').filter({ hasText: 'Nightly import' }).getByText('revoked').waitFor();
    const refused = await scriptCall('crm.clients.create', { name: 'After revoke' });
    expect(refused.status).toBe(401);
  }, 60_000);
});
