// The provider fakes behave as the documented APIs do in the places adapters depend on: paging and
// sync tokens (Gmail history 404, Calendar 410, Graph delta links), push channels and subscription
// validation (answered here by a receiver that runs the real verifiers), bearer checks.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConnectionRef, WebhookVerifier } from '@ubos/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { googleVerifier, MemoryHealthStore, microsoftVerifier, ProviderHttpClient, type ProviderHttpClientOptions } from '../src/index.ts';
import {
  FAKE_ACCESS_TOKEN,
  startDocusignFake,
  startDropboxSignFake,
  startGmailFake,
  startGoogleCalendarFake,
  startMicrosoftGraphFake,
  GRAPH_DEFAULT_CALENDAR,
  startPandadocFake,
  type GmailFake,
  type GoogleCalendarFake,
  type MicrosoftGraphFake,
} from '../testing/index.ts';

const ref: ConnectionRef = { tenantId: '0190f0c0-0000-7000-8000-000000000009', connectionId: '0190f0c0-0000-7000-8000-0000000000f1' };

function clientFor(provider: ProviderHttpClientOptions['provider'], baseUrl: string, extra: Partial<ProviderHttpClientOptions> = {}): ProviderHttpClient {
  return new ProviderHttpClient({
    provider,
    connection: ref,
    health: new MemoryHealthStore(),
    baseUrl,
    tokens: { accessToken: async () => FAKE_ACCESS_TOKEN },
    retry: { retries: 0 },
    ...extra,
  });
}

/** A webhook receiver on 127.0.0.1 that answers like the ingress route: verify, then the provider's reply. */
async function startReceiver(verifier: WebhookVerifier, secrets: string[]) {
  const received: { ok: boolean; events: string[] }[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value]));
      const result = verifier.verify(
        { method: request.method ?? 'POST', headers, query: Object.fromEntries(url.searchParams), rawBody: Buffer.concat(chunks) },
        secrets,
      );
      received.push({ ok: result.ok, events: result.ok ? result.events.map((event) => event.providerEventId) : [] });
      if (!result.ok) response.writeHead(401).end();
      else if (result.reply) response.writeHead(result.reply.status, { 'content-type': result.reply.contentType }).end(result.reply.body);
      else response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe('Gmail fake', () => {
  let gmail: GmailFake;
  beforeAll(async () => {
    gmail = await startGmailFake();
  });
  afterAll(() => gmail.stop());

  it('lists, reads, sends and syncs history; an expired startHistoryId is 404', async () => {
    const client = clientFor('google', `${gmail.url}/gmail/v1/users/me`);
    const start = (await client.request({ url: 'profile' })).json<{ historyId: string }>().historyId;
    const first = gmail.receive({ from: 'ana@client.example', subject: 'Quote', text: 'Can you send the quote?' });
    gmail.receive({ from: 'bo@client.example', subject: 'Hello', text: 'Hi!' });
    const list = (await client.request({ url: 'messages', query: { labelIds: 'INBOX', maxResults: 1 } })).json<{
      messages: { id: string }[];
      nextPageToken?: string;
    }>();
    expect(list.messages).toHaveLength(1);
    expect(list.nextPageToken).toBe('1');
    const full = (await client.request({ url: `messages/${first.id}`, query: { format: 'full' } })).json<{
      payload: { headers: { name: string; value: string }[]; body: { data: string } };
    }>();
    expect(full.payload.headers).toContainEqual({ name: 'Subject', value: 'Quote' });
    expect(Buffer.from(full.payload.body.data, 'base64url').toString()).toBe('Can you send the quote?');
    const raw = Buffer.from('To: ana@client.example\r\nSubject: Re: Quote\r\n\r\nAttached.').toString('base64url');
    const sent = await client.request({ url: 'messages/send', json: { raw, threadId: first.threadId } });
    expect(sent.json()).toMatchObject({ threadId: first.threadId, labelIds: ['SENT'] });
    const history = (await client.request({ url: 'history', query: { startHistoryId: start } })).json<{ history: unknown[]; historyId: string }>();
    expect(history.history).toHaveLength(3);
    expect(Number(history.historyId)).toBe(gmail.historyId());
    gmail.expireHistory();
    expect((await client.request({ url: 'history', query: { startHistoryId: start } })).status).toBe(404);
    expect((await client.request({ url: 'watch', json: { topicName: 'projects/p/topics/gmail', labelIds: ['INBOX'] } })).status).toBe(200);
    expect(gmail.watch).toEqual({ topicName: 'projects/p/topics/gmail', labelIds: ['INBOX'] });
  });

  it('refuses a wrong bearer token with Google’s 401', async () => {
    const client = clientFor('google', `${gmail.url}/gmail/v1/users/me`, { tokens: { accessToken: async () => 'wrong' } });
    const response = await client.request({ url: 'profile' });
    expect(response.status).toBe(401);
    expect(response.json()).toMatchObject({ error: { status: 'UNAUTHENTICATED' } });
  });
});

