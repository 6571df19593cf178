import type { DomainModule } from '@ubos/platform';
import { identityMigrations } from '../migrations/index.ts';
import { identityJobs } from './jobs.ts';
import { identityRouter } from './router.ts';

export const identityModule = {
  name: 'identity',
  router: identityRouter,
  migrations: identityMigrations,
  jobs: identityJobs,
} satisfies DomainModule;
