import { readEvent, type Subscription } from '@ubos/platform';
import { milestoneReached as projectMilestoneReached } from '../../projects/src/contracts.ts';
import { today } from './service-invoices.ts';
import { milestoneReached } from './service-plans.ts';

/**
 * Event subscriptions of the revenue domain (ARCHITECTURE.md §5). None yet. A handler parses
 * another domain's event through that domain's contract (`@ubos/<other>/contracts`), must be
 * idempotent, and may only subscribe to event types some module publishes (checked at boot).
 */
export const revenueSubscriptions: readonly Subscription[] = [
  {
    // A milestones plan issues its part when the project milestone it names is reached (once: plan + period is unique).
    name: 'revenue.plan-milestones',
    events: [projectMilestoneReached.type],
    async handle(event, ctx) {
      const reached = readEvent(projectMilestoneReached, event);
      await milestoneReached(ctx, reached.payload.milestone_id, today());
    },
  },
];
