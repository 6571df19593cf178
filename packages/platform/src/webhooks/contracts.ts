import { z } from 'zod';
import { defineEvent } from '../events/envelope.ts';
import { providers } from '../integrations/ports.ts';

/**
 * A verified provider webhook was stored (§7, §10): emitted once per provider event, in the
 * transaction that inserted the delivery, so a subscription processes it exactly once. No secret and
 * no body: the handler reads the delivery (`readWebhookDelivery`) and, when `needs_refetch` is set
 * (Dropbox Sign, Google and Graph notifications say only "something changed"), the object itself.
 */
export const webhookReceived = defineEvent({
  type: 'platform.integrations.webhook.received',
  version: 1,
  aggregateType: 'platform.webhook_delivery',
  payload: z.object({
    provider: z.enum(providers),
    connection_id: z.uuid(),
    delivery_id: z.uuid(),
    provider_event_id: z.string().min(1),
    event_type: z.string(),
    needs_refetch: z.boolean(),
  }),
});

export type WebhookReceivedPayload = z.infer<typeof webhookReceived.payload>;

export const webhookEvents = [webhookReceived] as const;
