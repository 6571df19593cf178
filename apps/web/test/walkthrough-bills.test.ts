/**
 * The bills walk-through in a real browser: Chromium (playwright-core) against the real host
 * serving the freshly built SPA and a fresh database. The owner invites an admin, adds a vendor,
 * sets an approval policy (bills from 1,000.00 need an admin) and receives a bill over that
 * threshold, submitting it; the admin finds it in their approval inbox, approves it on the bill
 * page and both see it approved, with the decision in the bill's history. Screenshots:
 * test-artifacts/web/NN-bills-*.png. (Pushing the bill to a ledger is not built yet.)
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { artifactsDir, buildWeb, launchBrowser, screenshot, startHost, type Host } from './harness.ts';

const owner = { name: 'Olga Owner', email: `olga.${Date.now()}@example.com`, password: 'correct horse battery', org: 'Harbour Books' };
const approver = { name: 'Arun Admin', email: `arun.${Date.now()}@example.com`, password: 'another horse battery' };

let database: TestDatabase;
let host: Host;
let browser: Browser;
let ownerContext: BrowserContext;
let approverContext: BrowserContext;
let page: Page;
let approverPage: Page;
let billUrl = '';

/** Calls a tRPC procedure from the page, with the page's session cookie (same origin, plain JSON). */
async function call<T>(on: Page, procedure: string, input: unknown): Promise<T> {
  return on.evaluate(
    async ({ procedure, input }) => {
      const response = await fetch(`/trpc/${procedure}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input) });
      const body = (await response.json()) as { result?: { data: unknown }; error?: unknown };
      if (!response.ok) throw new Error(`${procedure}: ${JSON.stringify(body.error)}`);
      return body.result?.data;
    },
    { procedure, input },
  ) as Promise<T>;
}

describe('bills walk-through (real browser)', () => {
  beforeAll(async () => {
    mkdirSync(artifactsDir, { recursive: true });
    for (const entry of readdirSync(artifactsDir, { withFileTypes: true }).filter((e) => e.isFile() && /^\d+-bills-.*\.png$/.test(e.name))) {
      rmSync(path.join(artifactsDir, entry.name));
    }
    await buildWeb();
    database = await createTestDatabase();
    host = await startHost({ DATABASE_URL: database.ownerUrl, DATABASE_APP_URL: database.appUrl }, 'host-bills.log');
    browser = await launchBrowser();
    ownerContext = await browser.newContext({ viewport: { width: 1360, height: 900 }, baseURL: host.url });
    page = await ownerContext.newPage();
    page.setDefaultTimeout(15_000);
    approverContext = await browser.newContext({ viewport: { width: 1360, height: 900 }, baseURL: host.url });
    approverPage = await approverContext.newPage();
    approverPage.setDefaultTimeout(15_000);
  }, 180_000);

  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    const name = context.task.name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-');
    if (page) await screenshot(page, `bills-FAILED-owner-${name}`).catch(() => {});
    if (approverPage) await screenshot(approverPage, `bills-FAILED-approver-${name}`).catch(() => {});
  });

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await host?.stop();
    await database?.drop();
  }, 60_000);

  it('the owner signs up and invites an admin, who joins', async () => {
    await page.goto('/signup');
    await page.getByLabel('Your name').fill(owner.name);
    await page.getByLabel('Work email').fill(owner.email);
    await page.getByLabel('Password').fill(owner.password);
    await page.getByLabel('Organization name').fill(owner.org);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByTestId('org-switcher').filter({ hasText: owner.org }).waitFor();
    const invitation = await call<{ acceptUrl: string }>(page, 'identity.invitations.create', { email: approver.email, role: 'admin' });
    const url = new URL(invitation.acceptUrl, host.url);
    await approverPage.goto(`${url.pathname}${url.hash}`);
    await approverPage.getByLabel('Your name').fill(approver.name);
    await approverPage.getByLabel('Choose a password').fill(approver.password);
    await approverPage.getByRole('button', { name: 'Accept and create account' }).click();
    await approverPage.waitForURL((current) => current.pathname === '/');
  }, 120_000);

  it('adds a vendor and an approval policy: from 1,000.00 an admin approves', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Bills' }).click();
    await page.waitForURL(/\/bills$/);
    await page.getByText('No bills yet').waitFor();
    await page.getByRole('tab', { name: 'Vendors' }).click();
    await page.getByText('No vendors yet').waitFor();
    await page.getByLabel('New vendor').fill('Paper Mill Ltd');
    await page.getByRole('button', { name: 'Add vendor' }).click();
    await page.getByRole('list', { name: 'Vendors' }).getByText('Paper Mill Ltd').waitFor();

    await page.getByRole('tab', { name: 'Approval policy' }).click();
    await page.getByText('Every bill is approved as soon as it is submitted.').waitFor();
    await page.getByRole('button', { name: 'Add a rule' }).click();
    const rule = page.getByRole('group', { name: 'Rule 1' });
    await rule.getByLabel('Name').fill('Over 1,000');
    await rule.getByLabel('From amount').fill('1000');
    await rule.getByLabel('Currency').fill('USD');
    await expect.poll(() => rule.getByLabel('Rule 1 step 1 role').inputValue()).toBe('admin');
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByText('Approval policy saved').waitFor();
    await screenshot(page, 'bills-policy');
  }, 60_000);

  it('receives a bill over the threshold and sends it for approval', async () => {
    await page.getByRole('tab', { name: 'Bills' }).click();
    await page.getByRole('button', { name: 'New bill' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Vendor').selectOption({ label: 'Paper Mill Ltd' });
    await dialog.getByLabel('Bill number').fill('PM-2041');
    await dialog.getByLabel('Line 1 description').fill('Printing paper, 40 boxes');
    await dialog.getByLabel('Line 1 amount').fill('1250.40');
    await dialog.getByRole('button', { name: 'Add a line' }).click();
    await dialog.getByLabel('Line 2 description').fill('Delivery');
    await dialog.getByLabel('Line 2 amount').fill('35');
    await dialog.getByRole('button', { name: 'Save and submit' }).click();
    await page.waitForURL(/\/bills\/[0-9a-f-]{36}$/);
    billUrl = new URL(page.url()).pathname;
    await page.getByRole('heading', { name: 'Bill PM-2041 from Paper Mill Ltd' }).waitFor();
    await page.getByText('Waiting for approval').first().waitFor();
    await page.getByText('USD 1,285.40').first().waitFor();
    await page.getByText('Step 1 of 1: waiting for someone with the admin role').first().waitFor();
    // The submitter has nothing to decide.
    expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    await screenshot(page, 'bills-submitted');
  }, 60_000);

  it('the admin approves it from their approval inbox and both see it approved', async () => {
    await approverPage.goto('/bills?tab=approvals');
    const inbox = approverPage.getByRole('list', { name: 'Approvals waiting for me' });
    await inbox.getByRole('link', { name: 'Paper Mill Ltd · bill PM-2041' }).click();
    await approverPage.waitForURL((current) => current.pathname === billUrl);
    await approverPage.getByText('You are deciding on version 1 of this bill.', { exact: false }).waitFor();
    await screenshot(approverPage, 'bills-decision');
    await approverPage.getByRole('button', { name: 'Approve' }).click();
    await approverPage.getByText('Approved by Arun Admin', { exact: false }).waitFor();
    expect(await approverPage.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    await approverPage.goto('/bills?tab=approvals');
    await approverPage.getByText('Nothing to approve').waitFor();

    await page.goto('/bills');
    const row = page.locator('[data-bill-row="PM-2041"]');
    await row.getByText('Approved').waitFor();
    await screenshot(page, 'bills-approved');
  }, 60_000);

  it('changing the approved amount re-opens approval: version 2 waits for the admin again', async () => {
    await page.goto(billUrl);
    await page.getByRole('button', { name: 'Change' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Line 2 amount').fill('135');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Bill changed: approval starts again').waitFor();
    await page.getByText('USD 1,385.40').first().waitFor();
    await page.getByText('version 2').first().waitFor();
    await page.getByText('Void (the bill changed)').waitFor();
    await screenshot(page, 'bills-reopened');
    await approverPage.goto(billUrl);
    await approverPage.getByText('You are deciding on version 2 of this bill.', { exact: false }).waitFor();
    await approverPage.getByRole('button', { name: 'Approve' }).click();
    await approverPage.getByText('Approved', { exact: true }).first().waitFor();
    await page.reload();
    await expect.poll(() => page.getByText('Waiting for approval').count()).toBe(0);
  }, 60_000);
});
