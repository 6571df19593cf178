import { sql, type Kysely, type Transaction } from 'kysely';
import { uuidv7 } from '../ids.ts';
import { currentTraceparent, withSpan } from '../tracing.ts';
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
  /** W3C traceparent of the writing transaction (null when tracing was off). */
  trace_context?: string | null;
}

export interface PlatformDB {
  'platform.outbox': OutboxRow;
}

/** One event to write: its payload and the id of the aggregate it is about. */
export interface EventItem<Payload> {
  payload: Payload;
  aggregateId: string;
}

/** Rows per INSERT statement of a bulk write (12 parameters each, well under Postgres's 65,535). */
const ROWS_PER_INSERT = 1000;

function envelopeOf<Payload extends Record<string, unknown>>(
  contract: EventContract<string, Payload>,
  item: EventItem<Payload>,
  meta: EventMeta,
  occurredAt: string,
  traceparent: string | null,
): EventEnvelope {
  return eventEnvelopeSchema.parse({
    ...(traceparent ? { trace_context: traceparent } : {}),
    id: uuidv7(),
    tenant_id: meta.tenantId,
    type: contract.type,
    version: contract.version,
    payload: contract.payload.parse(item.payload),
    actor_id: meta.actorId,
    aggregate_type: contract.aggregateType,
    aggregate_id: item.aggregateId,
    occurred_at: occurredAt,
    correlation_id: meta.correlationId,
    causation_id: meta.causationId ?? null,
  });
}

async function insertEnvelopes(trx: Transaction<unknown> | Kysely<unknown>, envelopes: readonly EventEnvelope[]): Promise<void> {
  const first = envelopes[0];
  await withSpan('outbox.write', { 'ubos.event.type': first?.type ?? '', 'ubos.event.count': envelopes.length }, () => insertRows(trx, envelopes));
  if (first) eventsWritten.inc({ type: first.type }, envelopes.length);
}

async function insertRows(trx: Transaction<unknown> | Kysely<unknown>, envelopes: readonly EventEnvelope[]): Promise<void> {
  for (let start = 0; start < envelopes.length; start += ROWS_PER_INSERT) {
    const rows = envelopes.slice(start, start + ROWS_PER_INSERT).map(
      (e) => sql`(${e.id}::uuid, ${e.tenant_id}::uuid, ${e.type}, ${e.version}::int, ${JSON.stringify(e.payload)}::jsonb, ${e.actor_id}::uuid,
        ${e.aggregate_type}, ${e.aggregate_id}, ${e.correlation_id}, ${e.causation_id}, ${e.occurred_at}::timestamptz, ${e.trace_context ?? null})`,
    );
    await sql`
      INSERT INTO platform.outbox
        (id, tenant_id, type, version, payload, actor_id, aggregate_type, aggregate_id, correlation_id, causation_id, occurred_at, trace_context)
      VALUES ${sql.join(rows)}`.execute(trx as Kysely<unknown>);
  }
}

/**
 * Writes one event into platform.outbox inside the caller's transaction, so the event
 * exists exactly when the business write commits. The payload is validated against the
 * contract first: a bad payload throws and the whole transaction rolls back.
 * Domain code calls `ctx.emit()` (DomainContext); this is the kernel's primitive under it.
 */
export async function writeEvent<Payload extends Record<string, unknown>>(
  trx: Transaction<unknown> | Kysely<unknown>,
  contract: EventContract<string, Payload>,
  payload: Payload,
  meta: EventMeta & { aggregateId: string },
): Promise<EventEnvelope> {
  const envelope = envelopeOf(contract, { payload, aggregateId: meta.aggregateId }, meta, new Date().toISOString(), currentTraceparent());
  await insertEnvelopes(trx, [envelope]);
  return envelope;
}

/**
 * Writes many events of one contract with one INSERT per 1,000 events, in the caller's
 * transaction: same validation, envelope and metrics as writeEvent, for commands that create
 * thousands of records at once (CSV import) so each record still gets its own event.
 */
export async function writeEvents<Payload extends Record<string, unknown>>(
  trx: Transaction<unknown> | Kysely<unknown>,
  contract: EventContract<string, Payload>,
  items: readonly EventItem<Payload>[],
  meta: EventMeta,
): Promise<EventEnvelope[]> {
  if (items.length === 0) return [];
  const occurredAt = new Date().toISOString();
  const traceparent = currentTraceparent();
  const envelopes = items.map((item) => envelopeOf(contract, item, meta, occurredAt, traceparent));
  await insertEnvelopes(trx, envelopes);
  return envelopes;
}

export function rowToEnvelope(row: OutboxRow): EventEnvelope {
  return eventEnvelopeSchema.parse({
    ...(row.trace_context ? { trace_context: row.trace_context } : {}),
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
