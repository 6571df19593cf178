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
