import { randomUUID } from 'node:crypto';
import { fakeId, postWebhook, startFakeServer, type FakeReply, type FakeServer } from './fake-server.ts';

/**
 * Google Calendar API v3: events list (full sync with timeMin/timeMax, incremental with `syncToken`
 * answering changed and cancelled events and a `nextSyncToken` on the last page; a stale token is
 * `410 GONE` "fullSyncRequired"), events insert/patch/delete, freeBusy.query and events.watch push
 * channels (`push` posts the X-Goog-* headers with the channel's token; the first message is `sync`).
 */
export interface CalendarEvent {
  id: string;
  status: 'confirmed' | 'tentative' | 'cancelled';
  summary: string;
  start: { dateTime: string };
  end: { dateTime: string };
  updated: string;
  etag: string;
  iCalUID: string;
  /** The change sequence this version was written at (not part of the API). */
  sequenceNumber: number;
}

export interface CalendarChannel {
  id: string;
  resourceId: string;
  address: string;
  token: string;
  calendarId: string;
  messageNumber: number;
}

export interface GoogleCalendarFake extends FakeServer {
  events: Map<string, CalendarEvent>;
  channels: Map<string, CalendarChannel>;
  upsert(input: { id?: string; summary: string; start: string; end: string; status?: CalendarEvent['status'] }): CalendarEvent;
  /** Every sync token issued so far becomes stale (410 on its next use). */
  invalidateSyncTokens(): void;
  /** Posts a push notification to the channel's address (resource state `exists`). */
  push(channelId: string, state?: string): ReturnType<typeof postWebhook>;
}

const gone: FakeReply = {
  status: 410,
  json: {
    error: {
      code: 410,
      message: 'Sync token is no longer valid, a full sync is required.',
      errors: [{ domain: 'global', reason: 'fullSyncRequired', message: 'Sync token is no longer valid, a full sync is required.' }],
    },
  },
};

