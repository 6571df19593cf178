import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as crm from '@ubos/crm/contracts';
import * as projects from '@ubos/projects/contracts';
import {
  createCallerFactory,
  createLogger,
  handleEvent,
  notifyDeadLetter,
  rowToEnvelope,
  sql,
  subscriptionMatches,
  UpcasterRegistry,
  uuidv7,
  withTenant,
  writeEvent,
  type Database,
  type EventContract,
  type OutboxRow,
  type Role,
  type Subscription,
} from '@ubos/platform';
import { createTestDatabase, testContext, type TestDatabase } from '@ubos/platform/testing';
import { indexDocuments, rebuildIndex } from '../src/handlers.ts';
import { searchRouter } from '../src/router.ts';
import { REBUILD_CHUNK_EVENTS, processRebuildEvent, runRebuild } from '../src/service-rebuild.ts';
import { handlerContext, modules, payloads, searchSession } from './helpers.ts';

/**
 * search.index.rebuild as long work: a queued row + search.rebuild.requested, processed chunk by
 * chunk by the search.rebuild subscription (delivered here as the runner does, one event per
 * transaction), against real Postgres as ubos_app so RLS holds every step to the tenant.
 */
let testDb: TestDatabase;
const log = createLogger({ level: 'silent' });
const createCaller = createCallerFactory(searchRouter);

beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

function callerFor(tenantId: string, role: Role = 'owner', userId: string = uuidv7()) {
  return createCaller(testContext({ db: testDb.db, session: searchSession({ userId, tenantId, role }), modules }));
}

async function outboxRows(db: Database, tenantId: string): Promise<OutboxRow[]> {
  return withTenant(db, { tenantId }, async (trx) => (await sql<OutboxRow>`SELECT * FROM platform.outbox ORDER BY position`.execute(trx)).rows);
}

/** Delivers the tenant's outbox events a subscription wants, as the runner would, until none is left. */
async function deliverAll(tenantId: string, subscription: Subscription, seen: Set<string>, after?: () => Promise<void>): Promise<number> {
  let delivered = 0;
  for (;;) {
    const pending = (await outboxRows(testDb.db, tenantId)).filter((row) => !seen.has(row.id) && subscriptionMatches(subscription, row.type));
    if (pending.length === 0) return delivered;
    for (const row of pending) {
      seen.add(row.id);
      await handleEvent(testDb.db, subscription, rowToEnvelope(row), { log });
      delivered += 1;
      await after?.();
    }
  }
}

interface Doc {
  entity_type: string;
  entity_id: string;
  title: string;
  subtitle: string | null;
  body: string | null;
  client_id: string | null;
  parent_id: string | null;
  source_event_id: string | null;
}

async function documents(tenantId: string): Promise<Doc[]> {
  return withTenant(testDb.db, { tenantId }, async (trx) => {
    const result = await sql<Doc>`
      SELECT entity_type, entity_id, title, subtitle, body, client_id, parent_id, source_event_id
      FROM search.documents ORDER BY entity_type, entity_id`.execute(trx);
    return result.rows;
  });
}

