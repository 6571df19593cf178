import { randomBytes, randomUUID } from 'node:crypto';
import { fakeId, postWebhook, startFakeServer, type FakeReply, type FakeRequest, type FakeServer } from './fake-server.ts';

/**
 * Microsoft Graph v1.0: mail delta (`/me/mailFolders/{folder}/messages/delta`) and calendar delta
 * (`/me/calendarView/delta?startDateTime&endDateTime`) with `@odata.nextLink` pages and a final
 * `@odata.deltaLink` whose `$deltatoken` returns only later changes (removed items as `@removed`);
 * event writes (`POST /me/events` and `/me/calendars/{id}/events` → 201, honouring `transactionId`:
 * a repeated create with the same one answers the existing event; `PATCH`/`DELETE /me/events/{id}`,
 * 404 ErrorItemNotFound for an unknown id), each a change in calendarView delta (per calendar, also
 * `/me/calendars/{id}/calendarView/delta`); `sendMail`; subscriptions (create validates the notificationUrl by POSTing `?validationToken=`
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

export type GraphShowAs = 'free' | 'tentative' | 'busy' | 'oof' | 'workingElsewhere' | 'unknown';

export interface GraphEvent {
  id: string;
  subject: string;
  body: { contentType: 'text' | 'html'; content: string };
  start: { dateTime: string; timeZone: 'UTC' };
  end: { dateTime: string; timeZone: 'UTC' };
  isCancelled: boolean;
  showAs: GraphShowAs;
  transactionId: string | null;
}

/** The calendar the fake files events under when none is named (Graph's default calendar). */
export const GRAPH_DEFAULT_CALENDAR = 'AAMkDefaultCalendar';

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
  /** Which calendar each event is in (Graph's `parentFolderId`-like link; not part of the event). */
  eventCalendars: Map<string, string>;
  subscriptions: Map<string, GraphSubscription>;
  sent: unknown[];
  receive(input: { from: string; subject: string; text: string; folder?: string }): GraphMessage;
  upsertEvent(input: {
    id?: string;
    subject: string;
    start: string;
    end: string;
    showAs?: GraphShowAs;
    isCancelled?: boolean;
    calendarId?: string;
  }): GraphEvent;
  deleteEvent(id: string): void;
  /** Every delta token issued so far stops working (410 Gone, a full resync is needed). */
  expireDeltaTokens(): void;
  /** The next `count` event writes (POST/PATCH/DELETE) are carried out but their replies are lost. */
  dropNextWriteReplies(count: number): void;
  notify(subscriptionId: string, changeType: 'created' | 'updated' | 'deleted', resourceId: string): ReturnType<typeof postWebhook>;
}

