import { MemoryCache, sql, withTenant, type Database } from '@ubos/platform';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSession } from '../src/index.ts';
import { callerFor, expectCode, PASSWORD, sessionToken, signUp, uniqueEmail, type Shared, permissions } from './helpers.ts';

let testDb: TestDatabase;
let db: Database;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = testDb.db;
});
afterAll(async () => {
  await testDb?.drop();
});

/** An organization with an owner and one member per extra role, all signed in. */
async function organization(shared: Shared, extraRoles: ('owner' | 'admin' | 'member' | 'viewer')[]) {
  const owner = await signUp(shared);
  const { caller: ownerCaller } = await callerFor(shared, owner.token);
  const others = [];
  for (const role of extraRoles) {
    const email = uniqueEmail(role);
    const invitation = await ownerCaller.invitations.create({ email, role });
    const { ctx, caller } = await callerFor(shared);
    const joined = await caller.invitations.acceptWithSignUp({ token: invitation.token, name: `The ${role}`, password: PASSWORD });
    others.push({ role, userId: joined.user.id, token: sessionToken(ctx.cookies) });
  }
  return { owner, ownerCaller, others };
}

describe('members', () => {
  it('the last owner can be neither demoted nor removed', async () => {
    const { owner, ownerCaller } = await organization({ db }, []);
    await expectCode(ownerCaller.members.changeRole({ userId: owner.userId, role: 'admin' }), 'PRECONDITION_FAILED');
    await expectCode(ownerCaller.members.remove({ userId: owner.userId }), 'PRECONDITION_FAILED');
    expect((await ownerCaller.members.list()).map((member) => member.role)).toEqual(['owner']);
  });

  it('with a second owner, an owner can step down; then the remaining one is the last', async () => {
    const { owner, ownerCaller, others } = await organization({ db }, ['owner']);
    const second = others[0];
    if (!second) throw new Error('fixture');
    const demoted = await ownerCaller.members.changeRole({ userId: owner.userId, role: 'admin' });
    expect(demoted.role).toBe('admin');
    const { caller: secondCaller } = await callerFor({ db }, second.token);
    await expectCode(secondCaller.members.changeRole({ userId: second.userId, role: 'member' }), 'PRECONDITION_FAILED');
    await expectCode(secondCaller.members.remove({ userId: second.userId }), 'PRECONDITION_FAILED');
  });

  it('two owners demoting each other at the same time leave exactly one owner', async () => {
    const { owner, ownerCaller, others } = await organization({ db }, ['owner']);
    const second = others[0];
    if (!second) throw new Error('fixture');
    const { caller: secondCaller } = await callerFor({ db }, second.token);
    const outcomes = await Promise.allSettled([
      ownerCaller.members.changeRole({ userId: second.userId, role: 'admin' }),
      secondCaller.members.changeRole({ userId: owner.userId, role: 'admin' }),
    ]);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    const rejected = outcomes.find((outcome) => outcome.status === 'rejected');
    expect((rejected as PromiseRejectedResult | undefined)?.reason).toMatchObject({ code: 'PRECONDITION_FAILED' });
    const { caller: anyOwner } = await callerFor({ db }, owner.token);
    const roles = (await anyOwner.members.list()).map((member) => member.role).sort();
    expect(roles).toEqual(['admin', 'owner']);
  });

  it('an admin manages members but cannot touch owners; a member cannot manage at all', async () => {
    const { owner, others } = await organization({ db }, ['admin', 'member', 'viewer']);
    const [adminUser, memberUser, viewerUser] = others;
    if (!adminUser || !memberUser || !viewerUser) throw new Error('fixture');
    const { caller: adminCaller } = await callerFor({ db }, adminUser.token);
    await expectCode(adminCaller.members.changeRole({ userId: owner.userId, role: 'viewer' }), 'FORBIDDEN');
    await expectCode(adminCaller.members.changeRole({ userId: memberUser.userId, role: 'owner' }), 'FORBIDDEN');
    await expectCode(adminCaller.members.remove({ userId: owner.userId }), 'FORBIDDEN');
    await expect(adminCaller.members.changeRole({ userId: viewerUser.userId, role: 'member' })).resolves.toMatchObject({ role: 'member' });

    const { caller: memberCaller } = await callerFor({ db }, memberUser.token);
    await expectCode(memberCaller.members.remove({ userId: viewerUser.userId }), 'FORBIDDEN');
    await expect(memberCaller.members.list()).resolves.toHaveLength(4);
  });

  it('a role change applies to the member’s live session at once (cache evicted)', async () => {
    const cache = new MemoryCache();
    const { ownerCaller, others } = await organization({ db, cache }, ['member']);
    const member = others[0];
    if (!member) throw new Error('fixture');
    expect((await resolveSession({ db, cache, permissions }, member.token))?.session.permissions.has('crm.client.write')).toBe(true);
    await ownerCaller.members.changeRole({ userId: member.userId, role: 'viewer' });
    const after = await resolveSession({ db, cache, permissions }, member.token);
    expect(after?.session.role).toBe('viewer');
    expect(after?.session.permissions.has('crm.client.write')).toBe(false);
  });

  it('a removed member loses access to the organization immediately', async () => {
    const cache = new MemoryCache();
    const { owner, ownerCaller, others } = await organization({ db, cache }, ['member']);
    const member = others[0];
    if (!member) throw new Error('fixture');
    expect((await resolveSession({ db, cache, permissions }, member.token))?.session.tenantId).toBe(owner.tenantId);
    await ownerCaller.members.remove({ userId: member.userId });
    const after = await resolveSession({ db, cache, permissions }, member.token);
    expect(after?.session).toMatchObject({ tenantId: null, role: null });
    const { caller } = await callerFor({ db, cache }, member.token);
    await expectCode(caller.members.list(), 'FORBIDDEN');
    expect((await ownerCaller.members.list()).map((row) => row.userId)).not.toContain(member.userId);
    const events = await withTenant(db, { tenantId: owner.tenantId }, (trx) =>
      sql<{ payload: { user_id: string; role: string } }>`
        select payload from platform.outbox where type = 'identity.member.removed'`.execute(trx),
    );
    expect(events.rows.map((row) => row.payload)).toEqual([expect.objectContaining({ user_id: member.userId, role: 'member' })]);
  });

  it("another tenant's member is NOT_FOUND", async () => {
    const first = await organization({ db }, []);
    const second = await organization({ db }, ['member']);
    const stranger = second.others[0];
    if (!stranger) throw new Error('fixture');
    await expectCode(first.ownerCaller.members.changeRole({ userId: stranger.userId, role: 'viewer' }), 'NOT_FOUND');
    await expectCode(first.ownerCaller.members.remove({ userId: stranger.userId }), 'NOT_FOUND');
  });
});

