/**
 * The files walk-through in a real browser: Chromium (playwright-core) against the real host
 * serving the freshly built SPA, a fresh database and a local blob store in a temporary DATA_DIR.
 * Staff upload several files with a progress bar each into a client's folder, make a file
 * request, and a second browser context with no session (a phone) completes it; the files land
 * in the folder and on the client's timeline. Screenshots: test-artifacts/web/NN-files-*.png.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { createDatabase, sql } from '@ubos/platform';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { artifactsDir, buildWeb, launchBrowser, screenshot, startHost, type Host } from './harness.ts';

const owner = { name: 'Fiona Files', email: `fiona.${Date.now()}@example.com`, password: 'correct horse battery', org: 'Harbor Accounting' };
const clientName = 'Blue Fin Bakery';

const MB = 1024 * 1024;
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
/** A small valid PDF (one blank page), padded to `size` bytes with a PDF comment. */
function pdf(size = 0): Buffer {
  const head =
    '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/MediaBox[0 0 200 200]/Parent 2 0 R>>endobj\n';
  const tail = 'trailer<</Root 1 0 R>>\n%%EOF\n';
  const pad = Math.max(0, size - head.length - tail.length - 2);
  return Buffer.concat([Buffer.from(head), Buffer.from(`%${'x'.repeat(Math.max(0, pad))}\n`), Buffer.from(tail)]);
}
/** A Windows executable's first bytes, for a file that lies about its type. */
const exe = Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00', 'latin1'), Buffer.alloc(2048, 0)]);

let database: TestDatabase;
let host: Host;
let browser: Browser;
let staff: BrowserContext;
let page: Page;
let guest: BrowserContext | undefined;
let guestPage: Page | undefined;
let dataDir = '';
let clientUrl = '';
let requestLink = '';
const guestProcedures: string[] = [];

/** tRPC procedure paths of a request (batched calls name several, comma-separated). */
function proceduresOf(request: Request): string[] {
  const url = new URL(request.url());
  if (!url.pathname.startsWith('/trpc/')) return [];
  return decodeURIComponent(url.pathname.slice('/trpc/'.length)).split(',');
}

/** Waits until the page's files table lists exactly these names (in any order). */
async function expectFiles(p: Page, names: string[]) {
  for (const name of names) await p.locator(`tr[data-file-name="${name}"]`).waitFor();
}

