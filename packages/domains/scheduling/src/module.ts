import { defineDomain, grants } from '@ubos/platform';
import { schedulingMigrations } from '../migrations/index.ts';
import { schedulingActions } from './actions.ts';
import { settingsUpdated } from './contracts.ts';
import { schedulingSubscriptions } from './handlers.ts';
import { schedulingRouter } from './router.ts';

/** What the host registers (ARCHITECTURE.md §3): apps/api/src/modules.ts lists it. */
export const schedulingModule = defineDomain({
  name: 'scheduling',
  router: schedulingRouter,
  migrations: schedulingMigrations,
  permissions: {
    'scheduling.settings.read': grants.everyone,
    'scheduling.settings.manage': grants.managers,
  },
  events: [settingsUpdated],
  subscriptions: schedulingSubscriptions,
  actions: schedulingActions,
});
