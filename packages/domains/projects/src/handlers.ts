import { tenantDb, type EventEnvelope, type HandlerContext, type Subscription } from '@ubos/platform';
import { z } from 'zod';
import type { ProjectsDB } from './db.ts';
import { repointMergedClient } from './service.ts';

/**
 * The fields of `crm.client.merged` this domain needs, parsed locally so projects depends on
 * nothing but the event's documented shape ({ survivor_id, merged_id }).
 */
const clientMergedPayload = z.object({ survivor_id: z.uuid(), merged_id: z.uuid() });

/** Re-points projects.client_id from the merged client to the survivor. Idempotent: a replay finds nothing left to move. */
export const followCrmMerges: Subscription = {
  name: 'projects.follow-crm-merges',
  events: ['crm.client.merged'],
  async handle(event: EventEnvelope, context: HandlerContext): Promise<void> {
    if (event.type !== 'crm.client.merged') return;
    const payload = clientMergedPayload.parse(event.payload);
    const moved = await repointMergedClient(
      {
        trx: tenantDb<ProjectsDB>(context),
        tenantId: event.tenant_id,
        userId: event.actor_id,
        eventMeta: context.eventMeta,
      },
      payload.merged_id,
      payload.survivor_id,
    );
    context.log.info({ event: event.id, moved }, 'projects re-pointed after client merge');
  },
};

export const projectsSubscriptions: readonly Subscription[] = [followCrmMerges];
