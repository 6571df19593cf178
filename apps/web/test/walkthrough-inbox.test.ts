/**
 * The client-email walk-through in a real browser (Chromium via playwright-core) against the real
 * host with its workers, a real Dovecot IMAP server and a real SMTP server on 127.0.0.1 (allowed
 * through OUTBOUND_ALLOW_HOSTS). Staff connect their mailbox in Settings → Email accounts (a wrong
 * password is refused in words), the mail arrives in the Inbox, the thread with a client's contact
 * is on the client (Emails tab), remote images stay hidden until asked, a reply goes out queued →
 * sent with In-Reply-To, and a manual unlink sticks. Screenshots: test-artifacts/web/NN-inbox-*.png.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { startDovecot, type Dovecot } from '../../../packages/domains/communications/test/dovecot.ts';
import { rfc822 } from '../../../packages/domains/communications/test/email-helpers.ts';
import { startSmtp, type TestSmtp } from '../../../packages/domains/communications/test/smtp.ts';
import { artifactsDir, buildWeb, launchBrowser, screenshot, startHost, type Host } from './harness.ts';

const owner = { name: 'Iris Inbox', email: `iris.${Date.now()}@firm.example`, password: 'correct horse battery', org: 'Harbor Roofing Advisors' };

let database: TestDatabase;
let host: Host;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let dovecot: Dovecot;
let smtp: TestSmtp;
let dataDir = '';
let clientId = '';

async function call<T>(p: Page, procedure: string, input: unknown): Promise<T> {
  return p.evaluate(
    async ({ procedure, input }) => {
      const response = await fetch(`/trpc/${procedure}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input) });
      const body = (await response.json()) as { result?: { data: unknown }; error?: unknown };
      if (!response.ok) throw new Error(`${procedure}: ${JSON.stringify(body.error)}`);
      return body.result?.data;
    },
    { procedure, input },
  ) as Promise<T>;
}

describe('inbox walk-through (real browser, dovecot, smtp-server)', () => {
  beforeAll(async () => {
    mkdirSync(artifactsDir, { recursive: true });
    for (const entry of readdirSync(artifactsDir, { withFileTypes: true }).filter((e) => e.isFile() && /^\d+-inbox-.*\.png$/.test(e.name))) {
      rmSync(path.join(artifactsDir, entry.name));
    }
    await buildWeb();
    database = await createTestDatabase();
    dovecot = await startDovecot();
    smtp = await startSmtp(dovecot.password);
    // The mailbox already holds a conversation with a client's contact and an internal note.
    const client = await dovecot.client(owner.email);
    await client.append(
      'INBOX',
      rfc822({
        id: 'quote-1@acme-roofing.example',
        from: 'Jane Roof <jane@acme-roofing.example>',
        to: [owner.email],
        subject: 'Roof quote',
        date: new Date(Date.now() - 3600_000),
        body: 'Please find the quote attached.',
        html: '<p>Please find the <b>quote</b> attached.</p><img src="https://tracker.example/open.gif" alt="">',
        attachment: { filename: 'quote.pdf', contentType: 'application/pdf', content: Buffer.from('%PDF-1.4\n%%EOF\n') },
      }),
    );
    await client.append(
      'INBOX',
      rfc822({
        id: 'lunch@firm.example',
        from: 'colleague@elsewhere.example',
        to: [owner.email],
        subject: 'Lunch on Friday?',
        date: new Date(Date.now() - 7200_000),
      }),
    );
    await client.logout();
    dataDir = mkdtempSync(path.join(tmpdir(), 'ubos-inbox-walk-'));
    host = await startHost(
      { DATABASE_URL: database.ownerUrl, DATABASE_APP_URL: database.appUrl, DATA_DIR: dataDir, BLOB_STORE: 'local', OUTBOUND_ALLOW_HOSTS: '127.0.0.1' },
      'host-inbox.log',
    );
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1360, height: 900 }, baseURL: host.url });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
  }, 240_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail') return;
    if (page) await screenshot(page, `inbox-FAILED-${ctx.task.name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-')}`).catch(() => {});
  });

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await host?.stop();
    await smtp?.stop();
    await dovecot?.stop();
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('signs up; the client and its contact exist', async () => {
    await page.goto('/signup');
    await page.getByLabel('Your name').fill(owner.name);
    await page.getByLabel('Work email').fill(owner.email);
    await page.getByLabel('Password').fill(owner.password);
    await page.getByLabel('Organization name').fill(owner.org);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByTestId('org-switcher').filter({ hasText: owner.org }).waitFor();
    const created = await call<{ id: string }>(page, 'crm.clients.create', { name: 'Acme Roofing' });
    clientId = created.id;
    await call(page, 'crm.contacts.create', { name: 'Jane Roof', email: 'jane@acme-roofing.example', clients: [{ clientId }] });
  }, 60_000);

  it('connects the mailbox in Settings → Email accounts, refusing a wrong password in words', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Inbox' }).click();
    await page.getByText('No mailbox connected yet').waitFor();
    await page.getByRole('link', { name: 'Connect a mailbox' }).click();
    await page.waitForURL(/tab=mailboxes/);
    await page.getByText('No mailbox connected', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Connect a mailbox' }).click();
    await page.getByLabel('Email address').fill(owner.email);
    await page.getByLabel('IMAP server').fill('127.0.0.1');
    await page.getByLabel('IMAP port').fill(String(dovecot.port));
    await page.getByLabel('TLS').uncheck();
    await page.getByLabel('SMTP server').fill('127.0.0.1');
    await page.getByLabel('SMTP port').fill(String(smtp.port));
    await page.getByLabel('Security').selectOption('none');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Test and connect' }).click();
    await page.getByText('The IMAP server refused the user name or password').first().waitFor();
    await screenshot(page, 'inbox-connect-refused');
    await page.getByLabel('Password').fill(dovecot.password);
    await page.getByRole('button', { name: 'Test and connect' }).click();
    await page.getByTestId('mailbox').filter({ hasText: owner.email }).waitFor();
    await screenshot(page, 'inbox-connected');
  }, 60_000);

  it('shows the synced mail; the contact’s thread is on the client with its attachment, remote images held back', async () => {
    await page.goto('/inbox');
    // The first sync is a job queued by the connect; the list refreshes on navigation.
    await expect
      .poll(
        async () => {
          await page.reload();
          // count() does not wait: give the reloaded list time to leave its loading state.
          return page
            .getByTestId('thread-list')
            .getByText('Roof quote')
            .waitFor({ timeout: 5000 })
            .then(() => 1)
            .catch(() => 0);
        },
        { timeout: 60_000, interval: 1000 },
      )
      .toBeGreaterThan(0);
    await page.getByTestId('thread-list').getByText('Lunch on Friday?').waitFor();
    await page.getByTestId('thread-list').getByText('Roof quote').click();
    const view = page.getByTestId('thread-view');
    await view.getByRole('heading', { name: 'Roof quote' }).waitFor();
    await view.getByText('Remote images are hidden').waitFor();
    await view.getByRole('link', { name: /quote\.pdf/ }).waitFor();
    await expect.poll(() => view.getByTestId('thread-links').getByText('Acme Roofing').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await screenshot(page, 'inbox-thread');
    await view.getByRole('button', { name: 'Show images' }).click();
    await expect.poll(() => view.getByText('Remote images are hidden').count()).toBe(0);

    // Filter: only what is not on a client.
    await page.getByLabel('Show').selectOption('unlinked');
    await page.getByTestId('thread-list').getByText('Lunch on Friday?').waitFor();
    await expect.poll(() => page.getByTestId('thread-list').getByText('Roof quote').count()).toBe(0);
  }, 120_000);

  it('replies: queued, then sent through the account SMTP with In-Reply-To', async () => {
    await page.goto('/inbox');
    await page.getByTestId('thread-list').getByText('Roof quote').click();
    const view = page.getByTestId('thread-view');
    await view.getByRole('button', { name: 'Reply', exact: true }).click();
    await view.getByLabel('Reply to jane@acme-roofing.example').fill('Thanks Jane, we accept the quote.');
    await view.getByRole('button', { name: 'Send reply' }).click();
    await view
      .getByTestId('send-status')
      .getByText(/Queued|Sent/)
      .waitFor();
    await view.getByTestId('send-status').getByText('Sent').waitFor({ timeout: 30_000 });
    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]?.raw).toMatch(/In-Reply-To: <quote-1@acme-roofing\.example>/);
    expect(smtp.messages[0]?.to).toEqual(['jane@acme-roofing.example']);
    await screenshot(page, 'inbox-replied');
  }, 60_000);

  it("forwards Jane's quote with its attachment to a colleague", async () => {
    await page.goto('/inbox');
    await page.getByTestId('thread-list').getByText('Roof quote', { exact: true }).click();
    const view = page.getByTestId('thread-view');
    const janes = view.getByTestId('email-message').filter({ hasText: 'jane@acme-roofing.example' }).first();
    await janes.getByRole('button', { name: 'Forward' }).click();
    await view.getByLabel('Forward to').fill('accounts@firm.example');
    await view.getByLabel('Note (optional)').fill('For the books.');
    await view.getByText('Goes with quote.pdf').waitFor();
    await view.getByRole('button', { name: 'Send forward' }).click();
    await page.getByText('Forward queued: it is sent in a moment').waitFor();
    await expect.poll(() => smtp.messages.length, { timeout: 30_000 }).toBe(2);
    const forwarded = smtp.messages[1];
    expect(forwarded?.to).toEqual(['accounts@firm.example']);
    expect(forwarded?.raw).toMatch(/Subject: Fwd: Roof quote/);
    expect(forwarded?.raw).toMatch(/filename=quote\.pdf|filename="quote\.pdf"/);
    expect(forwarded?.raw).toContain('For the books.');
  }, 60_000);

  it('lists the thread on the client’s Emails tab; a manual unlink sticks and Link puts it back', async () => {
    await page.goto(`/clients/${clientId}?tab=emails`);
    await page.getByTestId('thread-list').getByText('Roof quote', { exact: true }).waitFor();
    await screenshot(page, 'inbox-client-emails');
    await page.getByTestId('thread-list').getByText('Roof quote', { exact: true }).click();
    const view = page.getByTestId('thread-view');
    await view.getByRole('button', { name: 'Remove from this client' }).click();
    await view.getByText('Not on a client: only you see it.').waitFor();
    await page.goto(`/clients/${clientId}?tab=emails`);
    await page.getByText('No email with this client yet').waitFor();
    await page.goBack();
    await view.getByLabel('Link to a client').fill('Acme');
    await page.getByRole('option', { name: /Acme Roofing/ }).click();
    await view.getByRole('button', { name: 'Link', exact: true }).click();
    await view.getByTestId('thread-links').getByText('Acme Roofing').waitFor();
  }, 60_000);
});
