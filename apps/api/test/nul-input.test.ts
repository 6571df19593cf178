/**
 * A NUL character (U+0000) in any string of any procedure's input is a clear BAD_REQUEST naming
 * the field, before the procedure runs: Postgres cannot store it in text or jsonb, and without
 * the guard it surfaced as "Internal server error". Procedures are enumerated from appRouter, so
 * every procedure a module adds is covered.
 */
import { createCallerFactory, createDomainRuntime, findNulCharacter, listProcedures, sql, uuidv7, type Context, type Database } from '@ubos/platform';
import { createTestDatabase, RecordingCookieJar, testContext, testSession, type TestDatabase } from '@ubos/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modules } from '../src/modules.ts';
import { appRouter } from '../src/router.ts';
import { testServer } from './helpers.ts';

const createCaller = createCallerFactory(appRouter);
const runtime = createDomainRuntime(modules);

let testDb: TestDatabase;
let db: Database;
let ownerCtx: Context;
/** The client portal's principal: portal-only procedures refuse a staff session before any input check. */
let portalCtx: Context;

type Callable = (input?: unknown) => Promise<unknown>;

function procedureOf(ctx: Context, path: string): Callable {
  let node: unknown = createCaller(ctx);
  for (const segment of path.split('.')) node = (node as Record<string, unknown>)[segment];
  if (typeof node !== 'function') throw new Error(`No callable procedure at ${path}`);
  return node as Callable;
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = testDb.db;
  const anonymous = testContext({ db, session: null, cookies: new RecordingCookieJar(), runtime });
  const owner = (await procedureOf(
    anonymous,
    'identity.auth.signUp',
  )({
    email: 'owner@nul.test',
    password: 'nul password 123',
    name: 'Owner',
    organizationName: 'Nul Org',
  })) as { user: { id: string; email: string }; activeOrganization: { id: string } };
  const session = testSession({ userId: owner.user.id, tenantId: owner.activeOrganization.id, role: 'owner', email: owner.user.email, modules });
  ownerCtx = testContext({ db, session, cookies: new RecordingCookieJar(), runtime });
  const portal = {
    sessionId: uuidv7(),
    portalUserId: uuidv7(),
    tenantId: owner.activeOrganization.id,
    clientId: uuidv7(),
    contactId: uuidv7(),
    email: 'client@nul.test',
    name: 'Client',
    expiresAt: new Date(Date.now() + 3_600_000),
  };
  portalCtx = testContext({ db, session: null, portal, cookies: new RecordingCookieJar(), runtime });
});
afterAll(async () => {
  await testDb?.drop();
});

const procedures = listProcedures(appRouter).filter((procedure) => procedure.type !== 'subscription');

describe('a NUL character in any input', () => {
  it('finds the first string or key holding one', () => {
    expect(findNulCharacter({ a: 'fine', b: [{ c: 'x\u0000y' }] })).toEqual(['b', 0, 'c']);
    expect(findNulCharacter({ ['k\u0000']: 1 })).toEqual(['k\u0000']);
    expect(findNulCharacter('plain')).toBeNull();
    expect(findNulCharacter(undefined)).toBeNull();
  });

  it.each(procedures.map((procedure) => [procedure.path]))('%s answers BAD_REQUEST naming the field', async (path) => {
    const permission = procedures.find((procedure) => procedure.path === path)?.permission;
    const ctx = permission === 'portal' ? portalCtx : ownerCtx;
    const error = await procedureOf(ctx, path)({ name: 'Cedar\u0000 Ltd', q: 'x' }).catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/NUL character/) });
    expect((error as { cause?: { issues?: unknown } }).cause?.issues).toEqual([expect.objectContaining({ path: ['name'] })]);
  });

  it('over HTTP: 400 with the zod-style issue list, and nothing written', async () => {
    const server = await testServer({ db, boss: null });
    try {
      const signUp = await server.inject({
        method: 'POST',
        url: '/trpc/identity.auth.signUp',
        payload: { email: 'http@nul.test', password: 'nul password 123', name: 'Http', organizationName: 'Nul\u0000 Org' },
      });
      expect(signUp.statusCode).toBe(400);
      const body = signUp.json() as { error: { message: string; data: { zodIssues: { path: string[] }[] } } };
      expect(body.error.message).toMatch(/NUL character/);
      expect(body.error.data.zodIssues).toEqual([expect.objectContaining({ path: ['organizationName'] })]);
      const users = await sql<{ n: number }>`select count(*)::int as n from identity.users where email = 'http@nul.test'`.execute(testDb.db.kysely);
      expect(users.rows[0]?.n).toBe(0);
    } finally {
      await server.close();
    }
  });
});