describe('Google Calendar fake', () => {
  let calendar: GoogleCalendarFake;
  beforeAll(async () => {
    calendar = await startGoogleCalendarFake();
  });
  afterAll(() => calendar.stop());

  it('full sync pages to a nextSyncToken; incremental sync returns changes and cancellations; a stale token is 410', async () => {
    const client = clientFor('google', `${calendar.url}/calendar/v3`);
    for (const hour of ['09', '11', '14'])
      calendar.upsert({ summary: `Meeting ${hour}`, start: `2026-04-01T${hour}:00:00Z`, end: `2026-04-01T${hour}:30:00Z` });
    const page1 = (await client.request({ url: 'calendars/primary/events', query: { maxResults: 2 } })).json<{ items: unknown[]; nextPageToken?: string }>();
    expect(page1.items).toHaveLength(2);
    const page2 = (await client.request({ url: 'calendars/primary/events', query: { maxResults: 2, pageToken: page1.nextPageToken } })).json<{
      items: { id: string }[];
      nextSyncToken?: string;
    }>();
    expect(page2.items).toHaveLength(1);
    expect(page2.nextSyncToken).toBeDefined();

    const moved = calendar.upsert({ summary: 'New', start: '2026-04-02T10:00:00Z', end: '2026-04-02T11:00:00Z' });
    expect((await client.request({ method: 'DELETE', url: `calendars/primary/events/${page2.items[0]?.id}` })).status).toBe(204);
    const changes = (await client.request({ url: 'calendars/primary/events', query: { syncToken: page2.nextSyncToken } })).json<{
      items: { id: string; status: string }[];
      nextSyncToken: string;
    }>();
    expect(new Map(changes.items.map((item) => [item.id, item.status]))).toEqual(
      new Map([
        [page2.items[0]?.id, 'cancelled'],
        [moved.id, 'confirmed'],
      ]),
    );

    calendar.invalidateSyncTokens();
    const stale = await client.request({ url: 'calendars/primary/events', query: { syncToken: changes.nextSyncToken } });
    expect(stale.status).toBe(410);
    expect(stale.json()).toMatchObject({ error: { errors: [{ reason: 'fullSyncRequired' }] } });
    const fresh = (await client.request({ url: 'calendars/primary/events' })).json<{ nextSyncToken: string }>();
    expect((await client.request({ url: 'calendars/primary/events', query: { syncToken: fresh.nextSyncToken } })).status).toBe(200);
  });

  it('answers freeBusy with the busy intervals', async () => {
    const client = clientFor('google', `${calendar.url}/calendar/v3`);
    const answer = (
      await client.request({ url: 'freeBusy', json: { timeMin: '2026-04-01T00:00:00Z', timeMax: '2026-04-01T12:00:00Z', items: [{ id: 'primary' }] } })
    ).json<{ calendars: Record<string, { busy: { start: string }[] }> }>();
    expect(answer.calendars.primary?.busy.map((interval) => interval.start)).toEqual(['2026-04-01T09:00:00Z', '2026-04-01T11:00:00Z']);
  });

  it('push channels carry the channel token, verified by the Google verifier', async () => {
    const receiver = await startReceiver(googleVerifier, ['channel-token']);
    try {
      const client = clientFor('google', `${calendar.url}/calendar/v3`);
      const watch = await client.request({
        url: 'calendars/primary/events/watch',
        json: { id: 'chan-42', type: 'web_hook', address: receiver.url, token: 'channel-token' },
      });
      expect(watch.json()).toMatchObject({ kind: 'api#channel', id: 'chan-42', token: 'channel-token' });
      expect((await calendar.push('chan-42')).status).toBe(200);
      expect(receiver.received).toEqual([
        { ok: true, events: ['chan-42:1'] },
        { ok: true, events: ['chan-42:2'] },
      ]);
    } finally {
      await receiver.stop();
    }
  });
});

