import { defineDomain, grants } from '@ubos/platform';
import { filesMigrations } from '../migrations/index.ts';
import { filesActions } from './actions.ts';
import { filesEvents } from './contracts.ts';
import { filesSubscriptions } from './handlers.ts';
import { filesJobs } from './jobs.ts';
import { filesRouter } from './router.ts';

/** What the host registers (ARCHITECTURE.md §3): apps/api/src/modules.ts lists it. */
export const filesModule = defineDomain({
  name: 'files',
  router: filesRouter,
  migrations: filesMigrations,
  permissions: {
    /** See folders, files, versions, templates and requests; get download URLs. */
    'files.read': grants.everyone,
    /** Create, upload, rename, move, archive and restore folders and files. */
    'files.write': grants.staff,
    /** Make, and revoke, file request links. */
    'files.request.manage': grants.staff,
    /** Create and change folder templates. */
    'files.template.manage': grants.managers,
    'files.settings.read': grants.everyone,
    /** The allow-list of types and the per-file cap. */
    'files.settings.manage': grants.managers,
  },
  events: filesEvents,
  subscriptions: filesSubscriptions,
  actions: filesActions,
  jobs: filesJobs,
});
