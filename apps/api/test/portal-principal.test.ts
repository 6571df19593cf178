/**
 * The client portal principal (§3) against the whole app: a portal session is refused by every
 * staff procedure (every procedure that is neither public nor a portal procedure), a staff session
 * by every portal procedure; and over HTTP, the emailed link's page changes nothing (GET, HEAD),
 * carries Referrer-Policy: no-referrer, and the POST sets the portal's own __Host- cookie.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallerFactory, createDomainRuntime, listProcedures, type Context, type PortalSessionInfo } from '@ubos/platform';
import { createTestDatabase, RecordingCookieJar, testContext, testSession, type TestDatabase } from '@ubos/platform/testing';
import { modules } from '../src/modules.ts';
import { appRouter } from '../src/router.ts';
import type { Server } from '../src/server.ts';
import { setCookies, testServer } from './helpers.ts';
import { client, lastLink, organization, signIn, staff } from '../../../packages/domains/portal/test/helpers.ts';

const createCaller = createCallerFactory(appRouter);
const runtime = createDomainRuntime(modules);
type Callable = (input?: unknown) => Promise<unknown>;

let testDb: TestDatabase;
let webDir: string;
let server: Server;
let tenantId: string;
let portal: PortalSessionInfo & { cookie: string };
let fixture: Awaited<ReturnType<typeof client>>;
let slug: string;

function procedureOf(ctx: Context, procedurePath: string): Callable {
  let node: unknown = createCaller(ctx);
  for (const segment of procedurePath.split('.')) node = (node as Record<string, unknown>)[segment];
  if (typeof node !== 'function') throw new Error(`No callable procedure at ${procedurePath}`);
  return node as Callable;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'OK';
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? code : `THROWN:${String(error)}`;
  }
}

const procedures = listProcedures(appRouter).filter((procedure) => procedure.type !== 'subscription');
const staffProcedures = procedures.filter((procedure) => procedure.permission !== 'public' && procedure.permission !== 'portal');
const portalProcedures = procedures.filter((procedure) => procedure.permission === 'portal');

beforeAll(async () => {
  testDb = await createTestDatabase();
  const org = await organization(testDb, 'Principal Studio');
  tenantId = org.tenantId;
  slug = org.slug;
  fixture = await client(testDb, tenantId, 'Principal Client');
  portal = await signIn(testDb, tenantId, fixture);
  webDir = await mkdtemp(path.join(tmpdir(), 'ubos-portal-web-'));
  await writeFile(path.join(webDir, 'index.html'), '<!doctype html><title>UBOS</title><div id="root"></div>');
  server = await testServer({ db: testDb.db, boss: null, config: { NODE_ENV: 'production', WEB_DIST_DIR: webDir } });
});

afterAll(async () => {
  await server?.close();
  await testDb?.drop();
  if (webDir) await rm(webDir, { recursive: true, force: true });
});

describe('a portal session on every staff procedure', () => {
  it(`covers ${staffProcedures.length} staff procedures and ${portalProcedures.length} portal procedures`, () => {
    expect(staffProcedures.length).toBeGreaterThan(100);
    expect(portalProcedures.map((procedure) => procedure.path)).toEqual(
      expect.arrayContaining(['portal.me.home', 'portal.me.approvals.decide', 'portal.auth.logout']),
    );
  });

  it.each(staffProcedures.map((procedure) => procedure.path))('%s: UNAUTHORIZED or FORBIDDEN', async (procedurePath) => {
    const ctx = testContext({ db: testDb.db, session: null, portal, runtime, cookies: new RecordingCookieJar() });
    expect(['UNAUTHORIZED', 'FORBIDDEN']).toContain(await codeOf(procedureOf(ctx, procedurePath)({})));
  });
});

describe('a staff session on every portal procedure', () => {
  it.each(portalProcedures.map((procedure) => procedure.path))('%s: UNAUTHORIZED, even as owner of the portal user’s tenant', async (procedurePath) => {
    const session = testSession({ userId: staff(testDb, tenantId).userId, tenantId, role: 'owner', modules });
    const ctx = testContext({ db: testDb.db, session, runtime, cookies: new RecordingCookieJar() });
    expect(await codeOf(procedureOf(ctx, procedurePath)({}))).toBe('UNAUTHORIZED');
  });
});

describe('the magic link over HTTP', () => {
  it('GET and HEAD of the emailed link change nothing (no-referrer page); the POST signs in with the __Host- portal cookie', async () => {
    await staff(testDb, tenantId).caller.users.invite({ contactId: fixture.contactId });
    const { url, token } = await lastLink(testDb, tenantId, fixture.email);
    // Mail scanners and link previewers fetch the link, several times.
    for (const method of ['GET', 'HEAD', 'GET'] as const) {
      const page = await server.inject({ method, url });
      expect(page.statusCode).toBe(200);
      expect(page.headers['referrer-policy']).toBe('no-referrer');
      expect(page.headers['set-cookie']).toBeUndefined();
    }
    const response = await server.inject({
      method: 'POST',
      url: '/trpc/portal.auth.consume',
      headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
      payload: { tenantSlug: slug, token, next: 'https://evil.test/steal' },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(JSON.parse(response.body).result.data.redirectTo).toBe(`/portal/${slug}`);
    const cookies = setCookies(response.headers['set-cookie']);
    expect(cookies.get('ubos_portal')).toBeUndefined();
    const cookie = cookies.get('__Host-ubos_portal');
    expect(cookie?.attributes).toEqual(expect.arrayContaining(['httponly', 'samesite=lax', 'path=/', 'secure']));
    expect(cookie?.attributes.some((attribute) => attribute.startsWith('domain='))).toBe(false);
    const header = { cookie: `__Host-ubos_portal=${cookie?.value}` };

    // The portal cookie opens the portal and nothing else.
    const home = await server.inject({ method: 'GET', url: '/trpc/portal.me.home', headers: header });
    expect(home.statusCode, home.body).toBe(200);
    expect(JSON.parse(home.body).result.data.me.clientName).toBe('Principal Client');
    const staffCall = await server.inject({ method: 'GET', url: '/trpc/crm.clients.list', headers: header });
    expect(staffCall.statusCode).toBe(401);
    const me = await server.inject({ method: 'GET', url: '/trpc/identity.auth.me', headers: header });
    expect([200, 401]).toContain(me.statusCode);
    if (me.statusCode === 200) expect(JSON.parse(me.body).result.data).toBeNull();

    // The same token a second time: refused.
    const again = await server.inject({
      method: 'POST',
      url: '/trpc/portal.auth.consume',
      headers: { 'content-type': 'application/json' },
      payload: { tenantSlug: slug, token },
    });
    expect(again.statusCode).toBe(401);
    expect(JSON.parse(again.body).error.message).toMatch(/already been used/);
  });

  it('a session revoked by staff is refused on its next request', async () => {
    const response = await server.inject({ method: 'GET', url: '/trpc/portal.me.profile', headers: { cookie: `__Host-ubos_portal=${portal.cookie}` } });
    expect(response.statusCode).toBe(200);
    await staff(testDb, tenantId).caller.users.revoke({ portalUserId: portal.portalUserId });
    const after = await server.inject({ method: 'GET', url: '/trpc/portal.me.profile', headers: { cookie: `__Host-ubos_portal=${portal.cookie}` } });
    expect(after.statusCode).toBe(401);
  });
});
