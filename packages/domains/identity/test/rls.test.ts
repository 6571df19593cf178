import { createDatabase, sql, uuidv7, withTenant, withUser, type Database } from '@ubos/platform';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../src/sessions.ts';
import { callerFor, signUp } from './helpers.ts';

let testDb: TestDatabase;
let db: Database;
let admin: Database;

interface Fixture {
  tenantId: string;
  userId: string;
  token: string;
  invitationToken: string;
}
let a: Fixture;
let b: Fixture;

async function fixture(name: string): Promise<Fixture> {
  const owner = await signUp({ db }, { organizationName: name });
  const { caller } = await callerFor({ db }, owner.token);
  const invited = await caller.invitations.create({ email: `invitee@${name.toLowerCase()}.test`, role: 'member' });
  await caller.roles.setOverride({ role: 'viewer', permission: 'crm.client.write', granted: true });
  await caller.apiKeys.create({ name: `${name} key`, role: 'viewer', expiresAt: new Date(Date.now() + 86_400_000).toISOString() });
  return { tenantId: owner.tenantId, userId: owner.userId, token: owner.token, invitationToken: invited.token };
}

/** Every identity table that carries tenant_id, read from the catalog so new tables are covered. */
async function tenantTables(): Promise<string[]> {
  const result = await sql<{ name: string }>`
    select c.relname as name from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
    where n.nspname = 'identity' and c.relkind in ('r', 'p')
    order by 1`.execute(admin.kysely);
  return result.rows.map((row) => `identity.${row.name}`);
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = testDb.db;
  admin = createDatabase({ connectionString: testDb.adminUrl, max: 1 });
  a = await fixture('Alpha');
  b = await fixture('Beta');
});
afterAll(async () => {
  await admin?.close();
  await testDb?.drop();
});

