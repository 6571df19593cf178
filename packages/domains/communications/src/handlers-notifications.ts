import type { Subscription } from '@ubos/platform';
import { memberInvited, memberJoined, memberRemoved, userCreated } from '@ubos/identity/contracts';
import { taskCreated, taskUpdated } from '@ubos/projects/contracts';
import { appointmentBooked, appointmentCancelled, appointmentRescheduled } from '@ubos/scheduling/contracts';
import { notificationCreated as workflowNotificationCreated } from '@ubos/workflow/contracts';
import * as repo from './repository-notifications.ts';
import { notify } from './service-notifications.ts';

/**
 * What notifies people (issue 12 "Notifications"): the workflow's `core.notify` step (its
 * `workflow.notification.created` event) and a task assigned to someone other than whoever assigned
 * it. Each handler is idempotent twice over: processed_events, and one notification per (user, cause).
 */
export const deliverWorkflowNotifications: Subscription = {
  name: 'communications.workflow-notifications',
  events: [workflowNotificationCreated.type],
  async handle(event, ctx) {
    const payload = workflowNotificationCreated.payload.parse(event.payload);
    await notify(ctx, {
      userId: payload.user_id,
      kind: 'workflow',
      title: payload.title,
      body: payload.body ?? null,
      link: payload.link ?? null,
      sourceKey: `workflow.notification:${payload.notification_id}`,
    });
  },
};

export const notifyTaskAssignees: Subscription = {
  name: 'communications.task-assignments',
  events: [taskCreated.type, taskUpdated.type],
  async handle(event, ctx) {
    const payload = event.type === taskCreated.type ? taskCreated.payload.parse(event.payload) : taskUpdated.payload.parse(event.payload);
    const assigned = event.type === taskCreated.type || ('changed' in payload && payload.changed.includes('assignee_id'));
    if (!assigned || !payload.assignee_id || payload.assignee_id === event.actor_id) return;
    await notify(ctx, {
      userId: payload.assignee_id,
      kind: 'task_assigned',
      title: `You were assigned the task "${payload.title}"`,
      body: payload.due_date ? `Due ${payload.due_date}.` : '',
      link: `/projects/${payload.project_id}`,
      sourceKey: `projects.task.assigned:${event.id}`,
    });
  },
};

function hostTime(iso: string, timeZone: string): string {
  const date = new Date(iso);
  try {
    return new Intl.DateTimeFormat('en-GB', {
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZone,
    }).format(date);
  } catch {
    return date.toISOString();
  }
}

/**
 * The hosts of an appointment hear of a booking, a reschedule or a cancellation that someone else
 * made (the attendee on the public page, a colleague, a workflow): the bell, and email per their
 * preferences. The host who did it themself is not told. One notification per (host, event).
 */
export const notifyAppointmentHosts: Subscription = {
  name: 'communications.appointment-hosts',
  events: [appointmentBooked.type, appointmentRescheduled.type, appointmentCancelled.type],
  async handle(event, ctx) {
    const said = appointmentWords(event.type, event.payload);
    if (!said) return;
    for (const hostId of said.hostIds) {
      if (hostId === event.actor_id) continue;
      await notify(ctx, {
        userId: hostId,
        kind: 'appointment',
        title: said.title,
        body: said.body,
        link: `/scheduling?appointment=${said.appointmentId}`,
        sourceKey: `${event.type}:${event.id}`,
      });
    }
  },
};

/** What a host is told of an appointment event, in words, with the time as the host reads it. */
function appointmentWords(type: string, payload: unknown): { hostIds: string[]; appointmentId: string; title: string; body: string } | null {
  if (type === appointmentBooked.type) {
    const p = appointmentBooked.payload.parse(payload);
    return {
      hostIds: p.host_ids,
      appointmentId: p.appointment_id,
      title: `${p.type_name} booked with ${p.attendee_name} for ${hostTime(p.start_at, p.host_time_zone)}`,
      body: `${p.attendee_name} (${p.attendee_email}) booked it.`,
    };
  }
  if (type === appointmentRescheduled.type) {
    const p = appointmentRescheduled.payload.parse(payload);
    return {
      hostIds: p.host_ids,
      appointmentId: p.appointment_id,
      title: `${p.type_name} with ${p.attendee_name} moved to ${hostTime(p.start_at, p.host_time_zone)}`,
      body: `It was on ${hostTime(p.previous_start_at, p.host_time_zone)}.${p.reason ? ` Reason: ${p.reason}` : ''}`,
    };
  }
  if (type === appointmentCancelled.type) {
    const p = appointmentCancelled.payload.parse(payload);
    return {
      hostIds: p.host_ids,
      appointmentId: p.appointment_id,
      title: `${p.type_name} with ${p.attendee_name} on ${hostTime(p.start_at, p.host_time_zone)} was cancelled`,
      body: p.reason ? `Reason: ${p.reason}` : '',
    };
  }
  return null;
}

/** communications' copy of staff addresses (never identity's tables): whom a notification email goes to. */
export const keepStaffDirectory: Subscription = {
  name: 'communications.staff-directory',
  events: [userCreated.type, memberInvited.type, memberJoined.type, memberRemoved.type],
  async handle(event, ctx) {
    switch (event.type) {
      case userCreated.type: {
        const payload = userCreated.payload.parse(event.payload);
        await repo.upsertStaff(ctx, { userId: payload.user_id, email: payload.email, name: payload.name });
        return;
      }
      case memberInvited.type: {
        const payload = memberInvited.payload.parse(event.payload);
        await repo.rememberInvitationEmail(ctx, payload.invitation_id, payload.email);
        return;
      }
      case memberJoined.type: {
        const payload = memberJoined.payload.parse(event.payload);
        if (!payload.invitation_id) return; // sign-up and new organizations: identity.user.created carried the address
        const email = await repo.invitationEmail(ctx, payload.invitation_id);
        // The invitation's event is an older transaction's but another job: when it has not been
        // handled yet, fail this attempt so the runner retries it after the backoff.
        if (!email) throw new Error(`The invitation ${payload.invitation_id} is not known yet`);
        await repo.upsertStaff(ctx, { userId: payload.user_id, email, name: null });
        return;
      }
      case memberRemoved.type: {
        const payload = memberRemoved.payload.parse(event.payload);
        await repo.deactivateStaff(ctx, payload.user_id);
        return;
      }
    }
  },
};

export const notificationSubscriptions: readonly Subscription[] = [
  deliverWorkflowNotifications,
  notifyTaskAssignees,
  notifyAppointmentHosts,
  keepStaffDirectory,
];
