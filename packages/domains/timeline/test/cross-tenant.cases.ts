import { createCallerFactory, uuidv7, withTenant, writeEvent, type Context } from '@ubos/platform';
import { userCreated } from '@ubos/identity/contracts';
import { defineCrossTenantCases } from '@ubos/platform/testing';
import type { TimelineDB } from '../src/db.ts';
import { insertActivity } from '../src/repository.ts';
import { timelineRouter } from '../src/router.ts';

const createCaller = createCallerFactory(timelineRouter);

/** Timeline rows come only from events of the outbox: setup writes one for tenant A and records it as the subscription would. */
async function recordFor(ctx: Context, clientId: string): Promise<string> {
  const tenantId = ctx.session?.tenantId;
  if (!tenantId) throw new Error('cross-tenant setup needs a session with a tenant');
  const entityId = uuidv7();
  const actorId = ctx.session?.userId ?? null;
  const payload = { user_id: entityId, email: 'isolation@example.test', name: 'Isolation User' };
  const event = await withTenant(ctx.db, { tenantId }, (trx) =>
    writeEvent(trx, userCreated, payload, { tenantId, actorId, correlationId: 'cross-tenant', aggregateId: entityId }),
  );
  await withTenant<TimelineDB, boolean>(ctx.db, { tenantId }, (trx) =>
    insertActivity(trx, tenantId, event.id, {
      type: userCreated.type,
      eventVersion: userCreated.version,
      actorId,
      entityType: 'identity.user',
      entityId,
      clientId,
      summary: 'User Isolation User signed up (isolation@example.test)',
      payload,
      correlationId: 'cross-tenant',
      occurredAt: new Date().toISOString(),
    }),
  );
  return entityId;
}

/**
 * Run by apps/api/test/cross-tenant.test.ts for every procedure of timelineRouter: tenant B
 * filtering by tenant A's entity, client or actor sees nothing (RLS), and nothing is written.
 */
export const crossTenantCases = defineCrossTenantCases({
  createCaller: (ctx) => ({ timeline: createCaller(ctx), ctx }),
  setup: async (a) => {
    const clientId = uuidv7();
    const entityId = await recordFor(a.ctx, clientId);
    return { clientId, entityId, actorId: a.ctx.session?.userId ?? uuidv7() };
  },
  snapshot: (a) => a.timeline.list({}),
  cases: {
    // B's chain holds none of A's entries.
    verifyChain: { expect: 'own', call: (b) => b.timeline.verifyChain() },
    list: {
      expect: 'empty',
      call: (b, a) => b.timeline.list({ entity: { type: 'identity.user', id: a.entityId }, clientId: a.clientId, actorId: a.actorId }),
    },
  },
});
