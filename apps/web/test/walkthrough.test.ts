/**
 * The staff app walk-through in a real browser: Chromium driven by playwright-core against the
 * real host (`node apps/api/src/main.ts`) serving the freshly built SPA on a fresh database.
 * Screenshots of each step: test-artifacts/web/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { buildWeb, launchBrowser, screenshot, startHost, type Host } from './harness.ts';

const owner = { name: 'Olivia Owner', email: `olivia.${Date.now()}@example.com`, password: 'correct horse battery', org: 'Northwind Studio' };
const viewer = { name: 'Victor Viewer', email: `victor.${Date.now()}@example.com`, password: 'viewer password 123' };

let database: TestDatabase;
let host: Host;
let browser: Browser;
let ownerContext: BrowserContext;
let page: Page;

describe('staff app walk-through (real browser)', () => {
  beforeAll(async () => {
    await buildWeb();
    database = await createTestDatabase();
    host = await startHost({ DATABASE_URL: database.ownerUrl, DATABASE_APP_URL: database.appUrl });
    browser = await launchBrowser();
    ownerContext = await browser.newContext({ viewport: { width: 1360, height: 860 }, baseURL: host.url });
    page = await ownerContext.newPage();
    page.setDefaultTimeout(15_000);
  }, 180_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await host?.stop();
    await database?.drop();
  }, 60_000);

  it('redirects a signed-out visitor to the login page', async () => {
    await page.goto('/clients');
    await page.waitForURL(/\/login\?next=%2Fclients/);
    await expect(page.getByRole('heading', { name: 'Log in' }).isVisible()).resolves.toBe(true);
  });

  it('shows the server validation error on the right field, then signs up', async () => {
    await page.goto('/signup');
    await page.getByLabel('Your name').fill(owner.name);
    await page.getByLabel('Work email').fill(owner.email);
    await page.getByLabel('Password').fill('short');
    await page.getByLabel('Organization name').fill(owner.org);
    await page.getByRole('button', { name: 'Create account' }).click();
    const passwordError = page.locator('[data-field-error="password"]');
    await passwordError.waitFor();
    expect(await passwordError.textContent()).toMatch(/10 characters/);
    await screenshot(page, 'signup-validation');

    await page.getByLabel('Password').fill(owner.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByTestId('org-switcher').filter({ hasText: owner.org }).waitFor();
    await page.getByRole('heading', { name: /Good (morning|afternoon|evening), Olivia/ }).waitFor();
    await screenshot(page, 'home-after-signup');
  }, 30_000);

  it('logs out and logs back in', async () => {
    await page.getByTestId('user-menu').click();
    await page.getByRole('menuitem', { name: 'Log out' }).click();
    await page.waitForURL(/\/login/);
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill(owner.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByTestId('org-switcher').filter({ hasText: owner.org }).waitFor();
  }, 30_000);

  it('invites a viewer, who accepts on the invitation page and sees no edit controls', async () => {
    await page.goto('/settings?tab=invitations');
    await page.getByRole('button', { name: 'Invite member' }).click();
    await page.getByLabel('Email').fill(viewer.email);
    await page.getByLabel('Role').selectOption('viewer');
    await page.getByRole('button', { name: 'Create invitation' }).click();
    const linkInput = page.getByTestId('invite-link');
    await linkInput.waitFor();
    const link = await linkInput.inputValue();
    expect(link).toMatch(/(\/invite\/|\/accept-invitation#token=)[a-z2-7]{32}$/);
    await screenshot(page, 'invitation-created');
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('cell', { name: viewer.email }).waitFor();

    const viewerContext = await browser.newContext({ viewport: { width: 1360, height: 860 }, baseURL: host.url });
    const viewerPage = await viewerContext.newPage();
    viewerPage.setDefaultTimeout(15_000);
    try {
      // Opening the link (GET) only previews: the token is consumed by the POST on accept.
      const accept = new URL(link);
      await viewerPage.goto(accept.pathname + accept.hash);
      await viewerPage.getByRole('heading', { name: `Join ${owner.org}` }).waitFor();
      await viewerPage.reload();
      await viewerPage.getByRole('heading', { name: `Join ${owner.org}` }).waitFor();
      await screenshot(viewerPage, 'invitation-preview');
      await viewerPage.getByLabel('Your name').fill(viewer.name);
      await viewerPage.getByLabel('Choose a password').fill(viewer.password);
      await viewerPage.getByRole('button', { name: 'Accept and create account' }).click();
      await viewerPage.getByTestId('org-switcher').filter({ hasText: owner.org }).waitFor();

      // A viewer reads the members list but gets no management controls.
      await viewerPage.goto('/settings');
      await viewerPage.getByRole('cell', { name: owner.email }).waitFor();
      expect(await viewerPage.getByRole('tab', { name: 'Invitations' }).count()).toBe(0);
      expect(await viewerPage.getByRole('button', { name: 'Remove' }).count()).toBe(0);
      expect(await viewerPage.getByRole('combobox').count()).toBe(0);
      await screenshot(viewerPage, 'viewer-settings-read-only');

      // The owner sees the invitation accepted.
      await page.reload();
      await page.getByRole('cell', { name: viewer.email }).waitFor();
      await page.getByText('accepted').first().waitFor();
    } finally {
      await viewerContext.close();
    }
  }, 60_000);
});
