import { defineDomain, grants } from '@ubos/platform';
import { __name__Migrations } from '../migrations/index.ts';
import { __name__Actions } from './actions.ts';
import { settingsUpdated } from './contracts.ts';
import { __name__Subscriptions } from './handlers.ts';
import { __name__Router } from './router.ts';

/** What the host registers (ARCHITECTURE.md §3): apps/api/src/modules.ts lists it. */
export const __name__Module = defineDomain({
  name: '__name__',
  router: __name__Router,
  migrations: __name__Migrations,
  permissions: {
    '__name__.settings.read': grants.everyone,
    '__name__.settings.manage': grants.managers,
  },
  events: [settingsUpdated],
  subscriptions: __name__Subscriptions,
  actions: __name__Actions,
});