/** A tenant with a realistic history: creates, updates, an archive, a merge, contacts, deals, projects, tasks. */
async function seedHistory(tenantId: string, bulkClients = 0): Promise<{ clients: string[] }> {
  const meta = { tenantId, actorId: null, correlationId: 'rebuild-seed' };
  const clients = Array.from({ length: 4 }, () => uuidv7());
  const [acme, globex, initech, umbrella] = clients as [string, string, string, string];
  const contactId = uuidv7();
  const dealId = uuidv7();
  const projectId = uuidv7();
  const taskId = uuidv7();
  await withTenant(testDb.db, { tenantId }, async (trx) => {
    const emit = <Payload extends Record<string, unknown>>(contract: EventContract<string, Payload>, payload: Payload, aggregateId: string) =>
      writeEvent(trx, contract, payload, { ...meta, aggregateId });
    await emit(crm.clientCreated, payloads.client({ client_id: acme, name: 'Acme Corporation', domain: 'acme.example' }), acme);
    await emit(crm.clientCreated, payloads.client({ client_id: globex, name: 'Globex' }), globex);
    await emit(crm.clientCreated, payloads.client({ client_id: initech, name: 'Initech' }), initech);
    await emit(crm.clientCreated, payloads.client({ client_id: umbrella, name: 'Umbrella Holdings' }), umbrella);
    await emit(crm.clientUpdated, payloads.client({ client_id: globex, name: 'Globex Industries', domain: 'globex.example' }), globex);
    await emit(crm.contactCreated, payloads.contact({ contact_id: contactId, name: 'Jane Doe', email: 'jane@acme.example', client_id: initech }), contactId);
    await emit(crm.dealCreated, payloads.deal({ deal_id: dealId, title: 'Annual retainer', client_id: initech, stage_name: 'proposal' }), dealId);
    await emit(crm.clientMerged, payloads.merged(acme, initech), acme);
    await emit(crm.clientArchived, payloads.client({ client_id: umbrella, name: 'Umbrella Holdings' }), umbrella);
    await emit(projects.projectCreated, payloads.project({ project_id: projectId, name: 'Website redesign', client_id: acme, status: 'active' }), projectId);
    await emit(
      projects.taskCreated,
      payloads.task({ task_id: taskId, project_id: projectId, title: 'Homepage mockups', client_id: acme, status: 'open' }),
      taskId,
    );
    await emit(
      projects.taskUpdated,
      payloads.taskUpdated({ task_id: taskId, project_id: projectId, title: 'Homepage mockups', client_id: acme, status: 'done', changed: ['status'] }),
      taskId,
    );
    // Not indexed: replay skips it.
    await emit(crm.noteCreated, { note_id: uuidv7(), client_id: acme, subject_type: 'client', subject_id: acme, body: 'hello' }, acme);
    for (let i = 0; i < bulkClients; i += 1) {
      const id = uuidv7();
      await emit(crm.clientCreated, payloads.client({ client_id: id, name: `Bulk Client ${String(i).padStart(5, '0')}` }), id);
    }
  });
  return { clients };
}

/** Applies the tenant's history through the live subscription: the documents the events produce. */
async function indexLive(tenantId: string): Promise<Doc[]> {
  await deliverAll(tenantId, indexDocuments, new Set());
  return documents(tenantId);
}

async function corrupt(tenantId: string, clientId: string): Promise<void> {
  await withTenant(testDb.db, { tenantId }, async (trx) => {
    await sql`UPDATE search.documents SET title = 'Corrupted', subtitle = NULL WHERE entity_type = 'client' AND entity_id = ${clientId}`.execute(trx);
    await sql`DELETE FROM search.documents WHERE entity_type IN ('task', 'contact')`.execute(trx);
    await sql`INSERT INTO search.documents (tenant_id, entity_type, entity_id, title, source_occurred_at)
              VALUES (${tenantId}, 'client', ${uuidv7()}, 'Phantom client', now() + interval '1 day')`.execute(trx);
  });
}