describe('roles', () => {
  it('overrides change the effective matrix and the sessions of that tenant; owners keep identity.role.manage', async () => {
    const cache = new MemoryCache();
    const { ownerCaller, others } = await organization({ db, cache }, ['viewer']);
    const viewer = others[0];
    if (!viewer) throw new Error('fixture');
    expect((await resolveSession({ db, cache, permissions }, viewer.token))?.session.permissions.has('crm.client.write')).toBe(false);

    const matrix = await ownerCaller.roles.setOverride({ role: 'viewer', permission: 'crm.client.write', granted: true });
    const entry = matrix.entries.find((candidate) => candidate.role === 'viewer' && candidate.permission === 'crm.client.write');
    expect(entry).toMatchObject({ granted: true, defaultGranted: false, overridden: true });
    expect((await resolveSession({ db, cache, permissions }, viewer.token))?.session.permissions.has('crm.client.write')).toBe(true);

    const revokedRead = await ownerCaller.roles.setOverride({ role: 'viewer', permission: 'crm.client.read', granted: false });
    expect(revokedRead.entries.find((candidate) => candidate.role === 'viewer' && candidate.permission === 'crm.client.read')?.granted).toBe(false);
    expect((await resolveSession({ db, cache, permissions }, viewer.token))?.session.permissions.has('crm.client.read')).toBe(false);

    // Back to the matrix.
    const reset = await ownerCaller.roles.setOverride({ role: 'viewer', permission: 'crm.client.write', granted: null });
    expect(reset.entries.find((candidate) => candidate.role === 'viewer' && candidate.permission === 'crm.client.write')).toMatchObject({
      granted: false,
      overridden: false,
    });

    await expectCode(ownerCaller.roles.setOverride({ role: 'owner', permission: 'identity.role.manage', granted: false }), 'PRECONDITION_FAILED');
    const { caller: viewerCaller } = await callerFor({ db, cache }, viewer.token);
    await expectCode(viewerCaller.roles.setOverride({ role: 'viewer', permission: 'identity.role.manage', granted: true }), 'FORBIDDEN');
    const viewerMatrix = await viewerCaller.roles.matrix();
    expect(viewerMatrix.entries.find((candidate) => candidate.role === 'owner' && candidate.permission === 'identity.role.manage')).toMatchObject({
      granted: true,
      editable: false,
    });
    await expectCode(ownerCaller.roles.setOverride({ role: 'viewer', permission: 'no.such.permission', granted: true }), 'BAD_REQUEST');
  });

  it("one tenant's overrides do not leak into another's", async () => {
    const first = await organization({ db }, []);
    const second = await organization({ db }, []);
    await first.ownerCaller.roles.setOverride({ role: 'member', permission: 'crm.record.merge', granted: true });
    const secondMatrix = await second.ownerCaller.roles.matrix();
    expect(secondMatrix.entries.find((entry) => entry.role === 'member' && entry.permission === 'crm.record.merge')?.granted).toBe(false);
  });
});
