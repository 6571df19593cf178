import { createCallerFactory } from '@ubos/platform';
import { defineCrossTenantCases } from '@ubos/platform/testing';
import { revenueRouter } from '../src/router.ts';

const createCaller = createCallerFactory(revenueRouter);

/**
 * Run by apps/api/test/cross-tenant.test.ts for every procedure of revenueRouter. Settings
 * are addressed by the session's tenant, never by an id: another tenant's calls concern only
 * its own settings ('own') and must leave tenant A's untouched.
 */
export const crossTenantCases = defineCrossTenantCases({
  createCaller: (ctx) => createCaller(ctx),
  setup: async (a) => {
    await a.settings.update({ enabled: false, label: 'Tenant A' });
    return {};
  },
  snapshot: (a) => a.settings.get(),
  cases: {
    'settings.get': { expect: 'own', call: (b) => b.settings.get() },
    'settings.update': { expect: 'own', call: (b) => b.settings.update({ enabled: true, label: 'Someone else' }) },
  },
});
