import { createDomainContext, loadConfig, withTenant, type Database, type JobDefinition, type Logger, type Transaction, type UntypedDB } from '@ubos/platform';
import type { SchedulingDB } from './db.ts';
import { sendSchedulingMail } from './mail.ts';
import * as repo from './repository.ts';
import { locationOf, releaseHold } from './service-appointments.ts';
import { syncAllCalendars } from './service-calendars.ts';

/**
 * Jobs of the scheduling domain (ARCHITECTURE.md §5), run by pg-boss. Reminders are rows
 * (scheduling.reminders, one per reminder of an appointment, written with the booking); the
 * job claims each due one with a conditional UPDATE (pending -> sent, only while the
 * appointment is booked) in the same transaction as its email, so a reminder fires once however
 * often the job runs or restarts, and never after a cancel (which marks it cancelled).
 */

const BATCH = 200;

function domainIn(trx: Transaction<UntypedDB>, tenantId: string, log: Logger) {
  return createDomainContext({ trx, tenantId, actorId: null, correlationId: `scheduling.reminders:${tenantId}`, log });
}

export async function sendDueReminders(db: Database, log: Logger): Promise<number> {
  let sent = 0;
  for (let pass = 0; pass < 50; pass += 1) {
    const due = await repo.dueReminders(db.kysely, BATCH);
    if (due.length === 0) break;
    let progressed = 0;
    for (const item of due) {
      const done = await withTenant(db, { tenantId: item.tenant_id }, async (trx) => {
        const ctx = domainIn(trx, item.tenant_id, log);
        const scheduling = ctx.db<SchedulingDB>();
        const claimed = await repo.claimReminder(scheduling, item.id);
        if (!claimed) {
          // Not sendable (the appointment is no longer booked): retire it so it leaves the work list.
          await scheduling.updateTable('scheduling.reminders').set({ status: 'cancelled' }).where('id', '=', item.id).where('status', '=', 'pending').execute();
          return false;
        }
        const appointment = await repo.findAppointment(scheduling, claimed.appointment_id);
        const type = appointment ? await repo.findType(scheduling, appointment.type_id) : undefined;
        if (!appointment || !type) return false;
        // The manage link cannot be rebuilt (only the token's hash is stored): the reminder points to it in words.
        await sendSchedulingMail(ctx, {
          kind: 'reminder',
          to: { email: appointment.attendee_email, name: appointment.attendee_name },
          typeName: type.name,
          start: appointment.start_at,
          end: appointment.end_at,
          timeZone: appointment.attendee_time_zone,
          location: locationOf(type),
          manageUrl: null,
          minutesBefore: claimed.offset_minutes,
        });
        return true;
      });
      progressed += 1;
      if (done) sent += 1;
    }
    if (due.length < BATCH || progressed === 0) break;
  }
  if (sent > 0) log.info({ sent }, 'appointment reminders sent');
  return sent;
}

/** Releases holds whose confirmation never came (a crashed booking request). */
export async function releaseExpiredHolds(db: Database, log: Logger): Promise<number> {
  const holds = await repo.expiredHolds(db.kysely, BATCH);
  for (const hold of holds) {
    await withTenant(db, { tenantId: hold.tenant_id }, (trx) =>
      releaseHold(domainIn(trx, hold.tenant_id, log), hold.id, 'The hold expired before the booking was confirmed'),
    );
  }
  return holds.length;
}

export const remindersJob: JobDefinition = {
  name: 'scheduling.send-reminders',
  cron: '* * * * *',
  async run(_data, { db, log }) {
    await sendDueReminders(db, log);
  },
};

export const holdsJob: JobDefinition = {
  name: 'scheduling.release-expired-holds',
  cron: '* * * * *',
  async run(_data, { db, log }) {
    await releaseExpiredHolds(db, log);
  },
};

/** Busy time in, appointments out, every minute (the default poll interval of 60 s). */
export const calendarsJob: JobDefinition = {
  name: 'scheduling.sync-calendars',
  cron: '* * * * *',
  async run(_data, { db, log, services }) {
    if (!services.connections) return;
    const result = await syncAllCalendars({ db, log, services, config: loadConfig() });
    if (result.synced + result.failed > 0) log.info(result, 'calendars synced');
  },
};

export const schedulingJobs: JobDefinition[] = [remindersJob, holdsJob, calendarsJob];
