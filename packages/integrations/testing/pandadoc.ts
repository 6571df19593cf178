import { randomUUID } from 'node:crypto';
import { FAKE_ACCESS_TOKEN, postWebhook, startFakeServer, type FakeServer } from './fake-server.ts';
import { sign, type SignedDelivery } from './signing.ts';

/**
 * PandaDoc public API v1 (documents create, send, status, details) and webhooks: a JSON array of
 * `{ event, data }` posted to the configured URL with `?signature=` = hex HMAC-SHA256 of the body
 * under the webhook's shared key. Auth: `Authorization: Bearer <token>` or `API-Key <key>`.
 */
export interface PandadocDocument {
  id: string;
  name: string;
  status: string;
  date_created: string;
  date_modified: string;
  recipients: unknown[];
}

export interface PandadocFake extends FakeServer {
  documents: Map<string, PandadocDocument>;
  sharedKey: string;
  /** Sets a document's status (e.g. `document.completed`) and returns the webhook PandaDoc would post. */
  transition(documentId: string, status: string): SignedDelivery;
  webhook(events: { event: string; data: PandadocDocument }[]): SignedDelivery;
  deliver(url: string, delivery: SignedDelivery): ReturnType<typeof postWebhook>;
}

export async function startPandadocFake(options: { sharedKey?: string; apiKey?: string } = {}): Promise<PandadocFake> {
  const documents = new Map<string, PandadocDocument>();
  const sharedKey = options.sharedKey ?? 'pandadoc-shared-key';
  const apiKey = options.apiKey ?? FAKE_ACCESS_TOKEN;
  const notFound = { status: 404, json: { type: 'not_found', detail: 'Not found.' } };
  const server = await startFakeServer({
    acceptsAuthorization: (authorization) => authorization === `API-Key ${apiKey}`,
    unauthorized: { status: 401, json: { type: 'authentication_error', detail: 'Authentication credentials were not provided.' } },
    routes: [
      {
        method: 'POST',
        path: '/public/v1/documents',
        handler(request) {
          const input = request.json<{ name?: string; recipients?: unknown[] }>();
          const now = new Date().toISOString();
          const document: PandadocDocument = {
            id: randomUUID().replaceAll('-', '').slice(0, 22),
            name: input.name ?? 'Untitled',
            // The real API answers document.uploaded and moves to draft moments later.
            status: 'document.draft',
            date_created: now,
            date_modified: now,
            recipients: input.recipients ?? [],
          };
          documents.set(document.id, document);
          return { status: 201, json: { ...document, status: 'document.uploaded', uuid: document.id } };
        },
      },
      {
        method: 'GET',
        path: '/public/v1/documents/:id',
        handler: (request) => {
          const document = documents.get(request.params.id ?? '');
          return document
            ? {
                json: {
                  id: document.id,
                  name: document.name,
                  status: document.status,
                  date_created: document.date_created,
                  date_modified: document.date_modified,
                },
              }
            : notFound;
        },
      },
      {
        method: 'GET',
        path: '/public/v1/documents/:id/details',
        handler: (request) => {
          const document = documents.get(request.params.id ?? '');
          return document ? { json: document } : notFound;
        },
      },
      {
        method: 'POST',
        path: '/public/v1/documents/:id/send',
        handler(request) {
          const document = documents.get(request.params.id ?? '');
          if (!document) return notFound;
          if (document.status !== 'document.draft')
            return { status: 409, json: { type: 'request_error', detail: 'Document must be in draft status to be sent.' } };
          document.status = 'document.sent';
          document.date_modified = new Date().toISOString();
          return { json: { id: document.id, name: document.name, status: document.status, date_modified: document.date_modified } };
        },
      },
    ],
  });

  function webhook(events: { event: string; data: PandadocDocument }[]): SignedDelivery {
    const body = JSON.stringify(events);
    return {
      headers: { 'content-type': 'application/json', 'x-pandadoc-webhook-event-id': randomUUID() },
      query: { signature: sign(sharedKey, body, 'hex') },
      body,
    };
  }

  return {
    ...server,
    documents,
    sharedKey,
    webhook,
    transition(documentId, status) {
      const document = documents.get(documentId);
      if (!document) throw new Error(`no document ${documentId}`);
      document.status = status;
      document.date_modified = new Date().toISOString();
      return webhook([{ event: 'document_state_changed', data: { ...document } }]);
    },
    deliver: (url, delivery) => postWebhook(`${url}${url.includes('?') ? '&' : '?'}${new URLSearchParams(delivery.query)}`, delivery),
  };
}
