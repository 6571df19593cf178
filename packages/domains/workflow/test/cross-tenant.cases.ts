// Run by apps/api/test/cross-tenant.test.ts for every procedure of workflowRouter: tenant B calls
// each procedure with tenant A's ids.
import { type Context, createCallerFactory, withTenant } from '@ubos/platform';
import { defineCrossTenantCases } from '@ubos/platform/testing';
import { workflowTrigger } from '../src/handlers.ts';
import { workflowRouter } from '../src/router.ts';
import { handlerContext, testEvent } from './helpers.ts';

const createCaller = createCallerFactory(workflowRouter);

/**
 * The caller carries its context: runs are started only by events (the `workflow.trigger`
 * subscription), never by a procedure, so the setup delivers one to A's definition in A's tenant
 * transaction, as the event backbone would.
 */
interface WorkflowCaller {
  api: ReturnType<typeof createCaller>;
  ctx: Context;
}

const TRIGGER = 'test.crosstenant.happened';

export const crossTenantCases = defineCrossTenantCases({
  createCaller: (ctx): WorkflowCaller => ({ api: createCaller(ctx), ctx }),
  setup: async (a) => {
    const definition = await a.api.definitions.create({
      spec: {
        name: 'Tenant A workflow',
        trigger: { event: TRIGGER },
        // A run that waits an hour stays `running`, so cancel and retry have something to refuse.
        steps: [{ key: 'wait', action: 'core.wait', input: { seconds: 3600 } }],
      },
    });
    const tenantId = a.ctx.session?.tenantId;
    if (!tenantId) throw new Error('tenant A has no tenant');
    const event = testEvent(tenantId, TRIGGER, {});
    await withTenant(a.ctx.db, { tenantId }, (trx) => workflowTrigger.handle(event, handlerContext(trx, event)));
    const [run] = (await a.api.runs.list({ definitionId: definition.id })).items;
    if (!run) throw new Error('tenant A has no run');
    return { definition: definition.id, run: run.id };
  },
  snapshot: async (a, fixture) => ({
    definitions: await a.api.definitions.list(),
    definition: await a.api.definitions.get({ id: fixture.definition }),
    runs: await a.api.runs.list({}),
    run: await a.api.runs.get({ id: fixture.run }),
  }),
  cases: {
    'definitions.list': { expect: 'empty', call: (b) => b.api.definitions.list() },
    'definitions.get': { expect: 'not_found', call: (b, a) => b.api.definitions.get({ id: a.definition }) },
    'definitions.create': {
      expect: 'own',
      call: (b) =>
        b.api.definitions.create({ spec: { name: 'Own', trigger: { event: TRIGGER }, steps: [{ key: 'wait', action: 'core.wait', input: { seconds: 1 } }] } }),
    },
    'definitions.update': {
      expect: 'not_found',
      call: (b, a) =>
        b.api.definitions.update({
          id: a.definition,
          spec: { name: 'Hijacked', trigger: { event: TRIGGER }, steps: [{ key: 'wait', action: 'core.wait', input: { seconds: 1 } }] },
        }),
    },
    'definitions.enable': { expect: 'not_found', call: (b, a) => b.api.definitions.enable({ id: a.definition }) },
    'definitions.disable': { expect: 'not_found', call: (b, a) => b.api.definitions.disable({ id: a.definition }) },
    'definitions.delete': { expect: 'not_found', call: (b, a) => b.api.definitions.delete({ id: a.definition }) },
    'definitions.dryRun': {
      expect: 'not_found',
      call: (b, a) => b.api.definitions.dryRun({ definitionId: a.definition, event: { type: TRIGGER, payload: {} } }),
    },
    'runs.list': { expect: 'empty', call: (b, a) => b.api.runs.list({ definitionId: a.definition }).then((page) => page.items) },
    'runs.get': { expect: 'not_found', call: (b, a) => b.api.runs.get({ id: a.run }) },
    'runs.retry': { expect: 'not_found', call: (b, a) => b.api.runs.retry({ id: a.run }) },
    'runs.cancel': { expect: 'not_found', call: (b, a) => b.api.runs.cancel({ id: a.run }) },
    'templates.list': { expect: 'own', call: (b) => b.api.templates.list() },
    'templates.install': { expect: 'own', call: (b) => b.api.templates.install({ key: 'deal-won-project' }) },
    'actions.list': { expect: 'own', call: (b) => b.api.actions.list() },
  },
});
