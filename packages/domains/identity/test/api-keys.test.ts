import { createHash } from 'node:crypto';
import { createDatabase, sql, type Database } from '@ubos/platform';
import { createTestDatabase, testContext, type TestDatabase } from '@ubos/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveApiKey } from '../src/index.ts';
import { callerFor, createCaller, expectCode, PASSWORD, permissions, runtime, sessionToken, signUp, uniqueEmail } from './helpers.ts';

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

const inDays = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString();

/** An owner, and a member of each given role, signed in. */
async function organization(roles: ('admin' | 'member' | 'viewer')[] = []) {
  const owner = await signUp({ db });
  const { caller: ownerCaller } = await callerFor({ db }, owner.token);
  const others: Record<string, Awaited<ReturnType<typeof callerFor>>['caller']> = {};
  for (const role of roles) {
    const invitation = await ownerCaller.invitations.create({ email: uniqueEmail(role), role });
    const { ctx, caller } = await callerFor({ db });
    await caller.invitations.acceptWithSignUp({ token: invitation.token, name: `The ${role}`, password: PASSWORD });
    others[role] = (await callerFor({ db }, sessionToken(ctx.cookies))).caller;
  }
  return { owner, ownerCaller, others };
}

/** The caller of an API key's principal, as the host builds it from `Authorization: Bearer`. */
async function keyCaller(secret: string) {
  const session = await resolveApiKey({ db, permissions }, secret);
  if (!session) throw new Error('the key does not resolve');
  return createCaller(testContext({ db, session, runtime }));
}

