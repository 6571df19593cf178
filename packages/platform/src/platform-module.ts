import { grants } from './auth/permissions.ts';
import { defineDomain } from './domain/define-domain.ts';
import { eventsAdminRouter } from './events/admin-router.ts';
import { platformMigrations } from './platform-migrations.ts';
import { router } from './trpc/trpc.ts';

/** The kernel's own schema and its admin procedures (dead letters, replay). */
export const platformModule = defineDomain({
  name: 'platform',
  router: router({ events: eventsAdminRouter }),
  migrations: platformMigrations,
  permissions: { 'platform.events.admin': grants.managers },
});
