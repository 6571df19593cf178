import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { runMigrations, uuidv7 } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase();
});

afterAll(async () => {
  await testDb?.drop();
});

async function schemaSnapshot(url: string, schema: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const columns = await client.query<{ line: string }>(
      `SELECT table_name || '.' || column_name || ':' || data_type || ':' || is_nullable AS line
         FROM information_schema.columns WHERE table_schema = $1 ORDER BY 1`,
      [schema],
    );
    const policies = await client.query<{ line: string }>(
      `SELECT tablename || ':' || policyname || ':' || coalesce(qual, '') || ':' || coalesce(with_check, '') AS line
         FROM pg_policies WHERE schemaname = $1 ORDER BY 1`,
      [schema],
    );
    return [...columns.rows.map((row) => row.line), ...policies.rows.map((row) => row.line)];
  } finally {
    await client.end();
  }
}

describe('migrations runner', () => {
  const widgets = {
    name: 'widgets',
    migrations: [
      {
        id: '0001_widgets',
        sql: `CREATE TABLE IF NOT EXISTS widgets.widgets (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, name text NOT NULL);
              SELECT platform.enable_tenant_rls('widgets.widgets');`,
      },
    ],
  };
  const widgetsV2 = {
    name: 'widgets',
    migrations: [...widgets.migrations, { id: '0002_color', sql: `ALTER TABLE widgets.widgets ADD COLUMN IF NOT EXISTS color text;` }],
  };

  it('applies pending migrations once, in order, and a second run applies nothing', async () => {
    const first = await runMigrations(testDb.ownerUrl, [widgets]);
    expect(first.applied).toEqual([{ module: 'widgets', id: '0001_widgets' }]);
    const second = await runMigrations(testDb.ownerUrl, [widgets]);
    expect(second.applied).toEqual([]);
    const upgraded = await runMigrations(testDb.ownerUrl, [widgetsV2]);
    expect(upgraded.applied).toEqual([{ module: 'widgets', id: '0002_color' }]);
  });

  it('leaves a fresh database and an upgraded one identical', async () => {
    const fresh = await createTestDatabase();
    try {
      await runMigrations(fresh.ownerUrl, [widgetsV2]);
      expect(await schemaSnapshot(fresh.adminUrl, 'widgets')).toEqual(await schemaSnapshot(testDb.adminUrl, 'widgets'));
    } finally {
      await fresh.drop();
    }
  });

  it('refuses a migration that changed after it was applied', async () => {
    const tampered = {
      name: 'widgets',
      migrations: [{ id: '0001_widgets', sql: 'CREATE TABLE widgets.other (id int)' }],
    };
    await expect(runMigrations(testDb.ownerUrl, [tampered])).rejects.toThrow(/changed after it was applied/);
  });

  it('rolls back a failing migration entirely', async () => {
    const broken = {
      name: 'widgets',
      migrations: [...widgetsV2.migrations, { id: '0003_broken', sql: 'CREATE TABLE widgets.half (id int); SELECT no_such_function();' }],
    };
    await expect(runMigrations(testDb.ownerUrl, [broken])).rejects.toThrow(/0003_broken failed/);
    const client = new pg.Client({ connectionString: testDb.adminUrl });
    await client.connect();
    try {
      const table = await client.query(`SELECT to_regclass('widgets.half') AS t`);
      expect(table.rows[0]).toEqual({ t: null });
    } finally {
      await client.end();
    }
  });

  it('creates tables owned by ubos_owner that the app role can use under RLS', async () => {
    const client = new pg.Client({ connectionString: testDb.adminUrl });
    await client.connect();
    try {
      const owner = await client.query(`SELECT tableowner FROM pg_tables WHERE schemaname = 'widgets' AND tablename = 'widgets'`);
      expect(owner.rows[0]).toEqual({ tableowner: 'ubos_owner' });
    } finally {
      await client.end();
    }
    const app = new pg.Client({ connectionString: testDb.appUrl });
    await app.connect();
    try {
      const tenantId = uuidv7();
      await app.query('BEGIN');
      await app.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
      await app.query(`INSERT INTO widgets.widgets (id, tenant_id, name) VALUES ($1, $2, 'w')`, [uuidv7(), tenantId]);
      await app.query('COMMIT');
      const outside = await app.query('SELECT count(*)::int AS n FROM widgets.widgets');
      expect(outside.rows[0]).toEqual({ n: 0 });
    } finally {
      await app.end();
    }
  });
});
