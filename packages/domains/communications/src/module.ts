import type { DomainModule } from '@ubos/platform';
import { communicationsMigrations } from '../migrations/index.ts';
import { communicationsRouter } from './router.ts';

export const communicationsModule = {
  name: 'communications',
  router: communicationsRouter,
  migrations: communicationsMigrations,
} satisfies DomainModule;
