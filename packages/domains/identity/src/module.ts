import type { DomainModule } from '@ubos/platform';
import { identityMigrations } from '../migrations/index.ts';
import { identityRouter } from './router.ts';

export const identityModule = {
  name: 'identity',
  router: identityRouter,
  migrations: identityMigrations,
} satisfies DomainModule;
