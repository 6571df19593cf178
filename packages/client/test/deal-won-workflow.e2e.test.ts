import { afterAll, beforeAll, expect, it } from 'vitest';
import { createUbosClient } from '@ubos/client';
import { createLogger } from '@ubos/platform';
import { createTestDatabase, testConfig, type TestDatabase } from '@ubos/platform/testing';
import { startApp, type RunningApp } from '@ubos/api/app';

/**
 * The built-in workflow example end to end, through the real host (HTTP, tRPC, outbox,
 * pg-boss delivery, workflow engine, projects actions) and the typed client internal teams use:
 * a won deal whose custom field names a project template becomes a project with a kickoff task.
 */
let testDb: TestDatabase;
let app: RunningApp;

beforeAll(async () => {
  testDb = await createTestDatabase();
  app = await startApp({
    config: testConfig({
      DATABASE_URL: testDb.ownerUrl,
      DATABASE_APP_URL: testDb.appUrl,
      HOST: '127.0.0.1',
      PORT: 0,
      RATE_LIMIT_MAX: 10_000,
      WEB_DIST_DIR: '/nonexistent/ubos-web-dist',
    }),
    log: createLogger({ level: 'silent' }),
    role: 'all',
  });
});

afterAll(async () => {
  await app?.stop();
  await testDb?.drop();
});

/** A fetch that keeps the session cookie like a browser would. */
function cookieFetch(): typeof fetch {
  let cookie = '';
  return async (input, init) => {
    const headers = new Headers(init?.headers);
    if (cookie) headers.set('cookie', cookie);
    const response = await fetch(input, { ...init, headers });
    const setCookie = response.headers.getSetCookie().find((line) => line.startsWith('ubos_session='));
    if (setCookie) cookie = setCookie.split(';')[0] ?? '';
    return response;
  };
}

async function waitFor<T>(read: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

it('runs "deal won → project from template + kickoff task" once, end to end', async () => {
  expect(app.address).toBeTruthy();
  const client = createUbosClient({ baseUrl: app.address ?? '', fetch: cookieFetch() });

  await client.identity.auth.signUp.mutate({
    email: 'owner@studio.test',
    password: 'correct horse battery',
    name: 'Olive Owner',
    organizationName: 'Studio',
  });
  const me = await client.identity.auth.me.query();

  const template = await client.projects.templates.create.mutate({
    name: 'Website build',
    skeleton: { columns: [{ name: 'To do' }, { name: 'Done', isDone: true }], tasks: [{ title: 'Collect content' }] },
  });
  const installed = await client.workflow.templates.install.mutate({ key: 'deal-won-project' });
  expect(installed.issues).toEqual([]);
  expect(installed.enabled).toBe(true);

  const acme = await client.crm.clients.create.mutate({ name: 'Acme Robotics' });
  const deal = await client.crm.deals.create.mutate({
    clientId: acme.id,
    title: 'Acme website',
    valueMinor: 1_250_000,
    currency: 'EUR',
    ownerId: me.user.id,
    projectTemplateId: template.id,
  });
  await client.crm.deals.markWon.mutate({ id: deal.id });

  const run = await waitFor(async () => {
    const runs = await client.workflow.runs.list.query({ definitionId: installed.id });
    const finished = runs.items.find((item) => item.status === 'succeeded' || item.status === 'failed');
    return finished;
  });
  expect(run.status).toBe('succeeded');

  const projects = await client.projects.projects.list.query({ clientId: acme.id });
  expect(projects.items.map((project) => project.name)).toEqual(['Acme website']);
  const project = projects.items[0];
  const tasks = await client.projects.tasks.list.query({ projectId: project?.id ?? '' });
  const titles = tasks.items.map((task) => task.title).sort();
  expect(titles).toEqual(['Collect content', 'Kickoff: Acme website']);
  const kickoff = tasks.items.find((task) => task.title.startsWith('Kickoff'));
  expect(kickoff?.assigneeId).toBe(me.user.id);

  // The run and the project are on the client's timeline (events → timeline subscription).
  const timeline = await waitFor(async () => {
    const page = await client.timeline.list.query({ clientId: acme.id, limit: 50 });
    const types = page.items.map((item) => item.type);
    return types.includes('projects.project.created') ? types : undefined;
  });
  expect(timeline).toEqual(expect.arrayContaining(['crm.deal.won', 'projects.project.created', 'projects.task.created']));

  // Exactly one run for the one event, however the event was delivered.
  const allRuns = await client.workflow.runs.list.query({ definitionId: installed.id });
  expect(allRuns.items).toHaveLength(1);
});
