import type { DomainModule } from '@ubos/platform';
import { schedulingMigrations } from '../migrations/index.ts';
import { schedulingRouter } from './router.ts';

export const schedulingModule = {
  name: 'scheduling',
  router: schedulingRouter,
  migrations: schedulingMigrations,
} satisfies DomainModule;
