import { afterAll, beforeAll, expect, it } from 'vitest';
import { createUbosClient, ubosErrorOf } from '@ubos/client';
import { createLogger } from '@ubos/platform';
import { createTestDatabase, testConfig, type TestDatabase } from '@ubos/platform/testing';
import { startApp, type RunningApp } from '@ubos/api/app';
import { example } from '../examples/clients-and-task.ts';

/**
 * The README's example, as written, against a real host (HTTP on a port, the real context) with a
 * real API key made the way a person makes one (signed in, identity.apiKeys.create).
 */
let testDb: TestDatabase;
let app: RunningApp;
let baseUrl: string;

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
    role: 'api',
  });
  baseUrl = app.address ?? '';
});

afterAll(async () => {
  await app?.stop();
  await testDb?.drop();
});

/** Signs up through HTTP and returns the session cookie's value. */
async function signUp(): Promise<string> {
  const response = await fetch(`${baseUrl}/trpc/identity.auth.signUp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'client-example@example.test', password: 'correct horse battery staple', name: 'Ada', organizationName: 'Example Org' }),
  });
  expect(response.status).toBe(200);
  const cookie = response.headers.getSetCookie().find((line) => line.startsWith('ubos_session='));
  return cookie?.split(';')[0]?.slice('ubos_session='.length) ?? '';
}

it("runs the README's example with an API key: lists every client across pages, creates a task, reads the typed error", async () => {
  const person = createUbosClient({ baseUrl, sessionToken: await signUp() });
  const { secret } = await person.identity.apiKeys.create.mutate({
    name: 'Example script',
    role: 'member',
    expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
  });
  // 60 clients: more than one page of 50.
  for (let index = 0; index < 60; index += 1) await person.crm.clients.create.mutate({ name: `Client ${String(index).padStart(2, '0')}` });

  const ubos = createUbosClient({ baseUrl, apiKey: secret });
  const lines: string[] = [];
  const result = await example(ubos, (line) => lines.push(line));
  expect(lines[0]).toMatch(/^60 clients: Client 00, /);
  expect(result.clients).toHaveLength(60);
  expect(new Set(result.clients.map((client) => client.id)).size).toBe(60);
  expect(result.task).toMatchObject({ title: 'Kick-off call', projectId: result.project.id });
  expect(result.refused).toMatchObject({ code: 'BAD_REQUEST', httpStatus: 400, path: 'crm.clients.create' });
  expect(result.refused?.issues[0]?.path).toEqual(['name']);
  // The message is a sentence, not the raw issue list.
  expect(result.refused?.message.startsWith('[')).toBe(false);

  // The task is the key's: created by the key's service principal.
  const tasks = await ubos.projects.tasks.list.query({ projectId: result.project.id });
  expect(JSON.stringify(tasks)).toContain('Kick-off call');
  // A revoked key is refused, typed: UNAUTHORIZED in words.
  const [key] = await person.identity.apiKeys.list.query();
  await person.identity.apiKeys.revoke.mutate({ apiKeyId: key?.id ?? '' });
  const refused = await ubos.crm.clients.list.query({}).catch((error: unknown) => ubosErrorOf(error));
  expect(refused).toMatchObject({ code: 'UNAUTHORIZED', message: 'This API key is not valid: it is unknown, expired or revoked' });
});
