/**
 * A minimal iCalendar (RFC 5545) event for appointment mails: METHOD:REQUEST to add it, METHOD:CANCEL
 * (same UID, higher SEQUENCE) to remove it. Text values are escaped and lines folded at 75 octets.
 */
export interface IcsEvent {
  /** Stable per appointment: a cancellation must carry the confirmation's UID. */
  uid: string;
  /** ISO timestamps. */
  startsAt: string;
  endsAt: string;
  summary: string;
  description?: string | null;
  location?: string | null;
  organizer?: { name?: string | null; email: string } | null;
  attendee?: { name?: string | null; email: string } | null;
  method: 'REQUEST' | 'CANCEL';
  sequence?: number;
  /** When the event was stamped (default now). */
  stamp?: Date;
}

function icsDate(value: string | Date): string {
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) throw new Error(`Invalid date for an .ics event: ${String(value)}`);
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

/** RFC 5545 §3.3.11 TEXT escaping. */
export function escapeIcsText(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

const quotedParam = (value: string) => `"${value.replace(/["\r\n]/g, '')}"`;

/** Folds a content line at 75 octets (continuation lines start with a space). */
function fold(line: string): string {
  const bytes = Buffer.from(line, 'utf8');
  if (bytes.length <= 75) return line;
  const parts: string[] = [];
  let current = '';
  let size = 0;
  for (const char of line) {
    const length = Buffer.byteLength(char, 'utf8');
    if (size + length > (parts.length === 0 ? 75 : 74)) {
      parts.push(current);
      current = '';
      size = 0;
    }
    current += char;
    size += length;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

export function buildIcs(event: IcsEvent): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//UBOS//System mail//EN',
    'CALSCALE:GREGORIAN',
    `METHOD:${event.method}`,
    'BEGIN:VEVENT',
    `UID:${escapeIcsText(event.uid)}`,
    `SEQUENCE:${event.sequence ?? (event.method === 'CANCEL' ? 1 : 0)}`,
    `DTSTAMP:${icsDate(event.stamp ?? new Date())}`,
    `DTSTART:${icsDate(event.startsAt)}`,
    `DTEND:${icsDate(event.endsAt)}`,
    `SUMMARY:${escapeIcsText(event.summary)}`,
    ...(event.description ? [`DESCRIPTION:${escapeIcsText(event.description)}`] : []),
    ...(event.location ? [`LOCATION:${escapeIcsText(event.location)}`] : []),
    ...(event.organizer ? [`ORGANIZER${event.organizer.name ? `;CN=${quotedParam(event.organizer.name)}` : ''}:mailto:${event.organizer.email}`] : []),
    ...(event.attendee
      ? [`ATTENDEE${event.attendee.name ? `;CN=${quotedParam(event.attendee.name)}` : ''};ROLE=REQ-PARTICIPANT:mailto:${event.attendee.email}`]
      : []),
    `STATUS:${event.method === 'CANCEL' ? 'CANCELLED' : 'CONFIRMED'}`,
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return `${lines.map(fold).join('\r\n')}\r\n`;
}
