// The workflow domain's procedures: parse, authorize (meta.permission), call the service.
import { z } from 'zod';
import { router, tenantProcedure } from '@ubos/platform';
import { definitionDto, runDetailDto, runDto, runStatuses } from './contracts.ts';
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

const idInput = z.object({ id: z.uuid() });
/** The spec is validated by the service against the action registry, so every problem is listed at once. */
const specInput = z.unknown();
const issue = z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string() });

const definitionsRouter = router({
  list: tenantProcedure
    .meta({ permission: 'workflow.definition.read' })
    .output(z.array(definitionDto))
    .query(({ ctx }) => listAllDefinitions(ctx.domain)),
  get: tenantProcedure
    .meta({ permission: 'workflow.definition.read' })
    .input(idInput)
    .output(definitionDto.extend({ versions: z.array(z.object({ version: z.number().int(), createdAt: z.string() })) }))
    .query(({ ctx, input }) => getDefinition(ctx.domain, input)),
  create: tenantProcedure
    .meta({ permission: 'workflow.definition.write' })
    .input(z.object({ spec: specInput, enabled: z.boolean().optional() }))
    .output(definitionDto)
    .mutation(({ ctx, input }) => createDefinition(ctx.domain, ctx.runtime.actions, input)),
  update: tenantProcedure
    .meta({ permission: 'workflow.definition.write' })
    .input(z.object({ id: z.uuid(), spec: specInput, expectedVersion: z.number().int().min(1).optional() }))
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
    .input(
      z.object({
        definitionId: z.uuid().optional(),
        spec: specInput.optional(),
        event: z.record(z.string(), z.unknown()),
        stepOutputs: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .query(({ ctx, input }) => dryRunDefinition(ctx.domain, ctx.runtime.actions, input)),
});

const runsRouter = router({
  list: tenantProcedure
    .meta({ permission: 'workflow.run.read' })
    .input(
      z.object({
        definitionId: z.uuid().optional(),
        status: z.enum(runStatuses).optional(),
        from: z.iso.datetime({ offset: true }).optional(),
        to: z.iso.datetime({ offset: true }).optional(),
        cursor: z.uuid().optional(),
        limit: z.number().int().min(1).max(200).default(50),
      }),
    )
    .output(z.object({ items: z.array(runDto), nextCursor: z.uuid().nullable() }))
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
  list: tenantProcedure
    .meta({ permission: 'workflow.definition.read' })
    .query(({ ctx }) => listTemplates(ctx.runtime.actions)),
  install: tenantProcedure
    .meta({ permission: 'workflow.definition.write' })
    .input(z.object({ key: z.string().min(1).max(100) }))
    .output(definitionDto.extend({ issues: z.array(issue) }))
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
    .query(({ ctx }) => ctx.runtime.actions.list().map((action) => ({ name: action.name, description: action.description, input: inputSchemaOf(action.input) }))),
});

/** The workflow domain's procedures, mounted at `workflow`. */
export const workflowRouter = router({
  definitions: definitionsRouter,
  runs: runsRouter,
  templates: templatesRouter,
  actions: actionsRouter,
});
