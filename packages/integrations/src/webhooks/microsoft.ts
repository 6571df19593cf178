import type { VerifiedWebhookEvent, WebhookVerifier } from '@ubos/platform';
import { activeSecrets, isRecord, matchesAnySecret, noSecret, parseJson, refuse, str } from './signing.ts';

/** Graph's validation tokens are opaque text; anything longer or with markup is not one. */
const VALIDATION_TOKEN = /^[\x20-\x7e]{1,1024}$/;

/**
 * Microsoft Graph change notifications. Subscribing makes Graph call the URL with `?validationToken=`
 * and expect it echoed as text/plain within 10 s (nothing is stored). Each notification in `value[]`
 * carries the `clientState` we set on the subscription; every one must match. Graph has no
 * notification id: subscription + change + resource + etag (or expiry) is stable across its retries.
 */
export const microsoftVerifier: WebhookVerifier = {
  provider: 'microsoft',
  verify(request, secrets) {
    const validationToken = request.query.validationToken;
    if (validationToken !== undefined) {
      if (!VALIDATION_TOKEN.test(validationToken)) return refuse('the validationToken is not printable text', 400);
      return { ok: true, events: [], reply: { status: 200, body: validationToken, contentType: 'text/plain' } };
    }
    const keys = activeSecrets(secrets);
    if (keys.length === 0) return noSecret;
    const body = parseJson(request.rawBody);
    const notifications = isRecord(body) && Array.isArray(body.value) ? body.value.filter(isRecord) : null;
    if (!notifications || notifications.length === 0) return refuse('the body carries no notifications');
    const events: VerifiedWebhookEvent[] = [];
    for (const notification of notifications) {
      const clientState = str(notification.clientState);
      if (!clientState) return refuse('a notification carries no clientState');
      if (!matchesAnySecret([clientState], keys, (key) => key)) return refuse('a notification carries the wrong clientState');
      const resourceData = isRecord(notification.resourceData) ? notification.resourceData : {};
      const changeType = str(notification.changeType) ?? str(notification.lifecycleEvent) ?? 'unknown';
      const version = str(resourceData['@odata.etag']) ?? str(notification.subscriptionExpirationDateTime) ?? '';
      const { clientState: _secret, ...withoutSecret } = notification;
      events.push({
        providerEventId: `${str(notification.subscriptionId) ?? ''}:${changeType}:${str(notification.resource) ?? str(resourceData.id) ?? ''}:${version}`,
        eventType: changeType,
        payload: { ...withoutSecret, needs_refetch: true },
      });
    }
    return { ok: true, events, reply: { status: 202, body: '', contentType: 'text/plain' } };
  },
};
