import { describe, expect, it } from 'vitest';
import { uuidv7 } from '@ubos/platform';
import { clientIdOf, summarize } from '../src/summary.ts';

/** Scheduling events read in words on the timeline (through @ubos/scheduling/contracts), the time as the host reads it. */
describe('scheduling summaries', () => {
  const clientId = uuidv7();
  const appointment = {
    appointment_id: uuidv7(),
    type_id: uuidv7(),
    type_name: 'Intro call',
    host_id: uuidv7(),
    host_ids: [] as string[],
    attendee_name: 'Ana Lopez',
    attendee_email: 'ana@example.com',
    attendee_time_zone: 'America/New_York',
    start_at: '2026-03-31T07:00:00.000Z',
    end_at: '2026-03-31T07:30:00.000Z',
    host_time_zone: 'Europe/Berlin',
    client_id: clientId,
    contact_id: uuidv7(),
    source: 'public' as const,
  };

  it('says what was booked, moved, cancelled, held or missed, and files it under the client', () => {
    expect(summarize('scheduling.appointment.booked', { ...appointment, answers: {}, project_template_id: null })).toBe(
      'Intro call booked with Ana Lopez for Tue, 31 Mar 2026, 09:00 (Europe/Berlin)',
    );
    expect(
      summarize('scheduling.appointment.rescheduled', {
        ...appointment,
        start_at: '2026-04-01T08:00:00.000Z',
        previous_start_at: appointment.start_at,
        previous_end_at: appointment.end_at,
        reason: 'Clash',
        sequence: 1,
        by: 'attendee',
      }),
    ).toBe('Intro call with Ana Lopez moved from Tue, 31 Mar 2026, 09:00 (Europe/Berlin) to Wed, 1 Apr 2026, 10:00 (Europe/Berlin): Clash');
    expect(summarize('scheduling.appointment.cancelled', { ...appointment, reason: null, by: 'attendee' })).toBe(
      'Intro call with Ana Lopez on Tue, 31 Mar 2026, 09:00 (Europe/Berlin) cancelled by the attendee',
    );
    expect(summarize('scheduling.appointment.completed', appointment)).toBe('Intro call with Ana Lopez took place on Tue, 31 Mar 2026, 09:00 (Europe/Berlin)');
    expect(summarize('scheduling.appointment.no_show', appointment)).toBe('Ana Lopez did not come to Intro call on Tue, 31 Mar 2026, 09:00 (Europe/Berlin)');
    expect(clientIdOf({ aggregate_type: 'scheduling.appointment', aggregate_id: appointment.appointment_id, payload: appointment })).toBe(clientId);
  });
});
