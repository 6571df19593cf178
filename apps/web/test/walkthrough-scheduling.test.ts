/**
 * The scheduling walk-through in a real browser: Chromium (playwright-core) against the real host
 * serving the freshly built SPA and a fresh database. Staff set the booking address, an
 * appointment type and working hours in Berlin; a visitor on a phone in New York books from the
 * public page (times shown in New York time), gets the confirmation with the .ics and the manage
 * link; the host sees the appointment on the calendar and on the client's timeline and
 * Appointments tab (the attendee's email is a contact of the client); the attendee cancels from
 * the manage link. Screenshots: test-artifacts/web/NN-scheduling-*.png.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createDatabase, sql, type Database } from '@ubos/platform';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { artifactsDir, buildWeb, launchBrowser, screenshot, startHost, type Host } from './harness.ts';

const owner = { name: 'Hana Host', email: `hana.${Date.now()}@example.com`, password: 'correct horse battery', org: 'Lindenhof Studio' };
const clientName = 'Blue Fin Bakery';
const attendee = { name: 'Carla Diaz', email: 'carla@bluefin.test' };
const siteSlug = `lindenhof-${Date.now().toString(36)}`;

let database: TestDatabase;
let admin: Database;
let host: Host;
let browser: Browser;
let staff: BrowserContext;
let page: Page;
let visitor: BrowserContext;
let phone: Page;
let clientUrl = '';
let appointmentId = '';
let manageUrl = '';

describe('scheduling walk-through (real browser)', () => {
  beforeAll(async () => {
    mkdirSync(artifactsDir, { recursive: true });
    for (const name of readdirSync(artifactsDir, { withFileTypes: true }).filter((e) => e.isFile() && /^\d+-scheduling-.*\.png$/.test(e.name))) {
      rmSync(path.join(artifactsDir, name.name));
    }
    await buildWeb();
    database = await createTestDatabase();
    admin = createDatabase({ connectionString: database.adminUrl, max: 2 });
    host = await startHost({ DATABASE_URL: database.ownerUrl, DATABASE_APP_URL: database.appUrl }, 'host-scheduling.log');
    browser = await launchBrowser();
    staff = await browser.newContext({ viewport: { width: 1360, height: 900 }, baseURL: host.url, timezoneId: 'Europe/Berlin' });
    page = await staff.newPage();
    page.setDefaultTimeout(15_000);
    // A phone in New York, no session.
    visitor = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      baseURL: host.url,
      timezoneId: 'America/New_York',
    });
    phone = await visitor.newPage();
    phone.setDefaultTimeout(15_000);
  }, 180_000);

  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    const name = context.task.name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-');
    if (page) await screenshot(page, `scheduling-FAILED-${name}`).catch(() => {});
    if (phone) await screenshot(phone, `scheduling-FAILED-phone-${name}`).catch(() => {});
  });

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await host?.stop();
    await admin?.close();
    await database?.drop();
  }, 60_000);

  it('signs up, creates a client with a contact, and sets up a booking page', async () => {
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
    const clientId = clientUrl.split('/').at(-1) as string;
    // The contact through the API from the signed-in page (the contacts screen is crm's walk-through).
    const created = await page.evaluate(
      async ({ clientId, attendee }) => {
        const res = await fetch('/trpc/crm.contacts.create', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: attendee.name, email: attendee.email, clients: [{ clientId }] }),
        });
        return res.status;
      },
      { clientId, attendee },
    );
    expect(created).toBe(200);
    // Scheduling keeps its own copy of contact emails from crm's events: wait until it has this one.
    for (let attempt = 0; attempt < 60; attempt++) {
      const rows = await sql<{ n: number }>`SELECT count(*)::int AS n FROM scheduling.contact_emails WHERE email_normalized = ${attendee.email}`.execute(
        admin.kysely,
      );
      if ((rows.rows[0]?.n ?? 0) > 0) break;
      await page.waitForTimeout(250);
    }

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Scheduling' }).click();
    await page.waitForURL(/\/scheduling$/);
    await page.getByText('No appointments in this week.').waitFor();
    await page.getByRole('tab', { name: 'Appointment types' }).click();
    await page.getByText('Set the booking address first, then create a type.').waitFor();
    await page.getByLabel('Address').fill(siteSlug);
    await page.getByLabel('Name shown to visitors').fill(owner.org);
    await page.getByRole('button', { name: 'Save address' }).click();
    await page.getByText('Booking address saved').waitFor();

    await page.getByRole('button', { name: 'New type' }).click();
    const typeDialog = page.getByRole('dialog');
    await typeDialog.getByRole('textbox', { name: /^Name/ }).fill('Intro call');
    await typeDialog.getByLabel('Address on the page').fill('intro');
    await typeDialog.getByLabel('Minimum notice (minutes)').fill('60');
    await typeDialog.getByLabel(new RegExp(owner.name)).check();
    await screenshot(page, 'scheduling-type-editor');
    await typeDialog.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Appointment type created').waitFor();
    const preview = page.getByTestId('preview-link');
    expect(await preview.getAttribute('href')).toBe(`/book/${siteSlug}/team?type=intro`);

    // Working hours: every day 09:00-17:00 in Berlin (so the test does not depend on the weekday).
    await page.getByRole('tab', { name: 'Working hours' }).click();
    await page.getByLabel('Your time zone').selectOption('Europe/Berlin');
    for (const day of ['Saturday', 'Sunday']) {
      await page.getByRole('group', { name: 'Weekly hours' }).locator('div.rounded-md', { hasText: day }).getByRole('button', { name: 'Add hours' }).click();
    }
    await page.getByRole('button', { name: 'Save hours' }).click();
    await page.getByText('Working hours saved').waitFor();
    await screenshot(page, 'scheduling-hours');
  }, 90_000);

  it('a visitor on a phone in New York books from the public page', async () => {
    await phone.goto(`/book/${siteSlug}/team`);
    await phone.getByTestId('booking-org').filter({ hasText: owner.org }).waitFor();
    await phone.getByRole('heading', { name: 'Intro call' }).waitFor();
    // The visitor's zone is detected.
    expect(await phone.getByLabel('Time zone').inputValue()).toBe('America/New_York');
    // The first day with free times is chosen; the next month when this one has none left.
    await phone.getByTestId('month-label').waitFor();
    await phone.getByRole('status', { name: 'Loading times' }).waitFor({ state: 'hidden' });
    if ((await phone.locator('button[data-date]:not([disabled])').count()) === 0) await phone.getByRole('button', { name: 'Next month' }).click();
    await phone.locator('button[data-date]:not([disabled])').first().waitFor();
    const times = phone.getByRole('list', { name: /^Times on / }).getByRole('button');
    await times.first().waitFor();
    const slotLabels = await times.allTextContents();
    // Berlin 09:00-17:00 is 03:00-11:00 in New York (02:00-10:00 in the weeks the clocks disagree).
    expect(slotLabels.every((t) => /^(0[2-9]|10):[03]0$/.test(t.trim()))).toBe(true);
    await screenshot(phone, 'scheduling-public-slots');
    const chosen = (slotLabels.at(-1) ?? '').trim();
    await times.last().click();
    await phone.getByTestId('chosen-time').filter({ hasText: chosen }).waitFor();
    expect(await phone.getByTestId('chosen-time').textContent()).toContain('America/New York');
    await phone.getByLabel('Your name').fill(attendee.name);
    await phone.getByLabel('Email').fill(attendee.email);
    const response = phone.waitForResponse((r) => r.url().includes('/trpc/scheduling.booking.book'));
    await phone.getByRole('button', { name: 'Confirm booking' }).click();
    type Answer = { result: { data: { appointmentId: string } } };
    const body = (await (await response).json()) as Answer | Answer[];
    appointmentId = (Array.isArray(body) ? body[0] : body)?.result.data.appointmentId ?? '';
    await phone.getByTestId('booking-confirmed').waitFor();
    await phone.getByText('You are booked').waitFor();
    const ics = await phone.getByRole('link', { name: 'Add to calendar (.ics)' }).getAttribute('href');
    expect(decodeURIComponent(ics ?? '')).toContain(`UID:${appointmentId}@ubos`);
    expect(decodeURIComponent(ics ?? '')).toContain('METHOD:REQUEST');
    manageUrl = (await phone.getByTestId('manage-link').getAttribute('href')) ?? '';
    expect(manageUrl).toMatch(/^\/book\/manage\/[A-Za-z0-9_-]{43}$/);
    await screenshot(phone, 'scheduling-public-confirmed');
  }, 60_000);

  it("the host sees it on the calendar, on the client's timeline and Appointments tab", async () => {
    await page.goto(`/scheduling?appointment=${appointmentId}`);
    await page.getByTestId('calendar-appointment').filter({ hasText: attendee.name }).waitFor();
    await page.getByRole('dialog').getByText(`${attendee.email} · their time zone America/New_York`).waitFor();
    await screenshot(page, 'scheduling-calendar');
    await page.keyboard.press('Escape');

    await page.goto(`${clientUrl}?tab=timeline`);
    for (let attempt = 0; attempt < 40; attempt++) {
      if ((await page.locator('[data-event-type="scheduling.appointment.booked"]').count()) > 0) break;
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.waitForTimeout(500);
    }
    const line = page.locator('[data-event-type="scheduling.appointment.booked"]').first();
    await line.waitFor();
    expect(await line.textContent()).toMatch(/Intro call booked with Carla Diaz for .+ \(Europe\/Berlin\)/);
    await screenshot(page, 'scheduling-client-timeline');

    await page.goto(`${clientUrl}?tab=appointments`);
    await page.getByRole('cell', { name: 'Intro call' }).waitFor();
    await page.getByText('Booked', { exact: true }).waitFor();

    // Settings → Calendars is where a calendar is connected (the same panel as Scheduling → Calendars).
    await page.goto('/settings');
    await page.getByRole('tab', { name: 'Calendars' }).click();
    await page.getByText('No calendar connected').waitFor();
    await page.getByText('Connect a CalDAV calendar').waitFor();
    await page.getByText('Connect a Google or Microsoft 365 account in Settings → Integrations').waitFor();
    expect(page.url()).toContain('tab=calendars');
  }, 60_000);

  it('the host drags it an hour earlier on the calendar; the move is kept and on the timeline', async () => {
    await page.goto(`/scheduling?appointment=${appointmentId}`);
    const card = page.getByTestId('calendar-appointment').filter({ hasText: attendee.name });
    await card.waitFor();
    await page.keyboard.press('Escape');
    const top = await card.evaluate((el) => Number.parseFloat((el as HTMLElement).style.top));
    const before = (await card.textContent()) ?? '';
    const column = card.locator('xpath=..');
    const move = page.waitForResponse((r) => r.url().includes('/trpc/scheduling.appointments.reschedule'));
    // One hour is 48 px on the grid; the drop lands on the quarter hour under the pointer.
    await card.dragTo(column, { targetPosition: { x: 10, y: top - 48 + 2 } });
    expect((await move).status()).toBe(200);
    await page.getByText('Appointment moved').waitFor();
    await page.reload();
    const moved = page.getByTestId('calendar-appointment').filter({ hasText: attendee.name });
    await moved.waitFor();
    expect(await moved.evaluate((el) => Number.parseFloat((el as HTMLElement).style.top))).toBeCloseTo(top - 48, 0);
    expect(await moved.textContent()).not.toBe(before);
    await screenshot(page, 'scheduling-dragged');

    await page.goto(`${clientUrl}?tab=timeline`);
    for (let attempt = 0; attempt < 40; attempt++) {
      if ((await page.locator('[data-event-type="scheduling.appointment.rescheduled"]').count()) > 0) break;
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.waitForTimeout(500);
    }
    expect(await page.locator('[data-event-type="scheduling.appointment.rescheduled"]').first().textContent()).toMatch(
      /Intro call with Carla Diaz moved from .+ to .+/,
    );
  }, 60_000);

  it('the attendee cancels from the manage link; the host sees it cancelled', async () => {
    await phone.goto(manageUrl);
    await phone.getByTestId('managed-time').waitFor();
    await phone.getByRole('button', { name: 'Cancel appointment' }).click();
    await phone.getByLabel('Reason (optional)').fill('Something came up');
    await phone.getByRole('button', { name: 'Yes, cancel it' }).click();
    await phone.getByText('This appointment is cancelled').waitFor();
    await screenshot(phone, 'scheduling-public-cancelled');
    // Opening the link again changes nothing and still says so.
    await phone.reload();
    await phone.getByText('This appointment is cancelled').waitFor();
    // A link with one character changed is refused in words.
    await phone.goto(`${manageUrl.slice(0, -1)}${manageUrl.endsWith('A') ? 'B' : 'A'}`);
    await phone.getByText('This link does not work').waitFor();

    await page.goto(`${clientUrl}?tab=timeline`);
    for (let attempt = 0; attempt < 40; attempt++) {
      if ((await page.locator('[data-event-type="scheduling.appointment.cancelled"]').count()) > 0) break;
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.waitForTimeout(500);
    }
    expect(await page.locator('[data-event-type="scheduling.appointment.cancelled"]').first().textContent()).toMatch(
      /cancelled by the attendee: Something came up/,
    );
    await page.goto(`${clientUrl}?tab=appointments`);
    await page.getByText('Cancelled', { exact: true }).waitFor();
  }, 60_000);
});