describe('Microsoft Graph fake', () => {
  let graph: MicrosoftGraphFake;
  beforeAll(async () => {
    graph = await startMicrosoftGraphFake();
  });
  afterAll(() => graph.stop());

  it('pages mail delta with nextLink to a deltaLink that returns only later changes; an expired token is 410', async () => {
    const client = clientFor('microsoft', `${graph.url}/v1.0`, { headers: { prefer: 'odata.maxpagesize=2' } });
    for (const n of [1, 2, 3]) graph.receive({ from: `c${n}@client.example`, subject: `Mail ${n}`, text: 'Hello' });
    type Page = { value: { id: string; '@removed'?: unknown }[]; '@odata.nextLink'?: string; '@odata.deltaLink'?: string };
    const first = (await client.request({ url: 'me/mailFolders/inbox/messages/delta' })).json<Page>();
    expect(first.value).toHaveLength(2);
    const second = (await client.request({ url: first['@odata.nextLink'] ?? '' })).json<Page>();
    expect(second.value).toHaveLength(1);
    const deltaLink = second['@odata.deltaLink'] ?? '';
    expect(deltaLink).toContain('$deltatoken=');
    const later = graph.receive({ from: 'late@client.example', subject: 'Later', text: 'Again' });
    const changes = (await client.request({ url: deltaLink })).json<Page>();
    expect(changes.value.map((message) => message.id)).toEqual([later.id]);
    graph.expireDeltaTokens();
    expect((await client.request({ url: changes['@odata.deltaLink'] ?? '' })).status).toBe(410);
  });

  it('calendarView delta reports removed events', async () => {
    const client = clientFor('microsoft', `${graph.url}/v1.0`);
    const kept = graph.upsertEvent({ subject: 'Kickoff', start: '2026-05-01T09:00:00', end: '2026-05-01T10:00:00' });
    const dropped = graph.upsertEvent({ subject: 'Dropped', start: '2026-05-02T09:00:00', end: '2026-05-02T10:00:00' });
    type Page = { value: { id: string; '@removed'?: unknown }[]; '@odata.deltaLink'?: string };
    const initial = (
      await client.request({ url: 'me/calendarView/delta', query: { startDateTime: '2026-05-01T00:00:00Z', endDateTime: '2026-06-01T00:00:00Z' } })
    ).json<Page>();
    expect(initial.value.map((event) => event.id)).toEqual([kept.id, dropped.id]);
    graph.deleteEvent(dropped.id);
    const changes = (await client.request({ url: initial['@odata.deltaLink'] ?? '' })).json<Page>();
    expect(changes.value).toEqual([{ id: dropped.id, '@removed': { reason: 'deleted' } }]);
  });

  it('writes events (201/200/204, 404 ErrorItemNotFound); a repeated create with one transactionId is one event; writes show in delta', async () => {
    const client = clientFor('microsoft', `${graph.url}/v1.0`);
    type Page = { value: { id: string; subject?: string; '@removed'?: unknown }[]; '@odata.deltaLink'?: string };
    const window = { startDateTime: '2026-07-01T00:00:00Z', endDateTime: '2026-08-01T00:00:00Z' };
    const initial = (await client.request({ url: `me/calendars/${GRAPH_DEFAULT_CALENDAR}/calendarView/delta`, query: window })).json<Page>();
    const json = {
      subject: 'Intro call',
      start: { dateTime: '2026-07-02T09:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-07-02T09:30:00', timeZone: 'UTC' },
      transactionId: 'ubos-tx-1',
    };
    const created = await client.request({ url: 'me/events', json });
    expect(created.status).toBe(201);
    const event = created.json<{ id: string; start: { dateTime: string }; transactionId: string }>();
    expect(event).toMatchObject({ start: { dateTime: '2026-07-02T09:00:00.0000000' }, transactionId: 'ubos-tx-1' });
    // The reply is lost; the client repeats the create with the same transactionId: still one event.
    graph.dropNextWriteReplies(1);
    await expect(client.request({ url: `me/calendars/${GRAPH_DEFAULT_CALENDAR}/events`, json })).rejects.toThrow();
    const again = await client.request({ url: `me/calendars/${GRAPH_DEFAULT_CALENDAR}/events`, json });
    expect([again.status, again.json<{ id: string }>().id]).toEqual([201, event.id]);
    expect([...graph.events.values()].filter((e) => e.transactionId === 'ubos-tx-1')).toHaveLength(1);
    expect((await client.request({ url: 'me/events', json: { subject: 'No times' } })).status).toBe(400);

    const moved = await client.request({
      method: 'PATCH',
      url: `me/events/${event.id}`,
      json: { start: { dateTime: '2026-07-02T10:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-07-02T10:30:00', timeZone: 'UTC' } },
    });
    expect([moved.status, moved.json<{ start: { dateTime: string } }>().start.dateTime]).toEqual([200, '2026-07-02T10:00:00.0000000']);
    const changes = (await client.request({ url: initial['@odata.deltaLink'] ?? '' })).json<Page>();
    expect(changes.value.map((e) => [e.id, e.subject])).toEqual([[event.id, 'Intro call']]);
    expect((await client.request({ method: 'DELETE', url: `me/events/${event.id}` })).status).toBe(204);
    const unknown = await client.request({ method: 'DELETE', url: `me/events/${event.id}` });
    expect([unknown.status, unknown.json<{ error: { code: string } }>().error.code]).toEqual([404, 'ErrorItemNotFound']);
    expect((await client.request({ method: 'PATCH', url: 'me/events/nope', json: { subject: 'x' } })).status).toBe(404);
    const removed = (await client.request({ url: changes['@odata.deltaLink'] ?? '' })).json<Page>();
    expect(removed.value).toEqual([{ id: event.id, '@removed': { reason: 'deleted' } }]);
  });

  it('validates a subscription’s notificationUrl like Graph, then notifies with the clientState', async () => {
    const receiver = await startReceiver(microsoftVerifier, ['client-state-secret']);
    try {
      const client = clientFor('microsoft', `${graph.url}/v1.0`);
      const created = await client.request({
        url: 'subscriptions',
        json: {
          changeType: 'created',
          notificationUrl: receiver.url,
          resource: 'me/mailFolders/inbox/messages',
          clientState: 'client-state-secret',
          expirationDateTime: '2026-12-05T00:00:00Z',
        },
      });
      expect(created.status).toBe(201);
      const subscription = created.json<{ id: string }>();
      expect((await graph.notify(subscription.id, 'created', 'AAMk-1')).status).toBe(202);
      expect(receiver.received.map((entry) => entry.ok)).toEqual([true, true]);
      expect(receiver.received[1]?.events[0]).toContain(`${subscription.id}:created:`);
      const refused = await client.request({
        url: 'subscriptions',
        json: { changeType: 'created', notificationUrl: `${graph.url}/nowhere`, resource: 'me/messages' },
      });
      expect(refused.status).toBe(400);
    } finally {
      await receiver.stop();
    }
  });
});

