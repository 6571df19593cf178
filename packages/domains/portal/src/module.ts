import type { DomainModule } from '@ubos/platform';
import { portalMigrations } from '../migrations/index.ts';
import { portalRouter } from './router.ts';

export const portalModule = {
  name: 'portal',
  router: portalRouter,
  migrations: portalMigrations,
} satisfies DomainModule;
