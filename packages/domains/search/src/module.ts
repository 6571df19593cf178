// The search domain as the host registers it: Command-K over documents built from events (README.md).
import { defineDomain, grants } from '@ubos/platform';
import { searchMigrations } from '../migrations/index.ts';
import { searchEvents } from './contracts.ts';
import { searchSubscriptions } from './handlers.ts';
import { searchRouter } from './router.ts';

export const searchModule = defineDomain({
  name: 'search',
  router: searchRouter,
  migrations: searchMigrations,
  permissions: {
    'search.query': grants.everyone,
    'search.admin': grants.managers,
  },
  events: searchEvents,
  subscriptions: searchSubscriptions,
});
