import { defineDomain, grants } from '@ubos/platform';
import { portalMigrations } from '../migrations/index.ts';
import { portalActions } from './actions.ts';
import { portalEvents } from './contracts.ts';
import { portalSubscriptions } from './handlers.ts';
import { portalRouter } from './router.ts';

/** What the host registers (ARCHITECTURE.md §3): apps/api/src/modules.ts lists it. */
export const portalModule = defineDomain({
  name: 'portal',
  router: portalRouter,
  migrations: portalMigrations,
  // Staff permissions only: the client's procedures declare the 'portal' access level (§3).
  permissions: {
    'portal.settings.read': grants.everyone,
    'portal.settings.manage': grants.managers,
    'portal.users.read': grants.everyone,
    'portal.users.manage': grants.staff,
    'portal.approvals.read': grants.everyone,
    'portal.approvals.manage': grants.staff,
    'portal.shares.manage': grants.staff,
  },
  events: portalEvents,
  subscriptions: portalSubscriptions,
  actions: portalActions,
});
