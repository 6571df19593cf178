import { createCallerFactory } from '@ubos/platform';
import { defineCrossTenantCases } from '@ubos/platform/testing';
import { searchRouter } from '../src/router.ts';

const createCaller = createCallerFactory(searchRouter);

/**
 * Run by apps/api/test/cross-tenant.test.ts for every procedure of searchRouter. Tenant A requests a
 * rebuild; tenant B searching finds nothing of A's, and reading A's rebuild by id is NOT_FOUND. A
 * rebuild request concerns only the caller's own tenant ('own').
 */
export const crossTenantCases = defineCrossTenantCases({
  createCaller: (ctx) => createCaller(ctx),
  setup: async (a) => ({ rebuild: (await a.index.rebuild()).rebuild.id }),
  snapshot: (a, fixture) => a.index.rebuildStatus({ id: fixture.rebuild }),
  cases: {
    query: { expect: 'empty', call: (b) => b.query({ q: 'Isolation' }) },
    'index.rebuild': { expect: 'own', call: (b) => b.index.rebuild() },
    'index.rebuildStatus': { expect: 'not_found', call: (b, a) => b.index.rebuildStatus({ id: a.rebuild }) },
  },
});
