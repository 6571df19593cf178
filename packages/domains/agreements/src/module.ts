import type { DomainModule } from '@ubos/platform';
import { agreementsMigrations } from '../migrations/index.ts';
import { agreementsRouter } from './router.ts';

export const agreementsModule = {
  name: 'agreements',
  router: agreementsRouter,
  migrations: agreementsMigrations,
} satisfies DomainModule;
