// The workflow domain's procedures: parse, authorize (meta.permission), call the service with
// ctx.domain and, where definitions are validated, the host's action registry (ctx.runtime.actions).
import { z } from 'zod';
import { router, tenantProcedure } from '@ubos/platform';
import {
  createDefinitionInput,
  definitionDetailDto,
  definitionDto,
  dryRunInput,
  idInput,
  installedTemplateDto,
  installTemplateInput,
  listRunsInput,
  runDetailDto,
  runPageDto,
  updateDefinitionInput,
} from './contracts.ts';
import { dryRunDefinition } from './dry-run.ts';
import {
  createDefinition,
  deleteDefinition,
  getDefinition,
  installTemplate,
  listAllDefinitions,
  listTemplates,
  setDefinitionEnabled,
  updateDefinition,
} from './service.ts';
import { cancelRun, getRun, listRunsPage, retryRun } from './service-runs.ts';

const definitionsRouter = router({
  list: tenantProcedure
    .meta({ permission: 'workflow.definition.read' })
    .output(z.array(definitionDto))
    .query(({ ctx }) => listAllDefinitions(ctx.domain)),
  get: tenantProcedure
    .meta({ permission: 'workflow.definition.read' })
    .input(idInput)
    .output(definitionDetailDto)
    .query(({ ctx, input }) => getDefinition(ctx.domain, input)),
  create: tenantProcedure
    .meta({ permission: 'workflow.definition.write' })
    .input(createDefinitionInput)
    .output(definitionDto)
    .mutation(({ ctx, input }) => createDefinition(ctx.domain, ctx.runtime.actions, input)),
  update: tenantProcedure
    .meta({ permission: 'workflow.definition.write' })
    .input(updateDefinitionInput)
    .output(definitionDto)
    .mutation(({ ctx, input }) => updateDefinition(ctx.domain, ctx.runtime.actions, input)),
  enable: tenantProcedure
    .meta({ permission: 'workflow.definition.write' })
    .input(idInput)
    .output(definitionDto)
    .mutation(({ ctx, input }) => setDefinitionEnabled(ctx.domain, ctx.runtime.actions, { id: input.id, enabled: true })),
  disable: tenantProcedure
    .meta({ permission: 'workflow.definition.write' })
    .input(idInput)
    .output(definitionDto)
    .mutation(({ ctx, input }) => setDefinitionEnabled(ctx.domain, ctx.runtime.actions, { id: input.id, enabled: false })),
  delete: tenantProcedure
    .meta({ permission: 'workflow.definition.write' })
    .input(idInput)
    .output(idInput)
    .mutation(({ ctx, input }) => deleteDefinition(ctx.domain, input)),
  dryRun: tenantProcedure
    .meta({ permission: 'workflow.definition.read' })
    .input(dryRunInput)
    .query(({ ctx, input }) => dryRunDefinition(ctx.domain, ctx.runtime.actions, input)),
});

const runsRouter = router({
  list: tenantProcedure
    .meta({ permission: 'workflow.run.read' })
    .input(listRunsInput)
    .output(runPageDto)
    .query(({ ctx, input }) => listRunsPage(ctx.domain, input)),
  get: tenantProcedure
    .meta({ permission: 'workflow.run.read' })
    .input(idInput)
    .output(runDetailDto)
    .query(({ ctx, input }) => getRun(ctx.domain, input)),
  retry: tenantProcedure
    .meta({ permission: 'workflow.run.manage' })
    .input(idInput)
    .output(runDetailDto)
    .mutation(({ ctx, input }) => retryRun(ctx.domain, input)),
  cancel: tenantProcedure
    .meta({ permission: 'workflow.run.manage' })
    .input(idInput)
    .output(runDetailDto)
    .mutation(({ ctx, input }) => cancelRun(ctx.domain, input)),
});

const templatesRouter = router({
  list: tenantProcedure.meta({ permission: 'workflow.definition.read' }).query(({ ctx }) => listTemplates(ctx.runtime.actions)),
  install: tenantProcedure
    .meta({ permission: 'workflow.definition.write' })
    .input(installTemplateInput)
    .output(installedTemplateDto)
    .mutation(({ ctx, input }) => installTemplate(ctx.domain, ctx.runtime.actions, input)),
});

function inputSchemaOf(schema: z.ZodType): unknown {
  try {
    return z.toJSONSchema(schema, { unrepresentable: 'any' });
  } catch {
    return null;
  }
}

const actionsRouter = router({
  list: tenantProcedure
    .meta({ permission: 'workflow.definition.read' })
    .query(({ ctx }) =>
      ctx.runtime.actions.list().map((action) => ({ name: action.name, description: action.description, input: inputSchemaOf(action.input) })),
    ),
});

/** The workflow domain's procedures, mounted at `workflow`. */
export const workflowRouter = router({
  definitions: definitionsRouter,
  runs: runsRouter,
  templates: templatesRouter,
  actions: actionsRouter,
});
