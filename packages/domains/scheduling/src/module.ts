import { defineDomain, grants } from '@ubos/platform';
import { schedulingMigrations } from '../migrations/index.ts';
import { schedulingActions } from './actions.ts';
import { schedulingEvents } from './contracts.ts';
import { schedulingSubscriptions } from './handlers.ts';
import { schedulingJobs } from './jobs.ts';
import { schedulingRouter } from './router.ts';

/** What the host registers (ARCHITECTURE.md §3): apps/api/src/modules.ts lists it. */
export const schedulingModule = defineDomain({
  name: 'scheduling',
  router: schedulingRouter,
  migrations: schedulingMigrations,
  permissions: {
    'scheduling.settings.read': grants.everyone,
    'scheduling.settings.manage': grants.managers,
    /** See appointment types, appointments, hours and calendars. */
    'scheduling.read': grants.everyone,
    /** Book, move, cancel, complete appointments; set one's own hours; connect one's calendars. */
    'scheduling.write': grants.staff,
    /** Appointment types, the booking address, teammates' hours and the holidays. */
    'scheduling.manage': grants.managers,
  },
  events: schedulingEvents,
  subscriptions: schedulingSubscriptions,
  actions: schedulingActions,
  jobs: schedulingJobs,
});
