import type { DomainModule } from '@ubos/platform';
import { timelineMigrations } from '../migrations/index.ts';
import { timelineSubscriptions } from './handlers.ts';
import { timelineRouter } from './router.ts';

export const timelineModule = {
  name: 'timeline',
  router: timelineRouter,
  migrations: timelineMigrations,
  subscriptions: timelineSubscriptions,
} satisfies DomainModule;
