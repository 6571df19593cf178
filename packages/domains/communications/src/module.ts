import { defineDomain, grants } from '@ubos/platform';
import { communicationsMigrations } from '../migrations/index.ts';
import { communicationsActions } from './actions.ts';
import { notificationActions } from './actions-notifications.ts';
import { notificationEvents } from './contracts-notifications.ts';
import { clientEmailEvents, settingsUpdated } from './contracts.ts';
import { communicationsSubscriptions } from './handlers.ts';
import { notificationSubscriptions } from './handlers-notifications.ts';
import { remindApprovers } from './handlers-approval-reminders.ts';
import { notificationJobs } from './jobs-notifications.ts';
import { emailSubscriptions } from './handlers-email.ts';
import { emailJobs } from './jobs-email.ts';
import { communicationsRouter } from './router.ts';

/** What the host registers (ARCHITECTURE.md §3): apps/api/src/modules.ts lists it. */
export const communicationsModule = defineDomain({
  name: 'communications',
  router: communicationsRouter,
  migrations: communicationsMigrations,
  permissions: {
    'communications.settings.read': grants.everyone,
    'communications.settings.manage': grants.managers,
    /** One's own notifications (the bell) and delivery preferences. */
    'communications.notifications.use': grants.everyone,
    /** Settings → Email → Sent by UBOS: the tenant's system-mail log. */
    'communications.outgoing.read': grants.managers,
    /** Threads linked to a client, whoever's mailbox they came from (the client's Emails tab). */
    'communications.read': grants.staff,
    /** Connect one's own mailboxes, read one's own threads, send, reply, link and unlink. */
    'communications.mailbox.use': grants.staff,
    /** See and disconnect every mailbox of the tenant. */
    'communications.accounts.manage': grants.managers,
  },
  events: [settingsUpdated, ...clientEmailEvents, ...notificationEvents],
  subscriptions: [...communicationsSubscriptions, ...emailSubscriptions, ...notificationSubscriptions, remindApprovers],
  actions: [...communicationsActions, ...notificationActions],
  jobs: [...emailJobs, ...notificationJobs],
});
