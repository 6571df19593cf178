import type { DomainModule } from '@ubos/platform';
import { workflowMigrations } from '../migrations/index.ts';
import { workflowTrigger } from './handlers.ts';
import { coreActions } from './registry.ts';
import { workflowRouter } from './router.ts';

export const workflowModule = {
  name: 'workflow',
  router: workflowRouter,
  migrations: workflowMigrations,
  subscriptions: [workflowTrigger],
  // core.wait and core.notify; the registry adds them itself, so hosts need not pass them twice.
  actions: [],
} satisfies DomainModule;

export { coreActions };
