/**
 * The client portal walk-through in a real browser: Chromium against the real host (the built SPA,
 * a fresh database, workers running the event subscriptions). Staff invite a client's contact to
 * the portal, share a folder and send a deliverable for approval; the sign-in link is read from the
 * email in the outgoing-mail log (no SMTP configured); on a phone, the client opens the link (the
 * page changes nothing), presses Sign in, sees the project and the shared folder, uploads into the
 * file request, approves the deliverable; staff see the approval on the client's timeline.
 * Screenshots: test-artifacts/web/NN-portal-*.png.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { APIRequestContext, Browser, BrowserContext, Page } from 'playwright-core';
import { createDatabase, sql, type Database } from '@ubos/platform';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { artifactsDir, buildWeb, launchBrowser, screenshot, startHost, type Host } from './harness.ts';

const owner = { name: 'Paula Portal', email: `paula.${Date.now()}@example.com`, password: 'correct horse battery', org: 'Lighthouse Design' };
const clientName = 'Acme Bakery';
const contact = { name: 'Cleo Client', email: `cleo.${Date.now()}@acme.test` };

/** A small valid PDF (one blank page). */
const pdf = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/MediaBox[0 0 200 200]/Parent 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
);

let database: TestDatabase;
let admin: Database;
let host: Host;
let browser: Browser;
let staff: BrowserContext;
let page: Page;
let phone: BrowserContext | undefined;
let phonePage: Page | undefined;
let dataDir = '';
let clientId = '';
let clientUrl = '';
let slug = '';
let signInLink = '';

/** A tRPC call with the staff browser's cookies (setup the walk-through does not need to click through). */
async function call<T>(request: APIRequestContext, procedure: string, input: unknown, kind: 'query' | 'mutation' = 'mutation'): Promise<T> {
  const response =
    kind === 'query'
      ? await request.get(`/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`)
      : await request.post(`/trpc/${procedure}`, { data: input, headers: { 'content-type': 'application/json' } });
  const body = (await response.json()) as { result?: { data: T }; error?: { message: string } };
  if (!response.ok() || !body.result) throw new Error(`${procedure}: ${response.status()} ${body.error?.message ?? ''}`);
  return body.result.data;
}

