import type { ActionDefinition, DomainModule } from '@ubos/platform';
import { crmMigrations } from '../migrations/index.ts';
import { crmActions } from './actions.ts';
import { crmSubscriptions } from './handlers.ts';
import { crmRouter } from './router.ts';

export const crmModule = {
  name: 'crm',
  router: crmRouter,
  migrations: crmMigrations,
  subscriptions: crmSubscriptions,
  actions: crmActions as unknown as readonly ActionDefinition[],
} satisfies DomainModule;
