import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createBoss,
  createCallerFactory,
  createLogger,
  defineEvent,
  replayEvents,
  sql,
  startEventBackbone,
  uuidv7,
  withTenant,
  writeEvent,
  type EventBackbone,
  type PgBoss,
} from '@ubos/platform';
import { createTestDatabase, testContext, testSession, type TestDatabase, waitFor } from '@ubos/platform/testing';
import { memberJoined, memberRoleChanged, userCreated } from '@ubos/identity/contracts';
import { activityDto, TIMELINE_SUBSCRIPTION } from '../src/contracts.ts';
import { recordActivity } from '../src/handlers.ts';
import { timelineModule } from '../src/module.ts';
import { summarize } from '../src/summary.ts';

// Stand-ins for other domains' contracts: the timeline records every type it is given.
const clientCreated = defineEvent({ type: 'crm.client.created', version: 1, aggregateType: 'crm.client', payload: z.object({ name: z.string() }) });
const projectCreated = defineEvent({
  type: 'projects.project.created',
  version: 1,
  aggregateType: 'project',
  payload: z.object({ name: z.string(), client_id: z.uuid().nullable() }),
});
// The same aggregate as projectCreated under its `<domain>.<entity>` name (events written before that rule say 'project').
const projectUpdated = defineEvent({
  type: 'projects.project.updated',
  version: 1,
  aggregateType: 'projects.project',
  payload: z.object({ name: z.string(), client_id: z.uuid().nullable() }),
});
const invoicePaid = defineEvent({
  type: 'revenue.invoice.paid',
  version: 1,
  aggregateType: 'revenue.invoice',
  payload: z.object({ number: z.string(), client_id: z.uuid() }),
});

let testDb: TestDatabase;
let adminClient: pg.Client;
let boss: PgBoss;
let backbone: EventBackbone;

const tenantId = uuidv7();
const otherTenantId = uuidv7();
const userId = uuidv7();
const clientId = uuidv7();
const projectId = uuidv7();
const renamingTenantId = uuidv7();
const renamedProjectId = uuidv7();
const written: string[] = [];

async function admin<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  return (await adminClient.query<T>(text, values)).rows;
}

const rowCount = async () => (await admin<{ n: number }>('SELECT count(*)::int AS n FROM timeline.activity_events'))[0]?.n ?? 0;
const caller = (tenant: string, role: 'owner' | 'viewer' = 'viewer') =>
  createCallerFactory(timelineModule.router)(
    testContext({ db: testDb.db, session: testSession({ userId, tenantId: tenant, role, modules: [timelineModule] }), modules: [timelineModule] }),
  );

beforeAll(async () => {
  testDb = await createTestDatabase();
  adminClient = new pg.Client({ connectionString: testDb.adminUrl });
  await adminClient.connect();
  boss = createBoss({ connectionString: testDb.appUrl, supervise: false, schedule: false });
  boss.on('error', () => undefined);
  await boss.start();
  backbone = await startEventBackbone({
    db: testDb.db,
    boss,
    modules: [timelineModule],
    log: createLogger({ level: 'silent' }),
    workerPollIntervalSeconds: 0.5,
    dispatchPollIntervalMs: 500,
  });

  const correlationId = `req-${uuidv7()}`;
  const membershipId = uuidv7();
  // One transaction per event, a few ms apart, so occurred_at orders them.
  const write = async <P extends Record<string, unknown>>(tenant: string, contract: Parameters<typeof writeEvent<P>>[1], payload: P, aggregateId: string) => {
    const event = await withTenant(testDb.db, { tenantId: tenant }, (trx) =>
      writeEvent(trx, contract, payload, { tenantId: tenant, actorId: userId, correlationId, aggregateId }),
    );
    written.push(event.id);
    await new Promise((resolve) => setTimeout(resolve, 3));
  };
  await write(tenantId, userCreated, { user_id: userId, email: 'ada@example.test', name: 'Ada Lovelace' }, userId);
  await write(tenantId, memberJoined, { membership_id: membershipId, user_id: userId, role: 'owner', via: 'sign_up', invitation_id: null }, membershipId);
  await write(tenantId, clientCreated, { name: 'Acme Ltd' }, clientId);
  await write(tenantId, projectCreated, { name: 'Website', client_id: clientId }, projectId);
  await write(tenantId, invoicePaid, { number: 'INV-001', client_id: clientId }, uuidv7());
  await write(otherTenantId, clientCreated, { name: 'Other Co' }, uuidv7());
  await write(renamingTenantId, projectCreated, { name: 'Intranet', client_id: null }, renamedProjectId);
  await write(renamingTenantId, projectUpdated, { name: 'Intranet v2', client_id: null }, renamedProjectId);
  await waitFor(async () => (await rowCount()) === written.length, 20_000, 'every event on the timeline');
});

