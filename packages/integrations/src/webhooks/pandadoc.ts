import type { VerifiedWebhookEvent, WebhookVerifier } from '@ubos/platform';
import { activeSecrets, hmacSha256, isRecord, matchesAnySecret, noSecret, parseJson, refuse, str } from './signing.ts';

/**
 * PandaDoc webhooks: `?signature=` is the hex HMAC-SHA256 of the raw body under the webhook's shared
 * key; the body is a JSON array of `{ event, data }` (one delivery may batch several). The event id is
 * the `X-PandaDoc-Webhook-Event-Id` header (stable across PandaDoc's retries), else document + event +
 * status + modification time.
 */
export const pandadocVerifier: WebhookVerifier = {
  provider: 'pandadoc',
  verify(request, secrets) {
    const keys = activeSecrets(secrets);
    if (keys.length === 0) return noSecret;
    const signature = request.query.signature?.trim().toLowerCase();
    if (!signature) return refuse('the signature query parameter is missing');
    if (!matchesAnySecret([signature], keys, (key) => hmacSha256(key, request.rawBody, 'hex'))) return refuse('the signature does not match');
    const body = parseJson(request.rawBody);
    const items = Array.isArray(body) ? body : isRecord(body) ? [body] : null;
    if (!items) return refuse('the signed body is not JSON', 400);
    // PandaDoc's stable delivery id (kept across its retries), per event of a batch.
    const deliveryId = request.headers['x-pandadoc-webhook-event-id']?.trim();
    const records = items.filter(isRecord);
    const events: VerifiedWebhookEvent[] = records.map((item, index) => {
      const data = isRecord(item.data) ? item.data : {};
      const eventType = str(item.event) ?? 'unknown';
      const providerEventId =
        (deliveryId ? (records.length === 1 ? deliveryId : `${deliveryId}:${index}`) : undefined) ??
        str(item.event_id) ??
        `${str(data.id) ?? ''}:${eventType}:${str(data.status) ?? ''}:${str(data.date_modified) ?? str(data.date_updated) ?? str(data.date_created) ?? ''}`;
      return { providerEventId, eventType, payload: item };
    });
    return { ok: true, events };
  },
};
