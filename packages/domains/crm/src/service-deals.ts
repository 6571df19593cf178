import { DomainError, NotFoundError, uuidv7, type DomainContext, type FieldIssue } from '@ubos/platform';
import { applyCustomFields } from './custom-fields.ts';
import {
  dealArchived,
  dealCreated,
  dealLost,
  dealStageChanged,
  dealUpdated,
  dealWon,
  engagementCreated,
  engagementUpdated,
  pipelineCreated,
  pipelineUpdated,
  type DealDto,
  type DealSnapshot,
  type EngagementDto,
  type PipelineDto,
} from './contracts.ts';
import { decodeCursor, localDate } from './normalize.ts';
import * as repo from './repository.ts';
import * as deals from './repository-deals.ts';
import type { DealRow, EngagementRow, StageRow } from './repository-deals.ts';
import type { CrmDB } from './db.ts';
import { paginate, type Page } from './service.ts';
import { fieldDefinitions } from './service-custom-fields.ts';

const RANK_STEP = 1024;
const defaultStages: { name: string; kind: StageRow['kind'] }[] = [
  { name: 'Lead', kind: 'open' },
  { name: 'Qualified', kind: 'open' },
  { name: 'Proposal', kind: 'open' },
  { name: 'Negotiation', kind: 'open' },
  { name: 'Won', kind: 'won' },
  { name: 'Lost', kind: 'lost' },
];

// ---------------------------------------------------------------- pipelines

function toPipelineDto(pipeline: deals.PipelineRow, stages: StageRow[]): PipelineDto {
  return {
    id: pipeline.id,
    name: pipeline.name,
    isDefault: pipeline.is_default,
    stages: stages.map((stage) => ({ id: stage.id, name: stage.name, position: stage.position, kind: stage.kind })),
  };
}

/** The tenant's default pipeline, created (with its standard stages) on first use. */
export async function defaultPipeline(ctx: DomainContext): Promise<PipelineDto> {
  const db = ctx.db<CrmDB>();
  const existing = await deals.findDefaultPipeline(db);
  if (existing) return toPipelineDto(existing, await deals.stagesOf(db, existing.id));
  const pipelineId = uuidv7();
  if (await deals.insertDefaultPipeline(db, { id: pipelineId, tenant_id: ctx.tenantId, name: 'Sales', is_default: true })) {
    const stages = defaultStages.map((stage, index) => ({
      id: uuidv7(),
      tenant_id: ctx.tenantId,
      pipeline_id: pipelineId,
      name: stage.name,
      position: index,
      kind: stage.kind,
    }));
    await deals.insertStages(db, stages);
    await ctx.emit(
      pipelineCreated,
      { pipeline_id: pipelineId, name: 'Sales', stages: stages.map((stage) => ({ stage_id: stage.id, name: stage.name, kind: stage.kind })) },
      { aggregateId: pipelineId },
    );
  }
  const created = await deals.findDefaultPipeline(db);
  if (!created) throw new Error('Default pipeline missing after creation');
  return toPipelineDto(created, await deals.stagesOf(db, created.id));
}

export interface StageInput {
  id?: string | undefined;
  name: string;
  kind: StageRow['kind'];
}

/**
 * Replaces the default pipeline's stage list: order = kanban order; new stages have no id;
 * stages left out are removed (only when no open deal sits in them). Exactly one won and one
 * lost stage, at least one open stage; a stage holding deals keeps its kind.
 */
