/**
 * Every procedure × every role gives exactly the answer of the permission catalog the modules
 * declare (their default grants). Procedures are enumerated from appRouter at collection time,
 * so a procedure any module adds, or a module registered later, is covered the moment it is in
 * the module list.
 */
import {
  createCallerFactory,
  createDomainRuntime,
  findUndeclaredProcedures,
  listProcedures,
  roles,
  type Context,
  type Database,
  type Permission,
  type Role,
  type SessionInfo,
} from '@ubos/platform';
import { createTestDatabase, RecordingCookieJar, testContext, testSession, type TestDatabase } from '@ubos/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modules } from '../src/modules.ts';
import { appRouter } from '../src/router.ts';

const createCaller = createCallerFactory(appRouter);
/** The runtime the host builds from the one module list: its catalog is what the guard reads. */
const runtime = createDomainRuntime(modules);
const catalog = runtime.permissions;

let testDb: TestDatabase;
let db: Database;
let tenantId: string;
const usersByRole = new Map<Role, { userId: string; email: string }>();

type Callable = (input?: unknown) => Promise<unknown>;

/** Walks the caller proxy along a dotted path (`crm.clients.create`) to the procedure function. */
function procedureOf(ctx: Context, path: string): Callable {
  let node: unknown = createCaller(ctx);
  for (const segment of path.split('.')) node = (node as Record<string, unknown>)[segment];
  if (typeof node !== 'function') throw new Error(`No callable procedure at ${path}`);
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

function contextFor(session: SessionInfo | null): Context {
  return testContext({ db, session, cookies: new RecordingCookieJar(), runtime });
}

const procedures = listProcedures(appRouter).filter((procedure) => procedure.type !== 'subscription');
const guarded = procedures.filter(
  (procedure): procedure is { path: string; type: string; permission: Permission } =>
    typeof procedure.permission === 'string' && catalog.has(procedure.permission),
);
const authenticated = procedures.filter((procedure) => procedure.permission === 'authenticated');
const open = procedures.filter((procedure) => procedure.permission === 'public');
/** The client portal's procedures (§3): only a portal session; staff sessions of every role are refused. */
const portalOnly = procedures.filter((procedure) => procedure.permission === 'portal');

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = testDb.db;
  // A real organization with one user per role, created through the identity procedures.
  const ownerCtx = contextFor(null);
  const signUp = procedureOf(ownerCtx, 'identity.auth.signUp');
  const owner = (await signUp({
    email: 'owner@matrix.test',
    password: 'matrix password 123',
    name: 'Owner',
    organizationName: 'Matrix Org',
  })) as { user: { id: string; email: string }; activeOrganization: { id: string } };
  tenantId = owner.activeOrganization.id;
  usersByRole.set('owner', { userId: owner.user.id, email: owner.user.email });
  const ownerSession = testSession({ userId: owner.user.id, tenantId, role: 'owner', email: owner.user.email, modules });
  for (const role of roles.filter((candidate) => candidate !== 'owner')) {
    const email = `${role}@matrix.test`;
    const invite = procedureOf(contextFor(ownerSession), 'identity.invitations.create');
    const { token } = (await invite({ email, role })) as { token: string };
    const accept = procedureOf(contextFor(null), 'identity.invitations.acceptWithSignUp');
    const joined = (await accept({ token, name: role, password: 'matrix password 123' })) as { user: { id: string } };
    usersByRole.set(role, { userId: joined.user.id, email });
  }
});
afterAll(async () => {
  await testDb?.drop();
});

function sessionOf(role: Role): SessionInfo {
  const user = usersByRole.get(role);
  if (!user) throw new Error(`no ${role} user`);
  return testSession({ userId: user.userId, tenantId, role, email: user.email, modules });
}

describe('procedure declarations', () => {
  it('every procedure of the app router declares a known permission', () => {
    expect(findUndeclaredProcedures(appRouter, catalog)).toEqual([]);
  });

  it(`covers all ${procedures.length} procedures: ${guarded.length} by permission × ${roles.length} roles, ${authenticated.length} authenticated, ${open.length} public, ${portalOnly.length} portal`, () => {
    expect(procedures.length).toBeGreaterThan(0);
    const classified = new Set([...guarded, ...authenticated, ...open, ...portalOnly].map((procedure) => procedure.path));
    expect(procedures.filter((procedure) => !classified.has(procedure.path)).map((procedure) => procedure.path)).toEqual([]);
    // Every module's procedures are in the enumeration (a new module is covered once registered).
    const mounted = new Set(procedures.map((procedure) => procedure.path.split('.')[0]));
    expect(modules.map((module) => module.name).filter((name) => !mounted.has(name))).toEqual([]);
  });

  it('the enumeration sees the tenant procedures of the modules', () => {
    expect(guarded.map((procedure) => procedure.path)).toEqual(
      expect.arrayContaining(['identity.members.list', 'identity.members.changeRole', 'identity.roles.setOverride']),
    );
  });
});

describe.each(guarded)('$path requires $permission', ({ path, permission }) => {
  it.each([...roles])('as %s: the matrix decides', async (role) => {
    const code = await codeOf(procedureOf(contextFor(sessionOf(role)), path)({}));
    if (catalog.roleHas(role, permission)) {
      expect(code, `${path} as ${role} (allowed by the matrix)`).not.toBe('FORBIDDEN');
      expect(code, `${path} as ${role}`).not.toBe('UNAUTHORIZED');
      expect(code, `${path} as ${role}`).not.toMatch(/^THROWN:/);
      // An empty input is bad input: a typed error (usually BAD_REQUEST), never a 500.
      expect(code, `${path} as ${role} with {}`).not.toBe('INTERNAL_SERVER_ERROR');
    } else {
      expect(code, `${path} as ${role} (denied by the matrix)`).toBe('FORBIDDEN');
    }
  });

  it('anonymous: UNAUTHORIZED', async () => {
    expect(await codeOf(procedureOf(contextFor(null), path)({}))).toBe('UNAUTHORIZED');
  });

  it('signed in without an active organization: FORBIDDEN', async () => {
    const owner = usersByRole.get('owner');
    if (!owner) throw new Error('no owner');
    const session = testSession({ userId: owner.userId, tenantId: null, role: null, email: owner.email });
    expect(await codeOf(procedureOf(contextFor(session), path)({}))).toBe('FORBIDDEN');
  });
});

describe.each(portalOnly)('$path requires a portal session', ({ path }) => {
  it.each([...roles])('a staff session as %s: UNAUTHORIZED', async (role) => {
    expect(await codeOf(procedureOf(contextFor(sessionOf(role)), path)({}))).toBe('UNAUTHORIZED');
  });

  it('anonymous: UNAUTHORIZED', async () => {
    expect(await codeOf(procedureOf(contextFor(null), path)({}))).toBe('UNAUTHORIZED');
  });
});

describe.each(authenticated)('$path requires a session', ({ path }) => {
  it('anonymous: UNAUTHORIZED', async () => {
    expect(await codeOf(procedureOf(contextFor(null), path)({}))).toBe('UNAUTHORIZED');
  });
});
