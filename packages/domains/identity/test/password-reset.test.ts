/**
 * Forgot password (§7): an emailed single-use link (SHA-256 of a 256-bit token stored), 30-minute
 * expiry, the same answer for unknown emails, checking the link changes nothing, a reset ends every
 * session; invitations are emailed too. The emails are read back from the system-mail log.
 */
import {
  createDatabase,
  createDomainContext,
  createLogger,
  listSystemMail,
  getSystemMail,
  MemoryCache,
  MemoryRateLimiter,
  sql,
  uuidv7,
  withTenant,
  type Database,
  type UntypedDB,
} from '@ubos/platform';
import { createTestDatabase, waitFor, type TestDatabase } from '@ubos/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSession } from '../src/index.ts';
import { RESET_REQUESTED_MESSAGE } from '../src/service-password-reset.ts';
import { hashToken } from '../src/sessions.ts';
import { callerFor, expectCode, PASSWORD, permissions, signUp, uniqueEmail } from './helpers.ts';

let testDb: TestDatabase;
let db: Database;
let admin: Database;
const log = createLogger({ level: 'silent' });
const NEW_PASSWORD = 'a brand new passphrase 42';

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = testDb.db;
  admin = createDatabase({ connectionString: testDb.adminUrl, max: 1 });
});
afterAll(async () => {
  await admin?.close();
  await testDb?.drop();
});

async function mailsOf(tenantId: string, to: string) {
  return withTenant<UntypedDB, Awaited<ReturnType<typeof getSystemMail>>[]>(db, { tenantId }, async (trx) => {
    const ctx = createDomainContext({ trx, tenantId, actorId: null, correlationId: uuidv7(), log });
    const page = await listSystemMail(ctx, { limit: 50, to });
    return Promise.all(page.items.map((item) => getSystemMail(ctx, item.id)));
  });
}

/** Waits for `count` emails to `to` (the reset link is recorded after the answer, off the request's path). */
async function awaitMails(tenantId: string, to: string, count = 1) {
  await waitFor(async () => (await mailsOf(tenantId, to)).length >= count, 15_000, `${count} email(s) to ${to}`);
  return mailsOf(tenantId, to);
}

