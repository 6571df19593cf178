import {
  createCallerFactory,
  createDomainRuntime,
  defineDomain,
  grants,
  MemoryCache,
  MemoryRateLimiter,
  platformModule,
  router,
  type Cache,
  type Config,
  type Context,
  type Database,
  type RateLimiter,
} from '@ubos/platform';
import { RecordingCookieJar, testConfig, testContext } from '@ubos/platform/testing';
import { expect } from 'vitest';
import { identityModule, identityRouter, resolveSession, SESSION_COOKIE_NAME } from '../src/index.ts';

/** Another module's permissions, so the tests see grants identity does not declare itself. */
const crmLike = defineDomain({
  name: 'crm',
  router: router({}),
  migrations: [],
  permissions: { 'crm.client.read': grants.everyone, 'crm.client.write': grants.staff, 'crm.record.merge': grants.managers },
});

/** What the host builds from its module list, for these tests. */
export const runtime = createDomainRuntime([platformModule, identityModule, crmLike]);
export const permissions = runtime.permissions;

export const createCaller = createCallerFactory(identityRouter);

export interface Shared {
  db: Database;
  cache?: Cache;
  rateLimiter?: RateLimiter;
  config?: Config;
  ip?: string;
}

/** A request context: anonymous, or signed in with the session cookie `token`. */
export async function contextFor(shared: Shared, token?: string): Promise<Context & { cookies: RecordingCookieJar }> {
  const cache = shared.cache ?? new MemoryCache();
  const cookies = new RecordingCookieJar();
  let session = null;
  if (token) {
    const resolved = await resolveSession({ db: shared.db, cache, permissions }, token);
    if (!resolved) throw new Error('token does not resolve to a session');
    session = resolved.session;
    cookies.values.set(SESSION_COOKIE_NAME, { value: token, options: null });
  }
  const base = testContext({ db: shared.db, session, cookies, runtime, config: shared.config ?? testConfig(), ...(shared.ip ? { ip: shared.ip } : {}) });
  return { ...base, cache, rateLimiter: shared.rateLimiter ?? new MemoryRateLimiter(), cookies };
}

export async function callerFor(shared: Shared, token?: string) {
  const ctx = await contextFor(shared, token);
  return { ctx, caller: createCaller(ctx) };
}

export function sessionToken(cookies: RecordingCookieJar): string {
  const token = cookies.get(SESSION_COOKIE_NAME);
  expect(token).toMatch(/^[a-z2-7]{52}$/);
  return token as string;
}

let counter = 0;
export function uniqueEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}.${Date.now().toString(36)}.${counter}@example.test`;
}

export const PASSWORD = 'correct horse battery staple';

/** Signs a new user up (user + organization + owner membership) and returns their session token. */
export async function signUp(shared: Shared, overrides: { email?: string; organizationName?: string; name?: string } = {}) {
  const { ctx, caller } = await callerFor(shared);
  const email = overrides.email ?? uniqueEmail();
  const result = await caller.auth.signUp({
    email,
    password: PASSWORD,
    name: overrides.name ?? 'Ada Lovelace',
    organizationName: overrides.organizationName ?? 'Analytical Engines Ltd',
  });
  const token = sessionToken(ctx.cookies);
  const tenantId = result.activeOrganization?.id;
  if (!tenantId) throw new Error('sign-up returned no organization');
  return { token, email, userId: result.user.id, tenantId, result };
}

/** Expects a promise to reject with a tRPC error of `code`; returns the error. */
export async function expectCode(promise: Promise<unknown>, code: string): Promise<{ code: string; message: string; cause?: unknown }> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught as { code: string; message: string; cause?: unknown },
  );
  expect(error, `expected ${code}`).not.toBeNull();
  expect(error?.code).toBe(code);
  return error as { code: string; message: string; cause?: unknown };
}
