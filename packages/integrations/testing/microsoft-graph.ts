import { randomBytes, randomUUID } from 'node:crypto';
import { fakeId, postWebhook, startFakeServer, type FakeReply, type FakeRequest, type FakeServer } from './fake-server.ts';

/**
 * Microsoft Graph v1.0: mail delta (`/me/mailFolders/{folder}/messages/delta`) and calendar delta
 * (`/me/calendarView/delta?startDateTime&endDateTime`) with `@odata.nextLink` pages and a final
 * `@odata.deltaLink` whose `$deltatoken` returns only later changes (removed items as `@removed`);
 * `sendMail`; subscriptions (create validates the notificationUrl by POSTing `?validationToken=`
 * and requiring the token echoed as text/plain, like Graph; renew, delete) and `notify`, which posts
 * change notifications carrying the subscription's clientState.
 */
export interface GraphMessage {
  id: string;
  subject: string;
  from: { emailAddress: { address: string; name: string } };
  receivedDateTime: string;
  bodyPreview: string;
  body: { contentType: 'text' | 'html'; content: string };
  isRead: boolean;
  parentFolderId: string;
}

export interface GraphEvent {
  id: string;
  subject: string;
  start: { dateTime: string; timeZone: 'UTC' };
  end: { dateTime: string; timeZone: 'UTC' };
  isCancelled: boolean;
}

export interface GraphSubscription {
  id: string;
  resource: string;
  changeType: string;
  notificationUrl: string;
  clientState: string;
  expirationDateTime: string;
}

type Change<T> = { sequence: number; id: string; item: T | null };

export interface MicrosoftGraphFake extends FakeServer {
  tenantId: string;
  messages: Map<string, GraphMessage>;
  events: Map<string, GraphEvent>;
  subscriptions: Map<string, GraphSubscription>;
  sent: unknown[];
  receive(input: { from: string; subject: string; text: string; folder?: string }): GraphMessage;
  upsertEvent(input: { id?: string; subject: string; start: string; end: string }): GraphEvent;
  deleteEvent(id: string): void;
  /** Every delta token issued so far stops working (410 Gone, a full resync is needed). */
  expireDeltaTokens(): void;
  notify(subscriptionId: string, changeType: 'created' | 'updated' | 'deleted', resourceId: string): ReturnType<typeof postWebhook>;
}

