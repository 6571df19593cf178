import { clientMerged } from '@ubos/crm/contracts';
import { readEvent, type EventEnvelope, type HandlerContext, type Subscription } from '@ubos/platform';
import { repointMergedClient } from './service-projects.ts';

/** Re-points projects.client_id from the merged client to the survivor. Idempotent: a replay finds nothing left to move. */
export const followCrmMerges: Subscription = {
  name: 'projects.follow-crm-merges',
  events: [clientMerged.type],
  async handle(event: EventEnvelope, context: HandlerContext): Promise<void> {
    if (event.type !== clientMerged.type) return;
    // Validated against the publisher's contract (envelope and payload).
    const { payload } = readEvent(clientMerged, event);
    const moved = await repointMergedClient(context, payload.merged_id, payload.survivor_id);
    context.log.info({ event: event.id, moved }, 'projects re-pointed after client merge');
  },
};

export const projectsSubscriptions: readonly Subscription[] = [followCrmMerges];
