import { defineDomain, grants } from '@ubos/platform';
import { agreementsMigrations } from '../migrations/index.ts';
import { agreementsActions } from './actions.ts';
import { agreementsEvents } from './contracts.ts';
import { agreementsSubscriptions } from './handlers.ts';
import { agreementsJobs } from './jobs.ts';
import { agreementsRouter } from './router.ts';

/** What the host registers (ARCHITECTURE.md §3): apps/api/src/modules.ts lists it. */
export const agreementsModule = defineDomain({
  name: 'agreements',
  router: agreementsRouter,
  migrations: agreementsMigrations,
  permissions: {
    /** See templates, proposals, contracts, packets and their audit logs; download sealed PDFs. */
    'agreements.read': grants.everyone,
    /** Create and change templates, archive them. */
    'agreements.template.manage': grants.staff,
    /** Create, edit and duplicate proposals. */
    'agreements.proposal.write': grants.staff,
    /** Send and withdraw proposals. */
    'agreements.proposal.send': grants.staff,
    /** Create contracts (standalone or from an accepted proposal). */
    'agreements.contract.write': grants.staff,
    /** Send contracts for signature and void them. */
    'agreements.contract.send': grants.staff,
    'agreements.settings.read': grants.everyone,
    'agreements.settings.manage': grants.managers,
  },
  events: agreementsEvents,
  subscriptions: agreementsSubscriptions,
  actions: agreementsActions,
  jobs: agreementsJobs,
});
