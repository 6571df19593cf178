import type { Subscription } from '@ubos/platform';
import { TIMELINE_SUBSCRIPTION } from './contracts.ts';
import type { TimelineDB } from './db.ts';
import { insertActivity } from './repository.ts';
import { activityOf } from './summary.ts';

/** Records every domain event (identity included) as one timeline row. */
export const recordActivity: Subscription = {
  name: TIMELINE_SUBSCRIPTION,
  events: ['*'],
  // Every event of every domain lands here: the busiest queue, so it gets the most pollers.
  batchSize: 50,
  concurrency: 4,
  async handle(event, ctx) {
    await insertActivity(ctx.db<TimelineDB>(), event.tenant_id, event.id, activityOf(event));
  },
};

export const timelineSubscriptions: readonly Subscription[] = [recordActivity];
