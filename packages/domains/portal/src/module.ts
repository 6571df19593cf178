import { defineDomain, grants } from '@ubos/platform';
import { portalMigrations } from '../migrations/index.ts';
import { portalActions } from './actions.ts';
import { settingsUpdated } from './contracts.ts';
import { portalSubscriptions } from './handlers.ts';
import { portalRouter } from './router.ts';

/** What the host registers (ARCHITECTURE.md §3): apps/api/src/modules.ts lists it. */
export const portalModule = defineDomain({
  name: 'portal',
  router: portalRouter,
  migrations: portalMigrations,
  permissions: {
    'portal.settings.read': grants.everyone,
    'portal.settings.manage': grants.managers,
  },
  events: [settingsUpdated],
  subscriptions: portalSubscriptions,
  actions: portalActions,
});
