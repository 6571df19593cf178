/**
 * The staff app walk-through in a real browser: Chromium driven by playwright-core against the
 * real host (`node apps/api/src/main.ts`) serving the freshly built SPA on a fresh database.
 * Screenshots of each step: test-artifacts/web/.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { buildWeb, clearScreenshots, launchBrowser, screenshot, startHost, type Host } from './harness.ts';

const owner = { name: 'Olivia Owner', email: `olivia.${Date.now()}@example.com`, password: 'correct horse battery', org: 'Northwind Studio' };
const viewer = { name: 'Victor Viewer', email: `victor.${Date.now()}@example.com`, password: 'viewer password 123' };

let database: TestDatabase;
let host: Host;
let browser: Browser;
let ownerContext: BrowserContext;
let page: Page;
let clientUrl = '';
let projectUrl = '';
let workflowUrl = '';
const client = { name: 'Acme Robotics', domain: 'acme-robotics.test' };

describe('staff app walk-through (real browser)', () => {
  beforeAll(async () => {
    clearScreenshots();
    await buildWeb();
    database = await createTestDatabase();
    host = await startHost({ DATABASE_URL: database.ownerUrl, DATABASE_APP_URL: database.appUrl });
    browser = await launchBrowser();
    ownerContext = await browser.newContext({ viewport: { width: 1360, height: 860 }, baseURL: host.url });
    page = await ownerContext.newPage();
    page.setDefaultTimeout(15_000);
  }, 180_000);

  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    if (page) await screenshot(page, `FAILED-${context.task.name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-')}`).catch(() => {});
  });

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await host?.stop();
    await database?.drop();
  }, 60_000);

  it('redirects a signed-out visitor to the login page', async () => {
    await page.goto('/clients');
    await page.waitForURL(/\/login\?next=%2Fclients/);
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
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

  it('defines a custom field, creates a client with it and adds a contact', async () => {
    await page.goto('/settings?tab=fields');
    await page.getByRole('button', { name: 'Add field' }).click();
    await page.getByLabel('Label').fill('Industry');
    await expect(page.getByLabel('Key').inputValue()).resolves.toBe('industry');
    await page.getByRole('button', { name: 'Create field' }).click();
    await page.getByRole('cell', { name: 'Industry', exact: true }).waitFor();

    await page.goto('/clients');
    await page.getByRole('button', { name: 'New client' }).first().click();
    const dialog = page.getByRole('dialog');
    // Server validation lands on the right field.
    await dialog.getByLabel('Website').fill('not a url');
    await dialog.getByLabel('Domain').fill('not a domain!!');
    await dialog.getByRole('button', { name: 'Create client' }).click();
    // Each in words about the field, not zod's wording.
    await dialog.locator('[data-field-error="name"]').filter({ hasText: 'Enter a name' }).waitFor();
    await dialog.locator('[data-field-error="website"]').filter({ hasText: 'Enter a web address such as https://example.com' }).waitFor();
    await dialog.locator('[data-field-error="domain"]').filter({ hasText: 'Enter a domain such as acme.com' }).waitFor();
    await screenshot(page, 'client-form-validation');
    await dialog.getByLabel('Name').fill(client.name);
    await dialog.getByLabel('Domain').fill(client.domain);
    await dialog.getByLabel('Website').fill(`https://${client.domain}`);
    await dialog.getByLabel('Industry').fill('Manufacturing');
    await dialog.getByRole('button', { name: 'Create client' }).click();
    await page.waitForURL(/\/clients\/[0-9a-f-]{36}$/);
    clientUrl = new URL(page.url()).pathname;
    await page.getByRole('heading', { name: client.name }).waitFor();
    await page.getByText('Manufacturing').waitFor();

    await page.getByRole('tab', { name: 'Contacts' }).click();
    await page.getByRole('button', { name: 'Add contact' }).click();
    const contactDialog = page.getByRole('dialog');
    await contactDialog.getByLabel('Name').fill('Ada Lovelace');
    await contactDialog.getByLabel('Email').fill('ada@acme-robotics.test');
    await contactDialog.getByLabel('Role at client').fill('Decision maker');
    await contactDialog.getByRole('button', { name: 'Create contact' }).click();
    await page.getByRole('cell', { name: 'Ada Lovelace' }).waitFor();
    await page.getByRole('cell', { name: 'Decision maker' }).waitFor();
    await screenshot(page, 'client-with-contact');
  }, 45_000);

  it('imports a 1,000-row CSV and the progress bar reaches 100%', async () => {
    const header = 'Company,Website,Industry,Status';
    const lines = Array.from(
      { length: 1000 },
      (_, i) => `Imported Company ${String(i + 1).padStart(4, '0')},https://imported-${i + 1}.test,Services,${i % 3 === 0 ? 'active' : 'lead'}`,
    );
    const csv = [header, ...lines].join('\n');
    await page.goto('/clients');
    await page.getByRole('button', { name: 'Import CSV' }).click();
    await page.waitForURL(/\/imports\/new$/);
    await page.getByTestId('csv-file').setInputFiles({ name: 'companies.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByText('1,000 rows · 4 columns').waitFor();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Map Company').selectOption('name');
    await expect(page.getByLabel('Map Website').inputValue()).resolves.toBe('website');
    await expect(page.getByLabel('Map Industry').inputValue()).resolves.toBe('custom.industry');
    await screenshot(page, 'import-mapping');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByText('Sample looks good').waitFor();
    await screenshot(page, 'import-preview');
    await page.getByRole('button', { name: 'Import 1,000 rows' }).click();
    const percent = page.getByTestId('import-percent');
    await percent.waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid="import-percent"]')?.textContent === '100%', null, { timeout: 90_000 });
    await page.getByRole('heading', { name: 'Import finished' }).waitFor();
    expect(await page.getByTestId('import-created').textContent()).toBe('1,000');
    expect(await page.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    await screenshot(page, 'import-finished');

    // The list pages through the 1,001 clients with keyset "Load more", custom field as a column.
    await page.getByRole('button', { name: 'View clients' }).click();
    await page.waitForURL(/\/clients$/);
    await page.getByText('50 shown').waitFor();
    await page.getByRole('columnheader', { name: 'Industry' }).waitFor();
    await page.getByRole('button', { name: 'Load more' }).click();
    await page.getByText('100 shown').waitFor();
    await page.getByLabel('Filter clients').fill('Imported Company 0999');
    await page.getByRole('link', { name: 'Imported Company 0999' }).waitFor();
    await page.getByText('1 shown').waitFor();
    await page.getByLabel('Filter clients').fill('');
    await page.getByRole('link', { name: client.name }).waitFor();
    await screenshot(page, 'client-list');
  }, 120_000);

  it('creates a project from a template for the client', async () => {
    await page.goto('/projects');
    await page.getByRole('button', { name: 'New template' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Template name').fill('Website launch');
    await dialog.getByLabel('Tasks (one per line)').fill('Kick-off call: agenda; notes\nSitemap\nDesign review\nGo live');
    await dialog.getByRole('button', { name: 'Create template' }).click();
    await page.getByText('3 columns · 0 milestones · 4 tasks').waitFor();

    await page.goto(`${clientUrl}?tab=projects`);
    await page.getByRole('button', { name: 'From template' }).click();
    const create = page.getByRole('dialog');
    await create.getByLabel('Template').selectOption({ label: 'Website launch' });
    await create.getByLabel('Project name').fill('Acme website relaunch');
    await create.getByRole('button', { name: 'Create project' }).click();
    await page.waitForURL(/\/projects\/[0-9a-f-]{36}$/);
    projectUrl = new URL(page.url()).pathname;
    await page.getByRole('heading', { name: 'Acme website relaunch' }).waitFor();
    await page.locator('[data-task-title="Kick-off call"]').waitFor();
    await screenshot(page, 'project-from-template');
  }, 45_000);

  it('drags a task to another column and the order survives a reload', async () => {
    const card = page.locator('[data-task-title="Design review"]');
    const target = page.locator('section[aria-label="In progress"]');
    const from = await card.boundingBox();
    const to = await target.boundingBox();
    if (!from || !to) throw new Error('board not laid out');
    const moved = page.waitForResponse((r) => r.url().includes('projects.tasks.move') && r.request().method() === 'POST');
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(from.x + from.width / 2 + 10, from.y + from.height / 2, { steps: 3 });
    await page.mouse.move(to.x + to.width / 2, to.y + 70, { steps: 12 });
    await page.mouse.up();
    expect((await moved).ok()).toBe(true);
    await target.locator('[data-task-title="Design review"]').waitFor();
    await page.reload();
    await page.locator('section[aria-label="In progress"] [data-task-title="Design review"]').waitFor();
    const todo = await page.locator('section[aria-label="To do"] [data-task-title]').evaluateAll((els) => els.map((e) => e.getAttribute('data-task-title')));
    expect(todo).toEqual(['Kick-off call', 'Sitemap', 'Go live']);
    await screenshot(page, 'task-moved-after-reload');

    // Task drawer: assign to me, set a due date, tick a checklist item.
    await page.locator('[data-task-title="Kick-off call"]').click();
    const drawer = page.getByRole('dialog');
    await drawer.getByLabel('Assignee').selectOption({ label: owner.name });
    await drawer.getByLabel('Due date').fill('2030-01-15');
    await drawer.getByRole('checkbox', { name: 'agenda' }).click();
    await drawer.getByText('1/2').waitFor();
    await screenshot(page, 'task-drawer');
    await page.keyboard.press('Escape');
    await page.goto('/');
    await page.getByRole('link', { name: /Kick-off call/ }).waitFor();
  }, 45_000);

  it('finds the client with Ctrl+K and opens it', async () => {
    await page.goto('/');
    await page.getByRole('heading', { name: /Good (morning|afternoon|evening)/ }).waitFor();
    await page.keyboard.press('Control+k');
    const input = page.getByTestId('command-input');
    await input.waitFor();
    // The search index is built from events: give the dispatcher a moment on a cold start.
    for (let attempt = 0; attempt < 20; attempt++) {
      await input.fill('');
      await input.pressSequentially('acme rob', { delay: 30 });
      const hit = page.getByTestId('command-hit').filter({ hasText: client.name });
      if (
        await hit
          .first()
          .isVisible({ timeout: 1_500 })
          .catch(() => false)
      )
        break;
      await page.waitForTimeout(500);
    }
    await page.getByTestId('command-hit').filter({ hasText: client.name }).first().waitFor();
    await screenshot(page, 'command-k');
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.pathname === clientUrl);
    await page.getByRole('heading', { name: client.name }).waitFor();
  }, 45_000);

  it('rebuilds the search index from settings (progress to completion) and search still finds the client', async () => {
    await page.goto('/settings?tab=search');
    await page.getByRole('button', { name: 'Rebuild search index' }).click();
    await page.locator('[data-testid="rebuild-status"][data-status="completed"]').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('rebuild-status').textContent()).toMatch(/completed.*Rebuilt .*: [\d,]+ events, [1-9][\d,]* documents/);
    await screenshot(page, 'search-index-rebuilt');
    await page.keyboard.press('Control+k');
    await page.getByTestId('command-input').pressSequentially('acme rob', { delay: 30 });
    await page.getByTestId('command-hit').filter({ hasText: client.name }).first().waitFor();
    await page.keyboard.press('Escape');
  }, 45_000);

  it('creates a deal, drags it to the next stage (kept after reload) and marks it won', async () => {
    await page.goto('/deals');
    await page.getByRole('button', { name: 'New deal' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Title').fill('Automation retainer');
    await dialog.getByRole('combobox', { name: 'Client' }).fill('Acme Rob');
    await dialog.getByRole('option', { name: /Acme Robotics/ }).click();
    await dialog.getByLabel('Value').fill('12000');
    await dialog.getByRole('button', { name: 'Create deal' }).click();
    const card = page.locator('section[aria-label="Lead"] [data-deal-title="Automation retainer"]');
    await card.waitFor();
    const target = page.locator('section[aria-label="Qualified"]');
    const from = await card.boundingBox();
    const to = await target.boundingBox();
    if (!from || !to) throw new Error('board not laid out');
    const drag = async () => {
      await page.mouse.move(from.x + from.width / 2, from.y + 20);
      await page.mouse.down();
      await page.mouse.move(from.x + from.width / 2 + 10, from.y + 20, { steps: 3 });
      await page.mouse.move(to.x + to.width / 2, to.y + 80, { steps: 12 });
      await page.mouse.up();
    };
    // A failing server: the optimistic move is rolled back and the user is told.
    await page.route('**/trpc/crm.deals.moveStage*', (route) =>
      route.fulfill({
        status: 409,
        contentType: 'application/json',
        body: JSON.stringify([
          {
            error: {
              code: -32009,
              message: 'Concurrent update, please retry',
              data: { code: 'CONFLICT', httpStatus: 409, path: 'crm.deals.moveStage', zodIssues: null },
            },
          },
        ]),
      }),
    );
    await drag();
    await page.getByText('Move failed: Concurrent update, please retry').waitFor();
    await card.waitFor();
    expect(await target.locator('[data-deal-title="Automation retainer"]').count()).toBe(0);
    await screenshot(page, 'deal-move-rolled-back');
    await page.unroute('**/trpc/crm.deals.moveStage*');
    const moved = page.waitForResponse((r) => r.url().includes('crm.deals.moveStage') && r.request().method() === 'POST');
    await page.mouse.move(from.x + from.width / 2, from.y + 20);
    await page.mouse.down();
    await page.mouse.move(from.x + from.width / 2 + 10, from.y + 20, { steps: 3 });
    await page.mouse.move(to.x + to.width / 2, to.y + 80, { steps: 12 });
    await page.mouse.up();
    expect((await moved).ok()).toBe(true);
    await page.reload();
    const movedCard = page.locator('section[aria-label="Qualified"] [data-deal-title="Automation retainer"]');
    await movedCard.waitFor();
    await screenshot(page, 'deal-board');
    await movedCard.getByRole('button', { name: 'Won' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Mark won' }).click();
    await page.getByText('Deal marked as won').waitFor();
    await page.locator('section[aria-label="Won"] [data-deal-title="Automation retainer"]').waitFor();
  }, 45_000);

  it('edits a workflow in the form editor: dry run and server validation on the right field', async () => {
    await page.goto('/workflows');
    await page.getByRole('tab', { name: 'Templates' }).click();
    await page.getByRole('button', { name: 'Use template' }).first().waitFor();
    await page.getByRole('button', { name: 'New workflow' }).click();
    await page.waitForURL(/\/workflows\/new$/);
    await page.getByLabel('Name').fill('Kick-off task on every project');
    await page.getByLabel('Event type').fill('projects.project.created');
    await page.getByLabel('Key').fill('Kick off');
    await page.getByLabel('Input (JSON').fill('{ "projectId": "{{ event.payload.project_id }}", "title": "Kick-off call" }');
    await page
      .getByLabel('Sample event (JSON)')
      .fill(JSON.stringify({ type: 'projects.project.created', payload: { project_id: '01900000-0000-7000-8000-000000000001' } }));
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page
      .getByText(/lower_snake_case/)
      .first()
      .waitFor();
    await page.getByRole('button', { name: 'Save workflow' }).click();
    await page.locator('[data-field-error="steps.0.key"]').waitFor();
    await screenshot(page, 'workflow-editor-validation');
  }, 45_000);

  it('installs the deal-won workflow; winning a deal with a project template runs it and creates the project', async () => {
    const workflowName = 'Deal won → project + kickoff task';
    await page.goto('/workflows?tab=templates');
    const card = page.locator('article').filter({ hasText: workflowName });
    await card.getByRole('button', { name: 'Use template' }).click();
    await page.getByText(`Installed “${workflowName}”`).waitFor();
    const row = page.getByRole('row').filter({ hasText: workflowName });
    await row.getByText('crm.deal.won').waitFor();
    await expect(row.getByRole('switch').isChecked()).resolves.toBe(true);

    // A deal whose project template is "Website launch" (picked by name, a first-class choice on the deal), won.
    await page.goto('/deals');
    await page.getByRole('button', { name: 'New deal' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Title').fill('Acme support portal');
    await dialog.getByRole('combobox', { name: 'Client' }).fill('Acme Rob');
    await dialog.getByRole('option', { name: /Acme Robotics/ }).click();
    await dialog.getByLabel('Value').fill('30000');
    await dialog.getByLabel('Project template').selectOption({ label: 'Website launch' });
    await expect(dialog.getByLabel('Owner').locator('option:checked').textContent()).resolves.toBe(owner.name);
    await dialog.getByRole('button', { name: 'Create deal' }).click();
    const dealCard = page.locator('[data-deal-title="Acme support portal"]');
    await dealCard.waitFor();
    await dealCard.getByRole('button', { name: 'Won' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Mark won' }).click();
    await page.getByText('Deal marked as won').waitFor();

    // The workflow's run history: one run, succeeded, both steps succeeded with their input and output.
    await page.goto('/workflows');
    await page.getByRole('link', { name: workflowName }).click();
    await page.waitForURL(/\/workflows\/[0-9a-f-]{36}$/);
    const runRow = page.getByTestId('definition-runs').locator('tr[data-run-status="succeeded"]');
    await runRow.waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('definition-runs').locator('tr').count()).toBe(1);
    await runRow.click();
    const run = page.getByTestId('run-detail');
    await run.waitFor();
    expect(await run.getAttribute('data-run-status')).toBe('succeeded');
    await run.getByText('2/2 steps done').waitFor();
    const steps = await run
      .locator('[data-step-key]')
      .evaluateAll((els) => els.map((e) => `${e.getAttribute('data-step-key')}:${e.getAttribute('data-step-status')}`));
    expect(steps).toEqual(['create_project:succeeded', 'kickoff_task:succeeded']);
    const kickoff = run.locator('[data-step-key="kickoff_task"]');
    await kickoff.getByText('Input and output').click();
    await kickoff.locator('[data-step-part="input"]').filter({ hasText: 'Kickoff: Acme support portal' }).waitFor();
    await kickoff.locator('[data-step-part="output"]').waitFor();
    expect(
      await page
        .getByRole('dialog')
        .getByRole('button', { name: /Retry|Cancel run/ })
        .count(),
    ).toBe(0);
    await screenshot(page, 'workflow-run-succeeded');

    // The project it created, with the template's tasks and the kickoff task, on the client.
    await run.locator('[data-step-key="create_project"]').getByRole('link', { name: 'Open project →' }).click();
    await page.waitForURL(/\/projects\/[0-9a-f-]{36}$/);
    await page.getByRole('heading', { name: 'Acme support portal' }).waitFor();
    await page.locator('[data-task-title="Kickoff: Acme support portal"]').waitFor();
    await page.locator('[data-task-title="Sitemap"]').waitFor();
    await page.goto(`${clientUrl}?tab=projects`);
    await page.getByRole('cell', { name: 'Acme support portal' }).waitFor();
    await page.getByRole('cell', { name: 'Acme website relaunch' }).waitFor();
    await screenshot(page, 'client-project-from-workflow');
  }, 75_000);

  it('edits the pipeline stages (server errors on the right field) and the new stage is a board column', async () => {
    await page.goto('/settings?tab=pipeline');
    const list = page.getByTestId('pipeline-stages');
    await list.waitFor();
    const names = () => list.locator('[data-stage]').evaluateAll((els) => els.map((e) => (e.querySelector('input') as HTMLInputElement).value));
    expect(await names()).toEqual(['Lead', 'Qualified', 'Proposal', 'Negotiation', 'Won', 'Lost']);

    // A new stage goes after the last open one; saved empty, the server's message lands on its name.
    await page.getByRole('button', { name: 'Add stage' }).click();
    await expect(page.getByLabel('Stage 5 name').evaluate((el) => el === document.activeElement)).resolves.toBe(true);
    await page.getByRole('button', { name: 'Save stages' }).click();
    await page.locator('[data-field-error="stages.4.name"]').waitFor();
    await screenshot(page, 'pipeline-validation');

    // A rule over the whole list (one won, one lost) shows above the list.
    await page.getByLabel('Stage 5 name').fill('Discovery call');
    await page.locator('[data-stage="Lost"]').getByLabel('Kind').selectOption('open');
    await page.getByRole('button', { name: 'Save stages' }).click();
    await page.locator('[data-field-error="stages"]').filter({ hasText: 'one lost stage' }).waitFor();
    await page.locator('[data-stage="Lost"]').getByLabel('Kind').selectOption('lost');

    // Reorder: the new stage right after Lead; a stage holding deals cannot be removed.
    for (let i = 0; i < 3; i++) await page.getByRole('button', { name: 'Move Discovery call up' }).click();
    expect(await page.getByRole('button', { name: 'Remove Won' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Save stages' }).click();
    await page.getByText('Pipeline saved').waitFor();
    await expect.poll(() => list.locator('[data-stage]').count()).toBe(7);
    await expect
      .poll(async () => (await list.getByText('new', { exact: true }).count()) === 0 && (await names()).join(','))
      .toBe('Lead,Discovery call,Qualified,Proposal,Negotiation,Won,Lost');
    await screenshot(page, 'pipeline-stages-edited');

    await page.goto('/deals');
    await page.locator('section[aria-label="Discovery call"]').waitFor();
    const columns = await page.locator('section[aria-label]').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
    expect(columns.slice(0, 5)).toEqual(['Lead', 'Discovery call', 'Qualified', 'Proposal', 'Negotiation']);
    await page.getByRole('button', { name: 'New deal' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Title').fill('Robot fleet pilot');
    await dialog.getByRole('combobox', { name: 'Client' }).fill('Acme Rob');
    await dialog.getByRole('option', { name: /Acme Robotics/ }).click();
    await dialog.getByLabel('Value').fill('8000');
    await dialog.getByLabel('Stage').selectOption({ label: 'Discovery call' });
    await dialog.getByRole('button', { name: 'Create deal' }).click();
    await page.locator('section[aria-label="Discovery call"] [data-deal-title="Robot fleet pilot"]').waitFor();
    await screenshot(page, 'deal-board-new-stage');
  }, 45_000);

  it('a failing workflow run shows the step error, and a manager can retry it', async () => {
    await page.goto('/workflows/new');
    await page.getByLabel('Name').fill('Follow-up task on won deals');
    await page.getByLabel('Event type').fill('crm.deal.won');
    await page.getByLabel('Key').fill('follow_up');
    await page.getByLabel('Action').selectOption('projects.createTask');
    // The won deal has no such field: the rendered input misses projectId and the step fails for good.
    await page
      .getByLabel('Input (JSON')
      .fill('{ "projectId": "{{ event.payload.custom_fields.follow_up_project }}", "title": "Follow up: {{ event.payload.title }}" }');
    await page.getByRole('button', { name: 'Save workflow' }).click();
    await page.waitForURL(/\/workflows\/[0-9a-f-]{36}$/);
    workflowUrl = new URL(page.url()).pathname;

    await page.goto('/deals');
    const dealCard = page.locator('[data-deal-title="Robot fleet pilot"]');
    await dealCard.getByRole('button', { name: 'Won' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Mark won' }).click();
    await page.getByText('Deal marked as won').waitFor();

    await page.goto(workflowUrl);
    const failed = page.getByTestId('definition-runs').locator('tr[data-run-status="failed"]');
    await failed.waitFor({ timeout: 30_000 });
    await failed.click();
    const run = page.getByTestId('run-detail');
    const step = run.locator('[data-step-key="follow_up"][data-step-status="failed"]');
    await step.waitFor();
    await step.locator('[data-step-part="error"]').filter({ hasText: 'input does not satisfy projects.createTask' }).waitFor();
    await step.locator('[data-step-part="input"]').filter({ hasText: 'Follow up: Robot fleet pilot' }).waitFor();
    await screenshot(page, 'workflow-run-failed');
    await page.getByRole('button', { name: 'Retry failed step' }).click();
    await page.getByText('Run retried from the failed step').waitFor();
    await run.locator('[data-step-key="follow_up"][data-step-status="failed"]').waitFor({ timeout: 30_000 });
    await page.keyboard.press('Escape');

    // Every run of every workflow in one place, filterable by workflow and status.
    await page.goto('/workflows?tab=runs');
    await page.locator('tr[data-run-status="succeeded"]').filter({ hasText: 'Deal won → project + kickoff task' }).waitFor();
    await page.locator('tr[data-run-status="failed"]').filter({ hasText: 'Follow-up task on won deals' }).first().waitFor();
    await page.getByLabel('Run status').selectOption('failed');
    await expect.poll(() => page.locator('tr[data-run-status="succeeded"]').count()).toBe(0);
    await page.getByLabel('Run status').selectOption('');
    await page.locator('tr[data-run-status="succeeded"]').first().waitFor();
    await screenshot(page, 'workflow-run-history');
  }, 60_000);

  it('adds a note on the client profile and edits it (server validation on the field)', async () => {
    await page.goto(`${clientUrl}?tab=notes`);
    await page.getByLabel('Note', { exact: true }).fill('Call with Ada: wants a pilot in Q1.');
    await page.getByRole('button', { name: 'Save note' }).click();
    const note = page.locator('[data-note-id]').filter({ hasText: 'wants a pilot in Q1' });
    await note.waitFor();
    await note.hover();
    await note.getByRole('button', { name: 'Edit note' }).click();
    const text = page.getByLabel('Note text');
    await text.fill('   ');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('[data-field-error="body"]').filter({ hasText: 'Write the note first' }).waitFor();
    await text.fill('Call with Ada: pilot moved to Q2, budget confirmed.');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Note updated').waitFor();
    const edited = page.locator('[data-note-id]').filter({ hasText: 'pilot moved to Q2, budget confirmed.' });
    await edited.getByText('· edited').waitFor();
    expect(await page.locator('[data-note-id]').count()).toBe(1);
    await screenshot(page, 'client-note-edited');
  }, 30_000);

  it('reviews a duplicate side by side and merges it into the original', async () => {
    await page.goto('/clients');
    await page.getByRole('button', { name: 'New client' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('Acme Robotics GmbH');
    await dialog.getByLabel('Domain').fill(client.domain);
    await dialog.getByRole('button', { name: 'Create client' }).click();
    await page.waitForURL(/\/clients\/[0-9a-f-]{36}$/);
    await page.goto('/duplicates');
    const group = page.getByRole('listitem').filter({ hasText: 'Same domain' }).filter({ hasText: 'Acme Robotics GmbH' });
    await group.getByRole('button', { name: 'Review' }).click();
    const review = page.getByRole('dialog');
    const original = review.getByRole('button').filter({ hasText: client.domain }).filter({ hasNotText: 'GmbH' });
    await original.waitFor();
    await review.getByText('Acme Robotics GmbH').first().waitFor();
    await original.click();
    await expect(original.getByText('Keep this one').count()).resolves.toBe(1);
    await screenshot(page, 'duplicate-merge-review');
    await review.getByRole('button', { name: 'Merge into selected' }).click();
    await page.getByText('Records merged').waitFor();
    await expect.poll(() => group.count(), { timeout: 10_000 }).toBe(0);
    await page.goto(clientUrl);
    await page.getByRole('heading', { name: client.name }).waitFor();
  }, 45_000);

  it("sees these actions on the client's timeline", async () => {
    await page.goto(`${clientUrl}?tab=timeline`);
    const timeline = page.getByTestId('timeline');
    const expected = ['crm.client.created', 'crm.contact.created', 'projects.project.created', 'projects.task.moved', 'crm.deal.won', 'crm.client.merged'];
    // Timeline rows are written by an event subscription: poll with the Refresh button.
    for (let attempt = 0; attempt < 30; attempt++) {
      const types = await page.locator('[data-event-type]').evaluateAll((els) => els.map((e) => e.getAttribute('data-event-type')));
      if (expected.every((t) => types.includes(t))) break;
      await page.waitForTimeout(500);
      await page.getByRole('button', { name: 'Refresh' }).click();
    }
    await timeline.waitFor();
    for (const type of expected) await page.locator(`[data-event-type="${type}"]`).first().waitFor();
    await screenshot(page, 'client-timeline');
  }, 45_000);

  it('invites a viewer, who accepts on the invitation page and sees no edit controls', async () => {
    await page.goto('/settings?tab=invitations');
    await page.getByRole('button', { name: 'Invite member' }).click();
    await page.getByLabel('Email').fill(viewer.email);
    await page.getByLabel('Role').selectOption('viewer');
    await page.getByRole('button', { name: 'Create invitation' }).click();
    const linkInput = page.getByTestId('invite-link');
    await linkInput.waitFor();
    const link = await linkInput.inputValue();
    expect(link).toMatch(/(\/invite\/|\/accept-invitation#token=)[a-z2-7]{52}$/);
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

      // A viewer reads clients and projects but sees no edit controls.
      await viewerPage.goto('/clients');
      await viewerPage.getByRole('link', { name: client.name }).waitFor();
      expect(await viewerPage.getByRole('button', { name: 'New client' }).count()).toBe(0);
      expect(await viewerPage.getByRole('button', { name: 'Import CSV' }).count()).toBe(0);
      await viewerPage.goto(clientUrl);
      await viewerPage.getByRole('heading', { name: client.name }).waitFor();
      await viewerPage.getByText('Manufacturing').waitFor();
      expect(await viewerPage.getByRole('button', { name: 'Edit' }).count()).toBe(0);
      expect(await viewerPage.getByRole('button', { name: 'Archive' }).count()).toBe(0);
      await screenshot(viewerPage, 'viewer-client-read-only');
      await viewerPage.goto(projectUrl);
      await viewerPage.locator('section[aria-label="In progress"] [data-task-title="Design review"]').waitFor();
      expect(await viewerPage.getByRole('button', { name: '+ Add task' }).count()).toBe(0);
      expect(await viewerPage.getByRole('button', { name: 'Complete project' }).count()).toBe(0);

      // A viewer reads the members list but gets no management controls.
      await viewerPage.goto('/settings');
      await viewerPage.getByRole('cell', { name: owner.email }).waitFor();
      expect(await viewerPage.getByRole('tab', { name: 'Invitations' }).count()).toBe(0);
      expect(await viewerPage.getByRole('button', { name: 'Remove' }).count()).toBe(0);
      expect(await viewerPage.getByRole('combobox').count()).toBe(0);
      await screenshot(viewerPage, 'viewer-settings-read-only');
      // ... and workflow runs, without retry.
      await viewerPage.goto(workflowUrl);
      await viewerPage.getByTestId('definition-runs').locator('tr[data-run-status="failed"]').first().click();
      await viewerPage.getByTestId('run-detail').locator('[data-step-key="follow_up"]').waitFor();
      expect(await viewerPage.getByRole('button', { name: /Retry|Cancel run/ }).count()).toBe(0);
      expect(await viewerPage.getByRole('button', { name: 'Save workflow' }).count()).toBe(0);
      await viewerPage.keyboard.press('Escape');

      // ... and the search index tab, with the rebuild control disabled.
      await viewerPage.goto('/settings?tab=search');
      expect(await viewerPage.getByRole('button', { name: 'Rebuild search index' }).isDisabled()).toBe(true);
      await viewerPage.getByText('Only owners and admins can rebuild the search index.').waitFor();

      // ... and the pipeline stages, read-only.
      await viewerPage.goto('/settings?tab=pipeline');
      await viewerPage.getByTestId('pipeline-read-only').getByText('Discovery call').waitFor();
      expect(await viewerPage.getByRole('button', { name: 'Add stage' }).count()).toBe(0);
      expect(await viewerPage.getByRole('button', { name: 'Save stages' }).count()).toBe(0);

      // The owner sees the invitation accepted.
      await page.reload();
      await page.getByRole('cell', { name: viewer.email }).waitFor();
      await page.getByText('accepted').first().waitFor();
    } finally {
      await viewerContext.close();
    }
  }, 60_000);

  it('creates a second organization and switches between them', async () => {
    await page.goto('/');
    await page.getByTestId('org-switcher').click();
    await page.getByRole('menuitem', { name: 'New organization' }).click();
    await page.getByRole('dialog').getByLabel('Name').fill('Side Project Ltd');
    await page.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
    await page.getByTestId('org-switcher').filter({ hasText: 'Side Project Ltd' }).waitFor();
    await page.goto('/clients');
    await page.getByText('No clients yet').waitFor();
    await page.getByTestId('org-switcher').click();
    await screenshot(page, 'organization-switcher');
    await page.getByRole('menuitem', { name: new RegExp(owner.org) }).click();
    await page.getByTestId('org-switcher').filter({ hasText: owner.org }).waitFor();
    await page.goto('/clients');
    await page.getByRole('link', { name: client.name }).waitFor();

    // Small screens: the sidebar becomes a sheet behind a menu button.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('button', { name: 'Open navigation' }).click();
    await page.getByRole('dialog').getByRole('link', { name: 'Projects' }).click();
    await page.waitForURL(/\/projects$/);
    await page.getByRole('heading', { name: 'Projects', exact: true }).waitFor();
    await page.getByRole('link', { name: 'Acme website relaunch' }).waitFor();
    await screenshot(page, 'mobile-projects');
  }, 45_000);
});
