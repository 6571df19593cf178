import { ProviderHttpClient } from '@ubos/integrations';
import type { ConnectionServices } from '@ubos/platform';
import { DateTime } from 'luxon';
import type { BusyOccurrence, SyncResult } from './caldav.ts';
import { HORIZON_DAYS } from './caldav.ts';

/**
 * The Microsoft Graph calendar adapter (v1.0) over the integrations ProviderHttpClient: bearer
 * tokens from the registry (refreshed there), retries, the connection's breaker. Busy time comes
 * from calendarView delta: the first round is a full read of a window (yesterday to HORIZON_DAYS
 * ahead) ending in an `@odata.deltaLink`, which is stored and later returns only the changes
 * (`@removed` for deleted events); a 410 (SyncStateNotFound) starts over with a full round, and
 * so does a round older than ROUND_MAX_AGE_DAYS (the window is fixed by the round's first request,
 * so it has to be moved forward now and then).
 * `showAs: free` and cancelled events are not busy. Appointments are created with a
 * `transactionId` derived from the appointment (Graph's idempotency for event creation: a repeated
 * create after a lost reply is the same event), moved with PATCH, removed with DELETE.
 *
 * `primary` is the account's default calendar (`/me/events`, `/me/calendarView/delta`); any other
 * id is a calendar id (`/me/calendars/{id}/…`).
 */

export const GRAPH_API = 'https://graph.microsoft.com';

/** A delta round this old starts over with a full read of a fresh window. */
export const ROUND_MAX_AGE_DAYS = 7;

/** The stored sync token: the round's deltaLink and when the round (its window) began. */
interface StoredRound {
  link: string;
  since: string;
}

function parseRound(token: string | null): StoredRound | null {
  if (!token) return null;
  try {
    const value = JSON.parse(token) as Partial<StoredRound>;
    return typeof value.link === 'string' && typeof value.since === 'string' ? { link: value.link, since: value.since } : null;
  } catch {
    return null;
  }
}

/** What UBOS puts in `transactionId`; an event carrying one is a UBOS appointment coming back. */
const TRANSACTION_PREFIX = 'ubos-';

interface GraphDateTime {
  dateTime?: string;
  timeZone?: string;
}

interface GraphEvent {
  id: string;
  '@removed'?: { reason?: string };
  isCancelled?: boolean;
  showAs?: string;
  transactionId?: string | null;
  start?: GraphDateTime;
  end?: GraphDateTime;
}

