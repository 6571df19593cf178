import { defineDomain, grants } from '@ubos/platform';
import { filesMigrations } from '../migrations/index.ts';
import { filesActions } from './actions.ts';
import { settingsUpdated } from './contracts.ts';
import { filesSubscriptions } from './handlers.ts';
import { filesRouter } from './router.ts';

/** What the host registers (ARCHITECTURE.md §3): apps/api/src/modules.ts lists it. */
export const filesModule = defineDomain({
  name: 'files',
  router: filesRouter,
  migrations: filesMigrations,
  permissions: {
    'files.settings.read': grants.everyone,
    'files.settings.manage': grants.managers,
  },
  events: [settingsUpdated],
  subscriptions: filesSubscriptions,
  actions: filesActions,
});
