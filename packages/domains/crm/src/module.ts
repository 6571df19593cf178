import type { DomainModule } from '@ubos/platform';
import { crmMigrations } from '../migrations/index.ts';
import { crmSubscriptions } from './handlers.ts';
import { crmRouter } from './router.ts';

export const crmModule = {
  name: 'crm',
  router: crmRouter,
  migrations: crmMigrations,
  subscriptions: crmSubscriptions,
} satisfies DomainModule;
