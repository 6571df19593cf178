import { defineDomain, grants } from '@ubos/platform';
import { agreementsMigrations } from '../migrations/index.ts';
import { agreementsActions } from './actions.ts';
import { settingsUpdated } from './contracts.ts';
import { agreementsSubscriptions } from './handlers.ts';
import { agreementsRouter } from './router.ts';

/** What the host registers (ARCHITECTURE.md §3): apps/api/src/modules.ts lists it. */
export const agreementsModule = defineDomain({
  name: 'agreements',
  router: agreementsRouter,
  migrations: agreementsMigrations,
  permissions: {
    'agreements.settings.read': grants.everyone,
    'agreements.settings.manage': grants.managers,
  },
  events: [settingsUpdated],
  subscriptions: agreementsSubscriptions,
  actions: agreementsActions,
});
