import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOutbox, rowToEnvelope, sql, uuidv7, withTenant, type OutboxRow } from '@ubos/platform';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { fileUploaded } from '../../files/src/contracts.ts';
import { projectCompleted, projectCreated, taskCompleted, taskCreated } from '../../projects/src/contracts.ts';
import { clientProfileSubscription, engagementLinksSubscription } from '../src/handlers.ts';
import { invoiceDrafted } from '../../revenue/src/contracts.ts';
import { actor, deliverAll, domainContext, emitForeign } from './helpers.ts';

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

// Complete projects payloads (the contract's fields); each test sets the ids, client and status it is about.
const project = { engagement_id: null, template_id: null, name: 'Project', start_date: null, due_date: null };
const task = { title: 'Task', assignee_id: null, due_date: null, column_id: uuidv7(), milestone_id: null };

async function redeliverEverything(tenantId: string, only?: RegExp): Promise<void> {
  // Straight to the handler (no processed_events guard): replaying events must change nothing.
  await withTenant(testDb.db, { tenantId }, async (trx) => {
    const rows = (await sql<OutboxRow>`SELECT * FROM platform.outbox ORDER BY position`.execute(trx)).rows;
    for (const row of rows) {
      if (!(only ?? /^(crm\.(client|contact|deal|note)|projects\.)/).test(row.type)) continue;
      await clientProfileSubscription.handle(rowToEnvelope(row), domainContext(trx, { tenantId, correlationId: 'replay' }));
    }
  });
}

