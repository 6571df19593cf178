import type { VerifiedWebhookEvent, WebhookVerifier } from '@ubos/platform';
import { activeSecrets, hmacSha256, isRecord, matchesAnySecret, noSecret, parseJson, refuse, str } from './signing.ts';

/**
 * DocuSign Connect (JSON, SIM or aggregate): `X-DocuSign-Signature-1..N` each carry the base64
 * HMAC-SHA256 of the raw body under one of the account's Connect HMAC keys (up to 100 are sent during
 * a rotation); the delivery is genuine when any header matches any active key.
 */
export const docusignVerifier: WebhookVerifier = {
  provider: 'docusign',
  verify(request, secrets) {
    const keys = activeSecrets(secrets);
    if (keys.length === 0) return noSecret;
    const signatures = Object.entries(request.headers)
      .filter(([name, value]) => /^x-docusign-signature-\d{1,3}$/.test(name) && value)
      .map(([, value]) => (value ?? '').trim());
    if (signatures.length === 0) return refuse('no X-DocuSign-Signature-N header is present');
    if (!matchesAnySecret(signatures, keys, (key) => hmacSha256(key, request.rawBody, 'base64'))) return refuse('no X-DocuSign-Signature matches');
    const body = parseJson(request.rawBody);
    if (!isRecord(body)) return refuse('the signed body is not a JSON object', 400);
    const data = isRecord(body.data) ? body.data : {};
    const eventType = str(body.event) ?? 'unknown';
    const envelopeId = str(data.envelopeId) ?? str(body.envelopeId) ?? '';
    const providerEventId = str(body.eventId) ?? `${envelopeId}:${eventType}:${str(body.generatedDateTime) ?? ''}`;
    const event: VerifiedWebhookEvent = { providerEventId, eventType, payload: body };
    return { ok: true, events: [event] };
  },
};
