import { createCallerFactory, uuidv7, withTenant, type Context } from '@ubos/platform';
import { defineCrossTenantCases } from '@ubos/platform/testing';
import type { TimelineDB } from '../src/db.ts';
import { insertActivity } from '../src/repository.ts';
import { timelineRouter } from '../src/router.ts';

const createCaller = createCallerFactory(timelineRouter);

/** Timeline rows come only from events: setup records one for tenant A as the subscription would. */
async function recordFor(ctx: Context, clientId: string): Promise<string> {
  const tenantId = ctx.session?.tenantId;
  if (!tenantId) throw new Error('cross-tenant setup needs a session with a tenant');
  const entityId = uuidv7();
  await withTenant<TimelineDB, boolean>(ctx.db, { tenantId }, (trx) =>
    insertActivity(trx, tenantId, uuidv7(), {
      type: 'crm.client.created',
      eventVersion: 1,
      actorId: ctx.session?.userId ?? null,
      entityType: 'crm.client',
      entityId,
      clientId,
      summary: 'Client created: Isolation Client',
      payload: { client_id: clientId, name: 'Isolation Client' },
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
    list: {
      expect: 'empty',
      call: (b, a) => b.timeline.list({ entity: { type: 'crm.client', id: a.entityId }, clientId: a.clientId, actorId: a.actorId }),
    },
  },
});
