import { trpc, type RouterInputs } from '../trpc.ts';

export type TimelineInput = Omit<RouterInputs['timeline']['list'], 'cursor'>;

/** timeline.list with keyset "Load more" (nextCursor → cursor). */
export function useTimeline(input: TimelineInput, options: { enabled?: boolean } = {}) {
  const query = trpc.timeline.list.useInfiniteQuery(input, { getNextPageParam: (last) => last.nextCursor ?? undefined, enabled: options.enabled ?? true });
  return { ...query, items: query.data?.pages.flatMap((p) => p.items) ?? [] };
}

/** Filter presets over exact event types (the timeline filters by type, actor, client and time). */
export const typePresets: { value: string; label: string; types?: string[] }[] = [
  { value: '', label: 'Everything' },
  {
    value: 'clients',
    label: 'Clients',
    types: ['crm.client.created', 'crm.client.updated', 'crm.client.archived', 'crm.client.restored', 'crm.client.merged'],
  },
  {
    value: 'contacts',
    label: 'Contacts',
    types: ['crm.contact.created', 'crm.contact.updated', 'crm.contact.archived', 'crm.contact.restored', 'crm.contact.merged'],
  },
  {
    value: 'deals',
    label: 'Deals',
    types: ['crm.deal.created', 'crm.deal.updated', 'crm.deal.stage_changed', 'crm.deal.won', 'crm.deal.lost', 'crm.deal.archived'],
  },
  { value: 'notes', label: 'Notes', types: ['crm.note.created', 'crm.note.updated', 'crm.note.archived'] },
  { value: 'imports', label: 'Imports', types: ['crm.import.requested', 'crm.import.completed'] },
  {
    value: 'projects',
    label: 'Projects & tasks',
    types: [
      'projects.project.created',
      'projects.project.updated',
      'projects.project.completed',
      'projects.task.created',
      'projects.task.updated',
      'projects.task.moved',
      'projects.task.completed',
      'projects.milestone.reached',
    ],
  },
  {
    value: 'files',
    label: 'Files',
    types: [
      'files.folder.created',
      'files.folder.renamed',
      'files.folder.moved',
      'files.folder.archived',
      'files.file.uploaded',
      'files.file.versioned',
      'files.file.renamed',
      'files.file.moved',
      'files.file.archived',
      'files.file.restored',
      'files.request.created',
      'files.request.revoked',
      'files.request.completed',
    ],
  },
  {
    value: 'email',
    label: 'Email',
    types: [
      'communications.email.received',
      'communications.email.sent',
      'communications.email.send_failed',
      'communications.thread.linked',
      'communications.thread.unlinked',
      'communications.account.connected',
      'communications.account.disconnected',
    ],
  },
  {
    value: 'scheduling',
    label: 'Appointments',
    types: [
      'scheduling.appointment.booked',
      'scheduling.appointment.rescheduled',
      'scheduling.appointment.cancelled',
      'scheduling.appointment.completed',
      'scheduling.appointment.no_show',
    ],
  },
  {
    value: 'portal',
    label: 'Client portal',
    types: [
      'portal.user.invited',
      'portal.user.revoked',
      'portal.accessed',
      'portal.shares.updated',
      'portal.approval.requested',
      'portal.approval.submitted',
      'portal.approval.cancelled',
      'portal.client.notified',
    ],
  },
  {
    value: 'people',
    label: 'People & access',
    types: ['identity.member.invited', 'identity.member.joined', 'identity.member.role_changed', 'identity.member.removed', 'identity.invitation.revoked'],
  },
  {
    value: 'workflows',
    label: 'Workflows',
    types: ['workflow.run.started', 'workflow.run.completed', 'workflow.run.failed', 'workflow.definition.created', 'workflow.definition.updated'],
  },
];