describe('client profile read model', () => {
  it('is built from crm and projects events only and survives redelivery and merge', async () => {
    const a = actor(testDb.db);
    const client = await a.caller.clients.create({ name: 'Profiled', status: 'active' });
    const other = await a.caller.clients.create({ name: 'Profiled Twin' });
    const jane = await a.caller.contacts.create({ name: 'Jane', email: 'jane@p.io', clients: [{ clientId: client.id, role: 'CEO' }] });
    const bob = await a.caller.contacts.create({ name: 'Bob', clients: [{ clientId: client.id }] });
    await a.caller.contacts.create({ name: 'Zed', clients: [{ clientId: other.id, role: 'CTO' }] });
    const open = await a.caller.deals.create({ clientId: client.id, title: 'Open deal', valueMinor: 990_00, currency: 'EUR' });
    const lost = await a.caller.deals.create({ clientId: client.id, title: 'Lost deal', currency: 'EUR' });
    await a.caller.deals.markLost({ id: lost.id, reason: 'No budget' });
    await a.caller.contacts.archive({ id: bob.id });
    const p1 = uuidv7();
    const p2 = uuidv7();
    const t1 = uuidv7();
    const t2 = uuidv7();
    const t3 = uuidv7();
    await emitForeign(testDb.db, a.tenantId, projectCreated, { ...project, project_id: p1, client_id: client.id, status: 'active', engagement_id: null }, p1);
    await emitForeign(testDb.db, a.tenantId, projectCreated, { ...project, project_id: p2, client_id: client.id, status: 'planned', engagement_id: null }, p2);
    await emitForeign(
      testDb.db,
      a.tenantId,
      projectCompleted,
      { project_id: p2, client_id: client.id, name: 'Project', completed_at: new Date().toISOString() },
      p2,
    );
    for (const t of [t1, t2, t3])
      await emitForeign(testDb.db, a.tenantId, taskCreated, { ...task, task_id: t, project_id: p1, client_id: client.id, status: 'open' }, t);
    await emitForeign(
      testDb.db,
      a.tenantId,
      taskCompleted,
      { ...task, task_id: t2, project_id: p1, client_id: client.id, status: 'done', completed_at: new Date().toISOString() },
      t2,
    );

    expect(await deliverAll(testDb.db, a.tenantId, clientProfileSubscription)).toBeGreaterThan(10);
    const profile = await a.caller.clients.profile({ id: client.id });
    expect(profile).toMatchObject({
      clientId: client.id,
      name: 'Profiled',
      status: 'active',
      archived: false,
      contacts: [{ id: jane.id, name: 'Jane', email: 'jane@p.io', role: 'CEO' }],
      openDeals: [{ id: open.id, title: 'Open deal', valueMinor: 990_00, currency: 'EUR' }],
      openDealsCount: 1,
      activeProjectsCount: 1,
      openTaskCount: 2,
    });
    expect(profile.lastActivityAt).toBeInstanceOf(Date);

    await redeliverEverything(a.tenantId);
    expect(await a.caller.clients.profile({ id: client.id })).toEqual(profile);
    // Out of order: older "created" events arriving after the archive / loss do not resurrect entries.
    await redeliverEverything(a.tenantId, /^crm\.(contact|deal)\.created$/);
    expect(await a.caller.clients.profile({ id: client.id })).toEqual(profile);

    // Merge: the twin folds into the survivor; late events about the twin land on the survivor too.
    await a.caller.clients.merge({ survivorId: client.id, mergedId: other.id });
    const late = uuidv7();
    await emitForeign(testDb.db, a.tenantId, taskCreated, { ...task, task_id: late, project_id: p1, client_id: other.id, status: 'open' }, late);
    await deliverAll(testDb.db, a.tenantId, clientProfileSubscription);
    const merged = await a.caller.clients.profile({ id: client.id });
    expect(merged.contacts.map((c) => c.name)).toEqual(['Jane', 'Zed']);
    expect(merged.openTaskCount).toBe(3);
    expect(await a.caller.clients.profile({ id: other.id })).toMatchObject({ mergedInto: client.id, archived: true, contacts: [], openTaskCount: 0 });
  });

  it('counts a file uploaded for the client as activity on its profile', async () => {
    const a = actor(testDb.db);
    const client = await a.caller.clients.create({ name: 'Filed' });
    await deliverAll(testDb.db, a.tenantId, clientProfileSubscription);
    const before = (await a.caller.clients.profile({ id: client.id })).lastActivityAt;
    const fileId = uuidv7();
    await emitForeign(
      testDb.db,
      a.tenantId,
      fileUploaded,
      {
        file_id: fileId,
        folder_id: uuidv7(),
        name: 'Signed.pdf',
        client_id: client.id,
        project_id: null,
        version: 1,
        size: 10,
        content_type: 'application/pdf',
        sha256: 'a'.repeat(64),
        uploaded_by: null,
        request_id: null,
        uploader_name: null,
        uploader_email: null,
      },
      fileId,
    );
    expect(await deliverAll(testDb.db, a.tenantId, clientProfileSubscription)).toBeGreaterThanOrEqual(1);
    const [written] = await withTenant(testDb.db, { tenantId: a.tenantId }, (trx) => readOutbox(trx, { types: [fileUploaded.type] }));
    const after = (await a.caller.clients.profile({ id: client.id })).lastActivityAt;
    expect(after?.toISOString()).toBe(new Date(written?.event.occurred_at ?? 0).toISOString());
    expect(after?.getTime()).toBeGreaterThan(before?.getTime() ?? 0);
  });

  it('answers for a client whose events are not applied yet, and NOT_FOUND for unknown ids', async () => {
    const a = actor(testDb.db);
    const fresh = await a.caller.clients.create({ name: 'Fresh' });
    expect(await a.caller.clients.profile({ id: fresh.id })).toMatchObject({ name: 'Fresh', contacts: [], openDealsCount: 0 });
    await expect(a.caller.clients.profile({ id: uuidv7() })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('links projects to engagements from projects events', async () => {
    const a = actor(testDb.db);
    const client = await a.caller.clients.create({ name: 'Engaged' });
    const engagement = await a.caller.engagements.create({ clientId: client.id, name: 'Retainer 2027' });
    const projectId = uuidv7();
    await emitForeign(
      testDb.db,
      a.tenantId,
      projectCreated,
      { ...project, project_id: projectId, client_id: client.id, status: 'active', engagement_id: engagement.id },
      projectId,
    );
    await deliverAll(testDb.db, a.tenantId, engagementLinksSubscription);
    await deliverAll(testDb.db, a.tenantId, engagementLinksSubscription);
    expect(await a.caller.engagements.get({ id: engagement.id })).toMatchObject({ projectIds: [projectId], invoiceIds: [] });
  });

  it('links invoices to engagements from revenue.invoice.drafted', async () => {
    const a = actor(testDb.db);
    const client = await a.caller.clients.create({ name: 'Billed' });
    const engagement = await a.caller.engagements.create({ clientId: client.id, name: 'Audit 2027' });
    const invoiceId = uuidv7();
    const drafted = { invoice_id: invoiceId, client_id: client.id, currency: 'EUR', total_minor: '1000', plan_id: null, created_by: null };
    await emitForeign(testDb.db, a.tenantId, invoiceDrafted, { ...drafted, engagement_id: engagement.id }, invoiceId);
    await emitForeign(testDb.db, a.tenantId, invoiceDrafted, { ...drafted, invoice_id: uuidv7(), engagement_id: null }, uuidv7());
    await deliverAll(testDb.db, a.tenantId, engagementLinksSubscription);
    await deliverAll(testDb.db, a.tenantId, engagementLinksSubscription);
    expect(await a.caller.engagements.get({ id: engagement.id })).toMatchObject({ projectIds: [], invoiceIds: [invoiceId] });
  });
});