export async function updateStages(ctx: DomainContext, input: { stages: StageInput[] }): Promise<PipelineDto> {
  const db = ctx.db<CrmDB>();
  // Foreign or unknown ids first, before anything (even the lazy default pipeline) is written.
  for (const stage of input.stages) if (stage.id && !(await deals.findStage(db, stage.id))) throw new NotFoundError('Stage', stage.id);
  const pipeline = await defaultPipeline(ctx);
  const issues: FieldIssue[] = [];
  input.stages.forEach((stage, index) => {
    if (stage.id && !pipeline.stages.some((existing) => existing.id === stage.id))
      issues.push({ path: ['stages', index, 'id'], message: 'Not a stage of this pipeline' });
  });
  const ids = input.stages.flatMap((stage) => (stage.id ? [stage.id] : []));
  if (new Set(ids).size !== ids.length) issues.push({ path: ['stages'], message: 'A stage is listed twice' });
  const kinds = input.stages.map((stage) => stage.kind);
  if (kinds.filter((kind) => kind === 'won').length !== 1 || kinds.filter((kind) => kind === 'lost').length !== 1 || !kinds.includes('open')) {
    issues.push({ path: ['stages'], message: 'Keep exactly one won stage, one lost stage and at least one open stage' });
  }
  if (issues.length > 0) throw new DomainError('BAD_REQUEST', issues.map((issue) => issue.message).join('; '), issues);
  const counts = await deals.dealCountsByStage(db, pipeline.id);
  for (const existing of pipeline.stages) {
    const next = input.stages.find((stage) => stage.id === existing.id);
    const busy = (counts.get(existing.id) ?? 0) > 0;
    if (!next && busy) throw new DomainError('PRECONDITION_FAILED', `Move the deals out of "${existing.name}" before removing it`);
    if (next && next.kind !== existing.kind && busy) throw new DomainError('PRECONDITION_FAILED', `"${existing.name}" holds deals: its kind cannot change`);
    if (!next) await deals.updateStage(db, existing.id, { deleted_at: new Date() });
  }
  const added: StageRow[] = [];
  for (const [position, stage] of input.stages.entries()) {
    if (stage.id) await deals.updateStage(db, stage.id, { name: stage.name, kind: stage.kind, position });
    else
      added.push({
        id: uuidv7(),
        tenant_id: ctx.tenantId,
        pipeline_id: pipeline.id,
        name: stage.name,
        position,
        kind: stage.kind,
        created_at: new Date(),
        deleted_at: null,
      });
  }
  if (added.length > 0)
    await deals.insertStages(
      db,
      added.map(({ created_at: _created, ...row }) => row),
    );
  const stages = await deals.stagesOf(db, pipeline.id);
  await ctx.emit(
    pipelineUpdated,
    { pipeline_id: pipeline.id, name: pipeline.name, stages: stages.map((stage) => ({ stage_id: stage.id, name: stage.name, kind: stage.kind })) },
    { aggregateId: pipeline.id },
  );
  const row = await deals.findPipeline(db, pipeline.id);
  if (!row) throw new NotFoundError('Pipeline', pipeline.id);
  return toPipelineDto(row, stages);
}

// ---------------------------------------------------------------- deals

export function toDealDto(row: DealRow): DealDto {
  return {
    id: row.id,
    clientId: row.client_id,
    contactId: row.contact_id,
    pipelineId: row.pipeline_id,
    stageId: row.stage_id,
    rank: row.rank,
    title: row.title,
    valueMinor: row.value_minor,
    currency: row.currency,
    expectedClose: localDate(row.expected_close),
    status: row.status,
    closeReason: row.close_reason,
    closedAt: row.closed_at,
    ownerId: row.owner_id,
    customFields: row.custom_fields,
    projectTemplateId: row.project_template_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    archivedAt: row.deleted_at,
  };
}

async function snapshot(ctx: DomainContext, row: DealRow): Promise<DealSnapshot> {
  const stage = await deals.findStage(ctx.db<CrmDB>(), row.stage_id);
  return {
    deal_id: row.id,
    client_id: row.client_id,
    contact_id: row.contact_id,
    pipeline_id: row.pipeline_id,
    stage_id: row.stage_id,
    stage_name: stage?.name ?? '',
    title: row.title,
    value_minor: row.value_minor,
    currency: row.currency,
    expected_close: localDate(row.expected_close),
    status: row.status,
    owner_id: row.owner_id,
    custom_fields: row.custom_fields,
    project_template_id: row.project_template_id,
  };
}

export interface DealInput {
  clientId: string;
  contactId?: string | null | undefined;
  title: string;
  valueMinor?: number | undefined;
  currency: string;
  expectedClose?: string | null | undefined;
  stageId?: string | undefined;
  ownerId?: string | null | undefined;
  customFields?: Record<string, unknown> | undefined;
  projectTemplateId?: string | null | undefined;
}

async function requireContact(ctx: DomainContext, contactId: string | null | undefined): Promise<void> {
  if (contactId && !(await repo.findContact(ctx.db<CrmDB>(), contactId))) throw new NotFoundError('Contact', contactId);
}

