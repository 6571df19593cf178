import type { DomainModule } from '@ubos/platform';
import { crmMigrations } from '../migrations/index.ts';
import { crmRouter } from './router.ts';

export const crmModule = {
  name: 'crm',
  router: crmRouter,
  migrations: crmMigrations,
} satisfies DomainModule;