export async function startMicrosoftGraphFake(): Promise<MicrosoftGraphFake> {
  const tenantId = randomUUID();
  const messages = new Map<string, GraphMessage>();
  const events = new Map<string, GraphEvent>();
  const subscriptions = new Map<string, GraphSubscription>();
  const sent: unknown[] = [];
  const mailChanges: Change<GraphMessage>[] = [];
  const eventChanges: Change<GraphEvent>[] = [];
  let sequence = 0;
  let generation = 1;
  let url = '';

  const gone: FakeReply = {
    status: 410,
    json: { error: { code: 'SyncStateNotFound', message: 'The sync state generation is not found. Resync is required.' } },
  };
  const badRequest = (message: string): FakeReply => ({ status: 400, json: { error: { code: 'BadRequest', message } } });

  /** One delta round: the current items (no token) or the changes after the token, paged. */
  function delta<T extends { id: string }>(
    request: FakeRequest,
    path: string,
    current: () => T[],
    changes: Change<T>[],
    keep: (item: T) => boolean,
  ): FakeReply {
    const deltaToken = request.query.get('$deltatoken');
    const skipToken = request.query.get('$skiptoken');
    const pageSize = Number(/odata\.maxpagesize=(\d+)/.exec(String(request.headers.prefer ?? ''))?.[1] ?? 10);
    let items: (T | { id: string; '@removed': { reason: 'deleted' } })[];
    let offset = 0;
    let upTo = sequence;
    const state = skipToken ?? deltaToken;
    if (state) {
      const parsed = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(state);
      if (!parsed || Number(parsed[1]) !== generation) return gone;
      const since = Number(parsed[2]);
      upTo = skipToken ? Number(parsed[3]) : sequence;
      offset = skipToken ? Number(parsed[4]) : 0;
      const latest = new Map<string, Change<T>>();
      for (const change of changes) if (change.sequence > since && change.sequence <= upTo) latest.set(change.id, change);
      items = [...latest.values()].map((change) =>
        change.item && keep(change.item) ? change.item : { id: change.id, '@removed': { reason: 'deleted' as const } },
      );
      const page = items.slice(offset, offset + pageSize);
      const more = offset + pageSize < items.length;
      return {
        json: {
          '@odata.context': `${url}/v1.0/$metadata#Collection`,
          value: page,
          ...(more
            ? { '@odata.nextLink': `${url}${path}?$skiptoken=${generation}.${since}.${upTo}.${offset + pageSize}` }
            : { '@odata.deltaLink': `${url}${path}?$deltatoken=${generation}.${upTo}.0.0` }),
        },
      };
    }
    items = current().filter(keep);
    const page = items.slice(0, pageSize);
    return {
      json: {
        '@odata.context': `${url}/v1.0/$metadata#Collection`,
        value: page,
        ...(items.length > pageSize
          ? { '@odata.nextLink': `${url}${path}?$skiptoken=${generation}.0.${upTo}.${pageSize}` }
          : { '@odata.deltaLink': `${url}${path}?$deltatoken=${generation}.${upTo}.0.0` }),
      },
    };
  }

  const server = await startFakeServer({
    unauthorized: { status: 401, json: { error: { code: 'InvalidAuthenticationToken', message: 'Access token has expired or is not yet valid.' } } },
    routes: [
      {
        method: 'GET',
        path: '/v1.0/me/mailFolders/:folder/messages/delta',
        handler: (request) => {
          const folder = request.params.folder ?? 'inbox';
          return delta(
            request,
            `/v1.0/me/mailFolders/${folder}/messages/delta`,
            () => [...messages.values()],
            mailChanges,
            (item) => item.parentFolderId === folder,
          );
        },
      },
      {
        method: 'GET',
        path: '/v1.0/me/calendarView/delta',
        handler: (request) => {
          const start = Date.parse(request.query.get('startDateTime') ?? '');
          const end = Date.parse(request.query.get('endDateTime') ?? '');
          const hasToken = request.query.has('$deltatoken') || request.query.has('$skiptoken');
          if (!hasToken && (Number.isNaN(start) || Number.isNaN(end))) return badRequest('startDateTime and endDateTime are required.');
          // The window is part of the delta state in Graph; the fake keeps every event in it.
          const inWindow = (event: GraphEvent) =>
            !event.isCancelled && (hasToken || (Date.parse(event.end.dateTime) > start && Date.parse(event.start.dateTime) < end));
          return delta(request, '/v1.0/me/calendarView/delta', () => [...events.values()], eventChanges, inWindow);
        },
      },
      {
        method: 'POST',
        path: '/v1.0/me/sendMail',
        handler(request) {
          const input = request.json<{ message?: { subject?: string; toRecipients?: unknown[] } }>();
          if (!input.message?.toRecipients?.length) return badRequest('At least one recipient is required.');
          sent.push(input.message);
          return { status: 202 };
        },
      },
      {
        method: 'POST',
        path: '/v1.0/subscriptions',
        async handler(request) {
          const input = request.json<Partial<GraphSubscription>>();
          if (!input.notificationUrl || !input.resource || !input.changeType) return badRequest('notificationUrl, resource and changeType are required.');
          const validationToken = `Validation: ${randomBytes(12).toString('base64url')}`;
          const target = `${input.notificationUrl}${input.notificationUrl.includes('?') ? '&' : '?'}validationToken=${encodeURIComponent(validationToken)}`;
          const answer = await postWebhook(target, { headers: { 'content-type': 'text/plain' }, body: '' }).catch(() => null);
          if (answer?.status !== 200 || answer.body !== validationToken || !answer.contentType?.startsWith('text/plain')) {
            return badRequest('Subscription validation request failed. Response must exactly match validationToken query parameter.');
          }
          const subscription: GraphSubscription = {
            id: randomUUID(),
            resource: input.resource,
            changeType: input.changeType,
            notificationUrl: input.notificationUrl,
            clientState: input.clientState ?? '',
            expirationDateTime: input.expirationDateTime ?? new Date(Date.now() + 3 * 24 * 3600 * 1000).toISOString(),
          };
          subscriptions.set(subscription.id, subscription);
          return { status: 201, json: { '@odata.context': `${url}/v1.0/$metadata#subscriptions/$entity`, ...subscription } };
        },
      },
      {
        method: 'PATCH',
        path: '/v1.0/subscriptions/:id',
        handler(request) {
          const subscription = subscriptions.get(request.params.id ?? '');
          if (!subscription) return { status: 404, json: { error: { code: 'ResourceNotFound', message: 'The object was not found.' } } };
          subscription.expirationDateTime = request.json<{ expirationDateTime?: string }>().expirationDateTime ?? subscription.expirationDateTime;
          return { json: subscription };
        },
      },
      {
        method: 'DELETE',
        path: '/v1.0/subscriptions/:id',
        handler(request) {
          return subscriptions.delete(request.params.id ?? '')
            ? { status: 204 }
            : { status: 404, json: { error: { code: 'ResourceNotFound', message: 'The object was not found.' } } };
        },
      },
    ],
  });
  url = server.url;

  return {
    ...server,
    tenantId,
    messages,
    events,
    subscriptions,
    sent,
    receive(input) {
      sequence += 1;
      const message: GraphMessage = {
        id: fakeId('AAMk'),
        subject: input.subject,
        from: { emailAddress: { address: input.from, name: input.from.split('@')[0] ?? input.from } },
        receivedDateTime: new Date().toISOString(),
        bodyPreview: input.text.slice(0, 255),
        body: { contentType: 'text', content: input.text },
        isRead: false,
        parentFolderId: input.folder ?? 'inbox',
      };
      messages.set(message.id, message);
      mailChanges.push({ sequence, id: message.id, item: message });
      return message;
    },
    upsertEvent(input) {
      sequence += 1;
      const event: GraphEvent = {
        id: input.id ?? fakeId('AAMkEv'),
        subject: input.subject,
        start: { dateTime: input.start, timeZone: 'UTC' },
        end: { dateTime: input.end, timeZone: 'UTC' },
        isCancelled: false,
      };
      events.set(event.id, event);
      eventChanges.push({ sequence, id: event.id, item: event });
      return event;
    },
    deleteEvent(id) {
      sequence += 1;
      events.delete(id);
      eventChanges.push({ sequence, id, item: null });
    },
    expireDeltaTokens() {
      generation += 1;
    },
    notify(subscriptionId, changeType, resourceId) {
      const subscription = subscriptions.get(subscriptionId);
      if (!subscription) throw new Error(`no subscription ${subscriptionId}`);
      const body = JSON.stringify({
        value: [
          {
            subscriptionId,
            subscriptionExpirationDateTime: subscription.expirationDateTime,
            changeType,
            resource: `Users/${tenantId}/Messages/${resourceId}`,
            resourceData: {
              '@odata.type': '#Microsoft.Graph.Message',
              '@odata.id': `Users/${tenantId}/Messages/${resourceId}`,
              '@odata.etag': `W/"${sequence}"`,
              id: resourceId,
            },
            clientState: subscription.clientState,
            tenantId,
          },
        ],
      });
      return postWebhook(subscription.notificationUrl, { headers: { 'content-type': 'application/json' }, body });
    },
  };
}
