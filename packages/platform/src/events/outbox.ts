import { sql, type Kysely, type Transaction } from 'kysely';
import { uuidv7 } from '../ids.ts';
import { eventEnvelopeSchema, type EventContract, type EventEnvelope } from './envelope.ts';
import { eventsWritten } from './metrics.ts';

export interface EventMeta {
  tenantId: string;
  actorId: string | null;
  correlationId: string;
  causationId?: string | null;
}

export interface OutboxRow {
  position: number;
  id: string;
  tenant_id: string;
  type: string;
  version: number;
  payload: Record<string, unknown>;
  actor_id: string | null;
  aggregate_type: string | null;
  aggregate_id: string | null;
  correlation_id: string;
  causation_id: string | null;
  occurred_at: Date;
  dispatched_at: Date | null;
}

export interface PlatformDB {
  'platform.outbox': OutboxRow;
}

/**
 * Writes one event into platform.outbox inside the caller's transaction, so the event
 * exists exactly when the business write commits. The payload is validated against the
 * contract first: a bad payload throws and the whole transaction rolls back.
 */
export async function writeEvent<Payload extends Record<string, unknown>>(
  trx: Transaction<unknown> | Kysely<unknown>,
  contract: EventContract<string, Payload>,
  payload: Payload,
  meta: EventMeta & { aggregateId: string },
): Promise<EventEnvelope> {
  const parsedPayload = contract.payload.parse(payload);
  const envelope = eventEnvelopeSchema.parse({
    id: uuidv7(),
    tenant_id: meta.tenantId,
    type: contract.type,
    version: contract.version,
    payload: parsedPayload,
    actor_id: meta.actorId,
    aggregate_type: contract.aggregateType,
    aggregate_id: meta.aggregateId,
    occurred_at: new Date().toISOString(),
    correlation_id: meta.correlationId,
    causation_id: meta.causationId ?? null,
  });
  await sql`
    INSERT INTO platform.outbox
      (id, tenant_id, type, version, payload, actor_id, aggregate_type, aggregate_id, correlation_id, causation_id, occurred_at)
    VALUES
      (${envelope.id}, ${envelope.tenant_id}, ${envelope.type}, ${envelope.version}, ${JSON.stringify(envelope.payload)}::jsonb,
       ${envelope.actor_id}, ${envelope.aggregate_type}, ${envelope.aggregate_id}, ${envelope.correlation_id},
       ${envelope.causation_id}, ${envelope.occurred_at}::timestamptz)
  `.execute(trx as Kysely<unknown>);
  eventsWritten.inc({ type: envelope.type });
  return envelope;
}

export function rowToEnvelope(row: OutboxRow): EventEnvelope {
  return eventEnvelopeSchema.parse({
    id: row.id,
    tenant_id: row.tenant_id,
    type: row.type,
    version: row.version,
    payload: row.payload,
    actor_id: row.actor_id,
    aggregate_type: row.aggregate_type,
    aggregate_id: row.aggregate_id,
    occurred_at: row.occurred_at instanceof Date ? row.occurred_at.toISOString() : String(row.occurred_at),
    correlation_id: row.correlation_id,
    causation_id: row.causation_id,
  });
}
