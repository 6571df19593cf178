// Webhook ingress end to end: the provider fakes post deliveries signed with their real schemes to
// the real host listening on 127.0.0.1; refusals store nothing; a delivery repeated five times is
// stored once and handled once by a subscription running on the event backbone (outbox → pg-boss).
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLogger,
  readWebhookDelivery,
  startEventBackbone,
  type EventBackbone,
  type EventEnvelope,
  type PgBoss,
  type ProviderId,
  type WebhookTarget,
  type WebhookTargetResolver,
} from '@ubos/platform';
import { createTestDatabase, testConfig, type TestDatabase, waitFor } from '@ubos/platform/testing';
import {
  postWebhook,
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
} from '@ubos/integrations/testing';
import { WEBHOOK_RATE_LIMIT_PER_CONNECTION } from '../src/routes/webhooks.ts';
import { buildServer, type Server } from '../src/server.ts';
import { startTestBoss } from './helpers.ts';

let testDb: TestDatabase;
let admin: pg.Client;
let boss: PgBoss;
let backbone: EventBackbone;
let server: Server;
let base = '';
const handled: EventEnvelope[] = [];
const tenantId = randomUUID();
const targets = new Map<string, WebhookTarget>();
const resolver: WebhookTargetResolver = {
  async resolve(provider, connectionId) {
    const target = targets.get(connectionId);
    return target && target.provider === provider ? target : null;
  },
};

let docusign: DocusignFake;
let dropboxSign: DropboxSignFake;
let pandadoc: PandadocFake;
let quickbooks: QuickbooksFake;
let xero: XeroFake;

