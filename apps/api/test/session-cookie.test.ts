import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgBoss } from '@ubos/platform';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { SESSION_COOKIE_NAME } from '@ubos/identity';
import type { Server } from '../src/server.ts';
import type { BossHandle } from '../src/readiness.ts';
import { setCookies, startTestBoss, testServer } from './helpers.ts';

/** Session cookies as a browser sees them: through HTTP, the real identity procedures and the host's context. */

let testDb: TestDatabase;
let boss: PgBoss;
let bossHandle: BossHandle;
let production: Server;
let development: Server;
let counter = 0;

function signUpInput(): { email: string; password: string; name: string; organizationName: string } {
  counter += 1;
  return {
    email: `owner${counter}-${Date.now()}@example.test`,
    password: 'correct horse battery staple',
    name: 'Ada Owner',
    organizationName: `Org ${counter}`,
  };
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  ({ boss, handle: bossHandle } = await startTestBoss(testDb.appUrl));
  production = await testServer({ db: testDb.db, boss: bossHandle, config: { NODE_ENV: 'production' } });
  development = await testServer({ db: testDb.db, boss: bossHandle, config: { NODE_ENV: 'development' } });
});

afterAll(async () => {
  await production?.close();
  await development?.close();
  await boss?.stop({ graceful: false, close: true });
  await testDb?.drop();
});

const PRODUCTION_COOKIE = `__Host-${SESSION_COOKIE_NAME}`;

describe('session cookie over HTTP', () => {
  it('sign-up sets a __Host- cookie with HttpOnly; SameSite=Lax; Path=/; Secure in production', async () => {
    const response = await production.inject({ method: 'POST', url: '/trpc/identity.auth.signUp', payload: signUpInput() });
    expect(response.statusCode).toBe(200);
    expect(setCookies(response.headers['set-cookie']).get(SESSION_COOKIE_NAME)).toBeUndefined();
    const cookie = setCookies(response.headers['set-cookie']).get(`__Host-${SESSION_COOKIE_NAME}`);
    expect(cookie?.attributes.some((attribute) => attribute.startsWith('domain='))).toBe(false);
    expect(cookie).toBeDefined();
    expect(cookie?.value.length).toBeGreaterThan(20);
    expect(cookie?.attributes).toEqual(expect.arrayContaining(['httponly', 'samesite=lax', 'path=/', 'secure']));
  });

  it('omits Secure outside production (plain-http embedded default) and keeps the other flags', async () => {
    const response = await development.inject({ method: 'POST', url: '/trpc/identity.auth.signUp', payload: signUpInput() });
    expect(response.statusCode).toBe(200);
    const cookie = setCookies(response.headers['set-cookie']).get(SESSION_COOKIE_NAME);
    expect(cookie?.attributes).toEqual(expect.arrayContaining(['httponly', 'samesite=lax', 'path=/']));
    expect(cookie?.attributes).not.toContain('secure');
  });

  it('resolves the session from the cookie on the next request', async () => {
    const input = signUpInput();
    const signUp = await development.inject({ method: 'POST', url: '/trpc/identity.auth.signUp', payload: input });
    const token = setCookies(signUp.headers['set-cookie']).get(SESSION_COOKIE_NAME)?.value ?? '';

    const me = await development.inject({ method: 'GET', url: '/trpc/identity.auth.me', cookies: { [SESSION_COOKIE_NAME]: token } });
    expect(me.statusCode).toBe(200);
    expect(JSON.stringify(me.json())).toContain(input.email);

    const anonymous = await development.inject({ method: 'GET', url: '/trpc/identity.auth.me' });
    expect(anonymous.statusCode).toBe(401);
    const forged = await development.inject({
      method: 'GET',
      url: '/trpc/identity.auth.me',
      cookies: { [SESSION_COOKIE_NAME]: 'a'.repeat(32) },
    });
    expect(forged.statusCode).toBe(401);
  });

  it('re-sets the cookie with the slid expiry when identity renews the session', async () => {
    const signUp = await production.inject({ method: 'POST', url: '/trpc/identity.auth.signUp', payload: signUpInput() });
    const token = setCookies(signUp.headers['set-cookie']).get(PRODUCTION_COOKIE)?.value ?? '';
    // Age every session so it is past half its lifetime (superuser fixture: sessions are not tenant rows).
    const admin = new pg.Client({ connectionString: testDb.adminUrl });
    await admin.connect();
    try {
      await admin.query(`UPDATE identity.sessions SET expires_at = now() + interval '1 hour'`);
    } finally {
      await admin.end();
    }
    const before = Date.now();
    const me = await production.inject({ method: 'GET', url: '/trpc/identity.auth.me', cookies: { [PRODUCTION_COOKIE]: token } });
    expect(me.statusCode).toBe(200);
    const renewed = setCookies(me.headers['set-cookie']).get(PRODUCTION_COOKIE);
    expect(renewed?.value).toBe(token);
    expect(renewed?.attributes).toEqual(expect.arrayContaining(['httponly', 'samesite=lax', 'path=/', 'secure']));
    const expires = renewed?.attributes.find((attribute) => attribute.startsWith('expires='));
    const expiresAt = Date.parse(expires?.slice('expires='.length) ?? '');
    expect(expiresAt - before).toBeGreaterThan(24 * 3_600_000);

    // Not renewed again right away: no cookie on the next call.
    const again = await production.inject({ method: 'GET', url: '/trpc/identity.auth.me', cookies: { [PRODUCTION_COOKIE]: token } });
    expect(again.statusCode).toBe(200);
    expect(setCookies(again.headers['set-cookie']).has(PRODUCTION_COOKIE)).toBe(false);
  });
});