export async function startMicrosoftGraphFake(): Promise<MicrosoftGraphFake> {
  const tenantId = randomUUID();
  const messages = new Map<string, GraphMessage>();
  const events = new Map<string, GraphEvent>();
  const eventCalendars = new Map<string, string>();
  const subscriptions = new Map<string, GraphSubscription>();
  const sent: unknown[] = [];
  const mailChanges: Change<GraphMessage>[] = [];
  const eventChanges: Change<GraphEvent>[] = [];
  let sequence = 0;
  let generation = 1;
  let url = '';
  let dropWrites = 0;

  const gone: FakeReply = {
    status: 410,
    json: { error: { code: 'SyncStateNotFound', message: 'The sync state generation is not found. Resync is required.' } },
  };
  const badRequest = (message: string): FakeReply => ({ status: 400, json: { error: { code: 'BadRequest', message } } });
  const itemNotFound: FakeReply = {
    status: 404,
    json: { error: { code: 'ErrorItemNotFound', message: 'The specified object was not found in the store.' } },
  };
  /** A write's reply, or nothing at all when the test asked for a lost reply. */
  const written = (reply: FakeReply): FakeReply => {
    if (dropWrites === 0) return reply;
    dropWrites -= 1;
    return { ...reply, drop: true };
  };
  /** Graph answers event times as `2026-05-01T09:00:00.0000000` in the zone given (UTC here). */
  const graphTime = (value: string) => {
    const time = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(value) ? value : `${value}Z`);
    return Number.isNaN(time) ? null : `${new Date(time).toISOString().slice(0, 19)}.0000000`;
  };
  type EventInput = {
    subject?: string;
    body?: { contentType?: string; content?: string };
    start?: { dateTime?: string; timeZone?: string };
    end?: { dateTime?: string; timeZone?: string };
    showAs?: GraphShowAs;
    transactionId?: string;
  };
  /** The start/end of a create or update in UTC; Graph takes any zone, the fake only UTC. */
  function times(input: EventInput, existing: GraphEvent | null): { start: string; end: string } | { refused: FakeReply } {
    for (const side of [input.start, input.end]) {
      if (side && side.timeZone !== undefined && side.timeZone !== 'UTC') return { refused: badRequest('The fake takes event times in UTC only.') };
    }
    const start = input.start?.dateTime !== undefined ? graphTime(input.start.dateTime) : (existing?.start.dateTime ?? null);
    const end = input.end?.dateTime !== undefined ? graphTime(input.end.dateTime) : (existing?.end.dateTime ?? null);
    if (!start || !end) return { refused: badRequest('The event needs a start and an end (dateTime and timeZone).') };
    if (Date.parse(`${end}Z`) < Date.parse(`${start}Z`)) return { refused: badRequest('The end of the event is before its start.') };
    return { start, end };
  }
  function recordEvent(event: GraphEvent, calendarId: string): GraphEvent {
    sequence += 1;
    events.set(event.id, event);
    eventCalendars.set(event.id, calendarId);
    eventChanges.push({ sequence, id: event.id, item: event });
    return event;
  }
  const rendered = (event: GraphEvent) => ({ '@odata.context': `${url}/v1.0/$metadata#users('me')/events/$entity`, ...event });
  function createEvent(request: FakeRequest, calendarId: string): FakeReply {
    const input = request.json<EventInput>();
    // Graph's idempotency for creation: the same transactionId is the same event.
    if (input.transactionId) {
      const existing = [...events.values()].find((event) => event.transactionId === input.transactionId);
      if (existing) return written({ status: 201, json: rendered(existing) });
    }
    const when = times(input, null);
    if ('refused' in when) return when.refused;
    const event = recordEvent(
      {
        id: fakeId('AAMkEv'),
        subject: input.subject ?? '',
        body: { contentType: input.body?.contentType === 'html' ? 'html' : 'text', content: input.body?.content ?? '' },
        start: { dateTime: when.start, timeZone: 'UTC' },
        end: { dateTime: when.end, timeZone: 'UTC' },
        isCancelled: false,
        showAs: input.showAs ?? 'busy',
        transactionId: input.transactionId ?? null,
      },
      calendarId,
    );
    return written({ status: 201, json: rendered(event) });
  }
  /** calendarView delta of one calendar (undefined = every calendar, as `/me/calendarView/delta` in the fake). */
  function calendarDelta(request: FakeRequest, path: string, calendarId: string | undefined): FakeReply {
    const start = Date.parse(request.query.get('startDateTime') ?? '');
    const end = Date.parse(request.query.get('endDateTime') ?? '');
    const hasToken = request.query.has('$deltatoken') || request.query.has('$skiptoken');
    if (!hasToken && (Number.isNaN(start) || Number.isNaN(end))) return badRequest('startDateTime and endDateTime are required.');
    const at = (value: string) => Date.parse(/[zZ]$/.test(value) ? value : `${value}Z`);
    // The window is part of the delta state in Graph; the fake keeps every event in it.
    const inWindow = (event: GraphEvent) =>
      !event.isCancelled &&
      (calendarId === undefined || eventCalendars.get(event.id) === calendarId) &&
      (hasToken || (at(event.end.dateTime) > start && at(event.start.dateTime) < end));
    return delta(request, path, () => [...events.values()], eventChanges, inWindow);
  }

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
        handler: (request) => calendarDelta(request, '/v1.0/me/calendarView/delta', undefined),
      },
      {
        method: 'GET',
        path: '/v1.0/me/calendars/:calendarId/calendarView/delta',
        handler: (request) => {
          const calendarId = request.params.calendarId ?? '';
          return calendarDelta(request, `/v1.0/me/calendars/${encodeURIComponent(calendarId)}/calendarView/delta`, calendarId);
        },
      },
      {
        method: 'POST',
        path: '/v1.0/me/events',
        handler: (request) => createEvent(request, GRAPH_DEFAULT_CALENDAR),
      },
      {
        method: 'POST',
        path: '/v1.0/me/calendars/:calendarId/events',
        handler: (request) => createEvent(request, request.params.calendarId ?? GRAPH_DEFAULT_CALENDAR),
      },
      {
        method: 'PATCH',
        path: '/v1.0/me/events/:id',
        handler(request) {
          const existing = events.get(request.params.id ?? '');
          if (!existing) return itemNotFound;
          const input = request.json<EventInput>();
          const when = times(input, existing);
          if ('refused' in when) return when.refused;
          const event = recordEvent(
            {
              ...existing,
              subject: input.subject ?? existing.subject,
              body:
                input.body?.content !== undefined
                  ? { contentType: input.body.contentType === 'html' ? 'html' : 'text', content: input.body.content }
                  : existing.body,
              start: { dateTime: when.start, timeZone: 'UTC' },
              end: { dateTime: when.end, timeZone: 'UTC' },
              showAs: input.showAs ?? existing.showAs,
            },
            eventCalendars.get(existing.id) ?? GRAPH_DEFAULT_CALENDAR,
          );
          return written({ json: rendered(event) });
        },
      },
      {
        method: 'DELETE',
        path: '/v1.0/me/events/:id',
        handler(request) {
          const id = request.params.id ?? '';
          if (!events.has(id)) return itemNotFound;
          sequence += 1;
          events.delete(id);
          eventChanges.push({ sequence, id, item: null });
          return written({ status: 204 });
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
    eventCalendars,
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
      const id = input.id ?? fakeId('AAMkEv');
      const existing = events.get(id);
      return recordEvent(
        {
          id,
          subject: input.subject,
          body: existing?.body ?? { contentType: 'text', content: '' },
          start: { dateTime: input.start, timeZone: 'UTC' },
          end: { dateTime: input.end, timeZone: 'UTC' },
          isCancelled: input.isCancelled ?? false,
          showAs: input.showAs ?? 'busy',
          transactionId: existing?.transactionId ?? null,
        },
        input.calendarId ?? eventCalendars.get(id) ?? GRAPH_DEFAULT_CALENDAR,
      );
    },
    deleteEvent(id) {
      sequence += 1;
      events.delete(id);
      eventCalendars.delete(id);
      eventChanges.push({ sequence, id, item: null });
    },
    expireDeltaTokens() {
      generation += 1;
    },
    dropNextWriteReplies(count) {
      dropWrites += count;
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
