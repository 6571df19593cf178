import { grants } from './auth/permissions.ts';
import { defineDomain } from './domain/define-domain.ts';
import { eventAdminEvents } from './events/admin-contracts.ts';
import { eventsAdminRouter } from './events/admin-router.ts';
import { integrationEvents } from './integrations/contracts.ts';
import { integrationsRouter } from './integrations/router.ts';
import { platformMigrations } from './platform-migrations.ts';
import { router } from './trpc/trpc.ts';
import { webhookEvents } from './webhooks/contracts.ts';

/** The kernel's own schema, its admin procedures (dead letters, replay) and the integrations registry (§7). */
export const platformModule = defineDomain({
  name: 'platform',
  router: router({ events: eventsAdminRouter, integrations: integrationsRouter }),
  migrations: platformMigrations,
  permissions: {
    'platform.events.admin': grants.managers,
    // The issue and the screens call it "integrations.manage"; module permissions start with the module name.
    'platform.integrations.manage': grants.managers,
  },
  events: [...eventAdminEvents, ...integrationEvents, ...webhookEvents],
});
