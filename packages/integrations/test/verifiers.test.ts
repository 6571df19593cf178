// Each verifier against the deliveries its provider fake signs with the real scheme.
import { createHmac } from 'node:crypto';
import type { WebhookRequest, WebhookVerifier } from '@ubos/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  docusignVerifier,
  DROPBOX_SIGN_REPLY,
  dropboxSignVerifier,
  googleVerifier,
  microsoftVerifier,
  pandadocVerifier,
  quickbooksVerifier,
  safeEqual,
  xeroVerifier,
} from '../src/index.ts';
import {
  startDocusignFake,
  startDropboxSignFake,
  startPandadocFake,
  startQuickbooksFake,
  startXeroFake,
  type DocusignFake,
  type DropboxSignFake,
  type PandadocFake,
  type QuickbooksFake,
  type SignedDelivery,
  type XeroFake,
} from '../testing/index.ts';

let docusign: DocusignFake;
let dropboxSign: DropboxSignFake;
let pandadoc: PandadocFake;
let quickbooks: QuickbooksFake;
let xero: XeroFake;

beforeAll(async () => {
  [docusign, dropboxSign, pandadoc, quickbooks, xero] = await Promise.all([
    startDocusignFake({ hmacKeys: ['docusign-old-key', 'docusign-new-key'] }),
    startDropboxSignFake(),
    startPandadocFake(),
    startQuickbooksFake(),
    startXeroFake(),
  ]);
});
afterAll(async () => {
  await Promise.all([docusign, dropboxSign, pandadoc, quickbooks, xero].map((fake) => fake?.stop()));
});

function requestOf(delivery: SignedDelivery, override: Partial<WebhookRequest> = {}): WebhookRequest {
  return { method: 'POST', headers: delivery.headers, query: delivery.query, rawBody: Buffer.from(delivery.body), ...override };
}

/** Flips one character inside the body's JSON (the body stays parseable). */
function tamper(body: string): string {
  const index = body.lastIndexOf('"') - 1;
  const char = body[index] === 'a' ? 'b' : 'a';
  return `${body.slice(0, index)}${char}${body.slice(index + 1)}`;
}

interface Case {
  name: string;
  verifier: WebhookVerifier;
  secret: () => string;
  /** A fresh genuine delivery. */
  delivery: () => SignedDelivery;
  /** The header (or query parameter) that carries the signature. */
  strip: (delivery: SignedDelivery) => SignedDelivery;
}

const withoutHeader =
  (name: string) =>
  (delivery: SignedDelivery): SignedDelivery => {
    const headers = { ...delivery.headers };
    delete headers[name];
    return { ...delivery, headers };
  };

const cases: Case[] = [
  {
    name: 'DocuSign',
    verifier: docusignVerifier,
    secret: () => 'docusign-new-key',
    delivery: () => {
      const envelopeId = [...docusign.envelopes.keys()][0] ?? 'unknown';
      return docusign.connectEvent(envelopeId, 'envelope-completed');
    },
    strip: (delivery) => withoutHeader('x-docusign-signature-2')(withoutHeader('x-docusign-signature-1')(delivery)),
  },
  {
    name: 'Dropbox Sign',
    verifier: dropboxSignVerifier,
    secret: () => dropboxSign.apiKey,
    delivery: () => dropboxSign.callback('signature_request_signed', null),
    strip: (delivery) => ({ ...delivery, body: delivery.body.replace(/"event_hash":"[0-9a-f]+",/, '') }),
  },
  {
    name: 'PandaDoc',
    verifier: pandadocVerifier,
    secret: () => pandadoc.sharedKey,
    delivery: () =>
      pandadoc.webhook([
        {
          event: 'document_state_changed',
          data: {
            id: 'msFYActMfJHqNTKH8YSvF1',
            name: 'Proposal',
            status: 'document.completed',
            date_created: '2026-01-01T00:00:00Z',
            date_modified: new Date().toISOString(),
            recipients: [],
          },
        },
      ]),
    strip: (delivery) => ({ ...delivery, query: {} }),
  },
  {
    name: 'QuickBooks',
    verifier: quickbooksVerifier,
    secret: () => quickbooks.verifierToken,
    delivery: () => quickbooks.webhook([{ name: 'Invoice', id: '130', operation: 'Create' }]),
    strip: withoutHeader('intuit-signature'),
  },
  {
    name: 'Xero',
    verifier: xeroVerifier,
    secret: () => xero.webhookKey,
    delivery: () => xero.webhook([{ category: 'INVOICE', type: 'UPDATE', resourceId: '0e1f2a3b-0000-4000-8000-000000000001' }]),
    strip: withoutHeader('x-xero-signature'),
  },
];