beforeAll(async () => {
  testDb = await createTestDatabase();
  admin = new pg.Client({ connectionString: testDb.adminUrl });
  await admin.connect();
  ({ boss } = await startTestBoss(testDb.appUrl));
  backbone = await startEventBackbone({
    db: testDb.db,
    boss,
    log: createLogger({ level: 'silent' }),
    modules: [
      {
        subscriptions: [
          {
            name: 'test.webhooks.count',
            events: ['platform.integrations.webhook.received'],
            async handle(event) {
              handled.push(event);
            },
          },
        ],
      },
    ],
  });
  server = await buildServer({
    config: testConfig({ RATE_LIMIT_MAX: 10_000, WEB_DIST_DIR: '/nonexistent/ubos-web-dist' }),
    log: createLogger({ level: 'silent' }),
    db: testDb.db,
    redis: null,
    boss: null,
    webhookTargets: resolver,
  });
  base = await server.listen({ host: '127.0.0.1', port: 0 });
  [docusign, dropboxSign, pandadoc, quickbooks, xero] = await Promise.all([
    startDocusignFake(),
    startDropboxSignFake(),
    startPandadocFake(),
    startQuickbooksFake(),
    startXeroFake(),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([docusign, dropboxSign, pandadoc, quickbooks, xero].map((fake) => fake?.stop()));
  await server?.close();
  await backbone?.stop();
  await boss?.stop({ graceful: false });
  await admin?.end();
  await testDb?.drop();
});

function connection(provider: ProviderId, secrets: string[]): string {
  const connectionId = randomUUID();
  targets.set(connectionId, { tenantId, connectionId, provider, secrets });
  return connectionId;
}

const urlOf = (provider: ProviderId, connectionId: string) => `${base}/webhooks/${provider}/${connectionId}`;

async function rows(connectionId: string): Promise<number> {
  const result = await admin.query('SELECT count(*)::int AS n FROM platform.webhook_deliveries WHERE connection_id = $1', [connectionId]);
  return result.rows[0].n as number;
}

async function outboxEvents(connectionId: string): Promise<{ payload: Record<string, unknown> }[]> {
  const result = await admin.query(
    `SELECT payload FROM platform.outbox WHERE type = 'platform.integrations.webhook.received' AND payload->>'connection_id' = $1`,
    [connectionId],
  );
  return result.rows as { payload: Record<string, unknown> }[];
}

function withoutHeader(delivery: SignedDelivery, ...names: string[]): SignedDelivery {
  const headers = { ...delivery.headers };
  for (const name of names) delete headers[name];
  return { ...delivery, headers };
}

/** One character of the JSON changed, the body still parses. */
function tampered(delivery: SignedDelivery): SignedDelivery {
  const index = delivery.body.lastIndexOf('"') - 1;
  return { ...delivery, body: `${delivery.body.slice(0, index)}${delivery.body[index] === 'a' ? 'b' : 'a'}${delivery.body.slice(index + 1)}` };
}

interface ProviderCase {
  provider: ProviderId;
  secret: () => string;
  delivery: () => SignedDelivery;
  unsigned: (delivery: SignedDelivery) => SignedDelivery;
  /** What the provider must get back for a genuine delivery. */
  reply: { status: number; body?: string; contentType?: RegExp };
  send: (url: string, delivery: SignedDelivery) => ReturnType<typeof postWebhook>;
}

const cases: ProviderCase[] = [
  {
    provider: 'docusign',
    secret: () => docusign.hmacKeys[0] ?? '',
    delivery: () => {
      const envelopeId = randomUUID();
      docusign.envelopes.set(envelopeId, {
        envelopeId,
        status: 'sent',
        emailSubject: 'Please sign',
        recipients: {},
        createdDateTime: new Date().toISOString(),
        statusChangedDateTime: new Date().toISOString(),
      });
      return docusign.transition(envelopeId, 'completed');
    },
    unsigned: (delivery) => withoutHeader(delivery, 'x-docusign-signature-1'),
    reply: { status: 200 },
    send: (url, delivery) => docusign.deliver(url, delivery),
  },
  {
    provider: 'dropbox_sign',
    secret: () => dropboxSign.apiKey,
    delivery: () => dropboxSign.callback('signature_request_signed', null, Math.floor(Date.now() / 1000) + Math.floor(Math.random() * 1e6)),
    unsigned: (delivery) => ({ ...delivery, body: delivery.body.replace(/"event_hash":"[0-9a-f]+",/, '') }),
    reply: { status: 200, body: 'Hello API Event Received', contentType: /^text\/plain/ },
    send: (url, delivery) => dropboxSign.deliver(url, delivery),
  },
  {
    provider: 'pandadoc',
    secret: () => pandadoc.sharedKey,
    delivery: () =>
      pandadoc.webhook([
        {
          event: 'document_state_changed',
          data: {
            id: randomUUID(),
            name: 'Proposal',
            status: 'document.completed',
            date_created: '2026-01-01T00:00:00Z',
            date_modified: new Date().toISOString(),
            recipients: [],
          },
        },
      ]),
    unsigned: (delivery) => ({ ...delivery, query: {} }),
    reply: { status: 200 },
    send: (url, delivery) => pandadoc.deliver(url, delivery),
  },
  {
    provider: 'quickbooks',
    secret: () => quickbooks.verifierToken,
    delivery: () => quickbooks.webhook([{ name: 'Invoice', id: String(Math.floor(Math.random() * 1e9)), operation: 'Create' }]),
    unsigned: (delivery) => withoutHeader(delivery, 'intuit-signature'),
    reply: { status: 200 },
    send: (url, delivery) => quickbooks.deliver(url, delivery),
  },
  {
    provider: 'xero',
    secret: () => xero.webhookKey,
    delivery: () => xero.webhook([{ category: 'INVOICE', type: 'UPDATE', resourceId: randomUUID() }]),
    unsigned: (delivery) => withoutHeader(delivery, 'x-xero-signature'),
    reply: { status: 200, body: '' },
    send: (url, delivery) => xero.deliver(url, delivery),
  },
];

describe.each(cases)('$provider webhooks', (testCase) => {
  it('refuse a tampered body, a missing signature, an empty secret and a wrong key with 401, storing nothing', async () => {
    const genuine = testCase.delivery();
    const attempts: [string, SignedDelivery][] = [
      [connection(testCase.provider, [testCase.secret()]), testCase.unsigned(genuine)],
      [connection(testCase.provider, []), genuine],
      [connection(testCase.provider, ['']), genuine],
      [connection(testCase.provider, ['the-wrong-key']), genuine],
    ];
    // Dropbox Sign's hash covers only the event time and type, so only those can be caught tampered.
    const forged =
      testCase.provider === 'dropbox_sign'
        ? { ...genuine, body: genuine.body.replace(/"event_time":"(\d+)"/, (_match, time: string) => `"event_time":"${Number(time) + 1}"`) }
        : tampered(genuine);
    attempts.push([connection(testCase.provider, [testCase.secret()]), forged]);
    for (const [connectionId, delivery] of attempts) {
      const response = await testCase.send(urlOf(testCase.provider, connectionId), delivery);
      expect(response.status).toBe(401);
      expect(response.body).not.toContain(testCase.secret());
      expect(await rows(connectionId)).toBe(0);
      expect(await outboxEvents(connectionId)).toEqual([]);
    }
  });

  it('stores the same delivery sent five times once, and processes it once', { timeout: 60_000 }, async () => {
    const connectionId = connection(testCase.provider, ['an-older-key', testCase.secret()]);
    const delivery = testCase.delivery();
    // All five at once: the inserts race, the unique key and ON CONFLICT DO NOTHING settle it.
    const responses = await Promise.all([1, 2, 3, 4, 5].map(() => testCase.send(urlOf(testCase.provider, connectionId), delivery)));
    const again = await testCase.send(urlOf(testCase.provider, connectionId), delivery);
    for (const response of [...responses, again]) {
      expect(response.status).toBe(testCase.reply.status);
      if (testCase.reply.body !== undefined) expect(response.body).toBe(testCase.reply.body);
      if (testCase.reply.contentType) expect(response.contentType).toMatch(testCase.reply.contentType);
    }
    expect(await rows(connectionId)).toBe(1);
    const events = await outboxEvents(connectionId);
    expect(events).toHaveLength(1);
    // The event names the delivery, never a secret or the body.
    expect(Object.keys(events[0]?.payload ?? {}).sort()).toEqual([
      'connection_id',
      'delivery_id',
      'event_type',
      'needs_refetch',
      'provider',
      'provider_event_id',
    ]);
    expect(JSON.stringify(events)).not.toContain(testCase.secret());
    await waitFor(() => handled.some((event) => event.payload.connection_id === connectionId), 45_000, 'the webhook event to be handled');
    const deliveryId = String(events[0]?.payload.delivery_id);
    const stored = await readWebhookDelivery(testDb.db, tenantId, deliveryId);
    expect(stored?.rawBody.toString('utf8')).toBe(delivery.body);
    expect(stored?.provider).toBe(testCase.provider);
    expect(handled.filter((event) => event.payload.connection_id === connectionId)).toHaveLength(1);
  });
});

describe('provider handshakes and limits', () => {
  it("passes Xero's intent-to-receive check", async () => {
    const connectionId = connection('xero', [xero.webhookKey]);
    await expect(xero.intentToReceive(urlOf('xero', connectionId))).resolves.toEqual({ passed: true, statuses: [200, 401] });
    expect(await rows(connectionId)).toBe(0);
  });

  it('marks Dropbox Sign events for a re-fetch (its hash does not cover the body)', async () => {
    const connectionId = connection('dropbox_sign', [dropboxSign.apiKey]);
    await dropboxSign.deliver(urlOf('dropbox_sign', connectionId), dropboxSign.callback('signature_request_viewed', null, 1_700_000_123));
    expect((await outboxEvents(connectionId))[0]?.payload).toMatchObject({ needs_refetch: true, event_type: 'signature_request_viewed' });
  });

  it('echoes Graph validation tokens as text/plain (GET and POST) and stores nothing', async () => {
    const connectionId = connection('microsoft', ['graph-client-state']);
    for (const method of ['GET', 'POST']) {
      const response = await fetch(`${urlOf('microsoft', connectionId)}?validationToken=${encodeURIComponent('Validation: Token 42')}`, { method });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await response.text()).toBe('Validation: Token 42');
    }
    expect(await rows(connectionId)).toBe(0);
  });

  it('stores Graph notifications and Google channel messages without their shared secrets', async () => {
    const graph = connection('microsoft', ['graph-client-state']);
    const body = JSON.stringify({
      value: [
        { subscriptionId: 'sub-9', clientState: 'graph-client-state', changeType: 'created', resource: 'me/messages/AAMk1', resourceData: { id: 'AAMk1' } },
      ],
    });
    const graphResponse = await postWebhook(urlOf('microsoft', graph), { headers: { 'content-type': 'application/json' }, body });
    expect(graphResponse.status).toBe(202);
    const google = connection('google', ['channel-token-secret']);
    const googleResponse = await postWebhook(urlOf('google', google), {
      headers: { 'x-goog-channel-id': 'ch-1', 'x-goog-channel-token': 'channel-token-secret', 'x-goog-message-number': '2', 'x-goog-resource-state': 'exists' },
      body: '',
    });
    expect(googleResponse.status).toBe(200);
    const stored = await admin.query(
      'SELECT payload, headers, convert_from(raw_body, $2) AS raw FROM platform.webhook_deliveries WHERE connection_id = ANY($1)',
      [[graph, google], 'UTF8'],
    );
    expect(stored.rows).toHaveLength(2);
    const text = JSON.stringify(stored.rows);
    expect(text).not.toContain('graph-client-state');
    expect(text).not.toContain('channel-token-secret');
    expect(text).toContain('x-goog-channel-id');
  });

  it('answers 404 for an unknown provider, a malformed id and an unknown connection', async () => {
    for (const path of [
      `/webhooks/stripe/${randomUUID()}`,
      '/webhooks/xero/not-a-uuid',
      `/webhooks/xero/${randomUUID()}`,
      `/webhooks/imap/${connection('imap', ['x'])}`,
    ]) {
      const response = await fetch(`${base}${path}`, { method: 'POST', body: '{}' });
      expect(response.status).toBe(404);
    }
  });

  it('refuses a body over 1 MiB before reading it into a delivery', async () => {
    const connectionId = connection('quickbooks', [quickbooks.verifierToken]);
    const response = await fetch(urlOf('quickbooks', connectionId), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(1024 * 1024 + 10),
    });
    expect(response.status).toBe(413);
    expect(await rows(connectionId)).toBe(0);
  });

  it('keeps the raw bytes of any content type, and of a body without one', async () => {
    const connectionId = connection('quickbooks', [quickbooks.verifierToken]);
    const delivery = quickbooks.webhook([{ name: 'Customer', id: '77', operation: 'Update' }]);
    const response = await postWebhook(urlOf('quickbooks', connectionId), {
      headers: { ...delivery.headers, 'content-type': 'application/octet-stream' },
      body: delivery.body,
    });
    expect(response.status).toBe(200);
    const bare = await server.inject({
      method: 'POST',
      url: `/webhooks/quickbooks/${connectionId}`,
      headers: { 'intuit-signature': delivery.headers['intuit-signature'] ?? '' },
      payload: delivery.body,
    });
    expect(bare.statusCode).toBe(200);
    expect(await rows(connectionId)).toBe(1);
  });

  it('rate-limits each connection URL on its own', { timeout: 120_000 }, async () => {
    const flooded = `/webhooks/xero/${randomUUID()}`;
    const statuses = new Map<number, number>();
    for (let n = 0; n <= WEBHOOK_RATE_LIMIT_PER_CONNECTION; n += 1) {
      const response = await server.inject({ method: 'POST', url: flooded, payload: '{}', headers: { 'content-type': 'application/json' } });
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
    }
    expect(statuses).toEqual(
      new Map([
        [404, WEBHOOK_RATE_LIMIT_PER_CONNECTION],
        [429, 1],
      ]),
    );
    const other = await server.inject({ method: 'POST', url: `/webhooks/xero/${randomUUID()}`, payload: '{}' });
    expect(other.statusCode).toBe(404);
  });
});
