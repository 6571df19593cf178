// The workflow domain as the host registers it (ARCHITECTURE.md §3, §6).
import { defineDomain, grants } from '@ubos/platform';
import { workflowMigrations } from '../migrations/index.ts';
import { coreNotify, coreWait } from './actions.ts';
import { workflowEventContracts, workflowUpcasters } from './contracts.ts';
import { workflowTrigger } from './handlers.ts';
import { workflowRouter } from './router.ts';

export const workflowModule = defineDomain({
  name: 'workflow',
  router: workflowRouter,
  migrations: workflowMigrations,
  permissions: {
    'workflow.definition.read': grants.everyone,
    'workflow.definition.write': grants.managers,
    'workflow.run.read': grants.everyone,
    'workflow.run.manage': grants.managers,
  },
  events: workflowEventContracts,
  upcasters: workflowUpcasters,
  subscriptions: [workflowTrigger],
  // The core actions are ordinary module actions: the host's registry holds them like any other.
  actions: [coreWait, coreNotify],
});
