import type { DomainContext } from '@ubos/platform';

/**
 * The one place the scheduling domain sends email. Confirmations, changes, cancellations and
 * reminders all go through `sendSchedulingMail`, so switching the transport is one change.
 */
export interface SchedulingMail {
  to: string;
  template: 'scheduling.confirmation' | 'scheduling.rescheduled' | 'scheduling.cancelled' | 'scheduling.reminder';
  data: Record<string, string | number | null>;
  attachments: { filename: string; content: string; contentType: string }[];
}

export async function sendSchedulingMail(ctx: DomainContext, mail: SchedulingMail): Promise<void> {
  ctx.log.info(
    { to: mail.to, template: mail.template, attachments: mail.attachments.map((a) => a.filename) },
    'scheduling mail not sent: no mail port in this build',
  );
}