describe('login over HTTP', () => {
  it('ends the session the request already holds (session rotation)', async () => {
    const input = signUpInput();
    const signedUp = await development.inject({ method: 'POST', url: '/trpc/identity.auth.signUp', payload: input });
    const first = setCookies(signedUp.headers['set-cookie']).get(SESSION_COOKIE_NAME)?.value as string;
    const cookie = (token: string) => ({ [SESSION_COOKIE_NAME]: token });
    expect((await development.inject({ method: 'GET', url: '/trpc/identity.auth.me', cookies: cookie(first) })).statusCode).toBe(200);

    const login = await development.inject({
      method: 'POST',
      url: '/trpc/identity.auth.login',
      payload: { email: input.email, password: input.password },
      cookies: cookie(first),
    });
    expect(login.statusCode).toBe(200);
    const second = setCookies(login.headers['set-cookie']).get(SESSION_COOKIE_NAME)?.value as string;
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    expect((await development.inject({ method: 'GET', url: '/trpc/identity.auth.me', cookies: cookie(first) })).statusCode).toBe(401);
    expect((await development.inject({ method: 'GET', url: '/trpc/identity.auth.me', cookies: cookie(second) })).statusCode).toBe(200);
  });

  it('answers a throttled login with 429 and Retry-After in seconds', async () => {
    const server = await testServer({ db: testDb.db, boss: bossHandle, config: { LOGIN_RATE_LIMIT_PER_ACCOUNT: 2 } });
    try {
      const input = signUpInput();
      await server.inject({ method: 'POST', url: '/trpc/identity.auth.signUp', payload: input });
      const attempt = () => server.inject({ method: 'POST', url: '/trpc/identity.auth.login', payload: { email: input.email, password: 'not the password' } });
      expect((await attempt()).statusCode).toBe(401);
      expect((await attempt()).statusCode).toBe(401);
      const throttled = await attempt();
      expect(throttled.statusCode).toBe(429);
      const seconds = Number(throttled.headers['retry-after']);
      expect(seconds).toBeGreaterThanOrEqual(1);
      expect(seconds).toBeLessThanOrEqual(15 * 60);
      // A 401 carries no Retry-After.
      const other = signUpInput();
      await server.inject({ method: 'POST', url: '/trpc/identity.auth.signUp', payload: other });
      const wrong = await server.inject({ method: 'POST', url: '/trpc/identity.auth.login', payload: { email: other.email, password: 'nope nope nope' } });
      expect(wrong.statusCode).toBe(401);
      expect(wrong.headers['retry-after']).toBeUndefined();
    } finally {
      await server.close();
    }
  });
});
