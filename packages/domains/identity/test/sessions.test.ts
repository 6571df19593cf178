import { createDatabase, createLogger, MemoryCache, type Database } from '@ubos/platform';
import { purgeExpiredSessions } from '../src/jobs.ts';
import { createTestDatabase, testConfig, type TestDatabase } from '@ubos/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { z } from 'zod';
import type { IdentityDB } from '../src/db.ts';
import { disableUser, resolveSession, SESSION_COOKIE_NAME } from '../src/index.ts';
import { generateToken, hashToken, isWellFormedToken } from '../src/sessions.ts';
import { callerFor, expectCode, PASSWORD, sessionToken, signUp, permissions } from './helpers.ts';

let testDb: TestDatabase;
let db: Database;
/** Superuser pool: only to read the outbox across tenants for assertions. */
let adminDb: Database;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = testDb.db;
  adminDb = createDatabase({ connectionString: testDb.adminUrl, max: 1 });
});
afterAll(async () => {
  await adminDb?.close();
  await testDb?.drop();
});

function sessionRow(token: string) {
  return db.as<IdentityDB>().selectFrom('identity.sessions').selectAll().where('id', '=', hashToken(token)).executeTakeFirst();
}

describe('session cookie', () => {
  it('is HttpOnly, SameSite=Lax, Path=/ and not Secure outside production', async () => {
    const { ctx, caller } = await callerFor({ db });
    await caller.auth.signUp({ email: 'cookie.dev@example.test', password: PASSWORD, name: 'Dev', organizationName: 'Dev Org' });
    const cookie = ctx.cookies.values.get(SESSION_COOKIE_NAME);
    expect(cookie?.value).toMatch(/^[a-z2-7]{52}$/);
    expect(cookie?.options).toMatchObject({ httpOnly: true, sameSite: 'lax', path: '/', secure: false });
    const expires = cookie?.options?.expires;
    expect(expires).toBeInstanceOf(Date);
    // SESSION_TTL_DAYS defaults to 30.
    expect(Math.abs((expires as Date).getTime() - (Date.now() + 30 * 86_400_000))).toBeLessThan(60_000);
  });

  it('is Secure when the config says production', async () => {
    const { ctx, caller } = await callerFor({ db, config: testConfig({ NODE_ENV: 'production' }) });
    await caller.auth.signUp({ email: 'cookie.prod@example.test', password: PASSWORD, name: 'Prod', organizationName: 'Prod Org' });
    expect(ctx.cookies.values.get(SESSION_COOKIE_NAME)).toBeUndefined();
    expect(ctx.cookies.values.get(`__Host-${SESSION_COOKIE_NAME}`)?.options).toMatchObject({ httpOnly: true, sameSite: 'lax', path: '/', secure: true });
  });

  it('is 256 bits of randomness; a 160-bit token issued before the switch is still well formed, anything else is not', () => {
    const tokens = new Set(Array.from({ length: 1000 }, () => generateToken()));
    expect(tokens.size).toBe(1000);
    for (const token of tokens) expect(token).toMatch(/^[a-z2-7]{52}$/); // 52 base32 characters carry 260 bits ≥ 256
    expect(isWellFormedToken('a'.repeat(32))).toBe(true);
    expect(isWellFormedToken('a'.repeat(40))).toBe(false);
    expect(isWellFormedToken('A'.repeat(52))).toBe(false);
  });

  it('stores only the SHA-256 of the token, never the token', async () => {
    const { token } = await signUp({ db });
    const row = await sessionRow(token);
    expect(row?.id).toBe(hashToken(token));
    expect(row?.id).toMatch(/^[0-9a-f]{64}$/);
    const raw = await sql<{ n: number }>`select count(*)::int as n from identity.sessions where id = ${token}`.execute(db.kysely);
    expect(raw.rows[0]?.n).toBe(0);
  });
});

