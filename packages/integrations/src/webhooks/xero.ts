import type { VerifiedWebhookEvent, WebhookVerifier } from '@ubos/platform';
import { activeSecrets, hmacSha256, isRecord, matchesAnySecret, noSecret, parseJson, refuse, str } from './signing.ts';

/**
 * Xero webhooks: `x-xero-signature` is the base64 HMAC-SHA256 of the raw body under the webhook key.
 * The intent-to-receive check sends empty event lists with right and wrong signatures and expects 200
 * to the right ones and 401 to the wrong ones, each with an empty body.
 */
export const xeroVerifier: WebhookVerifier = {
  provider: 'xero',
  verify(request, secrets) {
    const keys = activeSecrets(secrets);
    if (keys.length === 0) return noSecret;
    const signature = request.headers['x-xero-signature']?.trim();
    if (!signature) return refuse('the x-xero-signature header is missing');
    if (!matchesAnySecret([signature], keys, (key) => hmacSha256(key, request.rawBody, 'base64'))) return refuse('the x-xero-signature does not match');
    const body = parseJson(request.rawBody);
    if (!isRecord(body)) return refuse('the signed body is not a JSON object', 400);
    const items = Array.isArray(body.events) ? body.events.filter(isRecord) : [];
    const events: VerifiedWebhookEvent[] = items.map((item) => {
      const category = str(item.eventCategory) ?? 'UNKNOWN';
      const type = str(item.eventType) ?? 'UNKNOWN';
      return {
        providerEventId: str(item.eventId) ?? `${str(item.tenantId) ?? ''}:${category}:${str(item.resourceId) ?? ''}:${type}:${str(item.eventDateUtc) ?? ''}`,
        eventType: `${category}.${type}`,
        payload: item,
      };
    });
    return { ok: true, events, reply: { status: 200, body: '', contentType: 'text/plain' } };
  },
};
