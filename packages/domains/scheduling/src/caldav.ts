import { guardedTransport, type HttpTransport, type SsrfGuard } from '@ubos/integrations';
import ICAL from 'ical.js';
import { calendarMultiGet, createAccount, createCalendarObject, deleteCalendarObject, fetchCalendars, syncCollection, updateCalendarObject } from 'tsdav';

/**
 * The CalDAV adapter (tsdav over the SSRF-guarded transport, §7): discovery, incremental sync of
 * busy time with the collection's sync token (RFC 6578; a refused token means a full resync),
 * and writing UBOS appointments as events. Events are parsed with ical.js: TZID times through
 * the calendar's VTIMEZONE, recurring events expanded over the sync horizon, transparent and
 * cancelled ones are not busy.
 */

export interface CalDavAuth {
  serverUrl: string;
  /** The Authorization header value (Basic …). */
  authorization: string;
}

export interface RemoteCalendar {
  url: string;
  displayName: string;
  ctag: string | null;
  syncToken: string | null;
}

export interface BusyOccurrence {
  start: Date;
  end: Date;
}

export interface SyncResult {
  /** True when the server returned everything (first sync, or a refused token). */
  full: boolean;
  /** `appointmentId`: the event is a UBOS appointment written to this calendar (known by the provider's own marker). */
  changed: { href: string; etag: string | null; busy: BusyOccurrence[]; appointmentId?: string }[];
  deleted: string[];
  syncToken: string | null;
}

/** How far ahead recurring events are expanded. */
export const HORIZON_DAYS = 400;
const MAX_OCCURRENCES = 500;

/** A fetch for tsdav that sends every request through the guarded transport. */
export function guardedFetch(guard: SsrfGuard, transport?: HttpTransport): typeof fetch {
  const send = transport ?? guardedTransport({ guard });
  const guarded = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const raw = init?.body;
    const body =
      raw === undefined || raw === null ? undefined : typeof raw === 'string' ? Buffer.from(raw) : Buffer.from(await new Response(raw).arrayBuffer());
    const response = await send({ method: init?.method ?? 'GET', url, headers, ...(body ? { body } : {}), ...(init?.signal ? { signal: init.signal } : {}) });
    const empty = response.status === 204 || response.status === 304;
    return new Response(empty ? null : new Uint8Array(response.body), { status: response.status, headers: response.headers });
  };
  return guarded as typeof fetch;
}

export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

function headersOf(auth: CalDavAuth): Record<string, string> {
  return { authorization: auth.authorization };
}

export async function discoverCalendars(auth: CalDavAuth, fetcher: typeof fetch): Promise<RemoteCalendar[]> {
  const account = await createAccount({ account: { serverUrl: auth.serverUrl, accountType: 'caldav' }, headers: headersOf(auth), fetch: fetcher });
  const calendars = await fetchCalendars({ account, headers: headersOf(auth), fetch: fetcher });
  return calendars
    .filter((calendar) => !calendar.components || calendar.components.includes('VEVENT'))
    .map((calendar) => ({
      url: calendar.url,
      displayName: typeof calendar.displayName === 'string' && calendar.displayName ? calendar.displayName : calendar.url,
      ctag: calendar.ctag ?? null,
      syncToken: calendar.syncToken ?? null,
    }));
}

