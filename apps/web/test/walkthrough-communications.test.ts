/**
 * The communications walk-through in a real browser: Chromium (playwright-core) against the real host
 * serving the freshly built SPA, with no SMTP_URL, so every system email is kept in the outgoing-mail
 * log. An invited member forgets their password, the owner reads the reset link in Settings → Email →
 * Sent by UBOS, the member resets and signs in with the new password; a task assigned to the member
 * rings their bell. Screenshots: test-artifacts/web/NN-comms-*.png.
 *
 * Each step is its own test(...) block; the client-email steps may be added as further blocks.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { artifactsDir, buildWeb, launchBrowser, screenshot, startHost, type Host } from './harness.ts';

const stamp = Date.now();
const owner = { name: 'Olga Owner', email: `olga.${stamp}@example.com`, password: 'correct horse battery', org: 'Quay & Partners' };
const member = { name: 'Max Member', email: `max.${stamp}@example.com`, password: 'first password here', newPassword: 'a much better passphrase' };

let database: TestDatabase;
let host: Host;
let browser: Browser;
let ownerContext: BrowserContext;
let memberContext: BrowserContext;
let ownerPage: Page;
let memberPage: Page;
let resetLink = '';

/** Calls a tRPC procedure from the page, with the page's session cookie (same origin, plain JSON). */
async function call<T>(page: Page, procedure: string, input: unknown, kind: 'query' | 'mutation' = 'mutation'): Promise<T> {
  return page.evaluate(
    async ({ procedure, input, kind }) => {
      const response =
        kind === 'query'
          ? await fetch(input === undefined ? `/trpc/${procedure}` : `/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`)
          : await fetch(`/trpc/${procedure}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input) });
      const body = (await response.json()) as { result?: { data: unknown }; error?: unknown };
      if (!response.ok) throw new Error(`${procedure}: ${JSON.stringify(body.error)}`);
      return body.result?.data;
    },
    { procedure, input, kind },
  ) as Promise<T>;
}

describe('communications walk-through (real browser)', () => {
  beforeAll(async () => {
    mkdirSync(artifactsDir, { recursive: true });
    for (const entry of readdirSync(artifactsDir, { withFileTypes: true }).filter((e) => e.isFile() && /^\d+-comms-.*\.png$/.test(e.name))) {
      rmSync(path.join(artifactsDir, entry.name));
    }
    await buildWeb();
    database = await createTestDatabase();
    // No SMTP_URL: the embedded default keeps system mail in the log.
    host = await startHost({ DATABASE_URL: database.ownerUrl, DATABASE_APP_URL: database.appUrl }, 'host-communications.log');
    browser = await launchBrowser();
    ownerContext = await browser.newContext({ viewport: { width: 1360, height: 900 }, baseURL: host.url });
    ownerPage = await ownerContext.newPage();
    ownerPage.setDefaultTimeout(15_000);
    // The member is on a phone.
    memberContext = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, baseURL: host.url });
    memberPage = await memberContext.newPage();
    memberPage.setDefaultTimeout(15_000);
  }, 180_000);

  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    const name = context.task.name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-');
    if (ownerPage) await screenshot(ownerPage, `comms-FAILED-owner-${name}`).catch(() => {});
    if (memberPage) await screenshot(memberPage, `comms-FAILED-member-${name}`).catch(() => {});
  });

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await host?.stop();
    await database?.drop();
  }, 60_000);

  test('the owner signs up and invites a member, who joins with the emailed link', async () => {
    await ownerPage.goto('/signup');
    await ownerPage.getByLabel('Your name').fill(owner.name);
    await ownerPage.getByLabel('Work email').fill(owner.email);
    await ownerPage.getByLabel('Password').fill(owner.password);
    await ownerPage.getByLabel('Organization name').fill(owner.org);
    await ownerPage.getByRole('button', { name: 'Create account' }).click();
    await ownerPage.getByTestId('org-switcher').filter({ hasText: owner.org }).waitFor();

    await call(ownerPage, 'identity.invitations.create', { email: member.email, role: 'member' });
    // The invitation email is in Sent by UBOS; its plain-text part carries the link.
    await ownerPage.goto('/settings?tab=email');
    await ownerPage.getByRole('tab', { name: 'Sent by UBOS' }).waitFor();
    await ownerPage.getByRole('button', { name: `You are invited to join ${owner.org} on UBOS` }).click();
    await ownerPage.getByRole('tab', { name: 'Plain text' }).click();
    const text = (await ownerPage.getByTestId('sent-mail-text').textContent()) ?? '';
    const invite = text.match(/https?:\/\/\S+\/accept-invitation#token=[a-z2-7]{52}/)?.[0];
    expect(invite, text).toBeTruthy();
    await ownerPage.keyboard.press('Escape');

    const url = new URL(invite as string);
    await memberPage.goto(`${url.pathname}${url.hash}`);
    await memberPage.getByLabel('Your name').fill(member.name);
    await memberPage.getByLabel('Choose a password').fill(member.password);
    await memberPage.getByRole('button', { name: 'Accept and create account' }).click();
    await memberPage.waitForURL((current) => current.pathname === '/');
    // Signed out again, the member has forgotten the password.
    await memberContext.clearCookies();
  }, 120_000);

  test('forgot password on the login page: the same answer whoever asks', async () => {
    await memberPage.goto('/login');
    await memberPage.getByLabel('Email').fill(member.email);
    await memberPage.getByRole('link', { name: 'Forgot password?' }).click();
    await memberPage.waitForURL(/\/forgot-password/);
    await expect.poll(() => memberPage.getByLabel('Email').inputValue()).toBe(member.email);
    await screenshot(memberPage, 'comms-forgot-password');
    await memberPage.getByRole('button', { name: 'Send the reset link' }).click();
    await memberPage.getByRole('heading', { name: 'Check your email' }).waitFor();
    await memberPage.getByText('If an account uses this email').waitFor();
    await screenshot(memberPage, 'comms-check-your-email');
  }, 60_000);

  test('the owner reads the reset email in Settings → Email → Sent by UBOS', async () => {
    const subject = `Reset your ${owner.org} password`;
    // The reset email is recorded just after the answer: reload until it is listed.
    await expect
      .poll(
        async () => {
          await ownerPage.goto('/settings?tab=email');
          await ownerPage.getByTestId('sent-mail-list').waitFor();
          return ownerPage.getByRole('button', { name: subject }).count();
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBe(1);
    await ownerPage.getByRole('button', { name: subject }).click();
    const drawer = ownerPage.getByRole('dialog');
    await drawer.getByText(member.email).waitFor();
    await drawer.getByText('Kept in this log').waitFor();
    // The HTML as sent, in a sandboxed frame that runs nothing.
    const frame = drawer.locator('iframe[title="Email as sent"]');
    expect(await frame.getAttribute('sandbox')).toBe('');
    await ownerPage.frameLocator('iframe[title="Email as sent"]').getByRole('link', { name: 'Choose a new password' }).waitFor();
    await screenshot(ownerPage, 'comms-sent-by-ubos-html');
    await drawer.getByRole('tab', { name: 'Plain text' }).click();
    const text = (await ownerPage.getByTestId('sent-mail-text').textContent()) ?? '';
    resetLink = text.match(/https?:\/\/\S+\/reset-password#token=[a-z2-7]{52}/)?.[0] ?? '';
    expect(resetLink, text).not.toBe('');
    await screenshot(ownerPage, 'comms-sent-by-ubos-text');
    await ownerPage.keyboard.press('Escape');
  }, 60_000);

  test('the member opens the link (nothing is used up), resets and signs in with the new password', async () => {
    const url = new URL(resetLink);
    const target = `${url.pathname}${url.hash}`;
    // Opening the page twice leaves the link usable: opening only checks it.
    await memberPage.goto(target);
    await memberPage.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await memberPage.reload();
    await memberPage.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await memberPage.getByLabel('New password', { exact: true }).fill(member.newPassword);
    await memberPage.getByLabel('Repeat the new password').fill(member.newPassword);
    await screenshot(memberPage, 'comms-reset-password');
    await memberPage.getByRole('button', { name: 'Set the new password' }).click();
    await memberPage.getByRole('heading', { name: 'Password changed' }).waitFor();

    // The link is used up now (a fresh load: the same URL would only change the fragment).
    await memberPage.goto('/login');
    await memberPage.goto(target);
    await memberPage.getByRole('heading', { name: 'This link cannot be used' }).waitFor();

    await memberPage.goto('/login');
    await memberPage.getByLabel('Email').fill(member.email);
    await memberPage.getByLabel('Password').fill(member.password);
    await memberPage.getByRole('button', { name: 'Log in' }).click();
    await memberPage.getByText('Invalid email or password').waitFor();
    await memberPage.getByLabel('Password').fill(member.newPassword);
    await memberPage.getByRole('button', { name: 'Log in' }).click();
    await memberPage.getByTestId('org-switcher').filter({ hasText: owner.org }).waitFor();

    // The token never travelled in a URL the host logged (the check and the reset are POSTs).
    const token = url.hash.replace('#token=', '');
    expect(readFileSync(path.join(artifactsDir, 'host-communications.log'), 'utf8')).not.toContain(token);
  }, 90_000);

  test('a task assigned to the member rings their bell; opening it goes to the project and clears the count', async () => {
    const me = await call<{ user: { id: string } }>(memberPage, 'identity.auth.me', undefined, 'query');
    const project = await call<{ id: string }>(ownerPage, 'projects.projects.create', { name: 'Harbour audit' });
    await call(ownerPage, 'projects.tasks.create', { projectId: project.id, title: 'Collect the bank statements', assigneeId: me.user.id });

    const count = memberPage.getByTestId('notification-count');
    await expect
      .poll(
        async () => {
          await memberPage.reload();
          // The count appears once the bell's list has loaded.
          await count.waitFor({ timeout: 3000 }).catch(() => undefined);
          return (await count.count()) > 0 ? count.textContent() : null;
        },
        { timeout: 45_000, interval: 2000 },
      )
      .toBe('1');
    await memberPage.getByTestId('notification-bell').click();
    const item = memberPage.getByRole('menuitem', { name: /You were assigned the task "Collect the bank statements"/ });
    await item.waitFor();
    await screenshot(memberPage, 'comms-bell');
    await item.click();
    await memberPage.waitForURL(new RegExp(`/projects/${project.id}$`));
    await expect.poll(() => count.count(), { timeout: 15_000 }).toBe(0);

    // The preferences screen shows the member's channels.
    await memberPage.goto('/settings?tab=notifications');
    await memberPage.getByRole('heading', { name: 'How you are notified' }).waitFor();
    await memberPage.getByLabel('Email').selectOption('daily_digest');
    await memberPage.getByLabel('Digest time (UTC)').waitFor();
    await screenshot(memberPage, 'comms-preferences');
  }, 120_000);
});
