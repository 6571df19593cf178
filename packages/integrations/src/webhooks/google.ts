import type { WebhookVerifier } from '@ubos/platform';
import { activeSecrets, matchesAnySecret, noSecret, refuse } from './signing.ts';

/**
 * Google push notifications (Calendar and Drive `watch` channels): no signature, but the channel's
 * `token` (set by us when watching) comes back in `X-Goog-Channel-Token`. The body is empty: the
 * handler syncs. Event id = channel id + message number (Google repeats the number on a redelivery).
 */
export const googleVerifier: WebhookVerifier = {
  provider: 'google',
  verify(request, secrets) {
    const keys = activeSecrets(secrets);
    if (keys.length === 0) return noSecret;
    const token = request.headers['x-goog-channel-token'];
    if (!token) return refuse('the X-Goog-Channel-Token header is missing');
    if (!matchesAnySecret([token], keys, (key) => key)) return refuse('the channel token does not match');
    const channelId = request.headers['x-goog-channel-id'] ?? '';
    const messageNumber = request.headers['x-goog-message-number'] ?? '';
    const resourceState = request.headers['x-goog-resource-state'] ?? 'unknown';
    if (!channelId || !messageNumber) return refuse('the X-Goog-Channel-ID or X-Goog-Message-Number header is missing');
    return {
      ok: true,
      events: [
        {
          providerEventId: `${channelId}:${messageNumber}`,
          eventType: resourceState,
          payload: {
            channel_id: channelId,
            message_number: messageNumber,
            resource_state: resourceState,
            resource_id: request.headers['x-goog-resource-id'] ?? null,
            resource_uri: request.headers['x-goog-resource-uri'] ?? null,
            channel_expiration: request.headers['x-goog-channel-expiration'] ?? null,
            needs_refetch: true,
          },
        },
      ],
    };
  },
};
