import { sendSystemMail, type DomainContext } from '@ubos/platform';

/**
 * The one place the scheduling domain sends email: through the kernel's mail port
 * (`sendSystemMail`), which renders the template and records the message in the tenant's
 * system-mail log in the caller's transaction, so it leaves exactly when the booking (or the
 * cancellation, or the reminder's claim) commits. Times are shown in the attendee's time zone;
 * the .ics travels as an attachment.
 */
export interface SchedulingMail {
  kind: 'confirmation' | 'rescheduled' | 'cancelled' | 'reminder';
  to: { email: string; name: string };
  typeName: string;
  start: Date;
  end: Date;
  timeZone: string;
  location: string;
  /** The attendee's manage page (a path is resolved against PUBLIC_URL at delivery). */
  manageUrl: string | null;
  reason?: string | null;
  minutesBefore?: number;
  ics?: string;
}

function inWords(minutes: number): string {
  if (minutes % 1440 === 0) return minutes === 1440 ? 'tomorrow' : `in ${minutes / 1440} days`;
  if (minutes % 60 === 0) return minutes === 60 ? 'in an hour' : `in ${minutes / 60} hours`;
  return `in ${minutes} minutes`;
}

function when(start: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone,
  }).format(start);
}

export async function sendSchedulingMail(ctx: DomainContext, mail: SchedulingMail): Promise<void> {
  const attachments = mail.ics
    ? [
        {
          filename: mail.kind === 'cancelled' ? 'cancel.ics' : 'invite.ics',
          content: mail.ics,
          contentType: `text/calendar; charset=utf-8; method=${mail.kind === 'cancelled' ? 'CANCEL' : 'REQUEST'}`,
        },
      ]
    : [];
  const appointment = {
    recipientName: mail.to.name,
    title: mail.kind === 'rescheduled' ? `${mail.typeName} (new time)` : mail.typeName,
    startsAt: mail.start.toISOString(),
    endsAt: mail.end.toISOString(),
    timeZone: mail.timeZone,
    location: mail.location,
    manageUrl: mail.manageUrl,
  };
  if (mail.kind === 'cancelled') {
    await sendSystemMail(ctx, { to: mail.to, template: 'appointment_cancellation', data: { ...appointment, reason: mail.reason ?? null }, attachments });
  } else if (mail.kind === 'reminder') {
    await sendSystemMail(ctx, {
      to: mail.to,
      template: 'message',
      data: {
        subject: `Reminder: ${mail.typeName} ${inWords(mail.minutesBefore ?? 60)}`,
        body: `${mail.typeName} is on ${when(mail.start, mail.timeZone)} (${mail.timeZone}). ${mail.location}. To move or cancel it, use the link in your confirmation email.`,
        url: mail.manageUrl,
        urlLabel: 'Reschedule or cancel',
      },
      attachments,
    });
  } else {
    await sendSystemMail(ctx, { to: mail.to, template: 'appointment_confirmation', data: appointment, attachments });
  }
}
