import { defineDomain, grants } from '@ubos/platform';
import { revenueMigrations } from '../migrations/index.ts';
import { revenueActions } from './actions.ts';
import { settingsUpdated } from './contracts.ts';
import { invoicingEvents } from './contracts-invoices.ts';
import { invoicingPermissions } from './router-invoices.ts';
import { revenueSubscriptions } from './handlers.ts';
import { billsActions, billsEvents, billsJobs, billsPermissions, billsSubscriptions } from './module-bills.ts';
import { revenueJobs } from './jobs.ts';
import { revenueRouter } from './router.ts';

/** What the host registers (ARCHITECTURE.md §3): apps/api/src/modules.ts lists it. */
export const revenueModule = defineDomain({
  name: 'revenue',
  router: revenueRouter,
  migrations: revenueMigrations,
  permissions: {
    'revenue.settings.read': grants.everyone,
    'revenue.settings.manage': grants.managers,
    ...invoicingPermissions,
    ...billsPermissions,
  },
  events: [settingsUpdated, ...invoicingEvents, ...billsEvents],
  subscriptions: [...revenueSubscriptions, ...billsSubscriptions],
  actions: [...revenueActions, ...billsActions],
  jobs: [...revenueJobs, ...billsJobs],
});