export async function createDeal(ctx: DomainContext, input: DealInput): Promise<DealDto> {
  const db = ctx.db<CrmDB>();
  const customFields = applyCustomFields(await fieldDefinitions(ctx, 'deal'), input.customFields, null);
  if (!(await repo.findClient(db, input.clientId))) throw new NotFoundError('Client', input.clientId);
  await requireContact(ctx, input.contactId);
  await ctx.requireReferences([
    { kind: 'identity.member', id: input.ownerId, path: ['ownerId'], label: 'owner' },
    { kind: 'projects.template', id: input.projectTemplateId, path: ['projectTemplateId'], label: 'project template' },
  ]);
  const pipeline = await defaultPipeline(ctx);
  const stage = input.stageId
    ? pipeline.stages.find((candidate) => candidate.id === input.stageId)
    : pipeline.stages.find((candidate) => candidate.kind === 'open');
  if (!stage) throw new NotFoundError('Stage', input.stageId);
  if (stage.kind !== 'open') {
    throw new DomainError('BAD_REQUEST', 'A new deal starts in an open stage', [{ path: ['stageId'], message: 'Choose an open stage' }]);
  }
  const row = await deals.insertDeal(db, {
    id: uuidv7(),
    tenant_id: ctx.tenantId,
    client_id: input.clientId,
    contact_id: input.contactId ?? null,
    pipeline_id: pipeline.id,
    stage_id: stage.id,
    rank: (await deals.maxRank(db, stage.id)) + RANK_STEP,
    title: input.title,
    value_minor: input.valueMinor ?? 0,
    currency: input.currency,
    expected_close: input.expectedClose ?? null,
    status: 'open',
    close_reason: null,
    closed_at: null,
    owner_id: input.ownerId ?? null,
    custom_fields: JSON.stringify(customFields),
    project_template_id: input.projectTemplateId ?? null,
    updated_at: new Date(),
    deleted_at: null,
  });
  await ctx.emit(dealCreated, await snapshot(ctx, row), { aggregateId: row.id });
  return toDealDto(row);
}

export async function getDeal(ctx: DomainContext, id: string): Promise<DealDto> {
  const row = await deals.findDeal(ctx.db<CrmDB>(), id);
  if (!row) throw new NotFoundError('Deal', id);
  return toDealDto(row);
}

export async function updateDeal(ctx: DomainContext, id: string, input: Partial<Omit<DealInput, 'clientId' | 'stageId'>>): Promise<DealDto> {
  const db = ctx.db<CrmDB>();
  const current = await deals.findDeal(db, id, { lock: true });
  if (!current) throw new NotFoundError('Deal', id);
  await requireContact(ctx, input.contactId);
  const changes: Parameters<typeof deals.updateDeal>[2] = {};
  if (input.title !== undefined) changes.title = input.title;
  if (input.valueMinor !== undefined) changes.value_minor = input.valueMinor;
  if (input.currency !== undefined) changes.currency = input.currency;
  if (input.expectedClose !== undefined) changes.expected_close = input.expectedClose;
  if (input.contactId !== undefined) changes.contact_id = input.contactId;
  if (input.ownerId !== undefined) changes.owner_id = input.ownerId;
  if (input.projectTemplateId !== undefined) changes.project_template_id = input.projectTemplateId;
  await ctx.requireReferences([
    { kind: 'identity.member', id: input.ownerId, path: ['ownerId'], label: 'owner' },
    { kind: 'projects.template', id: input.projectTemplateId, path: ['projectTemplateId'], label: 'project template' },
  ]);
  if (input.customFields !== undefined) {
    changes.custom_fields = JSON.stringify(applyCustomFields(await fieldDefinitions(ctx, 'deal'), input.customFields, current.custom_fields));
  }
  const row = await deals.updateDeal(db, id, changes);
  await ctx.emit(dealUpdated, await snapshot(ctx, row), { aggregateId: row.id });
  return toDealDto(row);
}

/** The rank that puts a deal at `position` (0-based) among the column's other deals. */
async function rankAt(ctx: DomainContext, stageId: string, dealId: string, position: number | undefined): Promise<number> {
  const db = ctx.db<CrmDB>();
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const column = await deals.columnRanks(db, stageId, dealId);
    const index = Math.min(position ?? column.length, column.length);
    const before = column[index - 1]?.rank;
    const after = column[index]?.rank;
    if (before === undefined && after === undefined) return RANK_STEP;
    if (before === undefined && after !== undefined) return after - RANK_STEP;
    if (after === undefined && before !== undefined) return before + RANK_STEP;
    if (before !== undefined && after !== undefined && after - before > 1e-6) return (before + after) / 2;
    await deals.renumberColumn(db, stageId);
  }
  throw new Error('Could not find a rank in the column');
}