describe('search.index.rebuild', () => {
  it('restores exactly the documents the events produce, in chunks with readable progress, and leaves other tenants alone', { timeout: 120_000 }, async () => {
    const tenantId = uuidv7();
    const otherTenant = uuidv7();
    const { clients } = await seedHistory(tenantId, REBUILD_CHUNK_EVENTS + 150);
    await seedHistory(otherTenant);
    const expected = await indexLive(tenantId);
    const otherBefore = await indexLive(otherTenant);
    expect(expected.length).toBe(REBUILD_CHUNK_EVENTS + 150 + 6); // 2 clients (1 archived, 1 merged away), contact, deal, project, task
    expect(expected.find((doc) => doc.entity_type === 'task')).toMatchObject({ title: 'Homepage mockups', subtitle: 'done' });

    await corrupt(tenantId, clients[1] ?? '');
    expect(await documents(tenantId)).not.toEqual(expected);

    const caller = callerFor(tenantId);
    const requested = await caller.index.rebuild();
    expect(requested).toMatchObject({ started: true, rebuild: { status: 'queued', eventsDone: 0 } });
    const id = requested.rebuild.id;
    // Asked again while it is queued: the same rebuild comes back, nothing new starts.
    expect(await callerFor(tenantId, 'admin').index.rebuild()).toMatchObject({ started: false, rebuild: { id } });

    const progress: { status: string; done: number; total: number }[] = [];
    await deliverAll(tenantId, rebuildIndex, new Set(), async () => {
      const state = await caller.index.rebuildStatus({ id });
      if (state) progress.push({ status: state.status, done: state.eventsDone, total: state.eventsTotal });
    });
    const indexed = (await outboxRows(testDb.db, tenantId)).filter((row) => subscriptionMatches(indexDocuments, row.type)).length;
    expect(progress).toEqual([
      { status: 'running', done: REBUILD_CHUNK_EVENTS, total: indexed },
      { status: 'completed', done: indexed, total: indexed },
    ]);
    const done = await caller.index.rebuildStatus({});
    expect(done).toMatchObject({ id, status: 'completed', eventsDone: indexed, eventsTotal: indexed, documents: expected.length, error: null });
    expect(done?.finishedAt).toBeInstanceOf(Date);

    expect(await documents(tenantId)).toEqual(expected);
    expect(await documents(otherTenant)).toEqual(otherBefore);
    const hits = await caller.query({ q: 'globex' });
    expect(hits.groups[0]?.hits[0]).toMatchObject({ id: clients[1], title: 'Globex Industries', subtitle: 'globex.example' });

    // The request, each chunk and the completion are events (the timeline records every event).
    const types = (await outboxRows(testDb.db, tenantId)).filter((row) => row.type.startsWith('search.')).map((row) => row.type);
    expect(types).toEqual(['search.rebuild.requested', 'search.rebuild.chunk_processed', 'search.rebuild.completed']);
    expect((await outboxRows(testDb.db, otherTenant)).filter((row) => row.type.startsWith('search.'))).toEqual([]);

    // Finished: a new request starts a new rebuild.
    const again = await caller.index.rebuild();
    expect(again.started).toBe(true);
    expect(again.rebuild.id).not.toBe(id);
  });

  it('a stale or repeated chunk delivery changes nothing', async () => {
    const tenantId = uuidv7();
    await seedHistory(tenantId);
    await indexLive(tenantId);
    const caller = callerFor(tenantId);
    const { rebuild } = await caller.index.rebuild();
    await deliverAll(tenantId, rebuildIndex, new Set());
    const completed = await caller.index.rebuildStatus({ id: rebuild.id });
    expect(completed?.status).toBe('completed');
    const before = await documents(tenantId);
    // The request event again, outside processed_events (e.g. a replay): chunk 0 is long done.
    const requestedRow = (await outboxRows(testDb.db, tenantId)).find((row) => row.type === 'search.rebuild.requested');
    if (!requestedRow) throw new Error('no request event');
    await withTenant(testDb.db, { tenantId }, (trx) => processRebuildEvent(rowToEnvelope(requestedRow), handlerContext(trx, tenantId, 'stale')));
    expect(await caller.index.rebuildStatus({ id: rebuild.id })).toEqual(completed);
    expect(await documents(tenantId)).toEqual(before);
  });

  it('a dead-lettered chunk marks the rebuild failed with the error; a new request may start; a redrive resumes it unless a newer one exists', async () => {
    const tenantId = uuidv7();
    await seedHistory(tenantId);
    const expected = await indexLive(tenantId);
    const caller = callerFor(tenantId);
    const { rebuild } = await caller.index.rebuild();
    const requestedRow = (await outboxRows(testDb.db, tenantId)).find((row) => row.type === 'search.rebuild.requested');
    if (!requestedRow) throw new Error('no request event');
    const registry = new UpcasterRegistry();
    await notifyDeadLetter(testDb.db, rebuildIndex, rowToEnvelope(requestedRow), new Error('statement timeout'), 6, { registry, log });
    expect(await caller.index.rebuildStatus({ id: rebuild.id })).toMatchObject({ status: 'failed', error: 'statement timeout' });
    const failedEvent = (await outboxRows(testDb.db, tenantId)).find((row) => row.type === 'search.rebuild.failed');
    expect(failedEvent?.payload).toEqual({ rebuild_id: rebuild.id, chunk: 0, error: 'statement timeout' });
    // Called again (it runs once per dead letter, but be safe): nothing more happens.
    await notifyDeadLetter(testDb.db, rebuildIndex, rowToEnvelope(requestedRow), new Error('again'), 6, { registry, log });
    expect((await caller.index.rebuildStatus({ id: rebuild.id }))?.error).toBe('statement timeout');

    // The dead letter is redriven: the same event runs again and the rebuild resumes to completion.
    await handleEvent(testDb.db, rebuildIndex, rowToEnvelope(requestedRow), { log });
    await deliverAll(tenantId, rebuildIndex, new Set([requestedRow.id]));
    expect(await caller.index.rebuildStatus({ id: rebuild.id })).toMatchObject({ status: 'completed', error: null });
    expect(await documents(tenantId)).toEqual(expected);
    const types = (await outboxRows(testDb.db, tenantId)).filter((row) => row.type.startsWith('search.')).map((row) => row.type);
    expect(types).toEqual(['search.rebuild.requested', 'search.rebuild.failed', 'search.rebuild.resumed', 'search.rebuild.completed']);

    // Failed again, then an admin starts a new one: redriving the old dead letter changes nothing.
    const second = await caller.index.rebuild();
    const secondRow = (await outboxRows(testDb.db, tenantId)).filter((row) => row.type === 'search.rebuild.requested').at(-1);
    if (!secondRow) throw new Error('no second request event');
    await notifyDeadLetter(testDb.db, rebuildIndex, rowToEnvelope(secondRow), new Error('boom'), 6, { registry, log });
    expect((await caller.index.rebuildStatus({ id: second.rebuild.id }))?.status).toBe('failed');
    const third = await caller.index.rebuild();
    expect(third.started).toBe(true);
    await handleEvent(testDb.db, rebuildIndex, rowToEnvelope(secondRow), { log });
    expect((await caller.index.rebuildStatus({ id: second.rebuild.id }))?.status).toBe('failed');
    expect((await caller.index.rebuildStatus({}))?.id).toBe(third.rebuild.id);
  });

  it('runs synchronously for the CLI, chunk by chunk, each in its own transaction', async () => {
    const tenantId = uuidv7();
    await seedHistory(tenantId, 25);
    const expected = await indexLive(tenantId);
    await corrupt(tenantId, uuidv7());
    const seen: string[] = [];
    const result = await runRebuild(testDb.db, {
      tenantId,
      correlationId: 'cli-test',
      chunkSize: 10,
      onProgress: (state) => seen.push(`${state.status}:${state.eventsDone}/${state.eventsTotal}`),
    });
    expect(result.started).toBe(true);
    expect(result.rebuild).toMatchObject({ status: 'completed', eventsDone: 37, eventsTotal: 37, documents: expected.length });
    expect(seen).toEqual(['queued:0/0', 'running:10/37', 'running:20/37', 'running:30/37', 'completed:37/37']);
    expect(await documents(tenantId)).toEqual(expected);
    // A worker receiving the chunk events afterwards finds them done.
    await deliverAll(tenantId, rebuildIndex, new Set());
    expect(await documents(tenantId)).toEqual(expected);
    expect((await callerFor(tenantId).index.rebuildStatus({}))?.status).toBe('completed');
  });

  it('is for owners and admins only; another tenant sees none of it', async () => {
    const tenantId = uuidv7();
    await seedHistory(tenantId);
    for (const role of ['member', 'viewer'] as const) {
      await expect(callerFor(tenantId, role).index.rebuild()).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(callerFor(tenantId, role).index.rebuildStatus({})).rejects.toMatchObject({ code: 'FORBIDDEN' });
    }
    const { rebuild } = await callerFor(tenantId, 'admin').index.rebuild();
    const other = callerFor(uuidv7());
    await expect(other.index.rebuildStatus({ id: rebuild.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await other.index.rebuildStatus({})).toBeNull();
  });
});
