import { defineDomain, grants } from '@ubos/platform';
import { identityMigrations } from '../migrations/index.ts';
import { identityEventContracts, identityUpcasters } from './contracts.ts';
import { identityJobs } from './jobs.ts';
import { identityRouter } from './router.ts';

export const identityModule = defineDomain({
  name: 'identity',
  router: identityRouter,
  migrations: identityMigrations,
  permissions: {
    'identity.organization.read': grants.everyone,
    'identity.organization.manage': grants.owners,
    'identity.member.read': grants.everyone,
    'identity.member.invite': grants.managers,
    'identity.member.manage': grants.managers,
    'identity.role.manage': grants.owners,
    'identity.api_key.manage': grants.managers,
  },
  events: identityEventContracts,
  upcasters: identityUpcasters,
  jobs: identityJobs,
});
