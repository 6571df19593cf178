import type { Subscription } from '@ubos/platform';
import { startRunsForEvent, wakeupScheduler } from './runtime.ts';

/**
 * `workflow.trigger`: every delivered event is matched against the tenant's enabled definitions.
 * A match creates a run (at most one per definition and event id, enforced by a unique
 * constraint, so redelivery is harmless), its step rows, a `workflow.run.started` event and a
 * wake-up row; the engine's dispatcher turns the wake-up into the first step's pg-boss job.
 */
export const workflowTrigger: Subscription = {
  name: 'workflow.trigger',
  events: ['*'],
  async handle(event, context) {
    const runs = await startRunsForEvent(context.trx, event, wakeupScheduler);
    if (runs.length > 0) context.log.debug({ eventId: event.id, type: event.type, runs }, 'workflow runs started');
  },
};
