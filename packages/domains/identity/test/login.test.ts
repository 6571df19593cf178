import { MemoryRateLimiter, type Database } from '@ubos/platform';
import { createTestDatabase, testConfig, type TestDatabase } from '@ubos/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE_NAME } from '../src/index.ts';
import { callerFor, expectCode, PASSWORD, signUp, uniqueEmail } from './helpers.ts';

let testDb: TestDatabase;
let db: Database;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = testDb.db;
});
afterAll(async () => {
  await testDb?.drop();
});

describe('auth.login', () => {
  it('signs in with the right password (email case-insensitive) and sets the session cookie', async () => {
    const { email, tenantId } = await signUp({ db });
    const { ctx, caller } = await callerFor({ db });
    const result = await caller.auth.login({ email: `  ${email.toUpperCase()} `, password: PASSWORD });
    expect(result.user.email).toBe(email);
    expect(result.activeOrganization?.id).toBe(tenantId);
    expect(ctx.cookies.get(SESSION_COOKIE_NAME)).toMatch(/^[a-z2-7]{52}$/);
  });

  it('gives the same error for a wrong password and an unknown email, and sets no cookie', async () => {
    const { email } = await signUp({ db });
    const { ctx, caller } = await callerFor({ db });
    const wrongPassword = await expectCode(caller.auth.login({ email, password: 'not the password' }), 'UNAUTHORIZED');
    const unknownEmail = await expectCode(caller.auth.login({ email: uniqueEmail('nobody'), password: 'not the password' }), 'UNAUTHORIZED');
    expect(wrongPassword.message).toBe(unknownEmail.message);
    expect(wrongPassword.message).toBe('Invalid email or password');
    expect(ctx.cookies.get(SESSION_COOKIE_NAME)).toBeUndefined();
  });

  it('spends Argon2 time on an unknown email too (dummy hash verification)', async () => {
    const { email } = await signUp({ db });
    const { caller } = await callerFor({ db });
    // Warm up (the dummy hash is computed once per process).
    await caller.auth.login({ email: uniqueEmail('warm'), password: 'x' }).catch(() => undefined);
    const median = async (target: () => string) => {
      const samples: number[] = [];
      for (let i = 0; i < 5; i += 1) {
        const started = performance.now();
        await caller.auth.login({ email: target(), password: 'not the password' }).catch(() => undefined);
        samples.push(performance.now() - started);
      }
      return samples.sort((x, y) => x - y)[2] ?? 0;
    };
    const known = await median(() => email);
    const unknown = await median(() => uniqueEmail('ghost'));
    expect(unknown).toBeGreaterThan(known / 5);
  });

  it('rate-limits per account from one IP: TOO_MANY_REQUESTS after LOGIN_RATE_LIMIT_PER_ACCOUNT attempts from it, even with the right password', async () => {
    const { email } = await signUp({ db });
    const rateLimiter = new MemoryRateLimiter();
    const config = testConfig({ LOGIN_RATE_LIMIT_PER_ACCOUNT: 3, LOGIN_RATE_LIMIT_PER_IP: 100 });
    const { caller: attacker } = await callerFor({ db, rateLimiter, config, ip: '198.51.100.66' });
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await expectCode(attacker.auth.login({ email, password: 'not the password' }), 'UNAUTHORIZED');
    }
    const refused = await attacker.auth.login({ email, password: PASSWORD }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'TOO_MANY_REQUESTS' });
    // The wait travels with the error (the host sends it as Retry-After).
    expect((refused as { cause?: { retryAfterMs?: number } }).cause?.retryAfterMs).toBeGreaterThan(0);
    await expectCode(attacker.auth.login({ email: email.toUpperCase(), password: PASSWORD }), 'TOO_MANY_REQUESTS');
    // Another account from the same IP is unaffected.
    const other = await signUp({ db });
    await expect(attacker.auth.login({ email: other.email, password: PASSWORD })).resolves.toBeTruthy();
  });

  it('a stranger failing from other IPs does not lock the owner out', async () => {
    const { email } = await signUp({ db });
    const rateLimiter = new MemoryRateLimiter();
    const config = testConfig({ LOGIN_RATE_LIMIT_PER_ACCOUNT: 3, LOGIN_RATE_LIMIT_PER_IP: 100, LOGIN_FAILURE_BUDGET_PER_ACCOUNT: 50 });
    // Ten wrong passwords, from anywhere but the owner's address.
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const { caller } = await callerFor({ db, rateLimiter, config, ip: `10.0.${attempt}.1` });
      await expectCode(caller.auth.login({ email, password: 'not the password' }), 'UNAUTHORIZED');
    }
    const { caller: owner } = await callerFor({ db, rateLimiter, config, ip: '192.0.2.10' });
    await expect(owner.auth.login({ email, password: PASSWORD })).resolves.toMatchObject({ user: { email } });
  });

  it('past the per-account failure budget (all IPs together) the account is locked, with a time to retry', async () => {
    const { email } = await signUp({ db });
    const rateLimiter = new MemoryRateLimiter();
    const config = testConfig({ LOGIN_RATE_LIMIT_PER_ACCOUNT: 100, LOGIN_RATE_LIMIT_PER_IP: 100, LOGIN_FAILURE_BUDGET_PER_ACCOUNT: 4 });
    for (let attempt = 0; attempt < 4; attempt += 1) {
      const { caller } = await callerFor({ db, rateLimiter, config, ip: `10.1.${attempt}.1` });
      await expectCode(caller.auth.login({ email, password: 'not the password' }), 'UNAUTHORIZED');
    }
    const { caller: owner } = await callerFor({ db, rateLimiter, config, ip: '192.0.2.11' });
    const refused = await owner.auth.login({ email, password: PASSWORD }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'TOO_MANY_REQUESTS', message: expect.stringMatching(/temporarily locked/) });
    expect((refused as { cause?: { retryAfterMs?: number } }).cause?.retryAfterMs).toBeGreaterThan(0);
  });

  it('rate-limits per IP across accounts, including unknown emails', async () => {
    const rateLimiter = new MemoryRateLimiter();
    const config = testConfig({ LOGIN_RATE_LIMIT_PER_ACCOUNT: 100, LOGIN_RATE_LIMIT_PER_IP: 2 });
    const { caller } = await callerFor({ db, rateLimiter, config, ip: '203.0.113.7' });
    await expectCode(caller.auth.login({ email: uniqueEmail('a'), password: 'x' }), 'UNAUTHORIZED');
    await expectCode(caller.auth.login({ email: uniqueEmail('b'), password: 'x' }), 'UNAUTHORIZED');
    const { email } = await signUp({ db });
    await expectCode(caller.auth.login({ email, password: PASSWORD }), 'TOO_MANY_REQUESTS');
    // Another IP still gets in.
    const { caller: elsewhere } = await callerFor({ db, rateLimiter, config, ip: '203.0.113.8' });
    await expect(elsewhere.auth.login({ email, password: PASSWORD })).resolves.toBeTruthy();
  });

  it('a successful login resets the account counter', async () => {
    const { email } = await signUp({ db });
    const rateLimiter = new MemoryRateLimiter();
    const config = testConfig({ LOGIN_RATE_LIMIT_PER_ACCOUNT: 2, LOGIN_RATE_LIMIT_PER_IP: 100 });
    const { caller } = await callerFor({ db, rateLimiter, config });
    await expectCode(caller.auth.login({ email, password: 'not the password' }), 'UNAUTHORIZED');
    await caller.auth.login({ email, password: PASSWORD });
    await expectCode(caller.auth.login({ email, password: 'not the password' }), 'UNAUTHORIZED');
    await expect(caller.auth.login({ email, password: PASSWORD })).resolves.toBeTruthy();
  });
});
