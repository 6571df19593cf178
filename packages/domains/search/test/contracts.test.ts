import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as agreements from '@ubos/agreements/contracts';
import * as communications from '@ubos/communications/contracts';
import * as crm from '@ubos/crm/contracts';
import * as files from '@ubos/files/contracts';
import * as portal from '@ubos/portal/contracts';
import * as projects from '@ubos/projects/contracts';
import * as revenue from '@ubos/revenue/contracts';
import * as scheduling from '@ubos/scheduling/contracts';
import { createCallerFactory, uuidv7, withTenant, type EventContract, type EventEnvelope } from '@ubos/platform';
import { createTestDatabase, testContext, type TestDatabase } from '@ubos/platform/testing';
import { indexDocuments } from '../src/handlers.ts';
import type { SearchDB } from '../src/db.ts';
import { applyEvent, indexedEventTypes, type ApplyOutcome } from '../src/indexer.ts';
import { searchRouter } from '../src/router.ts';
import { handlerContext, modules, searchSession } from './helpers.ts';

/**
 * The indexer reads crm.* and projects.* payloads through the publishers' contracts. These tests
 * hold it to them: every type it listens to exists, every event of an indexed aggregate is handled
 * or deliberately ignored, contract-valid payloads index and a payload the contract rejects does not.
 */
let testDb: TestDatabase;
const createCaller = createCallerFactory(searchRouter);

beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

function isContract(value: unknown): value is EventContract {
  return typeof value === 'object' && value !== null && 'type' in value && 'payload' in value && 'version' in value;
}
const exported: unknown[] = [
  ...Object.values(crm),
  ...Object.values(projects),
  ...Object.values(files),
  ...Object.values(communications),
  ...Object.values(portal),
  ...Object.values(scheduling),
  ...Object.values(revenue),
  ...Object.values(agreements),
];
const contracts = exported.filter(isContract);
const published = new Set(contracts.map((contract) => contract.type));

/** Events of indexed aggregates that carry nothing search shows. */
const ignored = new Set([
  'projects.milestone.created',
  'projects.milestone.reached',
  'projects.column.created',
  // A view or one signer's signature changes nothing search shows of the proposal or contract.
  'agreements.proposal.viewed',
  'agreements.contract.signer_signed',
]);

