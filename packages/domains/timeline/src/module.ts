// The timeline domain as the host registers it: one append-only activity row per event (README.md).
import { defineDomain, grants } from '@ubos/platform';
import { timelineMigrations } from '../migrations/index.ts';
import { timelineSubscriptions } from './handlers.ts';
import { timelineRouter } from './router.ts';

export const timelineModule = defineDomain({
  name: 'timeline',
  router: timelineRouter,
  migrations: timelineMigrations,
  permissions: {
    'timeline.read': grants.everyone,
    'timeline.audit.verify': grants.managers,
  },
  // Publishes nothing: it records every other domain's events.
  events: [],
  subscriptions: timelineSubscriptions,
});