/** The busy occurrences of one iCalendar object within [from, to). */
export function busyOf(data: string, from: Date, to: Date): BusyOccurrence[] {
  const root = new ICAL.Component(ICAL.parse(data));
  for (const zone of root.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(new ICAL.Timezone(zone));
  const out: BusyOccurrence[] = [];
  for (const component of root.getAllSubcomponents('vevent')) {
    const event = new ICAL.Event(component);
    if (String(component.getFirstPropertyValue('transp') ?? '').toUpperCase() === 'TRANSPARENT') continue;
    if (String(component.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED') continue;
    if (event.isRecurrenceException()) continue;
    const durationMs = event.endDate ? event.endDate.toJSDate().getTime() - event.startDate.toJSDate().getTime() : 86_400_000;
    if (!event.isRecurring()) {
      const start = event.startDate.toJSDate();
      const end = new Date(start.getTime() + Math.max(durationMs, 0));
      if (end > from && start < to && end > start) out.push({ start, end });
      continue;
    }
    const iterator = event.iterator();
    for (let next = iterator.next(), count = 0; next && count < MAX_OCCURRENCES; next = iterator.next(), count += 1) {
      const start = next.toJSDate();
      if (start >= to) break;
      const end = new Date(start.getTime() + durationMs);
      if (end > from && end > start) out.push({ start, end });
    }
  }
  return out;
}

const isObject = (href: string | undefined): href is string => typeof href === 'string' && href.toLowerCase().endsWith('.ics');

class StaleTokenError extends Error {}

async function collectionChanges(calendarUrl: string, auth: CalDavAuth, fetcher: typeof fetch, syncToken: string | null) {
  const responses = await syncCollection({
    url: calendarUrl,
    props: { 'd:getetag': {} },
    syncLevel: 1,
    ...(syncToken ? { syncToken } : {}),
    headers: headersOf(auth),
    fetch: fetcher,
  });
  const failed = responses.find((r) => (!r.ok || r.status >= 400) && !(r.status === 404 && isObject(r.href)));
  if (failed) {
    // RFC 6578 §3.2: an invalid or expired token is 403/409 (valid-sync-token); Google-style 410.
    if (syncToken && [400, 403, 409, 410, 412].includes(failed.status)) throw new StaleTokenError(`sync token refused (${failed.status})`);
    throw new Error(`The calendar answered ${failed.status} ${failed.statusText} to a sync`);
  }
  const raw = responses[0]?.raw as { multistatus?: { syncToken?: unknown } } | undefined;
  const token = typeof raw?.multistatus?.syncToken === 'string' ? raw.multistatus.syncToken : null;
  return {
    changed: responses.filter((r) => isObject(r.href) && r.status !== 404).map((r) => r.href as string),
    deleted: responses.filter((r) => isObject(r.href) && r.status === 404).map((r) => r.href as string),
    token,
  };
}

/** One calendar's changes since `syncToken` (everything when null or refused). */
export async function syncCalendar(
  calendarUrl: string,
  auth: CalDavAuth,
  fetcher: typeof fetch,
  syncToken: string | null,
  now: Date = new Date(),
): Promise<SyncResult> {
  let full = syncToken === null;
  let changes: Awaited<ReturnType<typeof collectionChanges>>;
  try {
    changes = await collectionChanges(calendarUrl, auth, fetcher, syncToken);
  } catch (error) {
    if (!(error instanceof StaleTokenError)) throw error;
    full = true;
    changes = await collectionChanges(calendarUrl, auth, fetcher, null);
  }
  const from = new Date(now.getTime() - 86_400_000);
  const to = new Date(now.getTime() + HORIZON_DAYS * 86_400_000);
  const changed: SyncResult['changed'] = [];
  if (changes.changed.length > 0) {
    const objects = await calendarMultiGet({
      url: calendarUrl,
      props: { 'd:getetag': {}, 'c:calendar-data': {} },
      objectUrls: changes.changed,
      depth: '1',
      headers: headersOf(auth),
      fetch: fetcher,
    });
    for (const object of objects) {
      if (!object.href || !object.ok) continue;
      const props = object.props as { getetag?: unknown; calendarData?: unknown } | undefined;
      const dataValue = props?.calendarData;
      const data =
        typeof dataValue === 'string'
          ? dataValue
          : typeof (dataValue as { _cdata?: unknown })?._cdata === 'string'
            ? String((dataValue as { _cdata: string })._cdata)
            : '';
      let busy: BusyOccurrence[] = [];
      try {
        busy = data ? busyOf(data, from, to) : [];
      } catch {
        busy = [];
      }
      changed.push({ href: object.href, etag: props?.getetag == null ? null : String(props.getetag), busy });
    }
  }
  return { full, changed, deleted: changes.deleted, syncToken: changes.token ?? syncToken };
}

/** Writes (or replaces) one event; returns its URL and etag. */
export async function putEvent(
  calendarUrl: string,
  auth: CalDavAuth,
  fetcher: typeof fetch,
  event: { filename: string; ics: string; url: string | null; etag: string | null },
): Promise<{ url: string; etag: string | null }> {
  const calendar = { url: calendarUrl };
  const response = event.url
    ? // UBOS owns these events: the latest appointment wins (no If-Match).
      await updateCalendarObject({ calendarObject: { url: event.url, data: event.ics }, headers: headersOf(auth), fetch: fetcher })
    : await createCalendarObject({ calendar, filename: event.filename, iCalString: event.ics, headers: headersOf(auth), fetch: fetcher });
  if (!response.ok) throw new Error(`The calendar answered ${response.status} to writing the event`);
  const url = event.url ?? new URL(event.filename, calendarUrl.endsWith('/') ? calendarUrl : `${calendarUrl}/`).toString();
  return { url, etag: response.headers.get('etag') };
}

export async function removeEvent(auth: CalDavAuth, fetcher: typeof fetch, event: { url: string }): Promise<void> {
  const response = await deleteCalendarObject({ calendarObject: { url: event.url }, headers: headersOf(auth), fetch: fetcher });
  if (!response.ok && response.status !== 404 && response.status !== 410) throw new Error(`The calendar answered ${response.status} to removing the event`);
}