describe('identity row-level security', () => {
  it('covers exactly the known tenant tables (a new one must be added to these tests)', async () => {
    expect(await tenantTables()).toEqual(['identity.api_keys', 'identity.invitations', 'identity.memberships', 'identity.role_permissions']);
  });

  it("with tenant A set, no tenant table shows a row of tenant B (and A's rows are visible)", async () => {
    for (const table of await tenantTables()) {
      const counts = await withTenant(db, { tenantId: a.tenantId }, async (trx) => {
        const result = await sql<{ mine: number; theirs: number }>`
          select count(*) filter (where tenant_id = ${a.tenantId})::int as mine,
                 count(*) filter (where tenant_id <> ${a.tenantId})::int as theirs
          from ${sql.table(table)}`.execute(trx);
        return result.rows[0];
      });
      expect(counts, table).toEqual({ mine: expect.any(Number), theirs: 0 });
      expect(counts?.mine, table).toBeGreaterThan(0);
      // The superuser sees both tenants: the rows exist, RLS hides them.
      const all = await sql<{ n: number }>`select count(distinct tenant_id)::int as n from ${sql.table(table)}`.execute(admin.kysely);
      expect(all.rows[0]?.n, table).toBe(2);
    }
  });

  it('with tenant A set, the organization registry shows only A', async () => {
    const visible = await withTenant(db, { tenantId: a.tenantId }, (trx) => sql<{ id: string }>`select id from identity.tenants`.execute(trx));
    expect(visible.rows.map((row) => row.id)).toEqual([a.tenantId]);
  });

  it('with no tenant set, every tenant table shows 0 rows', async () => {
    for (const table of await tenantTables()) {
      const plain = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(db.kysely);
      expect(plain.rows[0]?.n, table).toBe(0);
      const inUserScope = await withUser(db, null, (trx) => sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(trx));
      expect(inUserScope.rows[0]?.n, table).toBe(0);
    }
    const tenants = await sql<{ n: number }>`select count(*)::int as n from identity.tenants`.execute(db.kysely);
    expect(tenants.rows[0]?.n).toBe(0);
  });

  it('rejects inserting a row of tenant B while tenant A is set', async () => {
    const attempts: Record<string, (trx: Parameters<Parameters<typeof withTenant>[2]>[0]) => Promise<unknown>> = {
      'identity.memberships': (trx) =>
        sql`insert into identity.memberships (id, tenant_id, user_id, role) values (${uuidv7()}, ${b.tenantId}, ${a.userId}, 'owner')`.execute(trx),
      'identity.invitations': (trx) =>
        sql`insert into identity.invitations (id, tenant_id, email, role, token_hash, expires_at)
            values (${uuidv7()}, ${b.tenantId}, 'x@example.test', 'owner', ${hashToken('x'.repeat(32))}, now() + interval '1 day')`.execute(trx),
      'identity.role_permissions': (trx) =>
        sql`insert into identity.role_permissions (tenant_id, role, permission, granted) values (${b.tenantId}, 'viewer', 'identity.role.manage', true)`.execute(
          trx,
        ),
      'identity.api_keys': (trx) =>
        sql`insert into identity.api_keys (id, tenant_id, name, secret_hash, secret_prefix, role, expires_at)
            values (${uuidv7()}, ${b.tenantId}, 'Sneaky', ${hashToken('sneaky')}, 'ubos_sneaky', 'owner', now() + interval '1 day')`.execute(trx),
      'identity.tenants': (trx) => sql`insert into identity.tenants (id, name) values (${uuidv7()}, 'Sneaky')`.execute(trx),
    };
    expect(
      Object.keys(attempts)
        .filter((table) => table !== 'identity.tenants')
        .sort(),
    ).toEqual(await tenantTables());
    for (const [table, attempt] of Object.entries(attempts)) {
      const error = await withTenant(db, { tenantId: a.tenantId, userId: a.userId }, attempt).then(
        () => null,
        (caught: unknown) => caught as { code?: string },
      );
      expect(error?.code, table).toBe('42501'); // new row violates row-level security policy
    }
  });

  it("cannot update or delete tenant B's rows while tenant A is set, nor move a row to B", async () => {
    await withTenant(db, { tenantId: a.tenantId, userId: a.userId }, async (trx) => {
      const updated = await sql`update identity.memberships set role = 'viewer' where tenant_id = ${b.tenantId}`.execute(trx);
      expect(updated.numAffectedRows).toBe(0n);
      const deleted = await sql`delete from identity.role_permissions where tenant_id = ${b.tenantId}`.execute(trx);
      expect(deleted.numAffectedRows).toBe(0n);
      const renamed = await sql`update identity.tenants set name = 'Hijacked' where id = ${b.tenantId}`.execute(trx);
      expect(renamed.numAffectedRows).toBe(0n);
    });
    const moved = await withTenant(db, { tenantId: a.tenantId, userId: a.userId }, (trx) =>
      sql`update identity.invitations set tenant_id = ${b.tenantId} where tenant_id = ${a.tenantId}`.execute(trx),
    ).then(
      () => null,
      (caught: unknown) => caught as { code?: string },
    );
    expect(moved?.code).toBe('42501');
  });

  it('a signed-in user reads their own memberships in every tenant, but nobody else’s', async () => {
    // Make A's owner a member of B as well.
    const { caller: bOwner } = await callerFor({ db }, b.token);
    const invitation = await bOwner.invitations.create({ email: (await emailOf(a.userId)).toUpperCase(), role: 'viewer' });
    const { caller: aOwner } = await callerFor({ db }, a.token);
    await aOwner.invitations.accept({ token: invitation.token });

    const rows = await withUser(db, a.userId, (trx) =>
      sql<{ tenant_id: string; user_id: string }>`select tenant_id, user_id from identity.memberships`.execute(trx),
    );
    expect(rows.rows.every((row) => row.user_id === a.userId)).toBe(true);
    expect(rows.rows.map((row) => row.tenant_id).sort()).toEqual([a.tenantId, b.tenantId].sort());
    const tenants = await withUser(db, a.userId, (trx) => sql<{ id: string }>`select id from identity.tenants`.execute(trx));
    expect(tenants.rows.map((row) => row.id).sort()).toEqual([a.tenantId, b.tenantId].sort());
    // B's owner membership stays invisible to A's owner outside tenant B.
    const bOwners = await withUser(db, a.userId, (trx) =>
      sql<{ n: number }>`select count(*)::int as n from identity.memberships where user_id = ${b.userId}`.execute(trx),
    );
    expect(bOwners.rows[0]?.n).toBe(0);
    // Reading across tenants does not allow writing there.
    const write = await withTenant(db, { tenantId: a.tenantId, userId: a.userId }, (trx) =>
      sql`update identity.memberships set role = 'owner' where tenant_id = ${b.tenantId} and user_id = ${a.userId}`.execute(trx),
    );
    expect(write.numAffectedRows).toBe(0n);
  });

  it('the app role cannot delete organizations, users or invitations at all', async () => {
    for (const statement of [
      sql`delete from identity.tenants where id = ${a.tenantId}`,
      sql`delete from identity.users where id = ${a.userId}`,
      sql`delete from identity.invitations where tenant_id = ${a.tenantId}`,
    ]) {
      const error = await withTenant(db, { tenantId: a.tenantId, userId: a.userId }, (trx) => statement.execute(trx)).then(
        () => null,
        (caught: unknown) => caught as { code?: string },
      );
      expect(error?.code).toBe('42501'); // permission denied
    }
  });

  it('the invitation lookup function returns only the invitation of the given token hash', async () => {
    const found = await sql<{ tenant_id: string }>`select * from identity.invitation_by_token_hash(${hashToken(b.invitationToken)})`.execute(db.kysely);
    expect(found.rows.map((row) => row.tenant_id)).toEqual([b.tenantId]);
    const none = await sql`select * from identity.invitation_by_token_hash(${hashToken('z'.repeat(32))})`.execute(db.kysely);
    expect(none.rows).toHaveLength(0);
    // The app role still cannot list invitations directly.
    const direct = await sql<{ n: number }>`select count(*)::int as n from identity.invitations`.execute(db.kysely);
    expect(direct.rows[0]?.n).toBe(0);
  });
});

async function emailOf(userId: string): Promise<string> {
  const result = await sql<{ email: string }>`select email from identity.users where id = ${userId}`.execute(db.kysely);
  const email = result.rows[0]?.email;
  if (!email) throw new Error('no such user');
  return email;
}
