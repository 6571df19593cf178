import type { DomainModule } from '@ubos/platform';
import { timelineMigrations } from '../migrations/index.ts';
import { timelineRouter } from './router.ts';

export const timelineModule = {
  name: 'timeline',
  router: timelineRouter,
  migrations: timelineMigrations,
} satisfies DomainModule;