describe('e-signature fakes', () => {
  it('DocuSign: create and read an envelope; completing it produces a signed Connect event', async () => {
    const docusign = await startDocusignFake();
    try {
      const client = clientFor('docusign', `${docusign.url}/restapi/v2.1/accounts/${docusign.accountId}`);
      const created = (await client.request({ url: 'envelopes', json: { emailSubject: 'Sign the SOW', status: 'sent', recipients: { signers: [] } } })).json<{
        envelopeId: string;
      }>();
      expect((await client.request({ url: `envelopes/${created.envelopeId}` })).json()).toMatchObject({ status: 'sent', emailSubject: 'Sign the SOW' });
      const event = docusign.transition(created.envelopeId, 'completed');
      expect(JSON.parse(event.body)).toMatchObject({ event: 'envelope-completed', data: { envelopeId: created.envelopeId } });
      expect((await client.request({ url: 'envelopes/00000000-0000-0000-0000-000000000000' })).status).toBe(404);
    } finally {
      await docusign.stop();
    }
  });

  it('Dropbox Sign: send and read a signature request with the API key as Basic auth', async () => {
    const dropboxSign = await startDropboxSignFake();
    try {
      const client = clientFor('dropbox_sign', `${dropboxSign.url}/v3`, {
        headers: { authorization: `Basic ${Buffer.from(`${dropboxSign.apiKey}:`).toString('base64')}` },
        tokens: undefined,
      });
      const sent = (
        await client.request({ url: 'signature_request/send', json: { title: 'NDA', signers: [{ email_address: 'ana@client.example', name: 'Ana' }] } })
      ).json<{
        signature_request: { signature_request_id: string };
      }>();
      dropboxSign.signAll(sent.signature_request.signature_request_id);
      expect((await client.request({ url: `signature_request/${sent.signature_request.signature_request_id}` })).json()).toMatchObject({
        signature_request: { is_complete: true },
      });
    } finally {
      await dropboxSign.stop();
    }
  });

  it('PandaDoc: create, send and read status; sending twice is refused', async () => {
    const pandadoc = await startPandadocFake();
    try {
      const client = clientFor('pandadoc', `${pandadoc.url}/public/v1`);
      const created = (await client.request({ url: 'documents', json: { name: 'Proposal', recipients: [] } })).json<{ id: string; status: string }>();
      expect(created.status).toBe('document.uploaded');
      expect((await client.request({ url: `documents/${created.id}/send`, json: { silent: true } })).json()).toMatchObject({ status: 'document.sent' });
      expect((await client.request({ url: `documents/${created.id}/send`, json: {} })).status).toBe(409);
      expect((await client.request({ url: `documents/${created.id}` })).json()).toMatchObject({ status: 'document.sent' });
    } finally {
      await pandadoc.stop();
    }
  });
});