describe('indexer vs published contracts', () => {
  it('listens only to event types that are published', () => {
    expect(indexedEventTypes.filter((type) => !published.has(type))).toEqual([]);
  });

  it('handles or deliberately ignores every event of an indexed aggregate', () => {
    const aggregates =
      /^(crm\.(client|contact|deal)|projects\.(project|task|milestone|column)|files\.file|scheduling\.appointment|agreements\.(proposal|contract))\./;
    const unhandled = [...published].filter((type) => aggregates.test(type) && !indexedEventTypes.includes(type) && !ignored.has(type));
    expect(unhandled).toEqual([]);
  });

  it('indexes contract-valid payloads of every indexed type', async () => {
    const tenantId = uuidv7();
    const clientId = uuidv7();
    const contactId = uuidv7();
    const dealId = uuidv7();
    const projectId = uuidv7();
    const taskId = uuidv7();
    const fileId = uuidv7();
    const goneId = uuidv7();
    const threadId = uuidv7();
    const offThreadId = uuidv7();
    const thread = (id: string, clientIds: string[]) => ({
      thread_id: id,
      client_id: clientId,
      source: 'manual' as const,
      contact_id: null,
      subject: id === threadId ? 'Contract renewal' : 'Contract questions',
      participants: ['jane@contract.example', 'anna@firm.example'],
      client_ids: clientIds,
    });
    const approvalId = uuidv7();
    const portalUserId = uuidv7();
    const appointmentId = uuidv7();
    const cancelledId = uuidv7();
    const appointment = (id: string) => ({
      appointment_id: id,
      type_id: uuidv7(),
      type_name: 'Contract review',
      host_id: uuidv7(),
      host_ids: [],
      attendee_name: 'Ana Lopez',
      attendee_email: 'ana@example.com',
      attendee_time_zone: 'America/New_York',
      start_at: '2026-03-31T07:00:00.000Z',
      end_at: '2026-03-31T07:30:00.000Z',
      host_time_zone: 'Europe/Berlin',
      client_id: clientId,
      contact_id: null,
      source: 'public',
      answers: {},
      project_template_id: null,
    });
    const file = (id: string, name: string) => ({
      file_id: id,
      folder_id: uuidv7(),
      name,
      client_id: clientId,
      project_id: null,
      version: 1,
      size: 10,
      content_type: 'application/pdf',
      sha256: 'a'.repeat(64),
      uploaded_by: null,
      request_id: null,
      uploader_name: null,
      uploader_email: null,
    });
    const events: [EventContract, Record<string, unknown>][] = [
      // Email threads on a client are found by subject and participants; off every client, gone again.
      [communications.threadLinked, thread(threadId, [clientId])],
      [communications.threadLinked, thread(offThreadId, [clientId])],
      [communications.threadUnlinked, thread(offThreadId, [])],
      [files.fileUploaded, file(fileId, 'Contract draft.pdf')],
      [files.fileRenamed, { ...file(fileId, 'Contract signed.pdf'), previous_name: 'Contract draft.pdf' }],
      [files.fileUploaded, file(goneId, 'Contract old.pdf')],
      [files.fileArchived, { ...file(goneId, 'Contract old.pdf'), with_folder_id: null }],
      [scheduling.appointmentBooked, appointment(appointmentId)],
      [scheduling.appointmentBooked, appointment(cancelledId)],
      [scheduling.appointmentCancelled, { ...appointment(cancelledId), reason: null, by: 'attendee' }],
      [
        crm.clientCreated,
        {
          client_id: clientId,
          name: 'Contract Client',
          domain: 'contract.example',
          website: null,
          status: 'lead',
          owner_id: null,
          tags: [],
          custom_fields: {},
        },
      ],
      [
        crm.contactCreated,
        {
          contact_id: contactId,
          client_id: clientId,
          client_ids: [clientId],
          relationships: [{ client_id: clientId, role: null }],
          name: 'Contract Contact',
          email: 'cc@contract.example',
          email_normalized: 'cc@contract.example',
          phone: null,
          title: null,
          owner_id: null,
          tags: [],
          custom_fields: {},
        },
      ],
      [
        crm.dealCreated,
        {
          deal_id: dealId,
          client_id: clientId,
          contact_id: null,
          pipeline_id: uuidv7(),
          stage_id: uuidv7(),
          stage_name: 'Proposal',
          title: 'Contract Deal',
          value_minor: 1000,
          currency: 'EUR',
          expected_close: null,
          status: 'open',
          owner_id: null,
          custom_fields: {},
        },
      ],
      [
        projects.projectCreated,
        {
          project_id: projectId,
          client_id: clientId,
          engagement_id: null,
          template_id: null,
          name: 'Contract Project',
          status: 'active',
          start_date: null,
          due_date: null,
        },
      ],
      [
        projects.taskCreated,
        {
          task_id: taskId,
          project_id: projectId,
          client_id: clientId,
          title: 'Contract Task',
          status: 'open',
          assignee_id: null,
          due_date: null,
          column_id: uuidv7(),
          milestone_id: null,
        },
      ],
      [
        portal.approvalRequested,
        {
          approval_id: approvalId,
          client_id: clientId,
          title: 'Contract homepage',
          kind: 'text',
          file_id: null,
          version: 1,
          requested_by: null,
          new_version: false,
        },
      ],
      [
        portal.userInvited,
        {
          portal_user_id: portalUserId,
          client_id: clientId,
          contact_id: contactId,
          name: 'Contract Portal Person',
          email: 'person@contract.example',
          invited_by: null,
          reinvited: false,
        },
      ],
      [
        projects.taskMoved,
        {
          task_id: taskId,
          project_id: projectId,
          client_id: clientId,
          title: 'Contract Task',
          from_column_id: uuidv7(),
          to_column_id: uuidv7(),
          position: 'a1',
        },
      ],
    ];
    for (const [contract, payload] of events) {
      const parsed = contract.payload.parse(payload);
      const event: EventEnvelope = {
        id: uuidv7(),
        tenant_id: tenantId,
        type: contract.type,
        version: contract.version,
        payload: parsed,
        actor_id: null,
        aggregate_type: contract.aggregateType,
        aggregate_id: uuidv7(),
        occurred_at: new Date().toISOString(),
        correlation_id: 'contracts',
        causation_id: null,
      };
      await withTenant(testDb.db, { tenantId }, (trx) => indexDocuments.handle(event, handlerContext(trx, tenantId, 'contracts', event.id)));
    }
    const caller = createCaller(testContext({ db: testDb.db, session: searchSession({ userId: uuidv7(), tenantId, role: 'viewer' }), modules }));
    const result = await caller.query({ q: 'contract', limit: 20 });
    const byType = Object.fromEntries(result.groups.map((group) => [group.type, group.hits.map((hit) => [hit.id, hit.title, hit.subtitle])]));
    expect(byType).toEqual({
      client: [[clientId, 'Contract Client', 'contract.example']],
      contact: [[contactId, 'Contract Contact', 'cc@contract.example']],
      deal: [[dealId, 'Contract Deal', 'Proposal']],
      project: [[projectId, 'Contract Project', 'active']],
      task: [[taskId, 'Contract Task', 'open']],
      file: [[fileId, 'Contract signed.pdf', null]],
      email_thread: [[threadId, 'Contract renewal', 'jane@contract.example, anna@firm.example']],
      approval: [[approvalId, 'Contract homepage', 'Approval, version 1']],
      appointment: [[appointmentId, 'Contract review with Ana Lopez', '31 Mar 2026, 09:00 (Europe/Berlin)']],
      portal_user: [[portalUserId, 'Contract Portal Person', 'Portal user · person@contract.example']],
    });
  });

  it('reads payloads only through the contracts: one its contract rejects indexes nothing and is reported unreadable', async () => {
    const tenantId = uuidv7();
    const clientId = uuidv7();
    // A crm.client.created without the snapshot's other fields is not a crm.client.created.
    const partial = { client_id: clientId, name: 'Partial Client' };
    expect(crm.clientCreated.payload.safeParse(partial).success).toBe(false);
    const event: EventEnvelope = {
      id: uuidv7(),
      tenant_id: tenantId,
      type: crm.clientCreated.type,
      version: crm.clientCreated.version,
      payload: partial,
      actor_id: null,
      aggregate_type: crm.clientCreated.aggregateType,
      aggregate_id: clientId,
      occurred_at: new Date().toISOString(),
      correlation_id: 'contracts',
      causation_id: null,
    };
    const outcome = await withTenant<SearchDB, ApplyOutcome>(testDb.db, { tenantId }, (trx) => applyEvent(trx, event));
    expect(outcome).toBe('unreadable');
    const caller = createCaller(testContext({ db: testDb.db, session: searchSession({ userId: uuidv7(), tenantId, role: 'viewer' }), modules }));
    expect(await caller.query({ q: 'partial' })).toEqual({ groups: [], total: 0 });
  });
});
