import type { EventEnvelope } from '@ubos/platform';
import { z } from 'zod';
import type { SearchableType } from './contracts.ts';
import * as repo from './repository.ts';
import type { SearchTrx } from './repository.ts';

/**
 * Turns crm.* and projects.* events into search documents. Payloads are read through small local
 * zod schemas of the few fields search needs (domains share event shapes, never code), tolerant
 * of optional fields so partial update events patch what they carry.
 */
const uuid = z.uuid();
/** Optional display text: null, missing and blank all mean "not carried by this event". */
const text = z
  .string()
  .nullish()
  .transform((value) => (value && value.trim() ? value.trim() : undefined));
const loosePayload = z
  .object({
    id: uuid.nullish(),
    client_id: uuid.nullish(),
    contact_id: uuid.nullish(),
    deal_id: uuid.nullish(),
    project_id: uuid.nullish(),
    task_id: uuid.nullish(),
    survivor_id: uuid.nullish(),
    merged_id: uuid.nullish(),
    name: text,
    display_name: text,
    full_name: text,
    first_name: text,
    last_name: text,
    title: text,
    email: z.string().nullable().optional(),
    domain: z.string().nullable().optional(),
    website: z.string().nullable().optional(),
    status: z.string().nullable().optional(),
    lifecycle_status: z.string().nullable().optional(),
    stage: z.string().nullable().optional(),
    stage_name: z.string().nullable().optional(),
    description: z.string().nullable().optional(),
  })
  .loose();
type Payload = z.infer<typeof loosePayload>;

type Operation = 'upsert' | 'delete' | 'merge';

interface Rule {
  type: SearchableType;
  operation: Operation;
}

const rules: Record<string, Rule> = {};
function on(types: string[], rule: Rule): void {
  for (const type of types) rules[type] = rule;
}
on(['crm.client.created', 'crm.client.updated', 'crm.client.restored'], { type: 'client', operation: 'upsert' });
on(['crm.client.archived'], { type: 'client', operation: 'delete' });
on(['crm.client.merged'], { type: 'client', operation: 'merge' });
on(['crm.contact.created', 'crm.contact.updated', 'crm.contact.restored'], { type: 'contact', operation: 'upsert' });
on(['crm.contact.archived'], { type: 'contact', operation: 'delete' });
on(['crm.contact.merged'], { type: 'contact', operation: 'merge' });
on(['crm.deal.created', 'crm.deal.updated', 'crm.deal.stage_changed', 'crm.deal.won', 'crm.deal.lost'], {
  type: 'deal',
  operation: 'upsert',
});
on(['crm.deal.archived'], { type: 'deal', operation: 'delete' });
on(['projects.project.created', 'projects.project.updated', 'projects.project.completed'], { type: 'project', operation: 'upsert' });
on(['projects.task.created', 'projects.task.updated', 'projects.task.moved', 'projects.task.completed'], { type: 'task', operation: 'upsert' });

/** Every event type the indexer reacts to (the subscription's queue filter). */
export const indexedEventTypes: readonly string[] = Object.keys(rules);

function entityId(type: SearchableType, payload: Payload, event: EventEnvelope): string | null {
  const specific = { client: payload.client_id, contact: payload.contact_id, deal: payload.deal_id, project: payload.project_id, task: payload.task_id }[type];
  const candidate = (type === 'client' ? (payload.id ?? specific) : (specific ?? payload.id)) ?? event.aggregate_id;
  return candidate && uuid.safeParse(candidate).success ? candidate : null;
}

function titleOf(type: SearchableType, payload: Payload): string | null {
  if (type === 'contact') {
    const joined = [payload.first_name, payload.last_name].filter((part) => part !== undefined).join(' ');
    return payload.name ?? payload.full_name ?? payload.display_name ?? (joined || null);
  }
  if (type === 'task' || type === 'deal') return payload.title ?? payload.name ?? null;
  return payload.name ?? payload.display_name ?? payload.title ?? null;
}

function subtitleOf(type: SearchableType, payload: Payload): string | null | undefined {
  switch (type) {
    case 'client':
      return payload.domain ?? payload.website ?? payload.email ?? payload.lifecycle_status ?? payload.status;
    case 'contact':
      return payload.email;
    case 'deal':
      return payload.stage_name ?? payload.stage ?? payload.status;
    default:
      return payload.status;
  }
}

export type ApplyOutcome = 'indexed' | 'skipped' | 'unreadable';

/** Applies one event to the current tenant's documents. Idempotent; safe to replay in order. */
export async function applyEvent(trx: SearchTrx, event: EventEnvelope): Promise<ApplyOutcome> {
  const rule = rules[event.type];
  if (!rule) return 'skipped';
  const parsed = loosePayload.safeParse(event.payload);
  if (!parsed.success) return 'unreadable';
  const payload = parsed.data;
  if (rule.operation === 'merge') {
    if (!payload.merged_id || !payload.survivor_id) return 'unreadable';
    await repo.deleteDocument(trx, rule.type, payload.merged_id);
    if (rule.type === 'client') await repo.repointClient(trx, payload.merged_id, payload.survivor_id);
    return 'indexed';
  }
  const id = entityId(rule.type, payload, event);
  if (!id) return 'unreadable';
  if (rule.operation === 'delete') {
    await repo.deleteDocument(trx, rule.type, id);
    return 'indexed';
  }
  const title = titleOf(rule.type, payload);
  const subtitle = subtitleOf(rule.type, payload);
  const clientId = rule.type === 'client' ? null : payload.client_id;
  const parentId = rule.type === 'task' ? (payload.project_id ?? null) : null;
  if (title === null) {
    // A partial update without the display name: patch what it carries.
    await repo.patchDocument(
      trx,
      rule.type,
      id,
      {
        ...(subtitle !== undefined ? { subtitle } : {}),
        ...(clientId !== undefined ? { client_id: clientId } : {}),
      },
      event.occurred_at,
    );
    return 'indexed';
  }
  await repo.upsertDocument(trx, {
    tenant_id: event.tenant_id,
    entity_type: rule.type,
    entity_id: id,
    title: title.slice(0, 500),
    subtitle: subtitle ?? null,
    body: payload.description ?? null,
    client_id: clientId ?? null,
    parent_id: parentId,
    source_event_id: event.id,
    source_occurred_at: event.occurred_at,
  });
  return 'indexed';
}
