import type { WebhookRequest, WebhookVerifier } from '@ubos/platform';
import { activeSecrets, hmacSha256, isRecord, matchesAnySecret, noSecret, parseJson, refuse, str } from './signing.ts';

/** The exact reply Dropbox Sign needs, or it retries the callback (and eventually disables it). */
export const DROPBOX_SIGN_REPLY = 'Hello API Event Received';

/** The `json` field of a multipart/form-data body (the only field Dropbox Sign sends). */
function multipartField(raw: Buffer, contentType: string, field: string): string | undefined {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const marker = boundary?.[1] ?? boundary?.[2];
  if (!marker) return undefined;
  for (const part of raw.toString('utf8').split(`--${marker.trim()}`)) {
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const head = part.slice(0, split);
    if (!new RegExp(`name="${field}"`, 'i').test(head)) continue;
    return part.slice(split + 4).replace(/\r\n$/, '');
  }
  return undefined;
}

/** The callback's JSON, whichever way it was posted (multipart `json` field, form field, JSON body). */
function callbackJson(request: WebhookRequest): unknown {
  const contentType = request.headers['content-type'] ?? '';
  if (/^multipart\/form-data/i.test(contentType)) {
    const field = multipartField(request.rawBody, contentType, 'json');
    return field === undefined ? undefined : parseJson(Buffer.from(field));
  }
  if (/^application\/x-www-form-urlencoded/i.test(contentType)) {
    const field = new URLSearchParams(request.rawBody.toString('utf8')).get('json');
    return field === null ? undefined : parseJson(Buffer.from(field));
  }
  const body = parseJson(request.rawBody);
  if (isRecord(body) && typeof body.json === 'string') return parseJson(Buffer.from(body.json));
  return body;
}

/**
 * Dropbox Sign (HelloSign) callbacks: `event.event_hash` is the hex HMAC-SHA256 of
 * `event_time + event_type` under the account's API key. It does not cover the body, so a verified
 * event only says "something happened to this request": the payload carries `needs_refetch: true`
 * and the handler reads the signature request from the API before acting on it.
 */
export const dropboxSignVerifier: WebhookVerifier = {
  provider: 'dropbox_sign',
  verify(request, secrets) {
    const keys = activeSecrets(secrets);
    if (keys.length === 0) return noSecret;
    const callback = callbackJson(request);
    const event = isRecord(callback) && isRecord(callback.event) ? callback.event : null;
    const hash = event ? str(event.event_hash)?.trim().toLowerCase() : undefined;
    if (!event || !hash) return refuse('the callback carries no event.event_hash');
    const eventTime = str(event.event_time) ?? '';
    const eventType = str(event.event_type) ?? '';
    if (!matchesAnySecret([hash], keys, (key) => hmacSha256(key, `${eventTime}${eventType}`, 'hex'))) return refuse('the event_hash does not match');
    const metadata = isRecord(event.event_metadata) ? event.event_metadata : {};
    const signatureRequest = isRecord(callback) && isRecord(callback.signature_request) ? callback.signature_request : {};
    // event_hash covers only time + type: two requests signed in the same second share it.
    const subject = str(signatureRequest.signature_request_id) ?? str(metadata.related_signature_id) ?? '';
    return {
      ok: true,
      events: [{ providerEventId: `${hash}:${subject}`, eventType, payload: { ...(callback as Record<string, unknown>), needs_refetch: true } }],
      reply: { status: 200, body: DROPBOX_SIGN_REPLY, contentType: 'text/plain' },
    };
  },
};