describe('resolveSession', () => {
  it('resolves the user, organization, role and permissions', async () => {
    const { token, userId, tenantId, email } = await signUp({ db });
    const resolved = await resolveSession({ db, cache: new MemoryCache(), permissions }, token);
    expect(resolved?.renewed).toBe(false);
    expect(resolved?.session).toMatchObject({ userId, tenantId, email, role: 'owner', sessionId: hashToken(token) });
    expect(resolved?.session.permissions.has('identity.role.manage')).toBe(true);
    expect(await resolveSession({ db, cache: new MemoryCache(), permissions }, 'a'.repeat(32))).toBeNull();
    expect(await resolveSession({ db, cache: new MemoryCache(), permissions }, 'not a token')).toBeNull();
  });

  it('logout kills the session server-side, even with a warm cache', async () => {
    const cache = new MemoryCache();
    const { token } = await signUp({ db });
    expect(await resolveSession({ db, cache, permissions }, token)).not.toBeNull(); // warm the cache
    const { ctx, caller } = await callerFor({ db, cache }, token);
    await caller.auth.logout();
    expect(ctx.cookies.get(SESSION_COOKIE_NAME)).toBeUndefined();
    expect(await sessionRow(token)).toBeUndefined();
    expect(await resolveSession({ db, cache, permissions }, token)).toBeNull();
  });

  it('a lookup racing a logout does not leave the killed session in the cache', async () => {
    const inner = new MemoryCache();
    const { token } = await signUp({ db });
    let hook: (() => Promise<void>) | null = null;
    // Runs the logout between the lookup's database read and its cache write: the worst interleaving.
    const racing = {
      get: <T>(key: string) => inner.get<T>(key),
      delete: (key: string) => inner.delete(key),
      async set(key: string, value: unknown, ttlMs: number) {
        const pending = hook;
        hook = null;
        if (pending) await pending();
        await inner.set(key, value, ttlMs);
      },
    };
    const { caller } = await callerFor({ db, cache: inner }, token);
    await inner.delete(`identity:session:${hashToken(token)}`);
    hook = async () => {
      await caller.auth.logout();
    };
    // This lookup read the row before the logout committed: it may answer, but must not cache.
    await resolveSession({ db, cache: racing, permissions }, token);
    expect(hook).toBeNull();
    expect(await resolveSession({ db, cache: inner, permissions }, token)).toBeNull();
  });

  it('a password change kills every earlier session and issues a fresh one', async () => {
    const cache = new MemoryCache();
    const { token: first, email } = await signUp({ db });
    const { ctx: loginCtx, caller: anonymous } = await callerFor({ db, cache });
    await anonymous.auth.login({ email, password: PASSWORD });
    const second = sessionToken(loginCtx.cookies);
    expect(second).not.toBe(first);
    expect(await resolveSession({ db, cache, permissions }, first)).not.toBeNull();
    expect(await resolveSession({ db, cache, permissions }, second)).not.toBeNull();

    const { ctx, caller } = await callerFor({ db, cache }, first);
    await expectCode(caller.auth.changePassword({ currentPassword: 'wrong password!', newPassword: 'a brand new password' }), 'BAD_REQUEST');
    await caller.auth.changePassword({ currentPassword: PASSWORD, newPassword: 'a brand new password' });
    const fresh = sessionToken(ctx.cookies);
    expect(fresh).not.toBe(first);

    expect(await resolveSession({ db, cache, permissions }, first)).toBeNull();
    expect(await resolveSession({ db, cache, permissions }, second)).toBeNull();
    expect((await resolveSession({ db, cache, permissions }, fresh))?.session.email).toBe(email);

    const { caller: again } = await callerFor({ db, cache });
    await expectCode(again.auth.login({ email, password: PASSWORD }), 'UNAUTHORIZED');
    await expect(again.auth.login({ email, password: 'a brand new password' })).resolves.toMatchObject({ user: { email } });
  });

  it('rejects an expired session', async () => {
    const cache = new MemoryCache();
    const { token } = await signUp({ db });
    expect(await resolveSession({ db, cache, permissions }, token)).not.toBeNull();
    await db
      .as<IdentityDB>()
      .updateTable('identity.sessions')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', hashToken(token))
      .execute();
    // Cached expiry is still in the future: evict as a restart would, the row decides.
    expect(await resolveSession({ db, cache: new MemoryCache(), permissions }, token)).toBeNull();
    expect(await sessionRow(token)).toBeUndefined();
  });

  it('rejects a cached session once its cached expiry has passed', async () => {
    const cache = new MemoryCache();
    const { token } = await signUp({ db });
    const resolved = await resolveSession({ db, cache, permissions }, token);
    // Simulate the cache still holding an entry whose expiry passed (the row is gone too).
    await cache.set(
      `identity:session:${hashToken(token)}`,
      { ...resolved?.session, permissions: [], expiresAt: new Date(Date.now() - 1).toISOString(), ttlSeconds: 2_592_000 },
      30_000,
    );
    await db.as<IdentityDB>().deleteFrom('identity.sessions').where('id', '=', hashToken(token)).execute();
    expect(await resolveSession({ db, cache, permissions }, token)).toBeNull();
  });

  it("rejects a disabled user's sessions, and the user can no longer log in", async () => {
    const cache = new MemoryCache();
    const { token, userId, email } = await signUp({ db });
    expect(await resolveSession({ db, cache, permissions }, token)).not.toBeNull();
    expect(await disableUser({ db, cache, log: createLogger({ level: 'silent' }) }, userId)).toBe(true);
    expect(await resolveSession({ db, cache, permissions }, token)).toBeNull();
    const { caller } = await callerFor({ db });
    await expectCode(caller.auth.login({ email, password: PASSWORD }), 'UNAUTHORIZED');
  });

  it('rejects a surviving session row of a disabled user', async () => {
    const { token, userId } = await signUp({ db });
    await db.as<IdentityDB>().updateTable('identity.users').set({ disabled_at: new Date() }).where('id', '=', userId).execute();
    expect(await resolveSession({ db, cache: new MemoryCache(), permissions }, token)).toBeNull();
  });

  it('the purge job deletes expired sessions only', async () => {
    const expired = await signUp({ db });
    const live = await signUp({ db });
    await db
      .as<IdentityDB>()
      .updateTable('identity.sessions')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', hashToken(expired.token))
      .execute();
    await purgeExpiredSessions.run(undefined, { db, log: createLogger({ level: 'silent' }), services: {} });
    expect(await sessionRow(expired.token)).toBeUndefined();
    expect(await sessionRow(live.token)).toBeDefined();
  });

  it('slides the expiry forward when less than half the lifetime remains', async () => {
    const { token } = await signUp({ db });
    const oneDay = new Date(Date.now() + 86_400_000);
    await db.as<IdentityDB>().updateTable('identity.sessions').set({ expires_at: oneDay }).where('id', '=', hashToken(token)).execute();
    const resolved = await resolveSession({ db, cache: new MemoryCache(), permissions }, token);
    expect(resolved?.renewed).toBe(true);
    const thirtyDays = Date.now() + 30 * 86_400_000;
    expect(Math.abs((resolved?.session.expiresAt.getTime() ?? 0) - thirtyDays)).toBeLessThan(60_000);
    const row = await sessionRow(token);
    expect(Math.abs((row?.expires_at.getTime() ?? 0) - thirtyDays)).toBeLessThan(60_000);
    // More than half remains now: no renewal on the next lookup.
    expect((await resolveSession({ db, cache: new MemoryCache(), permissions }, token))?.renewed).toBe(false);
  });
});

