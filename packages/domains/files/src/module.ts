import type { DomainModule } from '@ubos/platform';
import { filesMigrations } from '../migrations/index.ts';
import { filesRouter } from './router.ts';

export const filesModule = {
  name: 'files',
  router: filesRouter,
  migrations: filesMigrations,
} satisfies DomainModule;