describe.each(cases)('$name verifier', ({ verifier, secret, delivery, strip, name }) => {
  it('accepts a genuine delivery and names its events', () => {
    const result = verifier.verify(requestOf(delivery()), [secret()]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.events.length).toBeGreaterThan(0);
    for (const event of result.events) expect(event.providerEventId.length).toBeGreaterThan(3);
  });

  it('refuses a tampered body', () => {
    const genuine = delivery();
    const result = verifier.verify(requestOf(genuine, { rawBody: Buffer.from(tamper(genuine.body)) }), [secret()]);
    // Dropbox Sign's hash does not cover the body: only a tampered time or type is detectable.
    if (name === 'Dropbox Sign') {
      const retimed = genuine.body.replace(/"event_time":"(\d+)"/, (_match, time: string) => `"event_time":"${Number(time) + 1}"`);
      expect(verifier.verify(requestOf(genuine, { rawBody: Buffer.from(retimed) }), [secret()]).ok).toBe(false);
      return;
    }
    expect(result.ok).toBe(false);
  });

  it('refuses a delivery without its signature', () => {
    expect(verifier.verify(requestOf(strip(delivery())), [secret()])).toMatchObject({ ok: false });
  });

  it('refuses everything when no secret is configured', () => {
    expect(verifier.verify(requestOf(delivery()), [])).toMatchObject({ ok: false, reason: expect.stringMatching(/no webhook secret/) });
    expect(verifier.verify(requestOf(delivery()), [''])).toMatchObject({ ok: false, reason: expect.stringMatching(/no webhook secret/) });
  });

  it('refuses a delivery signed with another key', () => {
    expect(verifier.verify(requestOf(delivery()), ['some-other-key'])).toMatchObject({ ok: false });
  });

  it('gives the same event id to a redelivery', () => {
    const once = delivery();
    const first = verifier.verify(requestOf(once), [secret()]);
    const again = verifier.verify(requestOf(once), [secret()]);
    expect(first.ok && again.ok && first.events.map((event) => event.providerEventId)).toEqual(again.ok && again.events.map((event) => event.providerEventId));
  });
});