afterAll(async () => {
  await backbone?.stop();
  await boss?.stop({ graceful: false });
  await adminClient?.end();
  await testDb?.drop();
});

describe('recording', () => {
  it('records identity and other domain events with actor, entity, client and a readable summary', async () => {
    const { items } = await caller(tenantId).list({});
    expect(items.map((item) => item.type)).toEqual([
      'revenue.invoice.paid',
      'projects.project.created',
      'crm.client.created',
      'identity.member.joined',
      'identity.user.created',
    ]);
    for (const item of items) expect(activityDto.parse(item)).toEqual(item);
    const byType = Object.fromEntries(items.map((item) => [item.type, item]));
    expect(byType['identity.user.created']).toMatchObject({
      actorId: userId,
      entityType: 'identity.user',
      entityId: userId,
      summary: 'User Ada Lovelace signed up (ada@example.test)',
    });
    expect(byType['identity.member.joined']?.summary).toBe('A member joined as owner (sign up)');
    expect(byType['crm.client.created']).toMatchObject({ clientId, entityType: 'crm.client', entityId: clientId, summary: 'Client created: Acme Ltd' });
    expect(byType['projects.project.created']).toMatchObject({ clientId, summary: 'Project created: Website' });
    expect(byType['revenue.invoice.paid']).toMatchObject({ clientId, summary: 'Invoice paid: INV-001' });
    expect(summarize('crm.custom_field.archived', {})).toBe('Custom field archived');
  });

  it("reads identity payloads through identity's current (v2, snake_case) contracts; a payload they reject gets the generic line", () => {
    const roleChanged = { membership_id: uuidv7(), user_id: userId, previous_role: 'member', role: 'admin', changed_by: uuidv7() };
    expect(memberRoleChanged.payload.parse(roleChanged)).toEqual(roleChanged);
    expect(summarize('identity.member.role_changed', roleChanged)).toBe("A member's role changed from member to admin");
    expect(summarize('identity.invitation.revoked', { invitation_id: uuidv7(), email: 'bob@example.test', revoked_by: userId })).toBe(
      'Invitation for bob@example.test revoked',
    );
    // A version-1 payload (camelCase) reaches the handler only upcast; raw, it is summarized generically.
    expect(summarize('identity.member.role_changed', { membershipId: uuidv7(), userId, previousRole: 'member', role: 'admin', changedBy: userId })).toBe(
      'Member role changed',
    );
  });

  it('subscribes to every event type', () => {
    expect(recordActivity).toMatchObject({ name: TIMELINE_SUBSCRIPTION, events: ['*'] });
  });

  it('shows a tenant only its own activity', async () => {
    const { items } = await caller(otherTenantId).list({});
    expect(items.map((item) => item.summary)).toEqual(['Client created: Other Co']);
  });
});

