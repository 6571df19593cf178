import type * as crm from '@ubos/crm/contracts';
import type * as projects from '@ubos/projects/contracts';
import {
  createDomainContext,
  createLogger,
  type DomainContext,
  type EventContract,
  type Role,
  type SessionInfo,
  type Transaction,
  type UntypedDB,
} from '@ubos/platform';
import { testSession } from '@ubos/platform/testing';
import { searchModule } from '../src/module.ts';
import { readPermissionOf } from '../src/service.ts';

export const modules = [searchModule];
const log = createLogger({ level: 'silent' });

/**
 * A member's session as the host resolves it: search's own permissions of the role plus the read
 * permissions search checks per hit type (crm.*.read, projects.project.read), which crm and projects
 * grant to every role. (A domain test may not import another domain's module, only its contracts.)
 */
export function searchSession(input: { userId: string; tenantId: string; role: Role }): SessionInfo {
  const session = testSession({ ...input, modules });
  return { ...session, permissions: new Set([...session.permissions, ...Object.values(readPermissionOf)]) };
}

/** The DomainContext a handler receives from the runner for an event of `tenantId`. */
export function handlerContext(trx: Transaction<UntypedDB>, tenantId: string, correlationId: string, causationId: string | null = null): DomainContext {
  return createDomainContext({ trx, tenantId, actorId: null, correlationId, causationId, log });
}

type PayloadOf<Contract> = Contract extends EventContract<string, infer Payload> ? Payload : never;
type WithDefaults<Payload, Keys extends keyof Payload> = Pick<Payload, Keys> & Partial<Payload>;
type ProjectPayload = PayloadOf<typeof projects.projectCreated>;
type TaskPayload = PayloadOf<typeof projects.taskCreated>;
type TaskUpdatedPayload = PayloadOf<typeof projects.taskUpdated>;
const PIPELINE_ID = '0190a000-0000-7000-8000-000000000001';
const STAGE_ID = '0190a000-0000-7000-8000-000000000002';
const COLUMN_ID = '0190a000-0000-7000-8000-000000000003';

/**
 * Contract-valid payloads of the events search indexes, with neutral defaults for the fields a test
 * does not care about (the indexer parses every payload through its publisher's contract).
 */
export const payloads = {
  client: (fields: WithDefaults<crm.ClientSnapshot, 'client_id' | 'name'>): crm.ClientSnapshot => ({
    domain: null,
    website: null,
    status: 'lead',
    owner_id: null,
    tags: [],
    custom_fields: {},
    ...fields,
  }),
  contact: (fields: WithDefaults<crm.ContactSnapshot, 'contact_id' | 'name'>): crm.ContactSnapshot => {
    const clientIds = fields.client_id ? [fields.client_id] : [];
    return {
      client_id: null,
      client_ids: clientIds,
      relationships: clientIds.map((clientId) => ({ client_id: clientId, role: null })),
      email: null,
      email_normalized: fields.email?.toLowerCase() ?? null,
      phone: null,
      title: null,
      owner_id: null,
      tags: [],
      custom_fields: {},
      ...fields,
    };
  },
  deal: (fields: WithDefaults<crm.DealSnapshot, 'deal_id' | 'client_id' | 'title' | 'stage_name'>): crm.DealSnapshot => ({
    contact_id: null,
    pipeline_id: PIPELINE_ID,
    stage_id: STAGE_ID,
    value_minor: 100_000,
    currency: 'EUR',
    expected_close: null,
    status: 'open',
    owner_id: null,
    custom_fields: {},
    ...fields,
  }),
  merged: (survivorId: string, mergedId: string): PayloadOf<typeof crm.clientMerged> => ({
    survivor_id: survivorId,
    merged_id: mergedId,
    client_id: survivorId,
  }),
  project: (fields: WithDefaults<ProjectPayload, 'project_id' | 'name'>): ProjectPayload => ({
    client_id: null,
    engagement_id: null,
    template_id: null,
    status: 'active',
    start_date: null,
    due_date: null,
    ...fields,
  }),
  task: (fields: WithDefaults<TaskPayload, 'task_id' | 'project_id' | 'title'>): TaskPayload => ({
    client_id: null,
    status: 'open',
    assignee_id: null,
    due_date: null,
    column_id: COLUMN_ID,
    milestone_id: null,
    ...fields,
  }),
  taskUpdated: (fields: WithDefaults<TaskUpdatedPayload, 'task_id' | 'project_id' | 'title'>): TaskUpdatedPayload => ({
    client_id: null,
    status: 'open',
    assignee_id: null,
    due_date: null,
    changed: [],
    ...fields,
  }),
};
