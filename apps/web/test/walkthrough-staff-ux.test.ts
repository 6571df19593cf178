/**
 * The staff-app walk-through of what a new user hit (deals, lists, tasks, the account page) in a
 * real browser: Chromium (playwright-core) against the real host serving the freshly built SPA and a
 * fresh database. Screenshots: test-artifacts/web/NN-ux-*.png.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { artifactsDir, buildWeb, launchBrowser, screenshot, startHost, type Host } from './harness.ts';

const owner = { name: 'Uma Usability', email: `uma.${Date.now()}@example.com`, password: 'correct horse battery', org: 'Cedar & Pine Studio' };

let database: TestDatabase;
let host: Host;
let browser: Browser;
let staff: BrowserContext;
let page: Page;
let clientId = '';
let templateId = '';

/** Calls a tRPC procedure from the page, with the page's session cookie (same origin, plain JSON). */
async function call<T>(p: Page, procedure: string, input: unknown, kind: 'query' | 'mutation' = 'mutation'): Promise<T> {
  return p.evaluate(
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

describe('staff app walk-through: deals, lists, tasks, account (real browser)', () => {
  beforeAll(async () => {
    mkdirSync(artifactsDir, { recursive: true });
    for (const entry of readdirSync(artifactsDir, { withFileTypes: true }).filter((e) => e.isFile() && /^\d+-ux-.*\.png$/.test(e.name))) {
      rmSync(path.join(artifactsDir, entry.name));
    }
    await buildWeb();
    database = await createTestDatabase();
    host = await startHost({ DATABASE_URL: database.ownerUrl, DATABASE_APP_URL: database.appUrl }, 'host-ux.log');
    browser = await launchBrowser();
    staff = await browser.newContext({ viewport: { width: 1360, height: 900 }, baseURL: host.url, acceptDownloads: true });
    page = await staff.newPage();
    page.setDefaultTimeout(15_000);
  }, 180_000);

  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail' || context.task.fails) return;
    const name = context.task.name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-');
    if (page) await screenshot(page, `ux-FAILED-${name}`).catch(() => {});
  });

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await host?.stop();
    await database?.drop();
  }, 60_000);

  it('signs up; a client and a project template exist', async () => {
    await page.goto('/signup');
    await page.getByLabel('Your name').fill(owner.name);
    await page.getByLabel('Work email').fill(owner.email);
    await page.getByLabel('Password').fill(owner.password);
    await page.getByLabel('Organization name').fill(owner.org);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByTestId('org-switcher').filter({ hasText: owner.org }).waitFor();
    const client = await call<{ id: string }>(page, 'crm.clients.create', { name: 'Acme Robotics', domain: 'acme.test' });
    clientId = client.id;
    const template = await call<{ id: string }>(page, 'projects.templates.create', {
      name: 'Website launch',
      skeleton: { columns: [{ name: 'To do' }, { name: 'Done', isDone: true }], tasks: [{ title: 'Collect content' }] },
    });
    templateId = template.id;
  }, 60_000);

  it('opens a deal from its board card (mouse and keyboard), edits it in place with the same validation as create', async () => {
    const deal = await call<{ id: string }>(page, 'crm.deals.create', { clientId, title: 'Acme support portal', valueMinor: 1_200_000, currency: 'EUR' });
    await page.goto('/deals');
    // Won and Lost are columns from the start.
    await page.getByRole('region', { name: 'Won' }).waitFor();
    await page.getByRole('region', { name: 'Lost' }).waitFor();
    const card = page.locator('[data-deal-title="Acme support portal"]');
    await card.waitFor();
    await card.getByText('Acme Robotics').click();
    await page.waitForURL(new RegExp(`/deals/${deal.id}$`));
    await page.getByRole('heading', { name: /Acme support portal/ }).waitFor();
    await page.getByTestId('deal-details').getByText('Lead').waitFor();

    // Keyboard: back to the board, Tab to the title link, Enter opens the deal.
    await page.goto('/deals');
    await card.getByRole('link', { name: 'Acme support portal' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/deals/${deal.id}$`));

    // Edit in place: an empty title is refused beside the field, then a real edit saves every field.
    await page.getByRole('button', { name: 'Edit' }).click();
    const form = page.getByRole('form', { name: 'Edit deal' });
    await form.getByLabel('Title').fill('');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await form.locator('[data-field-error="title"]').waitFor();
    await form.getByLabel('Title').fill('Acme support portal, phase 2');
    await form.getByLabel('Value').fill('15000');
    await form.getByLabel('Expected close').fill('2027-03-31');
    await form.getByLabel('Stage').selectOption({ label: 'Proposal' });
    await form.getByLabel('Project template').selectOption({ label: 'Website launch' });
    await form.getByRole('button', { name: 'Save changes' }).click();
    await form.waitFor({ state: 'detached' });
    const details = page.getByTestId('deal-details');
    await page.getByRole('heading', { name: /Acme support portal, phase 2/ }).waitFor();
    await details.getByText('Proposal').waitFor();
    await details.getByText('Website launch').waitFor();
    await details.getByText(/€15,000/).waitFor();
    // The template is shown by name, never its id.
    await expect(page.getByText(templateId).count()).resolves.toBe(0);
    const saved = await call<{ title: string; valueMinor: number; projectTemplateId: string; expectedClose: string }>(
      page,
      'crm.deals.get',
      { id: deal.id },
      'query',
    );
    expect(saved).toMatchObject({ title: 'Acme support portal, phase 2', valueMinor: 1_500_000, projectTemplateId: templateId, expectedClose: '2027-03-31' });

    // A note on the deal is not "edited" when new; the deal's timeline tells what happened.
    await page.getByLabel('Note').fill('Call went well; they want a staging site.');
    await page.getByRole('button', { name: 'Save note' }).click();
    const note = page.locator('[data-note-id]').filter({ hasText: 'Call went well' });
    await note.waitFor();
    await expect(note.getByText('edited').count()).resolves.toBe(0);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page
      .getByText(/Proposal/)
      .first()
      .waitFor();
    await screenshot(page, 'ux-deal-page');

    // The client profile's deal row and Command-K open the same page.
    await page.goto(`/clients/${clientId}?tab=deals`);
    await page.getByRole('link', { name: 'Acme support portal, phase 2' }).click();
    await page.waitForURL(new RegExp(`/deals/${deal.id}$`));
    await page.goto('/');
    await page.getByRole('heading', { name: /Good (morning|afternoon|evening)/ }).waitFor();
    await page.keyboard.press('Control+k');
    const input = page.getByTestId('command-input');
    await input.waitFor();
    const hit = page.getByTestId('command-hit').filter({ hasText: 'phase 2' });
    // The search index is built from events: give the dispatcher a moment.
    for (let attempt = 0; attempt < 20; attempt++) {
      await input.fill('');
      await input.pressSequentially('phase 2', { delay: 20 });
      if (
        await hit
          .first()
          .isVisible({ timeout: 1_500 })
          .catch(() => false)
      )
        break;
    }
    await hit.first().click();
    await page.waitForURL(new RegExp(`/deals/${deal.id}$`));
    await page.getByRole('heading', { name: /Acme support portal, phase 2/ }).waitFor();
  }, 90_000);

  it('filters clients by "cedar" anywhere in the name or domain, and exports the filtered list as a CSV download', async () => {
    for (const name of ['Red Cedar Farms', 'The cedar tree', 'CEDARWOOD Ltd', 'Oak & Pine', 'Maple Studio']) await call(page, 'crm.clients.create', { name });
    await call(page, 'crm.clients.create', { name: 'Timber Co', domain: 'cedar-timber.test' });
    await page.goto('/clients');
    await page.getByRole('link', { name: 'Maple Studio' }).waitFor();
    await page.getByLabel('Filter clients').fill('cedar');
    await page.waitForURL(/q=cedar/);
    const expected = ['CEDARWOOD Ltd', 'Red Cedar Farms', 'The cedar tree', 'Timber Co'];
    for (const name of expected) await page.getByRole('link', { name, exact: true }).waitFor();
    await expect(page.getByRole('link', { name: 'Maple Studio' }).count()).resolves.toBe(0);
    await expect(page.getByRole('link', { name: 'Acme Robotics' }).count()).resolves.toBe(0);
    await screenshot(page, 'ux-filter-cedar');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export the listed clients as CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const file = await download.path();
    const csv = readFileSync(file, 'utf8');
    for (const name of expected) expect(csv).toContain(name);
    expect(csv).not.toContain('Maple Studio');
    expect(csv.trim().split(/\r?\n/)).toHaveLength(expected.length + 1);
    await page.getByText('Exported 4 rows').waitFor();
  }, 60_000);

  it('suggests linking a contact to the client of their email domain, and links it in one click', async () => {
    await call(page, 'crm.contacts.create', { name: 'Jane Doe', email: 'jane@acme.test' });
    await page.goto('/contacts');
    const suggestions = page.getByRole('list', { name: 'Suggested links' });
    await suggestions.locator('[data-suggestion="Jane Doe"]').waitFor();
    await page.getByRole('button', { name: 'Link Jane Doe to Acme Robotics' }).click();
    await page.getByText('Jane Doe linked').waitFor();
    await suggestions.waitFor({ state: 'detached' });
  }, 30_000);

  it('completes a task from its drawer and sees it in the Done column, the header count agreeing', async () => {
    const project = await call<{ id: string }>(page, 'projects.projects.create', { name: 'Acme website', clientId });
    await call(page, 'projects.tasks.create', { projectId: project.id, title: 'Collect content' });
    await call(page, 'projects.tasks.create', { projectId: project.id, title: 'Write copy' });
    await page.goto(`/projects/${project.id}`);
    await page.getByText('0 of 2 tasks done').waitFor();
    const todo = page.getByRole('region', { name: 'To do' });
    const done = page.getByRole('region', { name: 'Done' });
    await todo.locator('[data-task-title="Collect content"]').click();
    await page.getByRole('button', { name: 'Mark complete' }).click();
    await page.getByText('Task completed').waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await done.locator('[data-task-title="Collect content"]').waitFor();
    await expect(todo.locator('[data-task-title="Collect content"]').count()).resolves.toBe(0);
    await page.getByText('1 of 2 tasks done').waitFor();
    await screenshot(page, 'ux-task-done');
    // After a reload too (the server moved it, not only the screen).
    await page.goto(`/projects/${project.id}`);
    await done.locator('[data-task-title="Collect content"]').waitFor();
    await page.getByText('1 of 2 tasks done').waitFor();
  }, 60_000);

  it('opens My account from the user menu: name, email, sessions with device, signs another session out', async () => {
    // A second device: another browser context with a phone's user agent signs in.
    const phone = await browser.newContext({
      baseURL: host.url,
      userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    });
    const phonePage = await phone.newPage();
    phonePage.setDefaultTimeout(15_000);
    await phonePage.goto('/login');
    await phonePage.getByLabel('Email').fill(owner.email);
    await phonePage.getByLabel('Password').fill(owner.password);
    await phonePage.getByRole('button', { name: 'Log in' }).click();
    await phonePage.getByTestId('org-switcher').waitFor();

    await page.goto('/');
    await page.getByTestId('user-menu').click();
    await page.getByRole('menuitem', { name: 'My account' }).click();
    await page.waitForURL(/\/account$/);
    await page.getByRole('heading', { name: 'My account' }).waitFor();
    await expect(page.getByTestId('account-name').textContent()).resolves.toBe(owner.name);
    await expect(page.getByTestId('account-email').textContent()).resolves.toBe(owner.email);
    const list = page.getByRole('list', { name: 'Active sessions' });
    await list.locator('[data-session-device="Safari on iPhone"]').waitFor();
    await list.getByText('This browser').waitFor();
    await page.getByText('How you are notified').waitFor();
    await screenshot(page, 'ux-account');

    await page.getByRole('button', { name: 'Sign out Safari on iPhone' }).click();
    await page.getByText('Session signed out').waitFor();
    await list.locator('[data-session-device="Safari on iPhone"]').waitFor({ state: 'detached' });
    // The phone is signed out: its next page load goes to the login page.
    await phonePage.goto('/clients');
    await phonePage.waitForURL(/\/login/);
    await phone.close();

    // Change password: a wrong current password is refused beside the field; this browser stays signed in.
    const form = page.getByRole('form', { name: 'Change password' });
    await form.getByLabel('Current password').fill('not my password');
    await form.getByLabel('New password', { exact: true }).fill('an even better password');
    await form.getByLabel('Repeat the new password').fill('an even better password');
    await form.getByRole('button', { name: 'Change password' }).click();
    await form.locator('[data-field-error="currentPassword"]').waitFor();
    await form.getByLabel('Current password').fill(owner.password);
    await form.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Password changed; your other sessions were signed out').waitFor();
    await page.goto('/account');
    await page.getByRole('heading', { name: 'My account' }).waitFor();
    owner.password = 'an even better password';
  }, 60_000);
});
