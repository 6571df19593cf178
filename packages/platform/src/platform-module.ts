import { router } from './trpc/trpc.ts';
import { platformMigrations } from './platform-migrations.ts';
import type { DomainModule } from './module.ts';
import { eventsAdminRouter } from './events/admin-router.ts';

/** The kernel's own schema. Its admin procedures (dead letters, replay) are added by the event backbone. */
export const platformModule: DomainModule = {
  name: 'platform',
  router: router({ events: eventsAdminRouter }),
  migrations: platformMigrations,
};
