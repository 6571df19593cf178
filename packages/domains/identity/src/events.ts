import { writeEvent, type Context, type EventContract, type Kysely } from '@ubos/platform';
import type { IdentityDB } from './db.ts';

/**
 * Writes an identity event in the caller's transaction. The envelope's tenant is the
 * organization concerned; the transaction must have that tenant set (outbox RLS).
 */
export async function emit<Payload extends Record<string, unknown>>(
  trx: Kysely<IdentityDB>,
  contract: EventContract<string, Payload>,
  payload: Payload,
  meta: { tenantId: string; actorId: string | null; aggregateId: string; correlationId: string; causationId?: string | null },
): Promise<void> {
  await writeEvent(trx as unknown as Kysely<unknown>, contract, payload, meta);
}

export function requestMeta(ctx: Pick<Context, 'correlationId'>, tenantId: string, actorId: string | null, aggregateId: string) {
  return { tenantId, actorId, aggregateId, correlationId: ctx.correlationId, causationId: null };
}