/**
 * Moves a deal to a stage (and position in its kanban column). Entering a won stage wins the
 * deal, a lost stage loses it (a reason is required), an open stage reopens it.
 */
export async function moveStage(
  ctx: DomainContext,
  input: { id: string; stageId: string; position?: number | undefined; reason?: string | undefined },
): Promise<DealDto> {
  const db = ctx.db<CrmDB>();
  const current = await deals.findDeal(db, input.id, { lock: true });
  if (!current) throw new NotFoundError('Deal', input.id);
  const stage = await deals.findStage(db, input.stageId);
  if (!stage || stage.pipeline_id !== current.pipeline_id) throw new NotFoundError('Stage', input.stageId);
  if (stage.kind === 'lost' && !input.reason && current.status !== 'lost') {
    throw new DomainError('BAD_REQUEST', 'Give a reason for losing the deal', [{ path: ['reason'], message: 'Required when a deal is lost' }]);
  }
  const rank = await rankAt(ctx, stage.id, current.id, input.position);
  const statusChanges =
    stage.kind === current.status
      ? {}
      : stage.kind === 'open'
        ? { status: 'open' as const, close_reason: null, closed_at: null }
        : { status: stage.kind, close_reason: input.reason ?? null, closed_at: new Date() };
  const row = await deals.updateDeal(db, current.id, { stage_id: stage.id, rank, ...statusChanges });
  const snap = await snapshot(ctx, row);
  const meta = { aggregateId: row.id };
  if (stage.id === current.stage_id) {
    await ctx.emit(dealUpdated, snap, meta);
  } else {
    await ctx.emit(dealStageChanged, { ...snap, from_stage_id: current.stage_id, to_stage_id: stage.id }, meta);
  }
  if (row.status !== current.status && row.status === 'won') {
    await ctx.emit(dealWon, { ...snap, reason: row.close_reason }, meta);
    await ensureEngagementForDeal(ctx, row);
  }
  if (row.status !== current.status && row.status === 'lost') {
    await ctx.emit(dealLost, { ...snap, reason: row.close_reason ?? '' }, meta);
  }
  return toDealDto(row);
}

export async function closeDeal(ctx: DomainContext, input: { id: string; outcome: 'won' | 'lost'; reason?: string | undefined }): Promise<DealDto> {
  const db = ctx.db<CrmDB>();
  const current = await deals.findDeal(db, input.id);
  if (!current) throw new NotFoundError('Deal', input.id);
  if (current.status === input.outcome) throw new DomainError('PRECONDITION_FAILED', `The deal is already ${input.outcome}`);
  const stage = (await deals.stagesOf(db, current.pipeline_id)).find((candidate) => candidate.kind === input.outcome);
  if (!stage) throw new DomainError('PRECONDITION_FAILED', `The pipeline has no ${input.outcome} stage`);
  return moveStage(ctx, { id: input.id, stageId: stage.id, reason: input.reason });
}

export async function archiveDeal(ctx: DomainContext, id: string): Promise<DealDto> {
  const db = ctx.db<CrmDB>();
  if (!(await deals.findDeal(db, id, { lock: true }))) throw new NotFoundError('Deal', id);
  const row = await deals.updateDeal(db, id, { deleted_at: new Date() });
  await ctx.emit(dealArchived, await snapshot(ctx, row), { aggregateId: row.id });
  return toDealDto(row);
}

export async function listDeals(
  ctx: DomainContext,
  input: {
    clientId?: string | undefined;
    stageId?: string | undefined;
    status?: 'open' | 'won' | 'lost' | undefined;
    limit?: number | undefined;
    cursor?: string | undefined;
  },
): Promise<Page<DealDto>> {
  const limit = Math.min(input.limit ?? 50, 100);
  const db = ctx.db<CrmDB>();
  if (input.clientId && !(await repo.findClient(db, input.clientId, { includeDeleted: true }))) throw new NotFoundError('Client', input.clientId);
  if (input.stageId && !(await deals.findStage(db, input.stageId))) throw new NotFoundError('Stage', input.stageId);
  const order = 'deals:created_at:desc';
  const rows = await deals.listDeals(db, { ...input, limit, cursor: input.cursor ? decodeCursor(input.cursor, order) : undefined });
  return paginate(rows, limit, order, toDealDto);
}

