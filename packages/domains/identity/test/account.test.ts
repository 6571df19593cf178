import { createDatabase, MemoryCache, type Database } from '@ubos/platform';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IdentityDB } from '../src/db.ts';
import { resolveSession } from '../src/index.ts';
import { describeUserAgent, sessionHandle } from '../src/service-account.ts';
import { hashToken } from '../src/sessions.ts';
import { callerFor, expectCode, PASSWORD, permissions, sessionToken, signUp } from './helpers.ts';

let testDb: TestDatabase;
let db: Database;
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

async function loginAgain(email: string, cache: MemoryCache, userAgent: string): Promise<string> {
  const { ctx, caller } = await callerFor({ db, cache });
  await caller.auth.login({ email, password: PASSWORD });
  const token = sessionToken(ctx.cookies);
  await db.as<IdentityDB>().updateTable('identity.sessions').set({ user_agent: userAgent }).where('id', '=', hashToken(token)).execute();
  return token;
}

async function endedEvents(tenantId: string): Promise<number> {
  const rows = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM platform.outbox WHERE tenant_id = ${tenantId} AND type = 'identity.session.ended'`.execute(adminDb.kysely);
  return rows.rows[0]?.n ?? 0;
}

describe('my account: sessions', () => {
  it('names the device from the user agent', () => {
    expect(describeUserAgent('Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36')).toBe(
      'Chrome on macOS',
    );
    expect(
      describeUserAgent(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      ),
    ).toBe('Safari on iPhone');
    expect(describeUserAgent('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0')).toBe('Firefox on Windows');
    expect(describeUserAgent('Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/131.0 Safari/537.36 Edg/131.0')).toBe('Edge on Windows');
    expect(describeUserAgent('node')).toBe('Unknown device');
    expect(describeUserAgent('curl/8.5.0')).toBe('A program (curl)');
    expect(describeUserAgent(null)).toBe('Unknown device');
  });

  it('lists only my sessions, the current one marked, with device and last seen; never the session key', async () => {
    const cache = new MemoryCache();
    const me = await signUp({ db });
    const other = await signUp({ db });
    const phone = await loginAgain(me.email, cache, 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Version/17.5 Mobile/15E148 Safari/604.1');
    const { caller } = await callerFor({ db, cache }, me.token);
    const sessions = await caller.account.sessions();
    expect(sessions).toHaveLength(2);
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    expect(sessions.find((s) => !s.current)).toMatchObject({ id: sessionHandle(hashToken(phone)), device: 'Safari on iPhone' });
    for (const s of sessions) {
      expect(s.id).toMatch(/^[0-9a-f]{32}$/);
      expect(s.id).not.toBe(hashToken(me.token).slice(0, 32));
      expect(Date.parse(s.lastSeenAt)).toBeGreaterThan(0);
    }
    // Resolving a session (a request) records when it was last seen.
    const row = await db.as<IdentityDB>().selectFrom('identity.sessions').select('last_seen_at').where('id', '=', hashToken(me.token)).executeTakeFirst();
    expect(row?.last_seen_at).toBeInstanceOf(Date);

    // Another user (of another organization) sees only theirs and cannot end mine.
    const { caller: stranger } = await callerFor({ db, cache }, other.token);
    const theirs = await stranger.account.sessions();
    expect(theirs).toHaveLength(1);
    expect(theirs.map((s) => s.id)).not.toContain(sessionHandle(hashToken(phone)));
    await expectCode(stranger.account.endSession({ id: sessionHandle(hashToken(phone)) }), 'NOT_FOUND');
    expect(await resolveSession({ db, cache: new MemoryCache(), permissions }, phone)).not.toBeNull();
    expect(await stranger.account.endOtherSessions()).toEqual({ ended: 0 });
    expect(await resolveSession({ db, cache: new MemoryCache(), permissions }, phone)).not.toBeNull();
  });

  it('signs out one other session, or all others; this one stays and ends only with Log out', async () => {
    const cache = new MemoryCache();
    const me = await signUp({ db });
    const laptop = await loginAgain(me.email, cache, 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0');
    const tablet = await loginAgain(me.email, cache, 'Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) Version/17.5 Safari/604.1');
    const phone = await loginAgain(me.email, cache, 'Mozilla/5.0 (Linux; Android 14) Chrome/131.0 Mobile Safari/537.36');
    // Cached lookups of every session, so ending them must evict the cache too.
    for (const token of [laptop, tablet, phone]) expect(await resolveSession({ db, cache, permissions }, token)).not.toBeNull();
    const { caller } = await callerFor({ db, cache }, me.token);
    await expectCode(caller.account.endSession({ id: sessionHandle(hashToken(me.token)) }), 'BAD_REQUEST');
    await expectCode(caller.account.endSession({ id: 'not a handle' }), 'BAD_REQUEST');
    const before = await endedEvents(me.tenantId);

    expect(await caller.account.endSession({ id: sessionHandle(hashToken(laptop)) })).toEqual({ ended: 1 });
    expect(await resolveSession({ db, cache, permissions }, laptop)).toBeNull();
    expect(await resolveSession({ db, cache, permissions }, tablet)).not.toBeNull();
    await expectCode(caller.account.endSession({ id: sessionHandle(hashToken(laptop)) }), 'NOT_FOUND');

    expect(await caller.account.endOtherSessions()).toEqual({ ended: 2 });
    expect(await resolveSession({ db, cache, permissions }, tablet)).toBeNull();
    expect(await resolveSession({ db, cache, permissions }, phone)).toBeNull();
    expect(await resolveSession({ db, cache, permissions }, me.token)).not.toBeNull();
    expect((await caller.account.sessions()).map((s) => s.current)).toEqual([true]);
    expect(await endedEvents(me.tenantId)).toBe(before + 2);
  });

  it('two concurrent "sign out one" calls for the same session end it once', async () => {
    const cache = new MemoryCache();
    const me = await signUp({ db });
    const laptop = await loginAgain(me.email, cache, 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0');
    const { caller } = await callerFor({ db, cache }, me.token);
    const handle = sessionHandle(hashToken(laptop));
    const results = await Promise.allSettled([caller.account.endSession({ id: handle }), caller.account.endSession({ id: handle })]);
    const ended = results.map((r) => (r.status === 'fulfilled' ? r.value.ended : 0)).reduce((a, b) => a + b, 0);
    expect(ended).toBe(1);
  });
});