describe('auth.me and organizations', () => {
  it('lists every organization of the user and switches between them', async () => {
    const cache = new MemoryCache();
    const { token, tenantId, userId } = await signUp({ db, cache }, { organizationName: 'First Org' });
    const { caller } = await callerFor({ db, cache }, token);
    const second = await caller.organizations.create({ name: 'Second Org' });
    expect(second).toMatchObject({ name: 'Second Org', role: 'owner' });

    // The session moved to the new organization.
    const { caller: now } = await callerFor({ db, cache }, token);
    const me = await now.auth.me();
    expect(me.user.id).toBe(userId);
    expect(me.activeOrganization?.id).toBe(second.id);
    expect(me.organizations.map((organization) => organization.name).sort()).toEqual(['First Org', 'Second Org']);
    expect(me.permissions).toContain('identity.role.manage');
    expect(await now.organizations.list()).toEqual(me.organizations);

    await now.auth.switchOrganization({ organizationId: tenantId });
    const { caller: switched } = await callerFor({ db, cache }, token);
    expect((await switched.auth.me()).activeOrganization?.id).toBe(tenantId);

    // Someone else's organization is not found.
    const other = await signUp({ db, cache });
    await expectCode(switched.auth.switchOrganization({ organizationId: other.tenantId }), 'NOT_FOUND');
  });

  it('requires a session for authenticated procedures', async () => {
    const { caller } = await callerFor({ db });
    await expectCode(caller.auth.me(), 'UNAUTHORIZED');
    await expectCode(caller.auth.logout(), 'UNAUTHORIZED');
    await expectCode(caller.members.list(), 'UNAUTHORIZED');
  });

  it('rejects bad sign-up input with zod issues and writes nothing', async () => {
    const { caller } = await callerFor({ db });
    const before = await sql<{ n: number }>`select count(*)::int as n from identity.users`.execute(db.kysely);
    const error = await expectCode(caller.auth.signUp({ email: 'not-an-email', password: 'short', name: '', organizationName: 'X' }), 'BAD_REQUEST');
    const cause = z.object({ issues: z.array(z.object({ path: z.array(z.union([z.string(), z.number()])) })) }).parse(error.cause);
    const paths = cause.issues.map((issue) => issue.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['email', 'password', 'name']));
    const after = await sql<{ n: number }>`select count(*)::int as n from identity.users`.execute(db.kysely);
    expect(after.rows[0]?.n).toBe(before.rows[0]?.n);
  });

  it('refuses a second account with the same email, case-insensitively', async () => {
    const { email } = await signUp({ db });
    const { caller } = await callerFor({ db });
    await expectCode(caller.auth.signUp({ email: email.toUpperCase(), password: PASSWORD, name: 'Twin', organizationName: 'Twin Org' }), 'CONFLICT');
  });

  it('writes the sign-up events in the new organization', async () => {
    const { tenantId } = await signUp({ db });
    const events = await sql<{ type: string }>`
      select type from platform.outbox where tenant_id = ${tenantId} order by position`.execute(adminDb.kysely);
    expect(events.rows.map((row) => row.type)).toEqual([
      'identity.user.created',
      'identity.organization.created',
      'identity.member.joined',
      'identity.session.started',
    ]);
  });
});
