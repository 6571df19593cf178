import type { DomainModule } from '@ubos/platform';
import { searchMigrations } from '../migrations/index.ts';
import { searchSubscriptions } from './handlers.ts';
import { searchRouter } from './router.ts';

export const searchModule = {
  name: 'search',
  router: searchRouter,
  migrations: searchMigrations,
  subscriptions: searchSubscriptions,
} satisfies DomainModule;
