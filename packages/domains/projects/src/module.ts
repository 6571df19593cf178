import type { DomainModule } from '@ubos/platform';
import { projectsMigrations } from '../migrations/index.ts';
import { projectsRouter } from './router.ts';

export const projectsModule = {
  name: 'projects',
  router: projectsRouter,
  migrations: projectsMigrations,
} satisfies DomainModule;
