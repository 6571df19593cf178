// Business rules of the workflow API: definitions (versioned, enable/disable) and templates.
// Runs live in service-runs.ts, the dry run in dry-run.ts.
import { DomainError, NotFoundError, uuidv7, type ActionRegistry, type DomainContext } from '@ubos/platform';
import {
  definitionCreated,
  definitionDeleted,
  definitionDisabled,
  definitionEnabled,
  definitionUpdated,
  triggerKey,
  type CreateDefinitionInput,
  type DefinitionDetailDto,
  type DefinitionDto,
  type DefinitionSpec,
  type IdInput,
  type InstalledTemplateDto,
  type InstallTemplateInput,
  type UpdateDefinitionInput,
} from './contracts.ts';
import { findTemplate, workflowTemplates } from './flagship.ts';
import type { WorkflowDB } from './db.ts';
import {
  findDefinition,
  findSpec,
  insertDefinition,
  insertVersion,
  listDefinitions,
  listVersions,
  refreshScheduleRow,
  type DefinitionRow,
} from './repository.ts';
import { assertValidDefinition, validateDefinition } from './validation.ts';

async function toDefinitionDto(ctx: DomainContext, row: DefinitionRow): Promise<DefinitionDto> {
  return definitionDtoOf(row, await findSpec(ctx.db<WorkflowDB>(), row.id, row.current_version));
}

