import ical, { ICalAttendeeRole, ICalAttendeeStatus, ICalCalendarMethod, ICalEventStatus } from 'ical-generator';

/**
 * iCalendar invitations (RFC 5545 / iTIP RFC 5546) with ical-generator. The UID is the
 * appointment's stable ical_uid; SEQUENCE is its sequence, bumped on every reschedule, so a
 * calendar replaces the event instead of adding another; a cancellation is METHOD:CANCEL with
 * STATUS:CANCELLED and a higher SEQUENCE. Times are UTC, so no VTIMEZONE is needed.
 */
export interface InviteInput {
  uid: string;
  sequence: number;
  method: 'request' | 'cancel';
  start: Date;
  end: Date;
  summary: string;
  description: string;
  location: string;
  organizer: { name: string; email: string };
  attendee: { name: string; email: string };
  /** DTSTAMP; defaults to now. */
  stamp?: Date;
}

export function buildInvite(input: InviteInput): string {
  const calendar = ical({
    prodId: { company: 'UBOS', product: 'Scheduling', language: 'EN' },
    method: input.method === 'cancel' ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.REQUEST,
    name: input.summary,
  });
  calendar.createEvent({
    id: input.uid,
    sequence: input.sequence,
    start: input.start,
    end: input.end,
    stamp: input.stamp ?? new Date(),
    summary: input.summary,
    description: input.description,
    location: input.location || null,
    status: input.method === 'cancel' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
    organizer: input.organizer,
    attendees: [
      {
        name: input.attendee.name,
        email: input.attendee.email,
        role: ICalAttendeeRole.REQ,
        status: input.method === 'cancel' ? ICalAttendeeStatus.DECLINED : ICalAttendeeStatus.ACCEPTED,
      },
    ],
  });
  return calendar.toString();
}
