import { defineDomain, grants } from '@ubos/platform';
import { communicationsMigrations } from '../migrations/index.ts';
import { communicationsActions } from './actions.ts';
import { settingsUpdated } from './contracts.ts';
import { communicationsSubscriptions } from './handlers.ts';
import { communicationsRouter } from './router.ts';

/** What the host registers (ARCHITECTURE.md §3): apps/api/src/modules.ts lists it. */
export const communicationsModule = defineDomain({
  name: 'communications',
  router: communicationsRouter,
  migrations: communicationsMigrations,
  permissions: {
    'communications.settings.read': grants.everyone,
    'communications.settings.manage': grants.managers,
  },
  events: [settingsUpdated],
  subscriptions: communicationsSubscriptions,
  actions: communicationsActions,
});
