import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, handleEvent, rowToEnvelope, sql, uuidv7, withSystem, withTenant, writeEvent, type OutboxRow } from '@ubos/platform';
import { clientCreated } from '@ubos/crm/contracts';
import { verifyTimelineChain } from '@ubos/timeline';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { modules } from '../src/modules.ts';
import { repoRoot } from '../src/paths.ts';

/**
 * Audit integrity (issue 21): each tenant's timeline is a hash chain written only through
 * timeline.append_activity; `pnpm ubos audit:verify` and timeline.verifyChain name the first broken
 * link; the app role can neither forge timeline rows nor rewrite or delete outbox rows.
 */

const run = promisify(execFile);
const timeline = modules.find((module) => module.name === 'timeline');
const recordActivity = timeline?.subscriptions.find((subscription) => subscription.name === 'timeline.record-activity');
let testDb: TestDatabase;
let admin: pg.Client;
const log = createLogger({ level: 'silent' });

async function ubos(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, DATABASE_URL: testDb.ownerUrl, DATABASE_APP_URL: testDb.appUrl };
  try {
    const { stdout, stderr } = await run(process.execPath, ['apps/api/src/cli/ubos.ts', ...args], { cwd: repoRoot, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** Writes `count` crm.client.created events for the tenant and records each on its timeline, `parallel` at a time. */
async function recordClients(tenantId: string, count: number, parallel = 1): Promise<OutboxRow[]> {
  if (!recordActivity) throw new Error('the timeline subscription is not registered');
  const rows: OutboxRow[] = [];
  for (let index = 0; index < count; index += 1) {
    const clientId = uuidv7();
    const payload = {
      client_id: clientId,
      name: `Client ${index}`,
      domain: null,
      website: null,
      status: 'lead' as const,
      owner_id: null,
      tags: [],
      custom_fields: {},
    };
    const event = await withTenant(testDb.db, { tenantId }, (trx) =>
      writeEvent(trx, clientCreated, payload, { tenantId, actorId: null, correlationId: uuidv7(), aggregateId: clientId }),
    );
    const row = await withTenant(
      testDb.db,
      { tenantId },
      async (trx) => (await sql<OutboxRow>`SELECT * FROM platform.outbox WHERE id = ${event.id}`.execute(trx)).rows[0],
    );
    if (row) rows.push(row);
  }
  let next = 0;
  const worker = async () => {
    for (;;) {
      const row = rows[next++];
      if (!row) return;
      await handleEvent(testDb.db, recordActivity, rowToEnvelope(row), { log });
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return rows;
}

/** Runs statements as the owner with the append-only trigger off: what a rogue operator could do. */
async function asOwnerWithoutTrigger(tenantId: string, statement: string): Promise<void> {
  const owner = new pg.Client({ connectionString: testDb.ownerUrl });
  await owner.connect();
  try {
    await owner.query('BEGIN');
    await owner.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
    await owner.query('ALTER TABLE timeline.activity_events DISABLE TRIGGER activity_events_append_only');
    await owner.query(statement);
    await owner.query('ALTER TABLE timeline.activity_events ENABLE TRIGGER activity_events_append_only');
    await owner.query('COMMIT');
  } finally {
    await owner.end();
  }
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  admin = new pg.Client({ connectionString: testDb.adminUrl });
  await admin.connect();
});

afterAll(async () => {
  await admin?.end();
  await testDb?.drop();
});

describe('timeline hash chain', { timeout: 120_000 }, () => {
  it('links 200 entries recorded 4 at a time into one unbroken chain, seq 1..200, and verifies it', async () => {
    const tenantId = uuidv7();
    const rows = await recordClients(tenantId, 200, 4);
    const seqs = (await admin.query<{ seq: string }>('SELECT seq FROM timeline.activity_events WHERE tenant_id = $1 ORDER BY seq', [tenantId])).rows.map(
      (row) => Number(row.seq),
    );
    expect(seqs).toEqual(Array.from({ length: 200 }, (_, index) => index + 1));
    const report = await verifyTimelineChain(testDb.db, tenantId);
    expect(report).toMatchObject({ intact: true, entries: 200, unchained: 0, headSeq: 200, brokenAt: null, problem: null });
    expect(report.headHash).toMatch(/^[0-9a-f]{64}$/);
    // A second delivery of an event appends nothing and moves no link.
    const first = rows[0];
    if (!first) throw new Error('no event written');
    const again = await withTenant(testDb.db, { tenantId }, (trx) =>
      sql<{
        appended: boolean;
      }>`SELECT timeline.append_activity(${uuidv7()}::uuid, ${tenantId}::uuid, ${first.id}::uuid, ${first.type}, 1, NULL, NULL, NULL, NULL, 'Again', '{}'::jsonb, NULL, now()) AS appended`.execute(
        trx,
      ),
    );
    expect(again.rows[0]?.appended).toBe(false);
    expect((await verifyTimelineChain(testDb.db, tenantId)).headHash).toBe(report.headHash);
  });

  it('refuses a forged row from the app role: no INSERT on the table, and append_activity only records events of the outbox', async () => {
    const tenantId = uuidv7();
    await expect(
      withTenant(testDb.db, { tenantId }, (trx) =>
        sql`INSERT INTO timeline.activity_events (id, tenant_id, event_id, type, event_version, summary, payload, occurred_at)
            VALUES (${uuidv7()}, ${tenantId}, ${uuidv7()}, 'crm.client.created', 1, 'Forged', '{}', now())`.execute(trx),
      ),
    ).rejects.toMatchObject({ code: '42501' });
    await expect(
      withTenant(testDb.db, { tenantId }, (trx) =>
        sql`SELECT timeline.append_activity(${uuidv7()}::uuid, ${tenantId}::uuid, ${uuidv7()}::uuid, 'crm.client.created', 1, NULL, NULL, NULL, NULL, 'Forged', '{}'::jsonb, NULL, now())`.execute(
          trx,
        ),
      ),
    ).rejects.toMatchObject({ code: '42501', message: expect.stringContaining('records an event of the outbox') });
    // Nor for another tenant than the transaction's.
    const other = uuidv7();
    await expect(
      withTenant(testDb.db, { tenantId }, (trx) =>
        sql`SELECT timeline.append_activity(${uuidv7()}::uuid, ${other}::uuid, ${uuidv7()}::uuid, 'crm.client.created', 1, NULL, NULL, NULL, NULL, 'Forged', '{}'::jsonb, NULL, now())`.execute(
          trx,
        ),
      ),
    ).rejects.toMatchObject({ code: '42501', message: expect.stringContaining("own tenant's transaction") });
    expect((await admin.query('SELECT 1 FROM timeline.activity_events WHERE tenant_id = ANY($1)', [[tenantId, other]])).rowCount).toBe(0);
  });

  it('names the first altered, missing or relinked entry, a cut tail and an emptied table', async () => {
    const altered = uuidv7();
    await recordClients(altered, 12);
    await asOwnerWithoutTrigger(altered, `UPDATE timeline.activity_events SET summary = 'Client created: Someone else' WHERE seq = 7`);
    expect(await verifyTimelineChain(testDb.db, altered)).toMatchObject({
      intact: false,
      entries: 6,
      brokenAt: 7,
      problem: 'Entry 7 was altered after it was recorded',
    });

    const deleted = uuidv7();
    await recordClients(deleted, 12);
    await asOwnerWithoutTrigger(deleted, 'DELETE FROM timeline.activity_events WHERE seq = 5');
    expect(await verifyTimelineChain(testDb.db, deleted)).toMatchObject({ intact: false, brokenAt: 5, problem: 'Entry 5 is missing: the next one kept is 6' });

    const tail = uuidv7();
    await recordClients(tail, 12);
    await asOwnerWithoutTrigger(tail, 'DELETE FROM timeline.activity_events WHERE seq > 9');
    expect(await verifyTimelineChain(testDb.db, tail)).toMatchObject({
      intact: false,
      entries: 9,
      brokenAt: 10,
      problem: 'Entries 10 to 12 are missing (the chain head is at 12)',
    });

    const truncated = uuidv7();
    await recordClients(truncated, 4);
    await asOwnerWithoutTrigger(truncated, 'DELETE FROM timeline.activity_events');
    expect(await verifyTimelineChain(testDb.db, truncated)).toMatchObject({
      intact: false,
      entries: 0,
      brokenAt: 1,
      problem: 'Entries 1 to 4 are missing (the chain head is at 4)',
    });

    // Rewriting a row and its hash is caught by the next row's link.
    const rehashed = uuidv7();
    await recordClients(rehashed, 6);
    await asOwnerWithoutTrigger(
      rehashed,
      `UPDATE timeline.activity_events SET summary = 'x',
         hash = timeline.entry_hash(prev_hash, seq, id, tenant_id, event_id, type, event_version, actor_id, entity_type, entity_id, client_id, 'x', payload, correlation_id, occurred_at, recorded_at)
       WHERE seq = 3`,
    );
    expect(await verifyTimelineChain(testDb.db, rehashed)).toMatchObject({
      intact: false,
      brokenAt: 4,
      problem: 'Entry 4 does not follow entry 3: its link to the previous entry was changed',
    });
  });

  it('pnpm ubos audit:verify prints the head of an intact chain and exits 1 with the broken link', async () => {
    const intact = uuidv7();
    await recordClients(intact, 3);
    const good = await ubos(['audit:verify', '--tenant', intact]);
    expect(good.code).toBe(0);
    expect(good.stdout).toContain(`Timeline of tenant ${intact} is intact: 3 entries linked.`);
    expect(good.stdout).toMatch(/^head 3 [0-9a-f]{64}$/m);

    const broken = uuidv7();
    await recordClients(broken, 3);
    await asOwnerWithoutTrigger(broken, `UPDATE timeline.activity_events SET payload = '{"name":"Forged"}' WHERE seq = 2`);
    const bad = await ubos(['audit:verify', '--tenant', broken]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`Timeline of tenant ${broken} is BROKEN at entry 2: Entry 2 was altered after it was recorded.`);
    expect((await ubos(['audit:verify'])).code).toBe(2);
  });
});

describe('outbox grants', () => {
  it('the app role writes and reads events but can neither rewrite nor delete them, nor claim or prune outside the system scope', async () => {
    const tenantId = uuidv7();
    await recordClients(tenantId, 1);
    const [grants] = (
      await admin.query<{ insert: boolean; select: boolean; update: boolean; del: boolean; truncate: boolean }>(
        `SELECT has_table_privilege('ubos_app', 'platform.outbox', 'INSERT') AS insert, has_table_privilege('ubos_app', 'platform.outbox', 'SELECT') AS select,
                has_table_privilege('ubos_app', 'platform.outbox', 'UPDATE') AS update, has_table_privilege('ubos_app', 'platform.outbox', 'DELETE') AS del,
                has_table_privilege('ubos_app', 'platform.outbox', 'TRUNCATE') AS truncate`,
      )
    ).rows;
    expect(grants).toEqual({ insert: true, select: true, update: false, del: false, truncate: false });
    await expect(withTenant(testDb.db, { tenantId }, (trx) => sql`UPDATE platform.outbox SET payload = '{}'`.execute(trx))).rejects.toMatchObject({
      code: '42501',
    });
    await expect(withSystem(testDb.db, (trx) => sql`DELETE FROM platform.outbox`.execute(trx))).rejects.toMatchObject({ code: '42501' });
    await expect(withTenant(testDb.db, { tenantId }, (trx) => sql`SELECT * FROM platform.claim_outbox(10)`.execute(trx))).rejects.toMatchObject({
      code: '42501',
      message: expect.stringContaining("dispatcher's work"),
    });
    await expect(withTenant(testDb.db, { tenantId }, (trx) => sql`SELECT platform.prune_outbox(1, 10)`.execute(trx))).rejects.toMatchObject({ code: '42501' });
    // In the system scope the claim marks the row dispatched once.
    const claimed = await withSystem(testDb.db, (trx) => sql<{ id: string }>`SELECT id FROM platform.claim_outbox(1000)`.execute(trx));
    expect(claimed.rows.length).toBeGreaterThan(0);
    const again = await withSystem(testDb.db, (trx) => sql<{ id: string }>`SELECT id FROM platform.claim_outbox(1000)`.execute(trx));
    expect(again.rows).toEqual([]);
  });
});
