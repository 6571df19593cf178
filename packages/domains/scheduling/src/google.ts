import { ProviderHttpClient } from '@ubos/integrations';
import type { ConnectionServices } from '@ubos/platform';
import type { BusyOccurrence, SyncResult } from './caldav.ts';
import { HORIZON_DAYS } from './caldav.ts';

/**
 * The Google Calendar adapter (API v3) over the integrations ProviderHttpClient: bearer tokens from
 * the registry (refreshed there), retries, the connection's breaker. Busy time comes from
 * events.list with the stored `syncToken` (incremental; changed and cancelled events); a 410
 * (fullSyncRequired) starts over with a full list. Appointments are written with events.insert,
 * moved with events.patch, removed with events.delete.
 */

export const GOOGLE_API = 'https://www.googleapis.com';

interface GoogleEvent {
  id: string;
  status?: string;
  transparency?: string;
  start?: { dateTime?: string; date?: string };
  end?: { dateTime?: string; date?: string };
}

interface EventsPage {
  items?: GoogleEvent[];
  nextPageToken?: string;
  nextSyncToken?: string;
}

export function googleClient(
  connections: ConnectionServices,
  ref: { tenantId: string; connectionId: string },
  baseUrl: string = GOOGLE_API,
  options: { retries?: number } = {},
): ProviderHttpClient {
  return new ProviderHttpClient({
    provider: 'google',
    connection: ref,
    health: connections.health,
    tokens: connections.accessTokens,
    baseUrl,
    timeoutMs: 10_000,
    ...(options.retries !== undefined ? { retry: { retries: options.retries } } : {}),
  });
}

const path = (calendarId: string) => `/calendar/v3/calendars/${encodeURIComponent(calendarId)}/events`;

function instant(value: { dateTime?: string; date?: string } | undefined): number {
  if (!value) return Number.NaN;
  return Date.parse(value.dateTime ?? `${value.date ?? ''}T00:00:00Z`);
}

function busyOf(event: GoogleEvent): BusyOccurrence[] {
  if (event.status === 'cancelled' || event.transparency === 'transparent') return [];
  const start = instant(event.start);
  const end = instant(event.end);
  return Number.isFinite(start) && Number.isFinite(end) && end > start ? [{ start: new Date(start), end: new Date(end) }] : [];
}

class GoneError extends Error {}

async function list(
  client: ProviderHttpClient,
  calendarId: string,
  syncToken: string | null,
  now: Date,
  signal: AbortSignal | undefined,
): Promise<{ items: GoogleEvent[]; token: string | null }> {
  const items: GoogleEvent[] = [];
  let pageToken: string | undefined;
  for (let page = 0; page < 100; page += 1) {
    const query: Record<string, string | number | undefined> = syncToken
      ? { syncToken, pageToken, maxResults: 250 }
      : {
          timeMin: new Date(now.getTime() - 86_400_000).toISOString(),
          timeMax: new Date(now.getTime() + HORIZON_DAYS * 86_400_000).toISOString(),
          singleEvents: 'true',
          pageToken,
          maxResults: 250,
        };
    const response = await client.request({ url: path(calendarId), query, ...(signal ? { signal } : {}) });
    if (response.status === 410) throw new GoneError('sync token expired');
    if (!response.ok) throw new Error(`Google Calendar answered ${response.status} to listing events`);
    const body = response.json<EventsPage>();
    items.push(...(body.items ?? []));
    if (body.nextPageToken) {
      pageToken = body.nextPageToken;
      continue;
    }
    return { items, token: body.nextSyncToken ?? syncToken };
  }
  throw new Error('Google Calendar returned more than 100 pages of events');
}

/** One calendar's changes since `syncToken` in the CalDAV adapter's shape (hrefs are event ids). */
export async function syncGoogleCalendar(
  client: ProviderHttpClient,
  calendarId: string,
  syncToken: string | null,
  now: Date = new Date(),
  /** Ends every request of the call at once (the booking re-check's budget). */
  signal?: AbortSignal,
): Promise<SyncResult> {
  let full = syncToken === null;
  let result: Awaited<ReturnType<typeof list>>;
  try {
    result = await list(client, calendarId, syncToken, now, signal);
  } catch (error) {
    if (!(error instanceof GoneError)) throw error;
    full = true;
    result = await list(client, calendarId, null, now, signal);
  }
  return {
    full,
    changed: result.items.filter((e) => e.status !== 'cancelled').map((e) => ({ href: e.id, etag: null, busy: busyOf(e) })),
    deleted: result.items.filter((e) => e.status === 'cancelled').map((e) => e.id),
    syncToken: result.token,
  };
}

export async function putGoogleEvent(
  client: ProviderHttpClient,
  calendarId: string,
  event: { id: string | null; appointmentId: string; summary: string; description: string; start: Date; end: Date },
): Promise<string> {
  const json = {
    summary: event.summary,
    description: event.description,
    start: { dateTime: event.start.toISOString() },
    end: { dateTime: event.end.toISOString() },
  };
  const patch = (id: string) => client.request({ method: 'PATCH', url: `${path(calendarId)}/${encodeURIComponent(id)}`, json });
  let response = event.id ? await patch(event.id) : null;
  if (!response) {
    // The event id is derived from the appointment (base32hex allows hex digits), so a repeated
    // insert after a lost reply is a 409 for the same event, not a second event.
    const ownId = event.appointmentId.replace(/-/g, '');
    response = await client.request({ method: 'POST', url: path(calendarId), json: { id: ownId, ...json } });
    if (response.status === 409) response = await patch(ownId);
  }
  if (!response.ok) throw new Error(`Google Calendar answered ${response.status} to writing the event`);
  return response.json<{ id: string }>().id;
}

export async function removeGoogleEvent(client: ProviderHttpClient, calendarId: string, eventId: string): Promise<void> {
  const response = await client.request({ method: 'DELETE', url: `${path(calendarId)}/${encodeURIComponent(eventId)}` });
  if (!response.ok && response.status !== 404 && response.status !== 410) throw new Error(`Google Calendar answered ${response.status} to removing the event`);
}
