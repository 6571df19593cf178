import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_APP_PASSWORD } from '@ubos/platform/testing';
import { repoRoot } from '../src/paths.ts';

/** The production path: infra/postgres/bootstrap.sql by an admin, then `pnpm db:migrate` as ubos_owner. */

const run = promisify(execFile);
const adminUrl = process.env.TEST_ADMIN_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const database = `ubos_boot_${randomBytes(5).toString('hex')}`;
const ownerPassword = 'owner_test_password';

function urlFor(user: string, password: string, name: string): string {
  const url = new URL(adminUrl);
  url.username = user;
  url.password = password;
  url.pathname = `/${name}`;
  return url.toString();
}

async function bootstrap(): Promise<string> {
  const { stdout } = await run(
    'psql',
    [
      adminUrl,
      '-v',
      `owner_password=${ownerPassword}`,
      '-v',
      `app_password=${TEST_APP_PASSWORD}`,
      '-v',
      `db_name=${database}`,
      '-f',
      'infra/postgres/bootstrap.sql',
    ],
    { cwd: repoRoot },
  );
  return stdout;
}

async function migrate(): Promise<string> {
  const env = { ...process.env, DATABASE_URL: urlFor('ubos_owner', ownerPassword, database) };
  const { stdout } = await run(process.execPath, ['apps/api/src/cli/migrate.ts'], { cwd: repoRoot, env });
  return stdout;
}

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  await query(adminUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
});

// Starts child processes that load every module: on a busy 2-core machine that can take longer than
// the default 30 s, so the budget is generous (a passing case ends as soon as the process does).
describe('production bootstrap and pnpm db:migrate', { timeout: 180_000 }, () => {
  it('bootstrap.sql creates the database owned by ubos_owner, and is safe to re-run', async () => {
    await bootstrap();
    await bootstrap();
    const [owner] = await query<{ owner: string }>(adminUrl, `SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = '${database}'`);
    expect(owner?.owner).toBe('ubos_owner');
    const roles = await query<{ rolname: string; rolsuper: boolean; rolbypassrls: boolean; rolcreaterole: boolean }>(
      adminUrl,
      `SELECT rolname, rolsuper, rolbypassrls, rolcreaterole FROM pg_roles WHERE rolname IN ('ubos_owner', 'ubos_app') ORDER BY rolname`,
    );
    expect(roles).toEqual([
      { rolname: 'ubos_app', rolsuper: false, rolbypassrls: false, rolcreaterole: false },
      { rolname: 'ubos_owner', rolsuper: false, rolbypassrls: false, rolcreaterole: false },
    ]);
  });

  it('db:migrate applies every module’s migrations, reports them, and is idempotent', async () => {
    const first = await migrate();
    expect(first).toMatch(/applied platform\/\S+/);
    expect(first).toMatch(/Applied \d+ migration\(s\); 0 were already applied\./);
    const appliedCount = Number(/Applied (\d+) migration/.exec(first)?.[1]);
    expect(appliedCount).toBeGreaterThan(1);

    const second = await migrate();
    expect(second).toContain(`Up to date (${appliedCount} migrations already applied).`);

    // The runtime role can work in the migrated database; the tables belong to the owner.
    const appUrl = urlFor('ubos_app', TEST_APP_PASSWORD, database);
    const [outbox] = await query<{ count: number }>(appUrl, 'SELECT count(*)::int AS count FROM platform.outbox');
    expect(outbox?.count).toBe(0);
    const owners = await query<{ owner: string }>(
      adminUrl.replace(/\/[^/]*$/, `/${database}`),
      `SELECT DISTINCT tableowner AS owner FROM pg_tables WHERE schemaname IN ('platform', 'identity', 'pgboss')`,
    );
    expect(owners).toEqual([{ owner: 'ubos_owner' }]);
  });

  it('db:migrate without DATABASE_URL fails with a clear message', async () => {
    const env = { ...process.env };
    delete env.DATABASE_URL;
    const failure = await run(process.execPath, ['apps/api/src/cli/migrate.ts'], { cwd: repoRoot, env }).then(
      () => null,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain('DATABASE_URL (missing)');
  });
});