describe('provider specifics', () => {
  it('DocuSign: any X-DocuSign-Signature-N under any active key passes (rotation)', () => {
    const genuine = docusign.connectEvent('env-1', 'envelope-sent');
    expect(docusignVerifier.verify(requestOf(genuine), ['docusign-old-key']).ok).toBe(true);
    expect(docusignVerifier.verify(requestOf(withoutHeader('x-docusign-signature-1')(genuine)), ['unrelated', 'docusign-new-key']).ok).toBe(true);
  });

  it('Dropbox Sign: answers exactly "Hello API Event Received" and marks the event for a re-fetch', () => {
    const result = dropboxSignVerifier.verify(requestOf(dropboxSign.callback('callback_test', null)), [dropboxSign.apiKey]);
    expect(result).toMatchObject({ ok: true, reply: { status: 200, body: DROPBOX_SIGN_REPLY, contentType: 'text/plain' } });
    expect(DROPBOX_SIGN_REPLY).toBe('Hello API Event Received');
    expect(result.ok && result.events[0]?.payload).toMatchObject({ needs_refetch: true });
  });

  it('Dropbox Sign: two requests signed in the same second get different event ids', async () => {
    const time = Math.floor(Date.now() / 1000);
    const ids = ['a', 'b'].map((suffix) => {
      const id = `${'0'.repeat(39)}${suffix}`;
      dropboxSign.signatureRequests.set(id, {
        signature_request_id: id,
        title: '',
        subject: '',
        is_complete: true,
        is_declined: false,
        created_at: time,
        signatures: [],
      });
      const result = dropboxSignVerifier.verify(requestOf(dropboxSign.callback('signature_request_all_signed', id, time)), [dropboxSign.apiKey]);
      return result.ok ? result.events[0]?.providerEventId : null;
    });
    expect(ids[0]).not.toBe(ids[1]);
  });

  it('Dropbox Sign: the JSON and form-encoded callback shapes verify too', () => {
    const multipart = dropboxSign.callback('signature_request_viewed', null);
    const json = /\r\n\r\n(.*)\r\n--/s.exec(multipart.body)?.[1] ?? '';
    const asJson = { headers: { 'content-type': 'application/json' }, query: {}, body: JSON.stringify({ json }) };
    const asForm = { headers: { 'content-type': 'application/x-www-form-urlencoded' }, query: {}, body: new URLSearchParams({ json }).toString() };
    expect(dropboxSignVerifier.verify(requestOf(asJson), [dropboxSign.apiKey]).ok).toBe(true);
    expect(dropboxSignVerifier.verify(requestOf(asForm), [dropboxSign.apiKey]).ok).toBe(true);
  });

  it('QuickBooks: one event per changed entity, and the CloudEvents shape', () => {
    const classic = quickbooksVerifier.verify(
      requestOf(
        quickbooks.webhook([
          { name: 'Customer', id: '1', operation: 'Create' },
          { name: 'Invoice', id: '2', operation: 'Update' },
        ]),
      ),
      [quickbooks.verifierToken],
    );
    expect(classic.ok && classic.events.map((event) => event.eventType)).toEqual(['Customer.Create', 'Invoice.Update']);
    const body = JSON.stringify([{ specversion: '1.0', id: 'ce-88d4', type: 'qbo.invoice.created.v1', time: '2026-01-01T00:00:00Z', intuitentityid: '2' }]);
    const signature = createHmac('sha256', quickbooks.verifierToken).update(body).digest('base64');
    const cloud = quickbooksVerifier.verify(requestOf({ headers: { 'intuit-signature': signature }, query: {}, body }), [quickbooks.verifierToken]);
    expect(cloud.ok && cloud.events.map((event) => [event.providerEventId, event.eventType])).toEqual([['ce-88d4', 'qbo.invoice.created.v1']]);
  });

  it('Xero: an empty, correctly signed events list is the intent-to-receive check: 200 with an empty body', () => {
    const result = xeroVerifier.verify(requestOf(xero.webhook([])), [xero.webhookKey]);
    expect(result).toMatchObject({ ok: true, events: [], reply: { status: 200, body: '' } });
    expect(xeroVerifier.verify(requestOf(xero.webhook([], 'wrong')), [xero.webhookKey]).ok).toBe(false);
  });

  it('Google: the channel token must match; channel + message number is the event id', () => {
    const headers = {
      'x-goog-channel-id': 'chan-1',
      'x-goog-channel-token': 'channel-secret',
      'x-goog-message-number': '7',
      'x-goog-resource-state': 'exists',
      'x-goog-resource-id': 'res-1',
    };
    const genuine = googleVerifier.verify({ method: 'POST', headers, query: {}, rawBody: Buffer.alloc(0) }, ['channel-secret']);
    expect(genuine).toMatchObject({ ok: true, events: [{ providerEventId: 'chan-1:7', eventType: 'exists' }] });
    expect(
      googleVerifier.verify({ method: 'POST', headers: { ...headers, 'x-goog-channel-token': 'guess' }, query: {}, rawBody: Buffer.alloc(0) }, [
        'channel-secret',
      ]).ok,
    ).toBe(false);
    expect(
      googleVerifier.verify({ method: 'POST', headers: { ...headers, 'x-goog-channel-token': undefined }, query: {}, rawBody: Buffer.alloc(0) }, [
        'channel-secret',
      ]).ok,
    ).toBe(false);
    expect(googleVerifier.verify({ method: 'POST', headers, query: {}, rawBody: Buffer.alloc(0) }, []).ok).toBe(false);
  });

  it('Microsoft Graph: echoes the validation token as text/plain; every notification needs the clientState', () => {
    expect(microsoftVerifier.verify({ method: 'POST', headers: {}, query: { validationToken: 'Validation: abc 123' }, rawBody: Buffer.alloc(0) }, [])).toEqual({
      ok: true,
      events: [],
      reply: { status: 200, body: 'Validation: abc 123', contentType: 'text/plain' },
    });
    const notification = (clientState: string) => ({
      subscriptionId: 'sub-1',
      clientState,
      changeType: 'created',
      resource: 'Users/u1/Messages/m1',
      resourceData: { '@odata.type': '#Microsoft.Graph.Message', id: 'm1', '@odata.etag': 'W/"1"' },
    });
    const body = (states: string[]) => Buffer.from(JSON.stringify({ value: states.map(notification) }));
    const genuine = microsoftVerifier.verify({ method: 'POST', headers: {}, query: {}, rawBody: body(['graph-secret']) }, ['graph-secret']);
    expect(genuine).toMatchObject({ ok: true, events: [{ providerEventId: 'sub-1:created:Users/u1/Messages/m1:W/"1"' }], reply: { status: 202 } });
    expect(JSON.stringify(genuine)).not.toContain('graph-secret');
    expect(microsoftVerifier.verify({ method: 'POST', headers: {}, query: {}, rawBody: body(['graph-secret', 'forged']) }, ['graph-secret']).ok).toBe(false);
    expect(microsoftVerifier.verify({ method: 'POST', headers: {}, query: {}, rawBody: body(['graph-secret']) }, []).ok).toBe(false);
  });

  it('compares in constant time only strings of equal length', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });
});
