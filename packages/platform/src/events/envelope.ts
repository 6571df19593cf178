import { z } from 'zod';

/**
 * `domain.entity.happened`, or `domain.happened` for an event about the domain's principal itself
 * (the portal's public `portal.accessed`, issue 14).
 */
export const eventTypePattern = /^[a-z][a-z0-9]*(\.[a-z][a-z0-9_]*){1,}$/;

export const eventEnvelopeSchema = z.object({
  id: z.uuid(),
  tenant_id: z.uuid(),
  type: z.string().regex(eventTypePattern, 'event type must look like "domain.entity.happened" or "domain.happened"'),
  version: z.number().int().min(1),
  payload: z.record(z.string(), z.unknown()),
  actor_id: z.uuid().nullable(),
  aggregate_type: z.string().nullable(),
  aggregate_id: z.string().nullable(),
  occurred_at: z.string(),
  correlation_id: z.string().min(1),
  causation_id: z.string().nullable(),
  /** W3C traceparent of the transaction that wrote it, when tracing is on (handlers continue its trace). */
  trace_context: z.string().max(200).optional(),
});

export type EventEnvelope = z.infer<typeof eventEnvelopeSchema>;

/** A versioned event contract: the type name, its version and the zod schema of its payload. */
export interface EventContract<Type extends string = string, Payload extends Record<string, unknown> = Record<string, unknown>> {
  readonly type: Type;
  readonly version: number;
  readonly payload: z.ZodType<Payload>;
  /** The aggregate this event is about, used for ordering and for the timeline. */
  readonly aggregateType: string;
}

export function defineEvent<Type extends string, Payload extends Record<string, unknown>>(definition: {
  type: Type;
  version: number;
  aggregateType: string;
  payload: z.ZodType<Payload>;
}): EventContract<Type, Payload> {
  if (!eventTypePattern.test(definition.type)) {
    throw new Error(`Event type "${definition.type}" must look like "domain.entity.happened" or "domain.happened"`);
  }
  return definition;
}

export interface TypedEvent<Payload> extends Omit<EventEnvelope, 'payload'> {
  payload: Payload;
}

/** Validates an envelope read back from the outbox or a queue, and its payload against the contract. */
export function readEvent<Payload extends Record<string, unknown>>(contract: EventContract<string, Payload>, raw: unknown): TypedEvent<Payload> {
  const envelope = eventEnvelopeSchema.parse(raw);
  if (envelope.type !== contract.type) {
    throw new Error(`Expected event ${contract.type}, got ${envelope.type}`);
  }
  return { ...envelope, payload: contract.payload.parse(envelope.payload) };
}
