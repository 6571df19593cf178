import { createDomainContext, withTenant, type Database, type JobDefinition, type Logger } from '@ubos/platform';
import { approvalReminderDue, type ApproverRole, type ApprovalSubjectKind } from './contracts-bills.ts';
import type { BillsDB } from './db-bills.ts';
import { rolesMeeting } from './engine-approvals.ts';
import * as repo from './repository-approvals.ts';
import { billTitles } from './service-bills.ts';

/**
 * Approval reminders (ARCHITECTURE.md §5): a pending step past the tenant's reminder delay gets
 * one `revenue.approval.reminder_due` event naming whom to remind (named approvers still to decide,
 * or the holders of a role step's role, and their delegates of the day). The step is claimed with a
 * conditional UPDATE in the event's transaction, so a reminder is sent once however often the job
 * runs. Notifications read the event (communications subscribes to it as to projects' task events).
 */

const BATCH = 200;

export async function sendDueApprovalReminders(db: Database, log: Logger): Promise<number> {
  let sent = 0;
  for (let pass = 0; pass < 20; pass += 1) {
    const due = await repo.dueReminders(db.kysely, BATCH);
    if (due.length === 0) break;
    for (const item of due) {
      const done = await withTenant(db, { tenantId: item.tenant_id }, async (trx) => {
        const ctx = createDomainContext({ trx, tenantId: item.tenant_id, actorId: null, correlationId: `revenue.approval-reminders:${item.id}`, log });
        const revenue = ctx.db<BillsDB>();
        const step = await repo.claimReminder(revenue, item.id);
        if (!step) return false;
        const request = await repo.findRequest(revenue, step.request_id);
        if (!request) return false;
        const decided = new Set((await repo.seatsDecided(revenue, [step.id])).map((row) => row.approver_id));
        // Named approvers, or (a role step) the members revenue's directory knows with a role that meets it.
        const holders = step.kind === 'role' ? await repo.membersWithRoles(revenue, rolesMeeting(step.role)) : step.user_ids;
        const seats = holders.filter((userId) => userId !== request.submitted_by && !decided.has(userId));
        const delegates = await repo.activeDelegatesFor(revenue, seats);
        const userIds = [...new Set([...seats, ...delegates.map((row) => row.to_member)])].filter((userId) => userId !== request.submitted_by);
        const kind = request.subject_kind as ApprovalSubjectKind;
        const title = kind === 'bill' ? ((await billTitles(ctx, [request.subject_id])).get(request.subject_id) ?? 'A bill') : 'An invoice';
        await ctx.emit(
          approvalReminderDue,
          {
            request_id: request.id,
            subject_kind: kind,
            subject_id: request.subject_id,
            step_position: step.position,
            user_ids: userIds,
            role: step.role as ApproverRole | null,
            title: `${title} is waiting for your approval`,
            link: kind === 'bill' ? `/bills/${request.subject_id}` : `/invoices/${request.subject_id}`,
          },
          { aggregateId: request.id },
        );
        return true;
      });
      if (done) sent += 1;
    }
    if (due.length < BATCH) break;
  }
  if (sent > 0) log.info({ sent }, 'approval reminders due');
  return sent;
}

export const approvalRemindersJob: JobDefinition = {
  name: 'revenue.approval-reminders',
  cron: '*/5 * * * *',
  async run(_data, { db, log }) {
    await sendDueApprovalReminders(db, log);
  },
};
