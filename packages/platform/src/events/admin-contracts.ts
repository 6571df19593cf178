import { z } from 'zod';
import { defineEvent } from './envelope.ts';

/**
 * What the event-admin procedures record (§5): every admin mutation leaves an event, so the
 * timeline shows who redrove or replayed what, and when. Payloads never carry event bodies.
 */
export const deadLettersRedriven = defineEvent({
  type: 'platform.events.dead_letters_redriven',
  version: 1,
  aggregateType: 'platform.subscription',
  payload: z.object({
    subscriptions: z.array(z.string()),
    dead_letter_ids: z.array(z.uuid()).nullable(),
    redriven: z.number().int().min(0),
  }),
});

export const eventsReplayed = defineEvent({
  type: 'platform.events.replayed',
  version: 1,
  aggregateType: 'platform.subscription',
  payload: z.object({
    subscription: z.string(),
    from: z.string(),
    reset: z.boolean(),
    enqueued: z.number().int().min(0),
    reset_count: z.number().int().min(0),
  }),
});

export const eventAdminEvents = [deadLettersRedriven, eventsReplayed] as const;