export async function startGoogleCalendarFake(): Promise<GoogleCalendarFake> {
  const events = new Map<string, CalendarEvent>();
  const channels = new Map<string, CalendarChannel>();
  let sequence = 0;
  /** Sync tokens carry the generation they were issued in; invalidating bumps it. */
  let generation = 1;

  function upsert(input: { id?: string; summary: string; start: string; end: string; status?: CalendarEvent['status'] }): CalendarEvent {
    sequence += 1;
    const id = input.id ?? fakeId('evt');
    const event: CalendarEvent = {
      id,
      status: input.status ?? 'confirmed',
      summary: input.summary,
      start: { dateTime: input.start },
      end: { dateTime: input.end },
      updated: new Date().toISOString(),
      etag: `"${sequence}"`,
      iCalUID: `${id}@google.com`,
      sequenceNumber: sequence,
    };
    events.set(id, event);
    return event;
  }
  const render = ({ sequenceNumber: _sequence, ...event }: CalendarEvent) => ({ kind: 'calendar#event', ...event });

  async function send(channel: CalendarChannel, state: string) {
    channel.messageNumber += 1;
    return postWebhook(channel.address, {
      headers: {
        'x-goog-channel-id': channel.id,
        'x-goog-channel-token': channel.token,
        'x-goog-channel-expiration': new Date(Date.now() + 7 * 24 * 3600 * 1000).toUTCString(),
        'x-goog-message-number': String(channel.messageNumber),
        'x-goog-resource-id': channel.resourceId,
        'x-goog-resource-state': state,
        'x-goog-resource-uri': `https://www.googleapis.com/calendar/v3/calendars/${channel.calendarId}/events?alt=json`,
      },
      body: '',
    });
  }

  const server = await startFakeServer({
    unauthorized: { status: 401, json: { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } } },
    routes: [
      {
        method: 'GET',
        path: '/calendar/v3/calendars/:calendarId/events',
        handler(request) {
          const syncToken = request.query.get('syncToken');
          if (syncToken && (request.query.get('timeMin') || request.query.get('timeMax'))) {
            return { status: 400, json: { error: { code: 400, message: 'Sync token cannot be used with timeMin or timeMax.' } } };
          }
          let items: CalendarEvent[];
          let since = 0;
          if (syncToken) {
            const parsed = /^sync-(\d+)-(\d+)$/.exec(syncToken);
            if (!parsed || Number(parsed[1]) !== generation) return gone;
            since = Number(parsed[2]);
            items = [...events.values()].filter((event) => event.sequenceNumber > since);
          } else {
            const min = Date.parse(request.query.get('timeMin') ?? '') || Number.NEGATIVE_INFINITY;
            const max = Date.parse(request.query.get('timeMax') ?? '') || Number.POSITIVE_INFINITY;
            const showDeleted = request.query.get('showDeleted') === 'true';
            items = [...events.values()].filter(
              (event) => (showDeleted || event.status !== 'cancelled') && Date.parse(event.end.dateTime) > min && Date.parse(event.start.dateTime) < max,
            );
          }
          const max = Math.min(Number(request.query.get('maxResults') ?? 250), 2500);
          const offset = Number(request.query.get('pageToken') ?? 0);
          const page = items.slice(offset, offset + max);
          const last = offset + max >= items.length;
          return {
            json: {
              kind: 'calendar#events',
              summary: request.params.calendarId,
              updated: new Date().toISOString(),
              items: page.map(render),
              ...(last ? { nextSyncToken: `sync-${generation}-${sequence}` } : { nextPageToken: String(offset + max) }),
            },
          };
        },
      },
      {
        method: 'POST',
        path: '/calendar/v3/calendars/:calendarId/events',
        handler(request) {
          const input = request.json<{ summary?: string; start?: { dateTime?: string }; end?: { dateTime?: string } }>();
          if (!input.start?.dateTime || !input.end?.dateTime) return { status: 400, json: { error: { code: 400, message: 'Missing end time.' } } };
          return { json: render(upsert({ summary: input.summary ?? '', start: input.start.dateTime, end: input.end.dateTime })) };
        },
      },
      {
        method: 'PATCH',
        path: '/calendar/v3/calendars/:calendarId/events/:eventId',
        handler(request) {
          const existing = events.get(request.params.eventId ?? '');
          if (!existing) return { status: 404, json: { error: { code: 404, message: 'Not Found' } } };
          const input = request.json<{ summary?: string; start?: { dateTime?: string }; end?: { dateTime?: string } }>();
          return {
            json: render(
              upsert({
                id: existing.id,
                summary: input.summary ?? existing.summary,
                start: input.start?.dateTime ?? existing.start.dateTime,
                end: input.end?.dateTime ?? existing.end.dateTime,
              }),
            ),
          };
        },
      },
      {
        method: 'DELETE',
        path: '/calendar/v3/calendars/:calendarId/events/:eventId',
        handler(request) {
          const existing = events.get(request.params.eventId ?? '');
          if (!existing || existing.status === 'cancelled') return { status: 410, json: { error: { code: 410, message: 'Resource has been deleted' } } };
          upsert({ id: existing.id, summary: existing.summary, start: existing.start.dateTime, end: existing.end.dateTime, status: 'cancelled' });
          return { status: 204 };
        },
      },
      {
        method: 'POST',
        path: '/calendar/v3/freeBusy',
        handler(request) {
          const input = request.json<{ timeMin?: string; timeMax?: string; items?: { id: string }[] }>();
          const min = Date.parse(input.timeMin ?? '');
          const max = Date.parse(input.timeMax ?? '');
          if (Number.isNaN(min) || Number.isNaN(max)) return { status: 400, json: { error: { code: 400, message: 'Missing timeMin or timeMax.' } } };
          const busy = [...events.values()]
            .filter((event) => event.status !== 'cancelled' && Date.parse(event.end.dateTime) > min && Date.parse(event.start.dateTime) < max)
            .sort((a, b) => Date.parse(a.start.dateTime) - Date.parse(b.start.dateTime))
            .map((event) => ({ start: event.start.dateTime, end: event.end.dateTime }));
          return {
            json: {
              kind: 'calendar#freeBusy',
              timeMin: input.timeMin,
              timeMax: input.timeMax,
              calendars: Object.fromEntries((input.items ?? []).map((item) => [item.id, { busy }])),
            },
          };
        },
      },
      {
        method: 'POST',
        path: '/calendar/v3/calendars/:calendarId/events/watch',
        async handler(request) {
          const input = request.json<{ id?: string; type?: string; address?: string; token?: string }>();
          if (!input.id || input.type !== 'web_hook' || !input.address) return { status: 400, json: { error: { code: 400, message: 'Invalid channel.' } } };
          const channel: CalendarChannel = {
            id: input.id,
            resourceId: randomUUID(),
            address: input.address,
            token: input.token ?? '',
            calendarId: request.params.calendarId ?? 'primary',
            messageNumber: 0,
          };
          channels.set(channel.id, channel);
          await send(channel, 'sync').catch(() => undefined);
          return {
            json: {
              kind: 'api#channel',
              id: channel.id,
              resourceId: channel.resourceId,
              resourceUri: `https://www.googleapis.com/calendar/v3/calendars/${channel.calendarId}/events?alt=json`,
              token: channel.token,
              expiration: String(Date.now() + 7 * 24 * 3600 * 1000),
            },
          };
        },
      },
      {
        method: 'POST',
        path: '/calendar/v3/channels/stop',
        handler(request) {
          channels.delete(request.json<{ id?: string }>().id ?? '');
          return { status: 204 };
        },
      },
    ],
  });

  return {
    ...server,
    events,
    channels,
    upsert,
    invalidateSyncTokens() {
      generation += 1;
    },
    push(channelId, state = 'exists') {
      const channel = channels.get(channelId);
      if (!channel) throw new Error(`no channel ${channelId}`);
      return send(channel, state);
    },
  };
}
