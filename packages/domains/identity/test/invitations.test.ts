import { createDatabase, MemoryCache, sql, type Database } from '@ubos/platform';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSession } from '../src/index.ts';
import { hashToken } from '../src/sessions.ts';
import { callerFor, expectCode, PASSWORD, sessionToken, signUp, uniqueEmail, permissions } from './helpers.ts';

let testDb: TestDatabase;
let db: Database;
let admin: Database;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = testDb.db;
  admin = createDatabase({ connectionString: testDb.adminUrl, max: 1 });
});
afterAll(async () => {
  await admin?.close();
  await testDb?.drop();
});

async function ownerCaller(organizationName = 'Inviting Org') {
  const owner = await signUp({ db }, { organizationName });
  const { caller } = await callerFor({ db }, owner.token);
  return { owner, caller };
}

describe('invitations', () => {
  it('invite → preview → acceptWithSignUp makes a member with the invited role and a session', async () => {
    const { owner, caller } = await ownerCaller('Acme Studio');
    const email = uniqueEmail('invitee');
    const created = await caller.invitations.create({ email, role: 'admin' });
    expect(created.token).toMatch(/^[a-z2-7]{52}$/);
    expect(created.acceptUrl).toBe(`/accept-invitation#token=${created.token}`);
    expect(created.invitation).toMatchObject({ email, role: 'admin', status: 'pending', invitedBy: owner.userId });
    const expiresIn = Date.parse(created.invitation.expiresAt) - Date.now();
    expect(Math.abs(expiresIn - 7 * 86_400_000)).toBeLessThan(60_000);

    const { caller: anonymous } = await callerFor({ db });
    const preview = await anonymous.invitations.preview({ token: created.token });
    expect(preview).toEqual({ organizationName: 'Acme Studio', email, role: 'admin', expiresAt: created.invitation.expiresAt });

    const { ctx, caller: joiner } = await callerFor({ db });
    const joined = await joiner.invitations.acceptWithSignUp({ token: created.token, name: 'Grace Hopper', password: PASSWORD });
    expect(joined.user.email).toBe(email);
    expect(joined.activeOrganization).toEqual({ id: owner.tenantId, name: 'Acme Studio', role: 'admin' });
    const resolved = await resolveSession({ db, cache: new MemoryCache(), permissions }, sessionToken(ctx.cookies));
    expect(resolved?.session).toMatchObject({ tenantId: owner.tenantId, role: 'admin', email });

    const members = await caller.members.list();
    expect(members.map((member) => [member.email, member.role])).toEqual(
      expect.arrayContaining([
        [owner.email, 'owner'],
        [email, 'admin'],
      ]),
    );
    expect((await caller.invitations.list()).find((invitation) => invitation.id === created.invitation.id)?.status).toBe('accepted');

    // Single use.
    await expectCode(anonymous.invitations.preview({ token: created.token }), 'NOT_FOUND');
    await expectCode(anonymous.invitations.acceptWithSignUp({ token: created.token, name: 'Again', password: PASSWORD }), 'NOT_FOUND');

    const events = await sql<{ type: string }>`
      select type from platform.outbox where tenant_id = ${owner.tenantId} and type like 'identity.member.%' order by position`.execute(admin.kysely);
    expect(events.rows.map((row) => row.type)).toEqual(['identity.member.joined', 'identity.member.invited', 'identity.member.joined']);
  });

  it('stores only the hash of the token', async () => {
    const { caller } = await ownerCaller();
    const created = await caller.invitations.create({ email: uniqueEmail(), role: 'member' });
    const rows = await sql<{ token_hash: string }>`select token_hash from identity.invitations where id = ${created.invitation.id}`.execute(admin.kysely);
    expect(rows.rows[0]?.token_hash).toBe(hashToken(created.token));
    const leaks = await sql<{ n: number }>`
      select count(*)::int as n from identity.invitations i where i::text like ${`%${created.token}%`}`.execute(admin.kysely);
    expect(leaks.rows[0]?.n).toBe(0);
    const outbox = await sql<{ n: number }>`
      select count(*)::int as n from platform.outbox where payload::text like ${`%${created.token}%`}`.execute(admin.kysely);
    expect(outbox.rows[0]?.n).toBe(0);
  });

  it('a revoked token fails, and revoking twice is harmless', async () => {
    const { caller } = await ownerCaller();
    const created = await caller.invitations.create({ email: uniqueEmail(), role: 'member' });
    const revoked = await caller.invitations.revoke({ invitationId: created.invitation.id });
    expect(revoked.status).toBe('revoked');
    await expect(caller.invitations.revoke({ invitationId: created.invitation.id })).resolves.toMatchObject({ status: 'revoked' });
    const { caller: anonymous } = await callerFor({ db });
    await expectCode(anonymous.invitations.preview({ token: created.token }), 'NOT_FOUND');
    await expectCode(anonymous.invitations.acceptWithSignUp({ token: created.token, name: 'Late', password: PASSWORD }), 'NOT_FOUND');
  });

  it('an expired token fails', async () => {
    const { caller } = await ownerCaller();
    const created = await caller.invitations.create({ email: uniqueEmail(), role: 'member' });
    await sql`update identity.invitations set expires_at = now() - interval '1 second' where id = ${created.invitation.id}`.execute(admin.kysely);
    const { caller: anonymous } = await callerFor({ db });
    await expectCode(anonymous.invitations.preview({ token: created.token }), 'NOT_FOUND');
    await expectCode(anonymous.invitations.acceptWithSignUp({ token: created.token, name: 'Late', password: PASSWORD }), 'NOT_FOUND');
    expect((await caller.invitations.list()).find((invitation) => invitation.id === created.invitation.id)?.status).toBe('expired');
  });

  it('a new invitation to the same email replaces the pending one', async () => {
    const { caller } = await ownerCaller();
    const email = uniqueEmail();
    const first = await caller.invitations.create({ email, role: 'member' });
    const second = await caller.invitations.create({ email, role: 'viewer' });
    const { caller: anonymous } = await callerFor({ db });
    await expectCode(anonymous.invitations.preview({ token: first.token }), 'NOT_FOUND');
    await expect(anonymous.invitations.preview({ token: second.token })).resolves.toMatchObject({ role: 'viewer' });
  });

  it('an existing user accepts with a matching email only', async () => {
    const { owner, caller } = await ownerCaller('Host Org');
    const guest = await signUp({ db }, { organizationName: 'Guest Org' });
    const stranger = await signUp({ db }, { organizationName: 'Stranger Org' });
    const created = await caller.invitations.create({ email: guest.email, role: 'viewer' });

    const { caller: wrongUser } = await callerFor({ db }, stranger.token);
    await expectCode(wrongUser.invitations.accept({ token: created.token }), 'FORBIDDEN');

    const { caller: anonymous } = await callerFor({ db });
    await expectCode(anonymous.invitations.accept({ token: created.token }), 'UNAUTHORIZED');
    // An account already exists for this email: sign-up through the invitation is refused.
    await expectCode(anonymous.invitations.acceptWithSignUp({ token: created.token, name: 'Dup', password: PASSWORD }), 'CONFLICT');

    const cache = new MemoryCache();
    const { caller: guestCaller } = await callerFor({ db, cache }, guest.token);
    await expect(guestCaller.invitations.accept({ token: created.token })).resolves.toEqual({ id: owner.tenantId, name: 'Host Org', role: 'viewer' });
    const resolved = await resolveSession({ db, cache, permissions }, guest.token);
    expect(resolved?.session).toMatchObject({ tenantId: owner.tenantId, role: 'viewer' });
    await expectCode(guestCaller.invitations.accept({ token: created.token }), 'NOT_FOUND');
  });

  it('refuses inviting an existing member; only an owner may invite an owner', async () => {
    const { owner, caller } = await ownerCaller();
    await expectCode(caller.invitations.create({ email: owner.email.toUpperCase(), role: 'member' }), 'CONFLICT');

    const adminInvite = await caller.invitations.create({ email: uniqueEmail('admin'), role: 'admin' });
    const { ctx, caller: anonymous } = await callerFor({ db });
    await anonymous.invitations.acceptWithSignUp({ token: adminInvite.token, name: 'Admin', password: PASSWORD });
    const { caller: adminCaller } = await callerFor({ db }, sessionToken(ctx.cookies));
    await expectCode(adminCaller.invitations.create({ email: uniqueEmail(), role: 'owner' }), 'FORBIDDEN');
    await expect(adminCaller.invitations.create({ email: uniqueEmail(), role: 'member' })).resolves.toBeTruthy();
  });

  it("another tenant's invitation is not found; bad input is BAD_REQUEST", async () => {
    const first = await ownerCaller('First');
    const second = await ownerCaller('Second');
    const created = await first.caller.invitations.create({ email: uniqueEmail(), role: 'member' });
    await expectCode(second.caller.invitations.revoke({ invitationId: created.invitation.id }), 'NOT_FOUND');
    expect((await second.caller.invitations.list()).map((invitation) => invitation.id)).not.toContain(created.invitation.id);
    await expectCode(second.caller.invitations.create({ email: 'nope', role: 'member' }), 'BAD_REQUEST');
    await expectCode(second.caller.invitations.create({ email: uniqueEmail(), role: 'superuser' as 'member' }), 'BAD_REQUEST');
    const { caller: anonymous } = await callerFor({ db });
    await expectCode(anonymous.invitations.preview({ token: 'short' }), 'BAD_REQUEST');
  });
});
