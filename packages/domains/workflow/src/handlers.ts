// Event subscriptions of the workflow domain (ARCHITECTURE.md §6).
import type { Subscription } from '@ubos/platform';
import { resumeWaitingSteps, startRunsForEvent, wakeupScheduler } from './runtime.ts';

/**
 * `workflow.trigger`: every delivered event is matched against the tenant's enabled definitions.
 * A match creates a run (at most one per definition and event id, enforced by a unique
 * constraint, so redelivery is harmless), its step rows, a `workflow.run.started` event and a
 * wake-up row; the engine's relay turns the wake-up into the first step's pg-boss job.
 */
export const workflowTrigger: Subscription = {
  name: 'workflow.trigger',
  events: ['*'],
  async handle(event, ctx) {
    const runs = await startRunsForEvent(ctx, event, wakeupScheduler);
    if (runs.length > 0) ctx.log.debug({ eventId: event.id, type: event.type, runs }, 'workflow runs started');
    const resumed = await resumeWaitingSteps(ctx, event, wakeupScheduler);
    if (resumed > 0) ctx.log.debug({ eventId: event.id, type: event.type, resumed }, 'waiting workflow steps woken');
  },
};