function definitionDtoOf(row: DefinitionRow, spec: DefinitionSpec | undefined): DefinitionDto {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    triggerEvent: row.trigger_event,
    version: row.current_version,
    enabled: row.enabled,
    templateKey: row.template_key,
    missingActions: row.missing_actions,
    spec: spec ?? null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

// ----- definitions -----------------------------------------------------------------------------

export async function createDefinition(ctx: DomainContext, registry: ActionRegistry, input: CreateDefinitionInput): Promise<DefinitionDto> {
  const { spec } = assertValidDefinition(input.spec, registry);
  return insertValidated(ctx, spec as DefinitionSpec, { enabled: input.enabled ?? true, templateKey: null, missingActions: [] });
}

async function insertValidated(
  ctx: DomainContext,
  spec: DefinitionSpec,
  options: { enabled: boolean; templateKey: string | null; missingActions: string[] },
): Promise<DefinitionDto> {
  const id = uuidv7();
  const row = await insertDefinition(ctx.db<WorkflowDB>(), {
    id,
    tenantId: ctx.tenantId,
    spec,
    enabled: options.enabled,
    templateKey: options.templateKey,
    missingActions: options.missingActions,
    createdBy: ctx.actorId,
  });
  await ctx.emit(
    definitionCreated,
    { definition_id: id, version: 1, name: spec.name, trigger_event: triggerKey(spec.trigger), enabled: options.enabled, template_key: options.templateKey },
    { aggregateId: id },
  );
  await refreshScheduleRow(ctx.db<WorkflowDB>(), id);
  return toDefinitionDto(ctx, row);
}

/** Editing creates a new version; runs keep the version they started with. */
export async function updateDefinition(ctx: DomainContext, registry: ActionRegistry, input: UpdateDefinitionInput): Promise<DefinitionDto> {
  const db = ctx.db<WorkflowDB>();
  const current = await findDefinition(db, input.id, { forUpdate: true });
  if (!current) throw new NotFoundError('Workflow definition', input.id);
  if (input.expectedVersion !== undefined && input.expectedVersion !== current.current_version) {
    throw new DomainError('CONFLICT', `The definition is at version ${current.current_version}, not ${input.expectedVersion}: reload and edit again`);
  }
  const { spec } = assertValidDefinition(input.spec, registry);
  const validSpec = spec as DefinitionSpec;
  const version = current.current_version + 1;
  await insertVersion(db, { tenantId: ctx.tenantId, definitionId: current.id, version, spec: validSpec, createdBy: ctx.actorId });
  const row = await db
    .updateTable('workflow.definitions')
    .set({
      name: validSpec.name,
      description: validSpec.description,
      trigger_event: triggerKey(validSpec.trigger),
      current_version: version,
      missing_actions: [],
      updated_at: new Date(),
    })
    .where('id', '=', current.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await ctx.emit(
    definitionUpdated,
    { definition_id: current.id, version, name: validSpec.name, trigger_event: triggerKey(validSpec.trigger) },
    { aggregateId: current.id },
  );
  await refreshScheduleRow(db, current.id);
  return toDefinitionDto(ctx, row);
}

export async function setDefinitionEnabled(ctx: DomainContext, registry: ActionRegistry, input: { id: string; enabled: boolean }): Promise<DefinitionDto> {
  const db = ctx.db<WorkflowDB>();
  const current = await findDefinition(db, input.id, { forUpdate: true });
  if (!current) throw new NotFoundError('Workflow definition', input.id);
  let missing: string[] = [];
  if (input.enabled) {
    const spec = await findSpec(db, current.id, current.current_version);
    const result = validateDefinition(spec, registry);
    missing = result.missingActions;
    if (result.issues.length > 0) {
      throw new DomainError(
        'PRECONDITION_FAILED',
        missing.length > 0
          ? `The workflow waits for actions that are not available: ${missing.join(', ')}`
          : 'The workflow is not valid against the current actions: edit it first',
        result.issues,
      );
    }
  }
  if (current.enabled === input.enabled) return toDefinitionDto(ctx, current);
  const row = await db
    .updateTable('workflow.definitions')
    .set({ enabled: input.enabled, missing_actions: missing, updated_at: new Date() })
    .where('id', '=', current.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await ctx.emit(
    input.enabled ? definitionEnabled : definitionDisabled,
    { definition_id: current.id, version: current.current_version },
    { aggregateId: current.id },
  );
  await refreshScheduleRow(db, current.id);
  return toDefinitionDto(ctx, row);
}

export async function deleteDefinition(ctx: DomainContext, input: IdInput): Promise<IdInput> {
  const db = ctx.db<WorkflowDB>();
  const current = await findDefinition(db, input.id, { forUpdate: true });
  if (!current) throw new NotFoundError('Workflow definition', input.id);
  await db.updateTable('workflow.definitions').set({ deleted_at: new Date(), enabled: false, updated_at: new Date() }).where('id', '=', current.id).execute();
  await ctx.emit(definitionDeleted, { definition_id: current.id }, { aggregateId: current.id });
  await refreshScheduleRow(db, current.id);
  return { id: current.id };
}

export async function getDefinition(ctx: DomainContext, input: IdInput): Promise<DefinitionDetailDto> {
  const db = ctx.db<WorkflowDB>();
  const row = await findDefinition(db, input.id);
  if (!row) throw new NotFoundError('Workflow definition', input.id);
  const versions = await listVersions(db, row.id);
  return { ...(await toDefinitionDto(ctx, row)), versions: versions.map((v) => ({ version: v.version, createdAt: v.createdAt.toISOString() })) };
}

export async function listAllDefinitions(ctx: DomainContext): Promise<DefinitionDto[]> {
  const rows = await listDefinitions(ctx.db<WorkflowDB>());
  return rows.map((row) => definitionDtoOf(row, row.spec));
}

// ----- templates -------------------------------------------------------------------------------

export interface TemplateSummary {
  key: string;
  title: string;
  summary: string;
  triggerEvent: string;
  actions: string[];
  missingActions: string[];
  spec: unknown;
}

export function listTemplates(registry: ActionRegistry): TemplateSummary[] {
  return workflowTemplates.map((template) => {
    const actions = [...new Set(template.spec.steps.map((step) => step.action))];
    return {
      key: template.key,
      title: template.title,
      summary: template.summary,
      triggerEvent: triggerKey(template.spec.trigger),
      actions,
      missingActions: actions.filter((name) => !registry.has(name)),
      spec: template.spec,
    };
  });
}

/**
 * Installs a template as a new definition the tenant can edit. When any of its actions is not
 * registered (or its inputs do not fit the registered actions) it installs disabled and lists what
 * it waits for.
 */
export async function installTemplate(ctx: DomainContext, registry: ActionRegistry, input: InstallTemplateInput): Promise<InstalledTemplateDto> {
  const template = findTemplate(input.key);
  if (!template) throw new NotFoundError('Workflow template', input.key);
  const result = validateDefinition(template.spec, registry);
  if (!result.spec) throw new DomainError('BAD_REQUEST', `Template ${template.key} is not a valid definition`, result.issues);
  const spec = result.spec;
  const enabled = result.issues.length === 0;
  const dto = await insertValidated(ctx, spec, { enabled, templateKey: template.key, missingActions: result.missingActions });
  return { ...dto, issues: result.issues };
}
