import type { DomainModule } from '@ubos/platform';
import { revenueMigrations } from '../migrations/index.ts';
import { revenueRouter } from './router.ts';

export const revenueModule = {
  name: 'revenue',
  router: revenueRouter,
  migrations: revenueMigrations,
} satisfies DomainModule;