/** The token of the newest reset email to `to`, read from the plain-text part as a person would. */
async function resetTokenFromMail(tenantId: string, to: string): Promise<string> {
  const [latest] = await awaitMails(tenantId, to);
  expect(latest?.template).toBe('password_reset');
  const match = latest?.text.match(/^http:\/\/localhost:\d+\/reset-password#token=([a-z2-7]{52})$/m);
  expect(match, latest?.text).not.toBeNull();
  return match?.[1] as string;
}

async function countAll(table: 'platform.system_mail' | 'identity.password_resets'): Promise<number> {
  const result = await sql<{ n: string }>`SELECT count(*)::text AS n FROM ${sql.table(table)}`.execute(admin.kysely);
  return Number(result.rows[0]?.n ?? 0);
}

describe('password reset', () => {
  it('emails a single-use link; checking it changes nothing; resetting ends every session and the new password signs in', async () => {
    const user = await signUp({ db }, { organizationName: 'Reset & Co' });
    // One cache for every request, as in the host: the reset must evict cached sessions.
    const cache = new MemoryCache();
    const { caller: anonymous } = await callerFor({ db, cache });
    const answer = await anonymous.auth.requestPasswordReset({ email: user.email.toUpperCase() });
    expect(answer).toEqual({ ok: true, message: RESET_REQUESTED_MESSAGE });

    const [mail] = await awaitMails(user.tenantId, user.email);
    expect(mail?.subject).toBe('Reset your Reset & Co password');
    expect(mail?.html).toContain('Reset &amp; Co');
    const token = await resetTokenFromMail(user.tenantId, user.email);
    // Only the hash is stored.
    const stored = await sql<{ token_hash: string; expires_at: Date }>`SELECT token_hash, expires_at FROM identity.password_resets`.execute(admin.kysely);
    expect(stored.rows.map((row) => row.token_hash)).toContain(hashToken(token));
    expect(JSON.stringify(stored.rows)).not.toContain(token);
    const row = stored.rows.find((candidate) => candidate.token_hash === hashToken(token));
    expect(Math.abs(new Date(row?.expires_at ?? 0).getTime() - Date.now() - 30 * 60_000)).toBeLessThan(60_000);

    // Opening the page (the check) twice leaves the link usable.
    expect((await anonymous.auth.checkPasswordReset({ token })).valid).toBe(true);
    expect((await anonymous.auth.checkPasswordReset({ token })).valid).toBe(true);

    // A second signed-in session exists before the reset.
    const { ctx: loginCtx, caller: loginCaller } = await callerFor({ db, cache });
    await loginCaller.auth.login({ email: user.email, password: PASSWORD });
    expect(await resolveSession({ db, cache: loginCtx.cache, permissions }, user.token)).not.toBeNull();

    await expect(anonymous.auth.resetPassword({ token, password: NEW_PASSWORD })).resolves.toEqual({ ok: true });
    // Every session of the user ended.
    expect(await resolveSession({ db, cache: loginCtx.cache, permissions }, user.token)).toBeNull();
    const sessions = await sql<{ n: string }>`SELECT count(*)::text AS n FROM identity.sessions WHERE user_id = ${user.userId}`.execute(admin.kysely);
    expect(sessions.rows[0]?.n).toBe('0');

    // Single use: the same link again, and its check, say it is no longer valid.
    const again = await expectCode(anonymous.auth.resetPassword({ token, password: 'yet another passphrase' }), 'NOT_FOUND');
    expect(again.message).toContain('invalid, has expired or was already used');
    expect((await anonymous.auth.checkPasswordReset({ token })).valid).toBe(false);

    // The new password signs in, the old one does not.
    const { caller: fresh } = await callerFor({ db });
    await expectCode(fresh.auth.login({ email: user.email, password: PASSWORD }), 'UNAUTHORIZED');
    const signedIn = await fresh.auth.login({ email: user.email, password: NEW_PASSWORD });
    expect(signedIn.user.id).toBe(user.userId);

    const events = await sql<{
      type: string;
    }>`SELECT type FROM platform.outbox WHERE tenant_id = ${user.tenantId} AND type LIKE 'identity.password.%' ORDER BY position`.execute(admin.kysely);
    expect(events.rows.map((event) => event.type)).toEqual(['identity.password.reset_requested', 'identity.password.reset']);
  });

  it('answers an unknown email exactly as a known one, and writes nothing', async () => {
    const { caller: anonymous } = await callerFor({ db });
    const [mailsBefore, resetsBefore] = [await countAll('platform.system_mail'), await countAll('identity.password_resets')];
    const unknown = await anonymous.auth.requestPasswordReset({ email: uniqueEmail('nobody') });
    const knownUser = await signUp({ db });
    const known = await anonymous.auth.requestPasswordReset({ email: knownUser.email });
    expect(unknown).toEqual(known);
    // The known address's email arrives after the answer; the unknown one's lookup (asked first) wrote nothing.
    await awaitMails(knownUser.tenantId, knownUser.email);
    expect(await countAll('platform.system_mail')).toBe(mailsBefore + 1);
    expect(await countAll('identity.password_resets')).toBe(resetsBefore + 1);
  });

  it('refuses an expired link, on the check and on submit', async () => {
    const user = await signUp({ db });
    const { caller: anonymous } = await callerFor({ db });
    await anonymous.auth.requestPasswordReset({ email: user.email });
    const token = await resetTokenFromMail(user.tenantId, user.email);
    await sql`UPDATE identity.password_resets SET created_at = now() - interval '31 minutes', expires_at = now() - interval '1 minute' WHERE token_hash = ${hashToken(token)}`.execute(
      admin.kysely,
    );
    expect(await anonymous.auth.checkPasswordReset({ token })).toEqual({ valid: false, expiresAt: null });
    await expectCode(anonymous.auth.resetPassword({ token, password: NEW_PASSWORD }), 'NOT_FOUND');
    const { caller: fresh } = await callerFor({ db });
    await expect(fresh.auth.login({ email: user.email, password: PASSWORD })).resolves.toBeTruthy();
  });

  it('lets exactly one of two concurrent submissions of one link through', async () => {
    const user = await signUp({ db });
    const { caller: anonymous } = await callerFor({ db });
    await anonymous.auth.requestPasswordReset({ email: user.email });
    const token = await resetTokenFromMail(user.tenantId, user.email);
    const results = await Promise.allSettled([
      anonymous.auth.resetPassword({ token, password: 'first concurrent passphrase' }),
      anonymous.auth.resetPassword({ token, password: 'second concurrent passphrase' }),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((result) => result.status === 'rejected');
    expect((rejected as PromiseRejectedResult | undefined)?.reason).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('sends at most three links per account per hour, with the same answer after that; a new link closes none of the open ones until one is used', async () => {
    const user = await signUp({ db });
    const rateLimiter = new MemoryRateLimiter();
    const { caller: anonymous } = await callerFor({ db, rateLimiter });
    for (let n = 0; n < 5; n += 1) {
      expect((await anonymous.auth.requestPasswordReset({ email: user.email })).message).toBe(RESET_REQUESTED_MESSAGE);
    }
    await awaitMails(user.tenantId, user.email, 3);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const mails = await mailsOf(user.tenantId, user.email);
    expect(mails).toHaveLength(3);
    // Using the newest link closes the older ones.
    const tokens = mails.map((mail) => mail.text.match(/#token=([a-z2-7]{52})/)?.[1] as string);
    await anonymous.auth.resetPassword({ token: tokens[0] as string, password: NEW_PASSWORD });
    expect((await anonymous.auth.checkPasswordReset({ token: tokens[1] as string })).valid).toBe(false);
  });

  it('rejects a malformed token and a short password with words', async () => {
    const { caller: anonymous } = await callerFor({ db });
    await expectCode(anonymous.auth.checkPasswordReset({ token: 'not-a-token' }), 'BAD_REQUEST');
    const error = await expectCode(anonymous.auth.resetPassword({ token: 'a'.repeat(52), password: 'short' }), 'BAD_REQUEST');
    expect(error.message).toContain('at least 10 characters');
  });
});

describe('invitation email', () => {
  it('emails the invitation with an absolute accept link, and the copy-link flow still returns the link', async () => {
    const owner = await signUp({ db }, { organizationName: 'Inviting <Org>', name: 'Olive Owner' });
    const { caller } = await callerFor({ db }, owner.token);
    const email = uniqueEmail('invitee');
    const created = await caller.invitations.create({ email, role: 'member' });
    expect(created.acceptUrl).toBe(`/accept-invitation#token=${created.token}`);
    const [mail] = await mailsOf(owner.tenantId, email);
    expect(mail?.template).toBe('invitation');
    expect(mail?.subject).toBe('You are invited to join Inviting <Org> on UBOS');
    expect(mail?.html).toContain('Inviting &lt;Org&gt;');
    expect(mail?.text).toContain('Olive Owner has invited you to join Inviting <Org> as a member.');
    expect(mail?.text).toMatch(new RegExp(`^http://localhost:\\d+/accept-invitation#token=${created.token}$`, 'm'));
  });
});