describe('timeline.list', () => {
  it('filters by entity, client, actor, type and time range', async () => {
    const timeline = caller(tenantId);
    const types = async (input: Parameters<typeof timeline.list>[0]) => (await timeline.list(input)).items.map((item) => item.type);
    expect(await types({ entity: { type: 'project', id: projectId } })).toEqual(['projects.project.created']);
    expect(await types({ clientId })).toEqual(['revenue.invoice.paid', 'projects.project.created', 'crm.client.created']);
    expect(await types({ actorId: userId })).toHaveLength(5);
    expect(await types({ actorId: uuidv7() })).toEqual([]);
    expect(await types({ types: ['identity.user.created', 'identity.member.joined'] })).toEqual(['identity.member.joined', 'identity.user.created']);
    const all = (await timeline.list({})).items;
    const middle = all[2]?.occurredAt ?? '';
    expect(await types({ from: middle })).toEqual(['revenue.invoice.paid', 'projects.project.created', 'crm.client.created']);
    expect(await types({ to: middle })).toEqual(['identity.member.joined', 'identity.user.created']);
    await expect(timeline.list({ from: middle, to: middle })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('finds an entity under its old and its new aggregate type alike', async () => {
    const timeline = caller(renamingTenantId);
    for (const type of ['project', 'projects.project']) {
      const { items } = await timeline.list({ entity: { type, id: renamedProjectId } });
      expect(
        items.map((item) => [item.type, item.entityType]),
        type,
      ).toEqual([
        ['projects.project.updated', 'projects.project'],
        ['projects.project.created', 'project'],
      ]);
    }
  });

  it('pages newest first with a keyset cursor, without gaps or repeats', async () => {
    const timeline = caller(tenantId);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await timeline.list({ limit: 2, cursor });
      seen.push(...page.items.map((item) => item.eventId));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(written.slice(0, 5).reverse());
    await expect(timeline.list({ cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('append-only', () => {
  it('the app role holds neither UPDATE, DELETE nor INSERT on the table (entries come only through timeline.append_activity)', async () => {
    const [grants] = await admin<{ update: boolean; del: boolean; truncate: boolean; insert: boolean }>(
      `SELECT has_table_privilege('ubos_app', 'timeline.activity_events', 'UPDATE') AS update,
              has_table_privilege('ubos_app', 'timeline.activity_events', 'DELETE') AS del,
              has_table_privilege('ubos_app', 'timeline.activity_events', 'TRUNCATE') AS truncate,
              has_table_privilege('ubos_app', 'timeline.activity_events', 'INSERT') AS insert`,
    );
    expect(grants).toEqual({ update: false, del: false, truncate: false, insert: false });
    await expect(withTenant(testDb.db, { tenantId }, (trx) => sql`UPDATE timeline.activity_events SET summary = 'x'`.execute(trx))).rejects.toMatchObject({
      code: '42501',
      message: expect.stringContaining('permission denied'),
    });
    await expect(withTenant(testDb.db, { tenantId }, (trx) => sql`DELETE FROM timeline.activity_events`.execute(trx))).rejects.toMatchObject({
      code: '42501',
      message: expect.stringContaining('permission denied'),
    });
  });

  it('the trigger rejects UPDATE and DELETE even from a role that holds the privileges (the owner)', async () => {
    const owner = new pg.Client({ connectionString: testDb.ownerUrl });
    await owner.connect();
    try {
      for (const statement of [`UPDATE timeline.activity_events SET summary = 'rewritten'`, `DELETE FROM timeline.activity_events`]) {
        await owner.query('BEGIN');
        await owner.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
        await expect(owner.query(statement)).rejects.toMatchObject({ code: '42501', message: expect.stringContaining('append-only') });
        await owner.query('ROLLBACK');
      }
    } finally {
      await owner.end();
    }
    expect(await rowCount()).toBe(written.length);
  });
});

describe('rebuild by replay', () => {
  it('replaying the timeline subscription from the start on a cleared table rebuilds the same rows', { timeout: 60_000 }, async () => {
    const snapshot = async () =>
      admin(`SELECT tenant_id, event_id, type, event_version, actor_id, entity_type, entity_id, client_id, summary, payload, correlation_id, occurred_at
               FROM timeline.activity_events ORDER BY event_id`);
    const before = await snapshot();
    expect(before).toHaveLength(written.length);

    // Clearing needs the owner (the app role cannot delete); TRUNCATE does not fire the row trigger.
    const owner = new pg.Client({ connectionString: testDb.ownerUrl });
    await owner.connect();
    await owner.query('TRUNCATE timeline.activity_events');
    await owner.end();
    expect(await rowCount()).toBe(0);

    const result = await replayEvents({
      db: testDb.db,
      boss,
      subscription: recordActivity,
      from: '1970-01-01T00:00:00Z',
      tenantId: null,
    });
    expect(result).toMatchObject({ enqueued: written.length, reset: written.length });
    await waitFor(async () => (await rowCount()) === written.length, 20_000, 'the rebuilt timeline');
    expect(await snapshot()).toEqual(before);
  });
});
