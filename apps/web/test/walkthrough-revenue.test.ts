/**
 * The revenue walk-through in a real browser: Chromium (playwright-core) against the real host
 * serving the freshly built SPA, a fresh database and a local blob store. Staff create a client,
 * draft an invoice in the editor (live totals from computeInvoice, the same as the PDF's), issue
 * it (INV-0001, its PDF stored through files), open the PDF, record a payment, see the invoice
 * paid, and read "paid in full" on the client's timeline. Screenshots:
 * test-artifacts/web/NN-revenue-*.png.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { artifactsDir, buildWeb, launchBrowser, screenshot, startHost, type Host } from './harness.ts';

const owner = { name: 'Rita Revenue', email: `rita.${Date.now()}@example.com`, password: 'correct horse battery', org: 'Ledgerline Advisory' };
const clientName = 'Harbor Coffee Roasters';

let database: TestDatabase;
let host: Host;
let browser: Browser;
let staff: BrowserContext;
let page: Page;
let dataDir = '';
let clientUrl = '';
let invoiceUrl = '';

describe('revenue walk-through (real browser)', () => {
  beforeAll(async () => {
    mkdirSync(artifactsDir, { recursive: true });
    for (const name of readdirSync(artifactsDir, { withFileTypes: true }).filter((e) => e.isFile() && /^\d+-revenue-.*\.png$/.test(e.name))) {
      rmSync(path.join(artifactsDir, name.name));
    }
    await buildWeb();
    database = await createTestDatabase();
    dataDir = mkdtempSync(path.join(tmpdir(), 'ubos-revenue-walk-'));
    host = await startHost({ DATABASE_URL: database.ownerUrl, DATABASE_APP_URL: database.appUrl, DATA_DIR: dataDir, BLOB_STORE: 'local' }, 'host-revenue.log');
    browser = await launchBrowser();
    staff = await browser.newContext({ viewport: { width: 1360, height: 900 }, baseURL: host.url });
    page = await staff.newPage();
    page.setDefaultTimeout(15_000);
  }, 180_000);

  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    const name = context.task.name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-');
    if (page) await screenshot(page, `revenue-FAILED-${name}`).catch(() => {});
  });

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await host?.stop();
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('signs up and creates a client', async () => {
    await page.goto('/signup');
    await page.getByLabel('Your name').fill(owner.name);
    await page.getByLabel('Work email').fill(owner.email);
    await page.getByLabel('Password').fill(owner.password);
    await page.getByLabel('Organization name').fill(owner.org);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByTestId('org-switcher').filter({ hasText: owner.org }).waitFor();
    await page.goto('/clients');
    await page.getByRole('button', { name: 'New client' }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill(clientName);
    await dialog.getByRole('button', { name: 'Create client' }).click();
    await page.waitForURL(/\/clients\/[0-9a-f-]{36}$/);
    clientUrl = new URL(page.url()).pathname;
  });

  it('drafts an invoice with live totals and issues it', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Revenue' }).click();
    await page.waitForURL(/\/revenue\/invoices$/);
    await page.getByText('No invoices yet').waitFor();
    await page.getByRole('button', { name: 'New invoice' }).click();
    await page.waitForURL(/\/revenue\/invoices\/new$/);
    await page
      .getByPlaceholder(/search/i)
      .first()
      .fill('Harbor');
    await page
      .getByRole('option', { name: new RegExp(clientName) })
      .first()
      .click();
    await page.getByLabel('Line 1 description').fill('Brand strategy workshop');
    await page.getByLabel('Line 1 quantity').fill('2.5');
    await page.getByLabel('Line 1 unit price').fill('480');
    await page.getByRole('button', { name: 'Add tax' }).click();
    await page.getByLabel('Tax 1 name').fill('VAT');
    await page.getByLabel('Tax 1 rate').fill('19');
    // 2.5 × 480.00 = 1,200.00; VAT 19% = 228.00; total 1,428.00 — computeInvoice in the browser.
    const totals = page.getByTestId('live-totals');
    await totals.getByText('USD 1,428.00').waitFor();
    await expect(totals.textContent()).resolves.toContain('VAT 19%USD 228.00');
    await screenshot(page, 'revenue-editor');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.waitForURL(/\/revenue\/invoices\/[0-9a-f-]{36}$/);
    invoiceUrl = new URL(page.url()).pathname;
    await page.getByRole('heading', { name: /Draft invoice/ }).waitFor();
    await page.getByRole('button', { name: 'Issue invoice' }).click();
    await page.getByRole('heading', { name: /Invoice INV-0001/ }).waitFor();
    await page.getByTestId('invoice-balance').getByText('USD 1,428.00').waitFor();
    await screenshot(page, 'revenue-issued');
  });

  it('opens the stored PDF', async () => {
    // The button asks revenue.invoices.pdfUrl for a short-lived signed URL of the stored file and opens it.
    const answer = page.waitForResponse((res) => res.url().includes('revenue.invoices.pdfUrl'));
    const popup = page.waitForEvent('popup').catch(() => null);
    await page.getByRole('button', { name: 'Download PDF' }).click();
    const body = (await (await answer).json()) as
      | { result?: { data?: { url?: string; filename?: string } } }
      | { result?: { data?: { url?: string; filename?: string } } }[];
    const data = (Array.isArray(body) ? body[0] : body)?.result?.data;
    expect(data?.filename).toBe('INV-0001.pdf');
    const url = data?.url ?? '';
    expect(url).not.toMatch(/^data:/);
    await (await popup)?.close().catch(() => {});
    // The signed URL of the file files stored at issue; fetched here to read what it serves.
    const served = await page.evaluate(async (href) => {
      const res = await fetch(href);
      const bytes = new Uint8Array(await res.arrayBuffer());
      return { status: res.status, type: res.headers.get('content-type'), head: String.fromCharCode(...bytes.slice(0, 5)), size: bytes.length };
    }, url);
    expect(served).toMatchObject({ status: 200, head: '%PDF-' });
    expect(served.type).toContain('application/pdf');
    expect(served.size).toBeGreaterThan(1000);
  });

  it('records a payment and sees the invoice paid, on the list and the client timeline', async () => {
    await page.getByRole('button', { name: 'Record payment' }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.getByLabel('Amount (USD)').inputValue()).resolves.toBe('1428.00');
    await dialog.getByLabel('Reference').fill('Wire 7781');
    await dialog.getByRole('button', { name: 'Record payment' }).click();
    await page.getByText('Paid', { exact: true }).first().waitFor();
    await page.getByTestId('invoice-balance').getByText('USD 0.00').waitFor();
    await page.getByText(/Wire 7781/).waitFor();
    await screenshot(page, 'revenue-paid');

    await page.goto('/revenue/invoices');
    await page.getByRole('cell', { name: 'INV-0001' }).waitFor();
    await page
      .getByTestId('invoice-totals')
      .getByText(/USD 1,428.00/)
      .waitFor();

    await page.goto(`${clientUrl}?tab=timeline`);
    for (let attempt = 0; attempt < 40; attempt++) {
      if ((await page.locator('[data-event-type="revenue.invoice.paid"]').count()) > 0) break;
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.waitForTimeout(500);
    }
    const line = page.locator('[data-event-type="revenue.invoice.paid"]').first();
    await line.waitFor();
    expect(await line.textContent()).toContain('Invoice INV-0001 paid in full (USD 1,428.00)');
    await screenshot(page, 'revenue-client-timeline');
    await page.goto(`${clientUrl}?tab=billing`);
    await page.getByRole('cell', { name: 'INV-0001' }).waitFor();
    expect(invoiceUrl).toMatch(/^\/revenue\/invoices\//);
  });
});