export async function board(ctx: DomainContext): Promise<{ pipeline: PipelineDto; columns: { stageId: string; deals: DealDto[] }[] }> {
  const pipeline = await defaultPipeline(ctx);
  const rows = await deals.boardDeals(ctx.db<CrmDB>(), pipeline.id, 200);
  return {
    pipeline,
    columns: pipeline.stages.map((stage) => ({ stageId: stage.id, deals: rows.filter((row) => row.stage_id === stage.id).map(toDealDto) })),
  };
}

// ---------------------------------------------------------------- engagements

export function toEngagementDto(row: EngagementRow): EngagementDto {
  return {
    id: row.id,
    clientId: row.client_id,
    dealId: row.deal_id,
    name: row.name,
    projectIds: row.project_ids,
    invoiceIds: row.invoice_ids,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function engagementPayload(row: EngagementRow) {
  return { engagement_id: row.id, client_id: row.client_id, deal_id: row.deal_id, name: row.name, project_ids: row.project_ids, invoice_ids: row.invoice_ids };
}

async function ensureEngagementForDeal(ctx: DomainContext, deal: DealRow): Promise<EngagementRow> {
  const db = ctx.db<CrmDB>();
  const existing = await deals.findEngagementByDeal(db, deal.id);
  if (existing) return existing;
  const row = await deals.insertEngagement(db, {
    id: uuidv7(),
    tenant_id: ctx.tenantId,
    client_id: deal.client_id,
    deal_id: deal.id,
    name: deal.title,
    project_ids: [],
    invoice_ids: [],
    updated_at: new Date(),
  });
  await ctx.emit(engagementCreated, engagementPayload(row), { aggregateId: row.id });
  return row;
}

export async function createEngagement(
  ctx: DomainContext,
  input: { clientId: string; dealId?: string | undefined; name?: string | undefined },
): Promise<EngagementDto> {
  const db = ctx.db<CrmDB>();
  if (input.dealId) {
    const deal = await deals.findDeal(db, input.dealId);
    if (!deal) throw new NotFoundError('Deal', input.dealId);
    if (deal.client_id !== input.clientId) {
      throw new DomainError('BAD_REQUEST', 'The deal belongs to another client', [{ path: ['dealId'], message: 'The deal belongs to another client' }]);
    }
    if (await deals.findEngagementByDeal(db, deal.id)) throw new DomainError('CONFLICT', 'The deal already has an engagement');
    return toEngagementDto(await ensureEngagementForDeal(ctx, { ...deal, title: input.name ?? deal.title }));
  }
  if (!(await repo.findClient(db, input.clientId))) throw new NotFoundError('Client', input.clientId);
  if (!input.name) throw new DomainError('BAD_REQUEST', 'Name the engagement', [{ path: ['name'], message: 'Required without a deal' }]);
  const row = await deals.insertEngagement(db, {
    id: uuidv7(),
    tenant_id: ctx.tenantId,
    client_id: input.clientId,
    deal_id: null,
    name: input.name,
    project_ids: [],
    invoice_ids: [],
    updated_at: new Date(),
  });
  await ctx.emit(engagementCreated, engagementPayload(row), { aggregateId: row.id });
  return toEngagementDto(row);
}

export async function getEngagement(ctx: DomainContext, id: string): Promise<EngagementDto> {
  const row = await deals.findEngagement(ctx.db<CrmDB>(), id);
  if (!row) throw new NotFoundError('Engagement', id);
  return toEngagementDto(row);
}

export async function listEngagements(ctx: DomainContext, clientId: string): Promise<EngagementDto[]> {
  const db = ctx.db<CrmDB>();
  if (!(await repo.findClient(db, clientId, { includeDeleted: true }))) throw new NotFoundError('Client', clientId);
  return (await deals.listEngagements(db, clientId)).map(toEngagementDto);
}

/** Records a project or invoice id on an engagement (from another domain's event); idempotent. */
export async function linkToEngagement(ctx: DomainContext, engagementId: string, kind: 'project' | 'invoice', linkedId: string): Promise<void> {
  const row = await deals.addEngagementLink(ctx.db<CrmDB>(), engagementId, kind === 'project' ? 'project_ids' : 'invoice_ids', linkedId);
  if (row) await ctx.emit(engagementUpdated, engagementPayload(row), { aggregateId: row.id });
}