/** Polls the database (as the superuser: test fixture reads only) until `query` returns a row. */
async function waitForRow<T>(query: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await query();
    if (row !== undefined) return row;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('client portal walk-through (real browser)', () => {
  beforeAll(async () => {
    mkdirSync(artifactsDir, { recursive: true });
    for (const entry of readdirSync(artifactsDir, { withFileTypes: true }).filter((e) => e.isFile() && /^\d+-portal-.*\.png$/.test(e.name))) {
      rmSync(path.join(artifactsDir, entry.name));
    }
    await buildWeb();
    database = await createTestDatabase();
    admin = createDatabase({ connectionString: database.adminUrl, max: 2 });
    dataDir = mkdtempSync(path.join(tmpdir(), 'ubos-portal-walk-'));
    host = await startHost({ DATABASE_URL: database.ownerUrl, DATABASE_APP_URL: database.appUrl, DATA_DIR: dataDir, BLOB_STORE: 'local' }, 'host-portal.log');
    browser = await launchBrowser();
    staff = await browser.newContext({ viewport: { width: 1360, height: 900 }, baseURL: host.url });
    page = await staff.newPage();
    page.setDefaultTimeout(20_000);
  }, 240_000);

  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    const name = context.task.name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-');
    if (page) await screenshot(page, `portal-FAILED-${name}`).catch(() => {});
    if (phonePage) await screenshot(phonePage, `portal-FAILED-phone-${name}`).catch(() => {});
  });

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await host?.stop();
    await admin?.close();
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('staff sign up, create a client with a contact, a project, a shared folder with a deliverable and a file request', async () => {
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
    clientId = clientUrl.split('/').at(-1) ?? '';

    const request = page.request;
    await call(request, 'crm.contacts.create', { name: contact.name, email: contact.email, clients: [{ clientId }] });
    await call(request, 'projects.projects.create', { name: 'Brand refresh', clientId });
    const folder = await call<{ id: string }>(request, 'files.folders.create', { name: 'Shared with client', clientId });
    const ticket = await call<{ uploadId: string; url: string; fields: Record<string, string> }>(request, 'files.uploads.create', {
      folderId: folder.id,
      name: 'homepage-design.pdf',
      contentType: 'application/pdf',
      size: pdf.length,
    });
    const uploaded = await request.post(ticket.url, {
      multipart: { ...ticket.fields, file: { name: 'homepage-design.pdf', mimeType: 'application/pdf', buffer: pdf } },
    });
    expect(uploaded.ok()).toBe(true);
    await call(request, 'files.uploads.complete', { uploadId: ticket.uploadId });
    await call(request, 'files.requests.create', { label: 'Your logo files', folderId: folder.id });
    // The portal keeps its own copies from these events (workers deliver them): wait for them.
    await waitForRow(
      async () => (await sql<{ id: string }>`SELECT id FROM portal.files WHERE name = 'homepage-design.pdf'`.execute(admin.kysely)).rows[0],
      "the portal's copy of the file",
    );
    await waitForRow(
      async () => (await sql<{ id: string }>`SELECT id FROM portal.contacts WHERE email = ${contact.email}`.execute(admin.kysely)).rows[0],
      "the portal's copy of the contact",
    );
  }, 120_000);

  it('Settings → Portal shows the portal address and previews the branding live', async () => {
    await page.goto('/settings?tab=portal');
    const address = await page.getByTestId('portal-address').textContent();
    slug = address?.split('/portal/')[1] ?? '';
    expect(slug).toBe('lighthouse-design');
    await page.getByLabel('Name clients see').fill('Lighthouse Studio');
    await page.getByTestId('portal-preview').getByTestId('portal-brand').filter({ hasText: 'Lighthouse Studio' }).waitFor();
    await page.getByLabel('Accent colour as #RRGGBB').fill('#0f766e');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Portal settings saved').waitFor();
    await screenshot(page, 'portal-settings');
  }, 45_000);

  it('staff invite the contact, share the folder and send the deliverable for approval from the client’s Portal tab', async () => {
    await page.goto(`${clientUrl}?tab=portal`);
    await page
      .getByRole('tab', { name: 'Portal' })
      .or(page.getByRole('button', { name: 'Portal' }))
      .first()
      .waitFor();
    const select = page.getByTestId('portal-invite-contact');
    await select.locator('option', { hasText: contact.name }).waitFor({ state: 'attached' });
    await select.selectOption({ label: `${contact.name} (${contact.email})` });
    await page.getByRole('button', { name: 'Invite to portal' }).click();
    await page.getByRole('cell', { name: contact.email }).waitFor();
    await page.getByRole('cell', { name: 'Never' }).waitFor();

    await page.getByLabel('Shared with client').check();
    await page.getByRole('button', { name: 'Save sharing' }).click();
    await page.getByText('What the client sees in the portal was saved').waitFor();

    await page.getByTestId('approval-title').fill('Homepage design');
    await page.getByTestId('approval-subject').selectOption({ label: 'homepage-design.pdf' });
    await page.getByRole('button', { name: 'Ask the client to approve' }).click();
    await page.getByTestId('staff-approvals').getByText('Waiting for the client').waitFor();
    await screenshot(page, 'portal-staff-tab');
  }, 60_000);

  it('the sign-in link is in the email in the outgoing-mail log; only its hash is in the portal’s tables', async () => {
    const mail = await waitForRow(
      async () =>
        (
          await sql<{ subject: string; text: string }>`
            SELECT subject, text FROM platform.system_mail WHERE to_email = ${contact.email} AND template = 'magic_link' ORDER BY created_at DESC LIMIT 1`.execute(
            admin.kysely,
          )
        ).rows[0],
      'the magic link email',
    );
    expect(mail.subject).toBe('Sign in to the Lighthouse Studio client portal');
    const match = mail.text.match(/\/portal\/[a-z0-9-]+\/sign-in\?token=([A-Za-z0-9_-]{43})/);
    expect(match).not.toBeNull();
    signInLink = match?.[0] ?? '';
    const token = match?.[1] ?? '';
    const rows = await sql<{ token_hash: string; used_at: Date | null }>`SELECT token_hash, used_at FROM portal.magic_links`.execute(admin.kysely);
    expect(JSON.stringify(rows.rows)).not.toContain(token);
    expect(rows.rows.every((row) => row.used_at === null)).toBe(true);
  }, 30_000);

  it('on a phone, opening the link changes nothing; the button signs the client in to its branded portal', async () => {
    phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, baseURL: host.url });
    phonePage = await phone.newPage();
    phonePage.setDefaultTimeout(20_000);
    // A link previewer fetches the link first: still usable afterwards.
    const preview = await phone.request.get(signInLink);
    expect(preview.status()).toBe(200);
    expect(preview.headers()['referrer-policy']).toBe('no-referrer');
    await phonePage.goto(signInLink);
    await phonePage.getByRole('heading', { name: 'Sign in to Lighthouse Studio' }).waitFor();
    expect(new URL(phonePage.url()).search).not.toContain('token=');
    const unused = await sql<{ n: number }>`SELECT count(*)::int AS n FROM portal.magic_links WHERE used_at IS NOT NULL`.execute(admin.kysely);
    expect(unused.rows[0]?.n).toBe(0);
    await screenshot(phonePage, 'portal-sign-in');
    const button = phonePage.getByTestId('portal-sign-in');
    expect((await button.boundingBox())?.height ?? 0).toBeGreaterThanOrEqual(44);
    await button.click();
    await phonePage.waitForURL(new RegExp(`/portal/${slug}$`));
    await phonePage.getByRole('heading', { name: `Hello, ${contact.name}` }).waitFor();
    await phonePage.getByTestId('portal-brand').filter({ hasText: 'Lighthouse Studio' }).waitFor();
    const needsMe = phonePage.getByTestId('portal-needs-me');
    await needsMe.getByText('Approve: Homepage design').waitFor();
    await needsMe.getByText('Files requested: Your logo files').waitFor();
    const cookies = await phone.cookies();
    expect(cookies.map((cookie) => cookie.name)).toContain('ubos_portal');
    expect(cookies.find((cookie) => cookie.name === 'ubos_portal')?.httpOnly).toBe(true);
    // Nothing wider than the phone's screen.
    expect(await phonePage.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(phonePage, 'portal-home');
  }, 60_000);

  it('the client sees the project and the shared folder with its file', async () => {
    if (!phonePage) throw new Error('no phone page');
    await phonePage.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name: 'Projects' }).click();
    await phonePage.getByTestId('portal-projects').getByText('Brand refresh').waitFor();
    await screenshot(phonePage, 'portal-projects');
    await phonePage.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name: 'Files' }).click();
    await phonePage.getByRole('heading', { name: 'Shared with client' }).or(phonePage.getByText('Shared with client')).first().waitFor();
    await phonePage.getByTestId('portal-folder').getByText('homepage-design.pdf').waitFor();
    await phonePage.getByTestId('portal-file-requests').getByText('Your logo files', { exact: true }).waitFor();
    await screenshot(phonePage, 'portal-files');
    // Download by a signed URL minted on click: the same bytes staff uploaded.
    const [download] = await Promise.all([phonePage.waitForEvent('download'), phonePage.getByRole('button', { name: 'Download homepage-design.pdf' }).click()]);
    expect(download.suggestedFilename()).toBe('homepage-design.pdf');
    const saved = await download.path();
    expect(saved).toBeTruthy();
    const { readFile } = await import('node:fs/promises');
    expect((await readFile(saved ?? '')).equals(pdf)).toBe(true);
  }, 45_000);

  it('the client uploads into the file request from the portal and approves the deliverable', async () => {
    if (!phonePage) throw new Error('no phone page');
    // Into the file request from inside the portal: the portal user is the uploader.
    await phonePage.goto(`/portal/${slug}/files`);
    const uploader = phonePage.getByTestId('portal-request-upload');
    await uploader.getByTestId('file-input').setInputFiles([{ name: 'acme-logo.pdf', mimeType: 'application/pdf', buffer: pdf }]);
    await uploader.locator('[data-upload-name="acme-logo.pdf"][data-upload-status="done"]').waitFor({ timeout: 60_000 });
    await screenshot(phonePage, 'portal-request-upload');
    await uploader.getByRole('button', { name: 'Send 1 file' }).click();
    await phonePage.getByText('Thank you: 1 file sent for “Your logo files”.').waitFor();
    // The file is in the request's folder, sent by the portal user.
    await waitForRow(
      async () => (await sql<{ id: string }>`SELECT id FROM files.files WHERE name = 'acme-logo.pdf'`.execute(admin.kysely)).rows[0],
      'the uploaded file in files',
    );

    await phonePage.goto(`/portal/${slug}/approvals`);
    const card = phonePage.getByTestId('portal-approval').filter({ hasText: 'homepage-design.pdf' });
    await card.waitFor();
    await screenshot(phonePage, 'portal-approval');
    await phonePage.getByRole('button', { name: 'Approve version 1' }).click();
    await phonePage.getByText(/Version 1: approved by Cleo Client/).waitFor();
    await phonePage.getByText('Approved', { exact: true }).waitFor();
    await screenshot(phonePage, 'portal-approved');
  }, 90_000);

  it("staff see the approval on the client's timeline, with the client's name", { timeout: 60_000 }, async () => {
    await page.goto(`${clientUrl}?tab=portal`);
    await page.getByTestId('staff-approvals').getByText('Approved', { exact: true }).waitFor();
    await page.goto(`${clientUrl}?tab=timeline`);
    // The timeline records events through its subscription: reload until it has this one.
    const line = page.getByText('Cleo Client approved "Homepage design" (version 1)');
    for (let attempt = 0; ; attempt += 1) {
      try {
        await line.waitFor({ timeout: 4_000 });
        break;
      } catch (error) {
        if (attempt >= 5) throw error;
        await page.reload();
      }
    }
    await page.getByText('Cleo Client signed in to the client portal').first().waitFor();
    await page.getByText('Cleo Client sent 1 file for "Your logo files": acme-logo.pdf').waitFor();
    // The portal user is the actor of its own events, named as the client's person.
    await page.locator('[data-event-type="portal.approval.submitted"]').getByText('Cleo Client (client portal)').first().waitFor();
    await screenshot(page, 'portal-timeline');
  });
});
