import type { ActionDefinition, DomainModule } from '@ubos/platform';
import { projectsMigrations } from '../migrations/index.ts';
import { projectsActions } from './actions.ts';
import { projectsSubscriptions } from './handlers.ts';
import { projectsRouter } from './router.ts';

export const projectsModule = {
  name: 'projects',
  router: projectsRouter,
  migrations: projectsMigrations,
  subscriptions: projectsSubscriptions,
  actions: projectsActions as unknown as readonly ActionDefinition[],
} satisfies DomainModule;
