import type { VerifiedWebhookEvent, WebhookVerifier } from '@ubos/platform';
import { activeSecrets, hmacSha256, isRecord, matchesAnySecret, noSecret, parseJson, refuse, str } from './signing.ts';

/**
 * QuickBooks Online webhooks: `intuit-signature` is the base64 HMAC-SHA256 of the raw body under the
 * app's verifier token. Two payload shapes: the classic `eventNotifications[].dataChangeEvent.entities[]`
 * (one event per entity change, id = realm + entity + id + operation + lastUpdated) and the CloudEvents
 * array (`[{ id, type: 'qbo.invoice.created.v1', intuitentityid, ... }]`, id = the CloudEvent id).
 */
export const quickbooksVerifier: WebhookVerifier = {
  provider: 'quickbooks',
  verify(request, secrets) {
    const keys = activeSecrets(secrets);
    if (keys.length === 0) return noSecret;
    const signature = request.headers['intuit-signature']?.trim();
    if (!signature) return refuse('the intuit-signature header is missing');
    if (!matchesAnySecret([signature], keys, (key) => hmacSha256(key, request.rawBody, 'base64'))) return refuse('the intuit-signature does not match');
    const body = parseJson(request.rawBody);
    const events: VerifiedWebhookEvent[] = [];
    if (Array.isArray(body)) {
      for (const cloudEvent of body.filter(isRecord)) {
        events.push({ providerEventId: str(cloudEvent.id) ?? '', eventType: str(cloudEvent.type) ?? 'unknown', payload: cloudEvent });
      }
    } else if (isRecord(body) && Array.isArray(body.eventNotifications)) {
      for (const notification of body.eventNotifications.filter(isRecord)) {
        const realmId = str(notification.realmId) ?? '';
        const change = isRecord(notification.dataChangeEvent) ? notification.dataChangeEvent : {};
        const entities = Array.isArray(change.entities) ? change.entities.filter(isRecord) : [];
        for (const entity of entities) {
          const name = str(entity.name) ?? 'Unknown';
          const operation = str(entity.operation) ?? 'Unknown';
          events.push({
            providerEventId: `${realmId}:${name}:${str(entity.id) ?? ''}:${operation}:${str(entity.lastUpdated) ?? ''}`,
            eventType: `${name}.${operation}`,
            payload: { realmId, ...entity },
          });
        }
      }
    } else {
      return refuse('the signed body is not a QuickBooks notification', 400);
    }
    return { ok: true, events: events.filter((event) => event.providerEventId.length > 0) };
  },
};
