import type { Subscription } from '@ubos/platform';
// Revenue's published contracts by path (ENGINEERING.md "two domains that read each other's
// events"): communications has no package dependency on revenue, and adding one would change the
// shared lockfile; the boundary check allows a domain's contracts file only.
import { approvalReminderDue } from '../../revenue/src/contracts.ts';
import { notify } from './service-notifications.ts';

/**
 * Approval reminders (revenue's approval engine): a step that waited past the tenant's delay
 * notifies each approver still to decide and their delegates of the day, through their channels
 * (the bell, and email or the digest per preference). Once per (user, reminder event); revenue
 * resolves a role step to the members holding the role.
 */
export const remindApprovers: Subscription = {
  name: 'communications.approval-reminders',
  events: [approvalReminderDue.type],
  async handle(event, ctx) {
    const payload = approvalReminderDue.payload.parse(event.payload);
    for (const userId of payload.user_ids) {
      await notify(ctx, {
        userId,
        kind: 'workflow',
        title: payload.title,
        body: `Step ${payload.step_position + 1} of its approval is waiting for your decision.`,
        link: payload.link,
        sourceKey: `revenue.approval.reminder_due:${event.id}:${userId}`,
      });
    }
  },
};
