/** Time-zone helpers of the scheduling screens (Intl only: the browser knows every IANA zone). */

export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

export function timeZones(): string[] {
  const withSupported = Intl as typeof Intl & { supportedValuesOf?: (key: string) => string[] };
  const zones = withSupported.supportedValuesOf?.('timeZone') ?? [];
  return zones.includes('UTC') ? zones : ['UTC', ...zones];
}

/** 'YYYY-MM-DD' of an instant in a zone. */
export function dateIn(date: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(date);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

export function formatWhen(value: Date | string, timeZone: string): string {
  const date = typeof value === 'string' ? new Date(value) : value;
  return new Intl.DateTimeFormat('en-GB', {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone,
  }).format(date);
}

export function formatTime(value: Date | string, timeZone?: string): string {
  const date = typeof value === 'string' ? new Date(value) : value;
  return new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', ...(timeZone ? { timeZone } : {}) }).format(date);
}

/** The days of a month as 'YYYY-MM-DD' with their weekday (0 = Monday). */
export function monthDays(year: number, month: number): { date: string; weekday: number; day: number }[] {
  const count = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return Array.from({ length: count }, (_, i) => {
    const d = new Date(Date.UTC(year, month, i + 1));
    return { date: d.toISOString().slice(0, 10), weekday: (d.getUTCDay() + 6) % 7, day: i + 1 };
  });
}

/** The instants bounding a month in any zone (a day of margin each side; the server trims). */
export function monthRange(year: number, month: number): { from: Date; to: Date } {
  return { from: new Date(Date.UTC(year, month, 1) - 86_400_000), to: new Date(Date.UTC(year, month + 1, 1) + 86_400_000) };
}

export function monthLabel(year: number, month: number): string {
  return new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(year, month, 1)));
}

/** "HH:MM" <-> minutes after midnight. */
export function toMinutes(value: string): number {
  if (value === '24:00') return 1440;
  const [h = '0', m = '0'] = value.split(':');
  return Number(h) * 60 + Number(m);
}
export function fromMinutes(minutes: number): string {
  if (minutes >= 1440) return '24:00';
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** A .ics text as a download URL (the confirmation's add-to-calendar). */
export function icsHref(ics: string): string {
  return `data:text/calendar;charset=utf-8,${encodeURIComponent(ics)}`;
}
