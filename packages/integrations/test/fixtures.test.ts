// Payloads shaped like the providers' documented examples (testing/fixtures), signed here with each
// provider's scheme: the verifiers read the events and ids out of them; the fakes answer the
// documented error bodies.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { WebhookRequest } from '@ubos/platform';
import { describe, expect, it } from 'vitest';
import { docusignVerifier, dropboxSignVerifier, microsoftVerifier, pandadocVerifier, quickbooksVerifier, xeroVerifier } from '../src/index.ts';
import { FAKE_ACCESS_TOKEN, startGmailFake, startGoogleCalendarFake } from '../testing/index.ts';

const fixture = (name: string): string => readFileSync(new URL(`../testing/fixtures/${name}`, import.meta.url), 'utf8');
const hmac = (key: string, message: string, encoding: 'base64' | 'hex') => createHmac('sha256', key).update(message).digest(encoding);
const request = (body: string, headers: Record<string, string> = {}, query: Record<string, string> = {}): WebhookRequest => ({
  method: 'POST',
  headers,
  query,
  rawBody: Buffer.from(body),
});
const KEY = 'fixture-signing-key';

describe('documented payloads through the verifiers', () => {
  it('DocuSign Connect (JSON SIM)', () => {
    const body = fixture('docusign-connect-envelope-completed.json');
    const result = docusignVerifier.verify(request(body, { 'x-docusign-signature-1': hmac(KEY, body, 'base64') }), [KEY]);
    expect(result).toMatchObject({
      ok: true,
      events: [{ eventType: 'envelope-completed', providerEventId: '93be49ab-0000-4a5b-8e6f-1c2d3e4f5a6b:envelope-completed:2026-03-02T15:04:22.7430000Z' }],
    });
  });

  it('Dropbox Sign callback (event_hash over time + type)', () => {
    const callback = JSON.parse(fixture('dropbox-sign-callback-all-signed.json')) as { event: { event_hash: string; event_time: string; event_type: string } };
    callback.event.event_hash = hmac(KEY, `${callback.event.event_time}${callback.event.event_type}`, 'hex');
    const body = new URLSearchParams({ json: JSON.stringify(callback) }).toString();
    const result = dropboxSignVerifier.verify(request(body, { 'content-type': 'application/x-www-form-urlencoded' }), [KEY]);
    expect(result).toMatchObject({
      ok: true,
      events: [{ eventType: 'signature_request_all_signed', providerEventId: `${callback.event.event_hash}:fa5c8a0b0f492d768749333ad6fcc214c111e967` }],
    });
  });

  it('PandaDoc document_state_changed (with and without the delivery id header)', () => {
    const body = fixture('pandadoc-document-state-changed.json');
    const query = { signature: hmac(KEY, body, 'hex') };
    expect(pandadocVerifier.verify(request(body, {}, query), [KEY])).toMatchObject({
      ok: true,
      events: [
        {
          eventType: 'document_state_changed',
          providerEventId: 'msFYActMfJHqNTKH8YSvF1:document_state_changed:document.completed:2026-03-02T11:45:31.120594Z',
        },
      ],
    });
    expect(pandadocVerifier.verify(request(body, { 'x-pandadoc-webhook-event-id': 'evt-123' }, query), [KEY])).toMatchObject({
      events: [{ providerEventId: 'evt-123' }],
    });
  });

  it('QuickBooks eventNotifications and CloudEvents', () => {
    const classic = fixture('quickbooks-event-notifications.json');
    const result = quickbooksVerifier.verify(request(classic, { 'intuit-signature': hmac(KEY, classic, 'base64') }), [KEY]);
    expect(result.ok && result.events.map((event) => event.providerEventId)).toEqual([
      '9130350000000001:Invoice:130:Create:2026-03-02T10:15:04.000Z',
      '9130350000000001:Payment:131:Create:2026-03-02T10:16:44.000Z',
      '9130350000000001:Customer:58:Merge:2026-03-02T10:17:01.000Z',
    ]);
    const cloud = fixture('quickbooks-cloudevents.json');
    expect(quickbooksVerifier.verify(request(cloud, { 'intuit-signature': hmac(KEY, cloud, 'base64') }), [KEY])).toMatchObject({
      events: [{ providerEventId: '88cd52fc-6d4b-4f2a-9d55-0a3f0e52f001', eventType: 'qbo.invoice.created.v1' }],
    });
  });

  it('Xero invoice update and intent-to-receive', () => {
    const update = fixture('xero-invoice-update.json');
    expect(xeroVerifier.verify(request(update, { 'x-xero-signature': hmac(KEY, update, 'base64') }), [KEY])).toMatchObject({
      events: [
        {
          eventType: 'INVOICE.UPDATE',
          providerEventId: 'c2cc9b6e-9458-4c7d-93cc-f02b81b0594f:INVOICE:717f2bfc-c6d4-41fd-b238-3f2f0c0cf777:UPDATE:2026-03-02T01:15:39.902',
        },
      ],
    });
    const intent = fixture('xero-intent-to-receive.json');
    expect(xeroVerifier.verify(request(intent, { 'x-xero-signature': hmac(KEY, intent, 'base64') }), [KEY])).toMatchObject({ ok: true, events: [] });
    expect(xeroVerifier.verify(request(intent, { 'x-xero-signature': hmac('other', intent, 'base64') }), [KEY]).ok).toBe(false);
  });

  it('Graph change notification', () => {
    const body = fixture('graph-change-notification.json');
    const result = microsoftVerifier.verify(request(body), ['secretClientValue']);
    expect(result).toMatchObject({ ok: true, events: [{ eventType: 'created' }] });
    expect(JSON.stringify(result)).not.toContain('secretClientValue');
  });
});

describe('the fakes answer the documented error bodies', () => {
  it('Gmail: an expired startHistoryId', async () => {
    const gmail = await startGmailFake();
    try {
      gmail.receive({ from: 'a@b.example', subject: 's', text: 't' });
      gmail.expireHistory();
      const response = await fetch(`${gmail.url}/gmail/v1/users/me/history?startHistoryId=1`, { headers: { authorization: `Bearer ${FAKE_ACCESS_TOKEN}` } });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual(JSON.parse(fixture('gmail-history-expired.json')));
    } finally {
      await gmail.stop();
    }
  });

  it('Google Calendar: a stale sync token', async () => {
    const calendar = await startGoogleCalendarFake();
    try {
      calendar.invalidateSyncTokens();
      const response = await fetch(`${calendar.url}/calendar/v3/calendars/primary/events?syncToken=sync-1-0`, {
        headers: { authorization: `Bearer ${FAKE_ACCESS_TOKEN}` },
      });
      expect(response.status).toBe(410);
      const documented = JSON.parse(fixture('google-calendar-sync-token-gone.json')) as { error: { code: number; errors: { reason: string }[] } };
      expect(await response.json()).toMatchObject({ error: { code: documented.error.code, errors: [{ reason: documented.error.errors[0]?.reason }] } });
    } finally {
      await calendar.stop();
    }
  });
});
