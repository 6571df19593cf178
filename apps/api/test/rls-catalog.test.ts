/**
 * Catalog-level proof of tenant isolation over the WHOLE migrated database: every module's real
 * migrations, including tables added later by any domain. Reads pg_catalog as a superuser.
 */
import pg from 'pg';
import { APP_ROLE } from '@ubos/platform';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modules } from '../src/modules.ts';

let testDb: TestDatabase;
let admin: pg.Client;

beforeAll(async () => {
  testDb = await createTestDatabase();
  admin = new pg.Client({ connectionString: testDb.adminUrl });
  await admin.connect();
});
afterAll(async () => {
  await admin?.end();
  await testDb?.drop();
});

interface TenantRelation {
  oid: number;
  name: string;
  relkind: string;
  rls: boolean;
  forced: boolean;
  options: string[] | null;
  app_can_select: boolean;
}

interface PolicyRow {
  table_oid: number;
  table_name: string;
  policy: string;
  cmd: 'r' | 'a' | 'w' | 'd' | '*';
  permissive: boolean;
  qual: string | null;
  with_check: string | null;
  applies_to_app: boolean;
}

/** Expressions a tenant policy may scope by: the platform helpers or the raw settings. */
const scopedBy = /(current_tenant_id\(\)|current_user_id\(\)|is_system\(\)|current_setting\('app\.)/;

/** Every problem the catalog shows; empty when every tenant relation is isolated. */
async function tenantIsolationProblems(client: pg.Client): Promise<{ problems: string[]; tables: string[] }> {
  const relations = await client.query<TenantRelation>(`
    SELECT c.oid::int AS oid, format('%I.%I', n.nspname, c.relname) AS name, c.relkind::text AS relkind,
           c.relrowsecurity AS rls, c.relforcerowsecurity AS forced, c.reloptions AS options,
           has_table_privilege('${APP_ROLE}', c.oid, 'SELECT') AS app_can_select
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND a.attnum > 0 AND NOT a.attisdropped
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
      AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
    ORDER BY 2`);
  const policies = await client.query<PolicyRow>(`
    SELECT p.polrelid::int AS table_oid, format('%I.%I', n.nspname, c.relname) AS table_name, p.polname AS policy,
           p.polcmd::text AS cmd, p.polpermissive AS permissive,
           pg_get_expr(p.polqual, p.polrelid) AS qual, pg_get_expr(p.polwithcheck, p.polrelid) AS with_check,
           (0::oid = ANY (p.polroles) OR (SELECT oid FROM pg_roles WHERE rolname = '${APP_ROLE}') = ANY (p.polroles)) AS applies_to_app
    FROM pg_policy p
    JOIN pg_class c ON c.oid = p.polrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace`);

  const problems: string[] = [];
  const tables: string[] = [];
  for (const relation of relations.rows) {
    if (relation.relkind === 'v') {
      // A view runs with its owner's rights unless security_invoker is set, which skips RLS.
      const invoker = (relation.options ?? []).some((option) => /^security_invoker=(true|on|1)$/i.test(option));
      if (!invoker && relation.app_can_select) problems.push(`${relation.name}: view with tenant_id lacks security_invoker=true`);
      continue;
    }
    if (relation.relkind === 'm' || relation.relkind === 'f') {
      // No RLS is possible on these: the app role must not read them at all.
      if (relation.app_can_select)
        problems.push(`${relation.name}: ${relation.relkind === 'm' ? 'materialized view' : 'foreign table'} readable by ${APP_ROLE}`);
      continue;
    }
    tables.push(relation.name);
    if (!relation.rls) problems.push(`${relation.name}: row-level security not enabled`);
    if (!relation.forced) problems.push(`${relation.name}: row-level security not forced`);
    const own = policies.rows.filter((policy) => policy.table_oid === relation.oid);
    for (const policy of own) {
      const label = `${relation.name}: policy ${policy.policy}`;
      const needsUsing = policy.cmd !== 'a';
      const needsCheck = policy.cmd === '*' || policy.cmd === 'w' || policy.cmd === 'a';
      if (needsUsing && !policy.qual) problems.push(`${label} has no USING clause`);
      if (needsCheck && !policy.with_check) problems.push(`${label} has no WITH CHECK clause`);
      if (policy.permissive && policy.applies_to_app) {
        for (const expression of [policy.qual, policy.with_check]) {
          if (expression && !scopedBy.test(expression)) problems.push(`${label} is not scoped by tenant or user: ${expression}`);
        }
      }
    }
    // Writes the app may do must be covered by a policy that checks the new row.
    const writable = await client.query<{ insert: boolean; update: boolean }>(
      `SELECT has_table_privilege('${APP_ROLE}', $1::oid, 'INSERT') AS insert, has_table_privilege('${APP_ROLE}', $1::oid, 'UPDATE') AS update`,
      [relation.oid],
    );
    const rights = writable.rows[0];
    const checked = (cmds: string[]) => own.some((policy) => policy.permissive && policy.applies_to_app && cmds.includes(policy.cmd) && policy.with_check);
    if (rights?.insert && !checked(['*', 'a']) && own.some((policy) => policy.applies_to_app && (policy.cmd === '*' || policy.cmd === 'a'))) {
      problems.push(`${relation.name}: INSERT policy without WITH CHECK`);
    }
    if (rights?.update && !checked(['*', 'w']) && own.some((policy) => policy.applies_to_app && (policy.cmd === '*' || policy.cmd === 'w'))) {
      problems.push(`${relation.name}: UPDATE policy without WITH CHECK`);
    }
  }
  return { problems, tables };
}

async function runtimeRoleProblems(client: pg.Client): Promise<string[]> {
  const problems: string[] = [];
  const role = await client.query<{ rolsuper: boolean; rolbypassrls: boolean; rolcreaterole: boolean; rolcreatedb: boolean; oid: number }>(
    `SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, oid::int FROM pg_roles WHERE rolname = $1`,
    [APP_ROLE],
  );
  const app = role.rows[0];
  if (!app) return [`role ${APP_ROLE} does not exist`];
  if (app.rolsuper) problems.push(`${APP_ROLE} is superuser`);
  if (app.rolbypassrls) problems.push(`${APP_ROLE} has BYPASSRLS`);
  if (app.rolcreaterole) problems.push(`${APP_ROLE} has CREATEROLE`);
  const memberOf = await client.query<{ rolname: string }>(
    `SELECT r.rolname FROM pg_roles r WHERE pg_has_role($1, r.oid, 'MEMBER') AND r.rolname <> $1 AND (r.rolsuper OR r.rolbypassrls OR r.oid IN (SELECT DISTINCT relowner FROM pg_class WHERE relnamespace NOT IN (SELECT oid FROM pg_namespace WHERE nspname IN ('pg_catalog','information_schema'))))`,
    [APP_ROLE],
  );
  for (const row of memberOf.rows) problems.push(`${APP_ROLE} is a member of ${row.rolname}, which owns tables or bypasses RLS`);
  const owned = await client.query<{ name: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relowner = $1`,
    [app.oid],
  );
  for (const row of owned.rows) problems.push(`${APP_ROLE} owns ${row.name}`);
  const schemas = await client.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspowner = $1`, [app.oid]);
  for (const row of schemas.rows) problems.push(`${APP_ROLE} owns schema ${row.nspname}`);
  return problems;
}

describe('RLS catalog over the whole migrated database', () => {
  it('every table with tenant_id has RLS enabled and forced, and policies with USING and WITH CHECK', async () => {
    const { problems, tables } = await tenantIsolationProblems(admin);
    expect(problems).toEqual([]);
    // The check really ran over the modules' tables (a broken query would find nothing).
    expect(tables).toEqual(expect.arrayContaining(['platform.outbox', 'identity.memberships', 'identity.invitations', 'identity.role_permissions']));
    // Every registered module's schema was in it, generated domains included (each has a tenant table).
    expect(modules.map((module) => module.name).filter((name) => !tables.some((table) => table.startsWith(`${name}.`)))).toEqual([]);
  });

  it(`the runtime role ${APP_ROLE} is not superuser, not BYPASSRLS and owns nothing`, async () => {
    expect(await runtimeRoleProblems(admin)).toEqual([]);
  });

  it('the checks catch each kind of mistake (fixtures in a scratch schema)', async () => {
    await admin.query(`
      CREATE SCHEMA zz_fixture;
      GRANT USAGE ON SCHEMA zz_fixture TO ${APP_ROLE};
      CREATE TABLE zz_fixture.no_rls (tenant_id uuid NOT NULL);
      CREATE TABLE zz_fixture.not_forced (tenant_id uuid NOT NULL);
      ALTER TABLE zz_fixture.not_forced ENABLE ROW LEVEL SECURITY;
      CREATE TABLE zz_fixture.no_check (tenant_id uuid NOT NULL);
      ALTER TABLE zz_fixture.no_check ENABLE ROW LEVEL SECURITY;
      ALTER TABLE zz_fixture.no_check FORCE ROW LEVEL SECURITY;
      CREATE POLICY loose ON zz_fixture.no_check USING (tenant_id = platform.current_tenant_id());
      CREATE TABLE zz_fixture.open_policy (tenant_id uuid NOT NULL);
      ALTER TABLE zz_fixture.open_policy ENABLE ROW LEVEL SECURITY;
      ALTER TABLE zz_fixture.open_policy FORCE ROW LEVEL SECURITY;
      CREATE POLICY everyone ON zz_fixture.open_policy FOR SELECT USING (true);
      CREATE TABLE zz_fixture.good (tenant_id uuid NOT NULL);
      SELECT platform.enable_tenant_rls('zz_fixture.good');
      CREATE VIEW zz_fixture.good_view WITH (security_invoker = true) AS SELECT tenant_id FROM zz_fixture.good;
      CREATE VIEW zz_fixture.leaky AS SELECT tenant_id FROM zz_fixture.no_rls;
      GRANT SELECT ON ALL TABLES IN SCHEMA zz_fixture TO ${APP_ROLE};
      CREATE TABLE zz_fixture.app_owned (id int);
      ALTER TABLE zz_fixture.app_owned OWNER TO ${APP_ROLE};
    `);
    try {
      const { problems } = await tenantIsolationProblems(admin);
      expect(problems).toEqual(
        expect.arrayContaining([
          'zz_fixture.no_rls: row-level security not enabled',
          'zz_fixture.no_rls: row-level security not forced',
          'zz_fixture.not_forced: row-level security not forced',
          'zz_fixture.no_check: policy loose has no WITH CHECK clause',
          'zz_fixture.open_policy: policy everyone is not scoped by tenant or user: true',
          'zz_fixture.leaky: view with tenant_id lacks security_invoker=true',
        ]),
      );
      // A correctly isolated fixture table is not reported.
      expect(problems.filter((problem) => problem.startsWith('zz_fixture.good'))).toEqual([]);
      expect(await runtimeRoleProblems(admin)).toEqual([`${APP_ROLE} owns zz_fixture.app_owned`]);
    } finally {
      await admin.query('DROP SCHEMA zz_fixture CASCADE');
    }
  });
});
