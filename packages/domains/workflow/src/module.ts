import type { DomainModule } from '@ubos/platform';
import { workflowMigrations } from '../migrations/index.ts';
import { workflowRouter } from './router.ts';

export const workflowModule = {
  name: 'workflow',
  router: workflowRouter,
  migrations: workflowMigrations,
} satisfies DomainModule;