interface DeltaPage {
  value?: GraphEvent[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

export function graphClient(
  connections: ConnectionServices,
  ref: { tenantId: string; connectionId: string },
  baseUrl: string = GRAPH_API,
  options: { retries?: number } = {},
): ProviderHttpClient {
  return new ProviderHttpClient({
    provider: 'microsoft',
    connection: ref,
    health: connections.health,
    tokens: connections.accessTokens,
    baseUrl,
    timeoutMs: 10_000,
    // Event times in UTC whatever the mailbox's zone; pages of up to 100 events.
    headers: { prefer: 'odata.maxpagesize=100, outlook.timezone="UTC"' },
    ...(options.retries !== undefined ? { retry: { retries: options.retries } } : {}),
  });
}

const calendarPath = (calendarId: string) => (calendarId === 'primary' ? '/v1.0/me' : `/v1.0/me/calendars/${encodeURIComponent(calendarId)}`);
const eventPath = (eventId: string) => `/v1.0/me/events/${encodeURIComponent(eventId)}`;

/** Graph's dateTimeTimeZone: a wall time (`2026-05-01T09:00:00.0000000`) in a zone, UTC as asked. */
export function graphInstant(value: GraphDateTime | undefined): number {
  if (!value?.dateTime) return Number.NaN;
  const text = value.dateTime.replace(/(\.\d{3})\d+/, '$1');
  if (/[zZ]|[+-]\d\d:\d\d$/.test(text)) return Date.parse(text);
  const zone = !value.timeZone || value.timeZone === 'UTC' ? 'UTC' : value.timeZone;
  const parsed = DateTime.fromISO(text, { zone });
  return parsed.isValid ? parsed.toMillis() : Date.parse(`${text}Z`);
}

function busyOf(event: GraphEvent): BusyOccurrence[] {
  if (event.isCancelled || event.showAs === 'free') return [];
  const start = graphInstant(event.start);
  const end = graphInstant(event.end);
  return Number.isFinite(start) && Number.isFinite(end) && end > start ? [{ start: new Date(start), end: new Date(end) }] : [];
}

/** The appointment a UBOS-written event belongs to, from its transactionId. */
function appointmentOf(event: GraphEvent): string | undefined {
  const id = event.transactionId;
  return id?.startsWith(TRANSACTION_PREFIX) ? id.slice(TRANSACTION_PREFIX.length) : undefined;
}

class GoneError extends Error {}

/** Links Graph hands back are followed only on the API's own origin (they carry the bearer token). */
function sameOrigin(link: string, baseUrl: string): boolean {
  try {
    return new URL(link).origin === new URL(baseUrl).origin;
  } catch {
    return false;
  }
}

async function round(
  client: ProviderHttpClient,
  calendarId: string,
  deltaLink: string | null,
  baseUrl: string,
  now: Date,
  signal: AbortSignal | undefined,
): Promise<{ items: GraphEvent[]; deltaLink: string | null }> {
  const items: GraphEvent[] = [];
  let next: { url: string; query?: Record<string, string> } = deltaLink
    ? { url: deltaLink }
    : {
        url: `${calendarPath(calendarId)}/calendarView/delta`,
        query: {
          startDateTime: new Date(now.getTime() - 86_400_000).toISOString(),
          endDateTime: new Date(now.getTime() + HORIZON_DAYS * 86_400_000).toISOString(),
        },
      };
  for (let page = 0; page < 200; page += 1) {
    const response = await client.request({ ...next, ...(signal ? { signal } : {}) });
    if (response.status === 410) throw new GoneError('delta token expired');
    if (!response.ok) throw new Error(`Microsoft Graph answered ${response.status} to reading calendar changes`);
    const body = response.json<DeltaPage>();
    items.push(...(body.value ?? []));
    const nextLink = body['@odata.nextLink'];
    if (nextLink) {
      if (!sameOrigin(nextLink, baseUrl)) throw new Error('Microsoft Graph returned a next page on another origin');
      next = { url: nextLink };
      continue;
    }
    const link = body['@odata.deltaLink'] ?? null;
    return { items, deltaLink: link && sameOrigin(link, baseUrl) ? link : null };
  }
  throw new Error('Microsoft Graph returned more than 200 pages of calendar changes');
}

/**
 * One calendar's changes since the stored sync token (the round's deltaLink and start, as JSON) in
 * the CalDAV adapter's shape: hrefs are event ids.
 */
export async function syncGraphCalendar(
  client: ProviderHttpClient,
  calendarId: string,
  syncToken: string | null,
  /** `signal` ends every request of the call at once (the booking re-check's budget). */
  options: { baseUrl?: string; now?: Date; signal?: AbortSignal } = {},
): Promise<SyncResult> {
  const baseUrl = options.baseUrl ?? GRAPH_API;
  const now = options.now ?? new Date();
  const stored = parseRound(syncToken);
  // A link for another origin (the API base changed) or a round past its age: start over.
  const usable = stored && sameOrigin(stored.link, baseUrl) && now.getTime() - Date.parse(stored.since) < ROUND_MAX_AGE_DAYS * 86_400_000 ? stored : null;
  let full = usable === null;
  let result: Awaited<ReturnType<typeof round>>;
  try {
    result = await round(client, calendarId, usable?.link ?? null, baseUrl, now, options.signal);
  } catch (error) {
    if (!(error instanceof GoneError)) throw error;
    full = true;
    result = await round(client, calendarId, null, baseUrl, now, options.signal);
  }
  const since = full || !usable ? now.toISOString() : usable.since;
  const live = result.items.filter((e) => !e['@removed']);
  return {
    full,
    changed: live.map((e) => {
      const appointmentId = appointmentOf(e);
      return { href: e.id, etag: null, busy: busyOf(e), ...(appointmentId ? { appointmentId } : {}) };
    }),
    deleted: result.items.filter((e) => e['@removed']).map((e) => e.id),
    syncToken: result.deltaLink ? JSON.stringify({ link: result.deltaLink, since } satisfies StoredRound) : null,
  };
}

function graphTime(at: Date): GraphDateTime {
  return { dateTime: at.toISOString().slice(0, 23), timeZone: 'UTC' };
}

/** Creates (or, with `id`, updates) the appointment's event; answers the event id. */
export async function putGraphEvent(
  client: ProviderHttpClient,
  calendarId: string,
  event: { id: string | null; appointmentId: string; summary: string; description: string; start: Date; end: Date },
): Promise<string> {
  const json = {
    subject: event.summary,
    body: { contentType: 'text', content: event.description },
    start: graphTime(event.start),
    end: graphTime(event.end),
    showAs: 'busy',
  };
  const patch = (id: string) => client.request({ method: 'PATCH', url: eventPath(id), json });
  let response = event.id ? await patch(event.id) : null;
  // Never written, or deleted in Outlook since: create it.
  if (!response || response.status === 404) {
    response = await client.request({
      method: 'POST',
      url: `${calendarPath(calendarId)}/events`,
      json: { ...json, transactionId: `${TRANSACTION_PREFIX}${event.appointmentId}` },
    });
    if (response.ok) {
      // A repeated create answers the event as first written; a move since then still has to land.
      const created = response.json<GraphEvent>();
      if (graphInstant(created.start) !== event.start.getTime() || graphInstant(created.end) !== event.end.getTime()) response = await patch(created.id);
    }
  }
  if (!response.ok) throw new Error(`Microsoft Graph answered ${response.status} to writing the event`);
  return response.json<{ id: string }>().id;
}

export async function removeGraphEvent(client: ProviderHttpClient, eventId: string): Promise<void> {
  const response = await client.request({ method: 'DELETE', url: eventPath(eventId) });
  if (!response.ok && response.status !== 404) throw new Error(`Microsoft Graph answered ${response.status} to removing the event`);
}
