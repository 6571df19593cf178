/**
 * The agreements walk-through in a real browser: Chromium against the real host (the built SPA, a
 * fresh database, workers running subscriptions and module jobs). Staff write a proposal template
 * with the merge-field picker, build a proposal from it (live totals), send it; the client, signed
 * in to the portal on a phone, reads and accepts it; staff make the contract and send it for
 * signature; the client signs on the phone (typed), the firm's director draws a signature; the
 * sealing job stores the sealed PDF in the client's files (pdfsig: valid) and the timeline says so.
 * Screenshots: test-artifacts/web/NN-agreements-*.png.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { APIRequestContext, Browser, BrowserContext, Page } from 'playwright-core';
import { createDatabase, sql, type Database } from '@ubos/platform';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { artifactsDir, buildWeb, launchBrowser, screenshot, startHost, type Host } from './harness.ts';

const run = promisify(execFile);
const owner = { name: 'Dana Director', email: `dana.${Date.now()}@example.com`, password: 'correct horse battery', org: 'Harbour Works' };
const clientName = 'Acme <Bakery>';
const contact = { name: 'Cleo Client', email: `cleo.${Date.now()}@acme.test` };

let database: TestDatabase;
let admin: Database;
let host: Host;
let browser: Browser;
let staff: BrowserContext;
let page: Page;
let phone: BrowserContext;
let phonePage: Page;
let dataDir = '';
let clientId = '';
let clientUrl = '';
let slug = '';
let proposalUrl = '';
let contractId = '';
let links: string[] = [];

async function call<T>(request: APIRequestContext, procedure: string, input: unknown, kind: 'query' | 'mutation' = 'mutation'): Promise<T> {
  const response =
    kind === 'query'
      ? await request.get(`/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`)
      : await request.post(`/trpc/${procedure}`, { data: input, headers: { 'content-type': 'application/json' } });
  const body = (await response.json()) as { result?: { data: T }; error?: { message: string } };
  if (!response.ok() || !body.result) throw new Error(`${procedure}: ${response.status()} ${body.error?.message ?? ''}`);
  return body.result.data;
}

async function waitForRow<T>(query: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await query();
    if (row !== undefined) return row;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('agreements walk-through (real browser)', () => {
  beforeAll(async () => {
    mkdirSync(artifactsDir, { recursive: true });
    for (const entry of readdirSync(artifactsDir, { withFileTypes: true }).filter((e) => e.isFile() && /^\d+-agreements-.*\.png$/.test(e.name))) {
      rmSync(path.join(artifactsDir, entry.name));
    }
    await buildWeb();
    database = await createTestDatabase();
    admin = createDatabase({ connectionString: database.adminUrl, max: 2 });
    dataDir = mkdtempSync(path.join(tmpdir(), 'ubos-agreements-walk-'));
    host = await startHost(
      { DATABASE_URL: database.ownerUrl, DATABASE_APP_URL: database.appUrl, DATA_DIR: dataDir, BLOB_STORE: 'local' },
      'host-agreements.log',
    );
    browser = await launchBrowser();
    staff = await browser.newContext({ viewport: { width: 1360, height: 900 }, baseURL: host.url });
    page = await staff.newPage();
    page.setDefaultTimeout(20_000);
    phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, baseURL: host.url });
    phonePage = await phone.newPage();
    phonePage.setDefaultTimeout(20_000);
  }, 240_000);

  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    const name = context.task.name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-');
    if (page) await screenshot(page, `agreements-FAILED-${name}`).catch(() => {});
    if (phonePage) await screenshot(phonePage, `agreements-FAILED-phone-${name}`).catch(() => {});
  });

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await host?.stop();
    await admin?.close();
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('staff sign up, create a client with a contact in the portal, and write a proposal template', async () => {
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
    const created = await call<{ id: string }>(page.request, 'crm.contacts.create', { name: contact.name, email: contact.email, clients: [{ clientId }] });
    await waitForRow(
      async () => (await sql<{ id: string }>`SELECT id FROM portal.contacts WHERE email = ${contact.email}`.execute(admin.kysely)).rows[0],
      "the portal's copy of the contact",
    );
    slug = await waitForRow(
      async () => (await call<{ slug: string | null }>(page.request, 'portal.settings.get', undefined, 'query')).slug ?? undefined,
      'the portal address',
    );
    await call(page.request, 'portal.users.invite', { contactId: created.id, clientId });

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Agreements' }).click();
    await page.getByText('No proposals yet').waitFor();
    await page.getByRole('tab', { name: 'Templates' }).click();
    await page.getByRole('button', { name: 'New template' }).click();
    await page.getByLabel('Name').fill('Website proposal');
    const text = page.getByLabel('Section 1 text');
    await text.fill('Dear ');
    await page.getByRole('button', { name: 'Contact first name' }).click();
    await text.press('End');
    await text.pressSequentially(', here is our proposal for ');
    await page.getByRole('button', { name: 'Client name' }).click();
    await text.press('End');
    await text.pressSequentially('.');
    expect(await text.inputValue()).toBe('Dear {{contact.first_name}}, here is our proposal for {{client.name}}.');
    await page.getByTestId('preview').getByText('Dear Ada, here is our proposal for Acme Ltd.').waitFor();
    await screenshot(page, 'agreements-template');
    await page.getByRole('button', { name: 'Save template' }).click();
    await page.waitForURL(/\/agreements\/templates\/[0-9a-f-]{36}$/);
  }, 120_000);

  it('builds a proposal from the template with live totals and sends it', async () => {
    await page.goto('/agreements/proposals/new');
    await page.getByLabel('Client').fill('Acme');
    await page.getByRole('option', { name: clientName }).click();
    await page.getByLabel('Template').selectOption({ label: 'Website proposal' });
    await page.getByLabel('{{client.name}}').fill(clientName);
    await page.getByLabel('{{contact.first_name}}').fill('Cleo');
    await page.getByLabel('Line 1 description').fill('Design and build');
    await page.getByLabel('Line 1 quantity').fill('3');
    await page.getByLabel('Line 1 unit price').fill('1250.50');
    await page.getByLabel('Line 1 tax percent').fill('20');
    // 3 × 1,250.50 = 3,751.50, +20% tax = 4,501.80.
    await page.getByTestId('live-total').filter({ hasText: 'EUR 4,501.80' }).waitFor();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForURL(/\/agreements\/proposals\/[0-9a-f-]{36}$/);
    proposalUrl = new URL(page.url()).pathname;
    await screenshot(page, 'agreements-proposal-builder');
    await page.getByRole('button', { name: 'Send version 1' }).click();
    await page.getByText('Proposal sent to the client').waitFor();
    await page.getByText('version 1 sent').waitFor();
  }, 60_000);

  it('the client signs in to the portal on a phone and accepts the proposal', async () => {
    const mail = await waitForRow(
      async () =>
        (
          await sql<{
            text: string;
          }>`SELECT text FROM platform.system_mail WHERE to_email = ${contact.email} AND template = 'magic_link' ORDER BY created_at DESC LIMIT 1`.execute(
            admin.kysely,
          )
        ).rows[0],
      'the magic link email',
    );
    const signIn = mail.text.match(/\/portal\/[a-z0-9-]+\/sign-in\?token=[A-Za-z0-9_-]{43}/)?.[0] ?? '';
    await phonePage.goto(signIn);
    await phonePage.getByTestId('portal-sign-in').click();
    await phonePage.waitForURL(new RegExp(`/portal/${slug}$`));
    await phonePage.getByRole('link', { name: 'Proposals' }).first().click();
    await phonePage.getByTestId('portal-proposal').filter({ hasText: 'Website proposal' }).click();
    const detail = phonePage.getByTestId('portal-proposal-detail');
    // The client's name with HTML in it reads as text.
    await detail.getByText(`Dear Cleo, here is our proposal for ${clientName}.`).waitFor();
    await phonePage.getByTestId('portal-total').filter({ hasText: 'EUR 4,501.80' }).waitFor();
    await screenshot(phonePage, 'agreements-portal-proposal');
    await phonePage.getByRole('button', { name: 'Accept version 1' }).click();
    await phonePage.getByText(/Accepted on/).waitFor();
  }, 60_000);

  it('staff make the contract and send it for signature', async () => {
    await page.goto(proposalUrl);
    await page.getByText(`accepted by ${contact.name}`).waitFor();
    await page.getByRole('button', { name: 'Create contract' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Signer 1 name').fill(contact.name);
    await dialog.getByLabel('Signer 1 email').fill(contact.email);
    await dialog.getByLabel('Signer 2 name').fill(owner.name);
    await dialog.getByLabel('Signer 2 email').fill(owner.email);
    await dialog.getByRole('button', { name: 'Create contract' }).click();
    await page.waitForURL(/\/agreements\/contracts\/[0-9a-f-]{36}$/);
    contractId = new URL(page.url()).pathname.split('/').at(-1) ?? '';
    await page.getByRole('button', { name: 'Send for signature' }).click();
    const inputs = page.getByTestId('signing-link');
    await inputs.first().waitFor();
    links = await Promise.all((await inputs.all()).map((input) => input.inputValue()));
    expect(links).toHaveLength(2);
    expect(links.every((link) => /\/sign#token=[A-Za-z0-9_-]{43}$/.test(link))).toBe(true);
    await screenshot(page, 'agreements-contract-sent');
    await page.keyboard.press('Escape');
  }, 60_000);

  it('the client signs on the phone (typed), then the director draws a signature', async () => {
    // The director's link first: not their turn yet.
    await page.goto(links[1] ?? '');
    await page
      .getByTestId('signing-status')
      .filter({ hasText: `${contact.name} signs first` })
      .waitFor();

    await phonePage.goto(links[0] ?? '');
    await phonePage.getByRole('heading', { name: 'Website proposal' }).waitFor();
    await phonePage.getByLabel(/I agree to sign this document electronically/).check();
    await screenshot(phonePage, 'agreements-signing-phone');
    await phonePage.getByRole('button', { name: 'Sign', exact: true }).click();
    await phonePage.getByTestId('signing-status').filter({ hasText: 'You have signed this contract' }).waitFor();

    await page.reload();
    await page.getByTestId('sign-form').waitFor();
    await page.getByRole('tab', { name: 'Draw' }).click();
    const pad = page.getByLabel('Draw your signature');
    const box = await pad.boundingBox();
    if (!box) throw new Error('no signature pad');
    await page.mouse.move(box.x + 30, box.y + box.height / 2);
    await page.mouse.down();
    for (let i = 1; i <= 12; i++) await page.mouse.move(box.x + 30 + i * 25, box.y + box.height / 2 + (i % 2 ? -20 : 20));
    await page.mouse.up();
    await page.getByLabel(/I agree to sign this document electronically/).check();
    await page.getByRole('button', { name: 'Sign', exact: true }).click();
    await page.getByTestId('signing-status').filter({ hasText: 'You have signed this contract' }).waitFor();
  }, 60_000);

  it('the sealed PDF lands in the client files (pdfsig: valid) and the timeline says so', async () => {
    await page.goto(`/agreements/contracts/${contractId}`);
    await page.getByRole('button', { name: 'Download signed PDF' }).waitFor({ timeout: 90_000 });
    const contract = await call<{ sealedFileId: string; sealedSha256: string }>(page.request, 'agreements.contracts.get', { id: contractId }, 'query');
    const file = await call<{ id: string; name: string; folderId: string; clientId: string }>(
      page.request,
      'files.files.get',
      { id: contract.sealedFileId },
      'query',
    );
    expect(file).toMatchObject({ name: 'Website proposal (signed).pdf', clientId });
    await page.getByText('chain verified').waitFor();
    await screenshot(page, 'agreements-contract-signed');

    const link = await call<{ url: string; sha256: string }>(page.request, 'agreements.contracts.downloadUrl', { id: contractId }, 'query');
    const pdf = await page.request.get(link.url);
    expect(pdf.ok()).toBe(true);
    const file0 = path.join(dataDir, 'walkthrough-sealed.pdf');
    writeFileSync(file0, await pdf.body());
    expect((await run('pdfsig', [file0])).stdout).toContain('Signature is Valid');

    await page.goto(`/files?folder=${file.folderId}&file=${file.id}`);
    await page.getByText('Website proposal (signed).pdf').first().waitFor();
    await screenshot(page, 'agreements-client-files');

    await page.goto(`${clientUrl}?tab=timeline`);
    for (let attempt = 0; attempt < 40; attempt++) {
      if ((await page.locator('[data-event-type="agreements.contract.signed"]').count()) > 0) break;
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.waitForTimeout(500);
    }
    expect(await page.locator('[data-event-type="agreements.contract.signed"]').first().textContent()).toContain('the sealed PDF is in the client');
    expect(await page.locator('[data-event-type="agreements.proposal.accepted"]').first().textContent()).toContain(`${contact.name} accepted the proposal`);
    await screenshot(page, 'agreements-timeline');
  }, 150_000);
});