describe('API keys', () => {
  it('shows the secret once and stores only its SHA-256; the key resolves to a service principal of its tenant', async () => {
    const { owner, ownerCaller } = await organization();
    const created = await ownerCaller.apiKeys.create({ name: 'Reporting sync', role: 'member', expiresAt: inDays(30) });
    expect(created.secret).toMatch(/^ubos_[a-z2-7]{52}$/);
    expect(created.apiKey).toMatchObject({ name: 'Reporting sync', role: 'member', permissions: null, status: 'active', lastUsedAt: null });
    expect(created.apiKey.prefix).toBe(`${created.secret.slice(0, 13)}…`);

    const stored = await sql<{ row: unknown }>`SELECT to_jsonb(k) AS row FROM identity.api_keys k WHERE id = ${created.apiKey.id}`.execute(admin.kysely);
    const row = JSON.stringify(stored.rows[0]?.row);
    const inEvents = await sql<{ n: number }>`SELECT count(*)::int AS n FROM platform.outbox WHERE payload::text LIKE ${`%${created.secret}%`}`.execute(
      admin.kysely,
    );
    expect(inEvents.rows[0]?.n).toBe(0);
    expect(row).not.toContain(created.secret);
    expect(row).toContain(createHash('sha256').update(created.secret).digest('hex'));
    // The list never carries the secret again.
    expect(JSON.stringify(await ownerCaller.apiKeys.list())).not.toContain(created.secret);

    const principal = await resolveApiKey({ db, permissions }, created.secret);
    expect(principal).toMatchObject({
      userId: created.apiKey.id,
      tenantId: owner.tenantId,
      role: 'member',
      name: 'Reporting sync',
      apiKey: { id: created.apiKey.id },
    });
    expect([...(principal?.permissions ?? [])].sort()).toEqual([...permissions.forRole('member')].sort());
    // A near miss of the secret resolves to nothing.
    expect(await resolveApiKey({ db, permissions }, `${created.secret.slice(0, -1)}${created.secret.endsWith('a') ? 'b' : 'a'}`)).toBeNull();
    expect(await resolveApiKey({ db, permissions }, 'ubos_not-a-key')).toBeNull();
  });

  it('a subset key holds exactly the chosen permissions, and never more than its creator', async () => {
    const { ownerCaller, others } = await organization(['admin']);
    const subset = await ownerCaller.apiKeys.create({ name: 'Read clients', permissions: ['crm.client.read', 'crm.client.read'], expiresAt: inDays(7) });
    expect(subset.apiKey.permissions).toEqual(['crm.client.read']);
    const principal = await resolveApiKey({ db, permissions }, subset.secret);
    expect([...(principal?.permissions ?? [])]).toEqual(['crm.client.read']);

    const adminCaller = others.admin;
    if (!adminCaller) throw new Error('fixture');
    // An admin does not hold identity.role.manage (owners only), nor may they scope a key to the owner role.
    const beyond = await expectCode(
      adminCaller.apiKeys.create({ name: 'Too much', permissions: ['crm.client.read', 'identity.role.manage'], expiresAt: inDays(7) }),
      'FORBIDDEN',
    );
    expect(beyond.message).toContain('identity.role.manage');
    await expectCode(adminCaller.apiKeys.create({ name: 'Owner key', role: 'owner', expiresAt: inDays(7) }), 'FORBIDDEN');
    await expectCode(adminCaller.apiKeys.create({ name: 'Unknown', permissions: ['crm.nothing.read'], expiresAt: inDays(7) }), 'BAD_REQUEST');
    // Neither or both of role and permissions: a typed error naming the field.
    await expectCode(adminCaller.apiKeys.create({ name: 'Neither', expiresAt: inDays(7) }), 'BAD_REQUEST');
    // What the admin holds, the admin may give.
    const ok = await adminCaller.apiKeys.create({ name: 'Admin key', role: 'admin', expiresAt: inDays(7) });
    expect(ok.apiKey.role).toBe('admin');
  });

  it('a subset key loses a permission its role loses (the tenant override applies at call time)', async () => {
    const { ownerCaller } = await organization();
    const key = await ownerCaller.apiKeys.create({ name: 'Writer', permissions: ['crm.client.read', 'crm.client.write'], expiresAt: inDays(7) });
    await ownerCaller.roles.setOverride({ role: 'owner', permission: 'crm.client.write', granted: false });
    const principal = await resolveApiKey({ db, permissions }, key.secret);
    expect([...(principal?.permissions ?? [])]).toEqual(['crm.client.read']);
  });

  it('an expiry in the past or beyond a year is refused; an expired key is refused', async () => {
    const { owner, ownerCaller } = await organization();
    const past = await expectCode(ownerCaller.apiKeys.create({ name: 'Old', role: 'viewer', expiresAt: inDays(-1) }), 'BAD_REQUEST');
    expect(past.message).toBe('Choose an expiry date in the future');
    await expectCode(ownerCaller.apiKeys.create({ name: 'Forever', role: 'viewer', expiresAt: inDays(400) }), 'BAD_REQUEST');

    const key = await ownerCaller.apiKeys.create({ name: 'Short lived', role: 'viewer', expiresAt: inDays(1) });
    expect(await resolveApiKey({ db, permissions }, key.secret)).not.toBeNull();
    await sql`UPDATE identity.api_keys SET created_at = now() - interval '2 days', expires_at = now() - interval '1 second' WHERE id = ${key.apiKey.id}`.execute(
      admin.kysely,
    );
    expect(await resolveApiKey({ db, permissions }, key.secret)).toBeNull();
    const listed = (await ownerCaller.apiKeys.list()).find((entry) => entry.id === key.apiKey.id);
    expect(listed?.status).toBe('expired');
    expect(owner.tenantId).toBeTruthy();
  });

  it('a revoked key is refused on its next call; of two concurrent revokes exactly one records the event', async () => {
    const { owner, ownerCaller } = await organization();
    const key = await ownerCaller.apiKeys.create({ name: 'To revoke', role: 'viewer', expiresAt: inDays(5) });
    expect(await resolveApiKey({ db, permissions }, key.secret)).not.toBeNull();
    const outcomes = await Promise.all([ownerCaller.apiKeys.revoke({ apiKeyId: key.apiKey.id }), ownerCaller.apiKeys.revoke({ apiKeyId: key.apiKey.id })]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['revoked', 'revoked']);
    expect(await resolveApiKey({ db, permissions }, key.secret)).toBeNull();
    const events = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM platform.outbox WHERE type = 'identity.api_key.revoked' AND aggregate_id = ${key.apiKey.id}`.execute(admin.kysely);
    expect(events.rows[0]?.n).toBe(1);
    expect(owner.tenantId).toBeTruthy();
    await expectCode(ownerCaller.apiKeys.revoke({ apiKeyId: '00000000-0000-4000-8000-000000000000' }), 'NOT_FOUND');
  });

  it('last used moves on at most once a minute', async () => {
    const { ownerCaller } = await organization();
    const key = await ownerCaller.apiKeys.create({ name: 'Touched', role: 'viewer', expiresAt: inDays(5) });
    await resolveApiKey({ db, permissions }, key.secret);
    const first = (await ownerCaller.apiKeys.list())[0]?.lastUsedAt;
    expect(first).not.toBeNull();
    await resolveApiKey({ db, permissions }, key.secret);
    expect((await ownerCaller.apiKeys.list())[0]?.lastUsedAt).toBe(first);
    await sql`UPDATE identity.api_keys SET last_used_at = now() - interval '2 minutes' WHERE id = ${key.apiKey.id}`.execute(admin.kysely);
    await resolveApiKey({ db, permissions }, key.secret);
    expect((await ownerCaller.apiKeys.list())[0]?.lastUsedAt).not.toBe(first);
  });

  it('a key acts as its service principal: its role gates it, it cannot make keys nor act as a person', async () => {
    const { ownerCaller } = await organization();
    const viewerKey = await keyCaller((await ownerCaller.apiKeys.create({ name: 'Viewer key', role: 'viewer', expiresAt: inDays(5) })).secret);
    expect((await viewerKey.members.list()).length).toBe(1);
    await expectCode(viewerKey.apiKeys.list(), 'FORBIDDEN');
    const managerKey = await keyCaller((await ownerCaller.apiKeys.create({ name: 'Manager key', role: 'admin', expiresAt: inDays(5) })).secret);
    expect((await managerKey.apiKeys.list()).length).toBe(2);
    const refused = await expectCode(managerKey.apiKeys.create({ name: 'Child', role: 'viewer', expiresAt: inDays(5) }), 'FORBIDDEN');
    expect(refused.message).toContain('not by another key');
    await expectCode(managerKey.auth.me(), 'FORBIDDEN');
    await expectCode(managerKey.organizations.list(), 'FORBIDDEN');
  });

  it("one tenant cannot see or revoke another's keys", async () => {
    const a = await organization();
    const b = await organization();
    const key = await a.ownerCaller.apiKeys.create({ name: 'A key', role: 'viewer', expiresAt: inDays(5) });
    expect(await b.ownerCaller.apiKeys.list()).toEqual([]);
    await expectCode(b.ownerCaller.apiKeys.revoke({ apiKeyId: key.apiKey.id }), 'NOT_FOUND');
    expect((await resolveApiKey({ db, permissions }, key.secret))?.tenantId).toBe(a.owner.tenantId);
  });
});
