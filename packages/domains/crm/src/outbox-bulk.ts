import { eventEnvelopeSchema, sql, uuidv7, type EventContract, type EventMeta, type Transaction, type UntypedDB } from '@ubos/platform';

/**
 * Writes many events of one contract into platform.outbox with one INSERT per 1,000 events,
 * in the caller's transaction. Same envelope and validation as the kernel's writeEvent (payload
 * parsed by the contract, envelope by eventEnvelopeSchema); used where a single command
 * creates thousands of records (CSV import), so each record still gets its own event.
 */
export async function writeEvents<Payload extends Record<string, unknown>>(
  trx: Transaction<UntypedDB>,
  contract: EventContract<string, Payload>,
  items: readonly { payload: Payload; aggregateId: string }[],
  meta: EventMeta,
): Promise<void> {
  const occurredAt = new Date().toISOString();
  const envelopes = items.map((item) =>
    eventEnvelopeSchema.parse({
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
    }),
  );
  for (let i = 0; i < envelopes.length; i += 1000) {
    const rows = envelopes.slice(i, i + 1000).map(
      (e) => sql`(${e.id}::uuid, ${e.tenant_id}::uuid, ${e.type}, ${e.version}::int, ${JSON.stringify(e.payload)}::jsonb, ${e.actor_id}::uuid,
        ${e.aggregate_type}, ${e.aggregate_id}, ${e.correlation_id}, ${e.causation_id}, ${e.occurred_at}::timestamptz)`,
    );
    await sql`
      INSERT INTO platform.outbox
        (id, tenant_id, type, version, payload, actor_id, aggregate_type, aggregate_id, correlation_id, causation_id, occurred_at)
      VALUES ${sql.join(rows)}`.execute(trx);
  }
}