describe('files walk-through (real browser)', () => {
  beforeAll(async () => {
    mkdirSync(artifactsDir, { recursive: true });
    for (const name of readdirSync(artifactsDir, { withFileTypes: true }).filter((e) => e.isFile() && /^\d+-files-.*\.png$/.test(e.name))) {
      rmSync(path.join(artifactsDir, name.name));
    }
    await buildWeb();
    database = await createTestDatabase();
    dataDir = mkdtempSync(path.join(tmpdir(), 'ubos-files-walk-'));
    host = await startHost({ DATABASE_URL: database.ownerUrl, DATABASE_APP_URL: database.appUrl, DATA_DIR: dataDir, BLOB_STORE: 'local' }, 'host-files.log');
    browser = await launchBrowser();
    staff = await browser.newContext({ viewport: { width: 1360, height: 900 }, baseURL: host.url });
    page = await staff.newPage();
    page.setDefaultTimeout(15_000);
  }, 180_000);

  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail' || context.task.fails) return;
    const name = context.task.name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-');
    if (page) await screenshot(page, `files-FAILED-${name}`).catch(() => {});
    if (guestPage) await screenshot(guestPage, `files-FAILED-guest-${name}`).catch(() => {});
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
    await page.getByRole('heading', { name: clientName }).waitFor();
  }, 60_000);

  it('opens the Files page from the navigation and shows its empty state', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Files' }).click();
    await page.waitForURL(/\/files$/);
    await page.getByRole('heading', { name: 'Files', exact: true }).waitFor();
    await page.getByText('Create a folder to upload into.').waitFor();
    await page.getByText('No files yet').waitFor();
    await screenshot(page, 'files-empty');
  }, 30_000);

  it("creates the client's folders and uploads several files with a progress bar each", async () => {
    await page.goto(`${clientUrl}?tab=files`);
    await page.getByRole('button', { name: 'Create standard folders' }).click();
    for (const name of ['Contracts', 'Deliverables', 'Invoices', 'Shared with client']) await page.locator(`[data-folder-name="${name}"]`).waitFor();
    await page.getByTestId('folder-title').filter({ hasText: 'Contracts' }).waitFor();

    // Slow the upload link down so the bars are seen between 0 and 100%.
    const cdp = await staff.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 2 * MB });
    const seen = page.evaluate(
      () =>
        new Promise<number[]>((resolve) => {
          const values = new Set<number>();
          const observer = new MutationObserver(() => {
            for (const bar of document.querySelectorAll('[data-upload-status="uploading"] [role="progressbar"]')) {
              values.add(Number(bar.getAttribute('aria-valuenow')));
            }
            if (
              document.querySelectorAll('[data-upload-status]').length >= 3 &&
              !document.querySelector('[data-upload-status="uploading"],[data-upload-status="waiting"],[data-upload-status="checking"]')
            ) {
              observer.disconnect();
              resolve([...values]);
            }
          });
          observer.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-valuenow', 'data-upload-status'] });
        }),
    );
    await page.getByTestId('file-input').setInputFiles([
      { name: 'engagement-letter.pdf', mimeType: 'application/pdf', buffer: pdf(6 * MB) },
      { name: 'storefront.png', mimeType: 'image/png', buffer: png },
      { name: 'tax-return-2025.pdf', mimeType: 'application/pdf', buffer: pdf(2 * MB) },
    ]);
    await page.locator('[data-upload-name="engagement-letter.pdf"] [role="progressbar"]').waitFor();
    await page.waitForFunction(() => {
      const bar = document.querySelector('[data-upload-name="engagement-letter.pdf"] [role="progressbar"]');
      const value = Number(bar?.getAttribute('aria-valuenow'));
      return value > 0 && value < 100;
    });
    await screenshot(page, 'files-uploading');
    const values = await seen;
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    expect(values.some((v) => v > 0 && v < 100)).toBe(true);
    for (const name of ['engagement-letter.pdf', 'storefront.png', 'tax-return-2025.pdf']) {
      await page.locator(`[data-upload-name="${name}"][data-upload-status="done"]`).waitFor({ timeout: 60_000 });
      expect(await page.locator(`[data-upload-name="${name}"] [role="progressbar"]`).getAttribute('aria-valuenow')).toBe('100');
    }
    await expectFiles(page, ['engagement-letter.pdf', 'storefront.png', 'tax-return-2025.pdf']);
    await screenshot(page, 'files-uploaded');
  }, 120_000);

  it('refuses a file that lies about its type and one of a refused type, each with its reason', async () => {
    await page.getByTestId('file-input').setInputFiles([
      { name: 'invoice.pdf', mimeType: 'application/pdf', buffer: exe },
      { name: 'setup.exe', mimeType: 'application/x-msdownload', buffer: exe },
    ]);
    const sniffed = page.locator('[data-upload-name="invoice.pdf"][data-upload-status="failed"] [data-upload-message]');
    await sniffed.waitFor({ timeout: 30_000 });
    expect((await sniffed.textContent())?.length ?? 0).toBeGreaterThan(5);
    const refused = page.locator('[data-upload-name="setup.exe"][data-upload-status="failed"] [data-upload-message]');
    await refused.waitFor();
    expect(await refused.textContent()).toMatch(/not accepted/i);
    expect(await page.locator('tr[data-file-name="invoice.pdf"]').count()).toBe(0);
    await screenshot(page, 'files-refused');
    await page.getByRole('button', { name: 'Clear finished' }).click();
  }, 60_000);

  it('previews an image, lists versions and uploads a new version', async () => {
    await page.locator('tr[data-file-name="storefront.png"]').click();
    const drawer = page.getByRole('dialog');
    const preview = drawer.getByTestId('file-preview');
    await preview.waitFor();
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('img[data-testid="file-preview"]');
      return !!img && img.complete && img.naturalWidth > 0;
    });
    await drawer.locator('[data-version="1"]').waitFor();
    await drawer.getByTestId('version-input').setInputFiles({ name: 'storefront.png', mimeType: 'image/png', buffer: png });
    await drawer.locator('[data-version="2"]').waitFor({ timeout: 30_000 });
    await drawer.getByText('v2', { exact: true }).first().waitFor();
    await screenshot(page, 'files-versions');
    await page.keyboard.press('Escape');
    await page.locator('tr[data-file-name="storefront.png"]').getByText('v2').waitFor();
  }, 60_000);

  it('previews a PDF in a frame from a same-origin inline URL (nosniff, its own CSP) and offers it in a new tab', async () => {
    await page.locator('tr[data-file-name="tax-return-2025.pdf"]').click();
    try {
      const drawer = page.getByRole('dialog');
      const frame = drawer.locator('iframe[data-testid="file-preview"]');
      await frame.waitFor();
      const raw = (await frame.getAttribute('src')) ?? '';
      const src = new URL(raw, host.url);
      expect(src.origin).toBe(host.url);
      expect(src.pathname).toMatch(/^\/blobs\//);
      expect(await drawer.getByRole('link', { name: 'Open the PDF in a new tab' }).getAttribute('href')).toBe(raw);
      const served = await page.request.get(src.href);
      expect(served.status()).toBe(200);
      expect(served.headers()['content-type']).toBe('application/pdf');
      expect(served.headers()['content-disposition']).toMatch(/^inline/);
      expect(served.headers()['x-content-type-options']).toBe('nosniff');
      // The download carries its own CSP: nothing runs in it, and only the app may frame it.
      const csp = served.headers()['content-security-policy'] ?? '';
      expect(csp).toMatch(/frame-ancestors 'self'/);
      expect(csp).not.toMatch(/frame-ancestors 'none'/);
      // Chromium shows it in the frame (a refused frame would sit on chrome-error://).
      await expect.poll(() => page.frames().map((f) => f.url()), { timeout: 10_000 }).toContain(src.href);
      await screenshot(page, 'files-pdf-preview');
    } finally {
      await page.keyboard.press('Escape');
    }
  }, 45_000);

  it('makes a file request and shows its link once', async () => {
    await page.getByRole('button', { name: 'New file request' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('What are you asking for?').fill('Signed contract and ID');
    await expect(dialog.getByLabel('Into folder').inputValue()).resolves.toMatch(/[0-9a-f-]{36}/);
    await dialog.getByLabel('Max files').fill('4');
    await dialog.getByLabel('Max size per file (MB)').fill('3');
    await dialog.getByLabel('PDF').check();
    await dialog.getByLabel('Images').check();
    await dialog.getByRole('button', { name: 'Create link' }).click();
    const link = page.getByTestId('request-link');
    await link.waitFor();
    requestLink = await link.inputValue();
    expect(requestLink).toMatch(/\/upload\/[A-Za-z0-9_-]{43}$/);
    await screenshot(page, 'files-request-link');
    await page.getByRole('button', { name: 'Done' }).click();
    const row = page.locator('tr[data-request-label="Signed contract and ID"]');
    await row.waitFor();
    await row.getByText('open').waitFor();
    await row.getByText('0 / 4').waitFor();
  }, 45_000);

  it('completes the request on a phone with no session: limits shown, refusals in words, progress, Finish', async () => {
    guest = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, baseURL: host.url });
    guestPage = await guest.newPage();
    guestPage.setDefaultTimeout(15_000);
    guestPage.on('request', (request) => guestProcedures.push(...proceduresOf(request)));
    expect((await guest.cookies()).length).toBe(0);
    await guestPage.goto(requestLink);
    await guestPage.getByTestId('request-org').filter({ hasText: owner.org }).waitFor();
    await guestPage.getByTestId('request-label').filter({ hasText: 'Signed contract and ID' }).waitFor();
    const limits = await guestPage.getByTestId('request-limits').textContent();
    expect(limits).toMatch(/Up to 4 files/);
    expect(limits).toMatch(/3 MB each/);
    expect(limits).toMatch(/PDF/);
    // The drop zone waits for the sender's details; it is a large touch target.
    await expect(guestPage.getByTestId('drop-zone').isDisabled()).resolves.toBe(true);
    const box = await guestPage.getByTestId('drop-zone').boundingBox();
    expect(box?.height ?? 0).toBeGreaterThanOrEqual(120);
    await guestPage.getByLabel('Your name').fill('Sam Baker');
    await guestPage.getByLabel('Your email').fill('sam@bluefin.test');
    await screenshot(guestPage, 'files-public-request');

    await guestPage.getByTestId('file-input').setInputFiles([
      { name: 'signed-contract.pdf', mimeType: 'application/pdf', buffer: pdf(1 * MB) },
      { name: 'passport.png', mimeType: 'image/png', buffer: png },
      { name: 'huge-scan.pdf', mimeType: 'application/pdf', buffer: pdf(4 * MB) },
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') },
    ]);
    await guestPage
      .locator('[data-upload-name="huge-scan.pdf"][data-upload-status="failed"]')
      .getByText(/Too large: 4 MB, the limit is 3 MB/)
      .waitFor();
    await guestPage
      .locator('[data-upload-name="notes.txt"][data-upload-status="failed"]')
      .getByText(/not accepted/)
      .waitFor();
    for (const name of ['signed-contract.pdf', 'passport.png'])
      await guestPage.locator(`[data-upload-name="${name}"][data-upload-status="done"]`).waitFor({ timeout: 60_000 });
    expect(await guestPage.locator('[data-upload-name="passport.png"] [role="progressbar"]').getAttribute('aria-valuenow')).toBe('100');
    await screenshot(guestPage, 'files-public-uploaded');
    await guestPage.getByRole('button', { name: 'Finish' }).click();
    await guestPage.getByTestId('request-notice').getByRole('heading', { name: 'Thank you, your files were sent' }).waitFor();
    await screenshot(guestPage, 'files-public-finished');

    // Opened again, the link says it is done and takes nothing more.
    await guestPage.reload();
    await guestPage.getByTestId('request-notice').getByRole('heading', { name: 'These files were already sent' }).waitFor();
    // The page called only the link's public procedures: no session, no staff procedure.
    expect(guestProcedures.length).toBeGreaterThan(0);
    expect(guestProcedures.filter((p) => !p.startsWith('files.requestLinks.'))).toEqual([]);
    expect((await guest.cookies()).filter((c) => /session/i.test(c.name))).toEqual([]);
  }, 120_000);

  it('shows a clear message for a link that does not exist', async () => {
    if (!guestPage) throw new Error('no guest page');
    await guestPage.goto('/upload/not-a-real-token');
    await guestPage.getByTestId('request-notice').getByRole('heading', { name: 'This link does not work' }).waitFor();
  }, 30_000);

  it("sees the files land in the client's folder, the request completed, and both on the client's timeline", async () => {
    await page.goto(`${clientUrl}?tab=files`);
    await page.getByTestId('folder-title').filter({ hasText: 'Contracts' }).waitFor();
    await expectFiles(page, ['signed-contract.pdf', 'passport.png', 'engagement-letter.pdf']);
    const row = page.locator('tr[data-request-label="Signed contract and ID"]');
    await row.getByText('completed').waitFor();
    await row.getByText('2 / 4').waitFor();
    await row.click();
    const drawer = page.getByRole('dialog');
    await drawer
      .locator('[data-submission="signed-contract.pdf"]')
      .getByText(/Sam Baker/)
      .waitFor();
    await drawer.locator('[data-submission="passport.png"]').waitFor();
    await screenshot(page, 'files-request-completed');
    await page.keyboard.press('Escape');

    // The timeline is built from events by the dispatcher: refresh until they are there.
    await page.goto(`${clientUrl}?tab=timeline`);
    for (let attempt = 0; attempt < 30; attempt++) {
      if ((await page.locator('[data-event-type="files.request.completed"]').count()) > 0) break;
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.waitForTimeout(500);
    }
    await page.locator('[data-event-type="files.request.completed"]').first().waitFor();
    await page.locator('[data-event-type="files.file.uploaded"]').first().waitFor();
    await screenshot(page, 'files-client-timeline');

    // The organization's timeline narrows to file activity with the Files preset.
    await page.goto('/timeline');
    await page.locator('[data-event-type="crm.client.created"]').first().waitFor();
    await page.getByLabel('Kind of activity').selectOption({ label: 'Files' });
    // The client's creation leaves the list once the filtered page has loaded.
    await page.locator('[data-event-type="crm.client.created"]').first().waitFor({ state: 'detached' });
    await page.locator('[data-event-type="files.request.completed"]').first().waitFor();
    const shown = await page.locator('[data-event-type]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-event-type') ?? ''));
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.filter((type) => !type.startsWith('files.'))).toEqual([]);
    expect(page.url()).toContain('type=files');
  }, 60_000);

  it('takes a dropped file, cancels an upload, and asks before archiving a folder that holds files', async () => {
    await page.goto(`${clientUrl}?tab=files`);
    await page.locator('[data-folder-name="Invoices"]').click();
    await page.getByTestId('folder-title').filter({ hasText: 'Invoices' }).waitFor();
    await page.getByText('This folder is empty').waitFor();
    // A real drop: a DataTransfer with a file, dispatched on the drop target.
    await page.evaluate(() => {
      const zone = document.querySelector('[data-testid="drop-zone"]')?.parentElement;
      if (!zone) throw new Error('no drop zone');
      const transfer = new DataTransfer();
      transfer.items.add(new File(['%PDF-1.4\n%%EOF\n'], 'march-invoice.pdf', { type: 'application/pdf' }));
      for (const type of ['dragenter', 'dragover', 'drop'])
        zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: transfer }));
    });
    await page.locator('[data-upload-name="march-invoice.pdf"][data-upload-status="done"]').waitFor({ timeout: 30_000 });
    await expectFiles(page, ['march-invoice.pdf']);

    // Cancel: a slowed upload is aborted, its row says so and no file appears.
    const cdp = await staff.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 256 * 1024 });
    await page.getByTestId('file-input').setInputFiles({ name: 'big-ledger.pdf', mimeType: 'application/pdf', buffer: pdf(8 * MB) });
    await page.locator('[data-upload-name="big-ledger.pdf"][data-upload-status="uploading"]').waitFor();
    await page.getByRole('button', { name: 'Cancel big-ledger.pdf' }).click();
    await page.locator('[data-upload-name="big-ledger.pdf"][data-upload-status="cancelled"]').getByText('Cancelled.').waitFor();
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await page.reload();
    await page.locator('[data-folder-name="Invoices"]').click();
    await expectFiles(page, ['march-invoice.pdf']);
    expect(await page.locator('tr[data-file-name="big-ledger.pdf"]').count()).toBe(0);

    // Archive: the folder holds a file, so the dialog asks a second time, naming that.
    await page.getByRole('button', { name: 'Archive folder Invoices' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Archive folder', exact: true }).click();
    await dialog.getByRole('button', { name: 'Archive folder and files' }).waitFor();
    await screenshot(page, 'files-archive-confirm');
    await dialog.getByRole('button', { name: 'Archive folder and files' }).click();
    await page.getByText('Folder archived with 1 file').waitFor();
    await page.locator('[data-folder-name="Invoices"]').waitFor({ state: 'detached' });
  }, 90_000);

  it("lists every folder on the Files page with its client, and the project's Files tab uploads into the project's folder", async () => {
    await page.goto('/files');
    const contracts = page.locator('[data-folder-name="Contracts"]');
    await contracts.filter({ hasText: clientName }).waitFor();
    await expectFiles(page, ['engagement-letter.pdf', 'signed-contract.pdf']);
    await contracts.click();
    await page.waitForURL(/\/files\?folder=[0-9a-f-]{36}$/);
    await page.getByTestId('folder-title').filter({ hasText: 'Contracts' }).waitFor();
    await page.reload();
    await page.getByTestId('folder-title').filter({ hasText: 'Contracts' }).waitFor();
    await screenshot(page, 'files-page');

    await page.goto(`${clientUrl}?tab=projects`);
    await page.getByRole('button', { name: 'New project' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Project name').fill('Bakery bookkeeping 2026');
    await dialog.getByRole('button', { name: 'Create project' }).click();
    await page.waitForURL(/\/projects\/[0-9a-f-]{36}$/);
    await page.getByRole('tab', { name: 'Files' }).click();
    await page.waitForURL(/view=files/);
    await page.getByRole('button', { name: 'Create standard folders' }).click();
    await page.getByTestId('folder-title').filter({ hasText: 'Contracts' }).waitFor();
    await page.getByTestId('file-input').setInputFiles({ name: 'project-brief.pdf', mimeType: 'application/pdf', buffer: pdf() });
    await page.locator('[data-upload-name="project-brief.pdf"][data-upload-status="done"]').waitFor({ timeout: 30_000 });
    await expectFiles(page, ['project-brief.pdf']);
    expect(await page.locator('tr[data-file-name="engagement-letter.pdf"]').count()).toBe(0);
    await screenshot(page, 'files-project-tab');
  }, 60_000);

  it('finds a file with Command-K and opens it in its folder', async () => {
    await page.goto('/files');
    await page.locator('[data-folder-name="Contracts"]').first().waitFor();
    await page.keyboard.press('Control+k');
    const input = page.getByTestId('command-input');
    await input.waitFor();
    const hit = page.getByTestId('command-hit').filter({ hasText: 'engagement-letter.pdf' }).first();
    // The search index is built from events: it may lag the upload by a moment.
    for (let attempt = 0; attempt < 20; attempt++) {
      await input.fill('');
      await input.pressSequentially('engagement', { delay: 30 });
      if (await hit.isVisible({ timeout: 1_500 }).catch(() => false)) break;
      await page.waitForTimeout(500);
    }
    await hit.click();
    await page.waitForURL(/\/files\?folder=[0-9a-f-]{36}&file=[0-9a-f-]{36}$/);
    await page.getByTestId('folder-title').filter({ hasText: 'Contracts' }).waitFor();
    await page.getByRole('dialog').getByText('engagement-letter.pdf').first().waitFor();
  }, 60_000);

  it('uploads 52 files at once into one folder and pages through them with Load more', async () => {
    await page.goto(`${clientUrl}?tab=files`);
    await page.locator('[data-folder-name="Deliverables"]').click();
    await page.getByTestId('folder-title').filter({ hasText: 'Deliverables' }).waitFor();
    const many = Array.from({ length: 52 }, (_, i) => ({ name: `photo-${String(i + 1).padStart(2, '0')}.png`, mimeType: 'image/png', buffer: png }));
    await page.getByTestId('file-input').setInputFiles(many);
    await page.getByText('52 of 52 finished').waitFor({ timeout: 120_000 });
    expect(await page.locator('[data-upload-status="done"]').count()).toBe(52);
    await page.getByText('50 shown').waitFor();
    await page.getByRole('button', { name: 'Load more' }).click();
    await page.getByText('52 shown').waitFor();
    await page.locator('tr[data-file-name="photo-52.png"]').waitFor();
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
  }, 150_000);

  it('tells the sender when a link has expired', async () => {
    await page.goto(`${clientUrl}?tab=files`);
    await page.getByRole('button', { name: 'New file request' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('What are you asking for?').fill('Year-end receipts');
    await dialog.getByRole('button', { name: 'Create link' }).click();
    const link = await page.getByTestId('request-link').inputValue();
    await page.getByRole('button', { name: 'Done' }).click();
    // Fixture: time passes (as the superuser, outside the app).
    const admin = createDatabase({ connectionString: database.adminUrl, max: 1 });
    try {
      await sql`UPDATE files.requests SET expires_at = now() - interval '1 minute' WHERE label = 'Year-end receipts'`.execute(admin.kysely);
    } finally {
      await admin.close();
    }
    if (!guestPage) throw new Error('no guest page');
    await guestPage.goto(link);
    await guestPage.getByTestId('request-notice').getByRole('heading', { name: 'This link has expired' }).waitFor();
    expect(await guestPage.getByTestId('drop-zone').count()).toBe(0);
    await screenshot(guestPage, 'files-public-expired');
    await page.reload();
    await page.locator('tr[data-request-label="Year-end receipts"]').getByText('expired').waitFor();
  }, 45_000);

  it('revokes a request and its link says so', async () => {
    await page.goto(`${clientUrl}?tab=files`);
    await page.getByRole('button', { name: 'New file request' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('What are you asking for?').fill('Bank statements');
    await dialog.getByRole('button', { name: 'Create link' }).click();
    const link = await page.getByTestId('request-link').inputValue();
    await page.getByRole('button', { name: 'Done' }).click();
    await page.locator('tr[data-request-label="Bank statements"]').click();
    await page.getByRole('button', { name: 'Revoke…' }).click();
    await page.getByRole('button', { name: 'Revoke link' }).click();
    await page.getByText('Link revoked: it no longer takes files').waitFor();
    await page.keyboard.press('Escape');
    await page.locator('tr[data-request-label="Bank statements"]').getByText('revoked').waitFor();
    if (!guestPage) throw new Error('no guest page');
    await guestPage.goto(link);
    await guestPage.getByTestId('request-notice').getByRole('heading', { name: 'This link was withdrawn' }).waitFor();
    await screenshot(guestPage, 'files-public-revoked');
  }, 45_000);

  it('Settings → Files changes the upload allow-list and the largest file, refusing a size over the limit in words', async () => {
    await page.goto('/settings?tab=files');
    const zip = page.getByLabel('ZIP');
    await zip.waitFor();
    expect(await zip.isChecked()).toBe(true);
    await page.getByLabel('Largest file (MB)').fill('99999');
    await page.getByRole('button', { name: 'Save file rules' }).click();
    await page.locator('[data-field-error="maxFileBytes"]').filter({ hasText: 'A file can be at most 5,120 MB' }).waitFor();
    await zip.uncheck();
    await page.getByLabel('Largest file (MB)').fill('50');
    await page.getByRole('button', { name: 'Save file rules' }).click();
    await page.getByText('File rules saved').waitFor();
    await page.reload();
    await page.getByLabel('ZIP').waitFor();
    expect(await page.getByLabel('ZIP').isChecked()).toBe(false);
    expect(await page.getByLabel('PDF').isChecked()).toBe(true);
    expect(await page.getByLabel('Largest file (MB)').inputValue()).toBe('50');
    await screenshot(page, 'files-settings');
  }, 45_000);
});
