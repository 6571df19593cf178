import { DomainError, NotFoundError, uuidv7, type DomainContext } from '@ubos/platform';
import {
  paymentScheduleSchema,
  proposalAccepted,
  proposalCreated,
  proposalDeclined,
  proposalRevised,
  proposalSent,
  proposalViewed,
  proposalWithdrawn,
  type ClientProposalDto,
  type ClientProposalSummaryDto,
  type CreateProposalInput,
  type LineDto,
  type LineInput,
  type ListProposalsInput,
  type PaymentSchedule,
  type ProposalDto,
  type ProposalSummaryDto,
  type ProposalVersionDto,
  type Section,
  type UpdateProposalInput,
} from './contracts.ts';
import type { AgreementsDB, ProposalLineRow, ProposalRow, ProposalVersionRow } from './db.ts';
import { contentHash, missingFields, renderSections, sectionsToHtml } from './merge.ts';
import { formatMoney, priceLines, pricingText, scheduleText } from './pricing.ts';
import * as repo from './repository.ts';
import { usableTemplate } from './service-templates.ts';

/**
 * Proposals (ARCHITECTURE.md §4): a record with numbered versions. A draft version is edited in
 * place; once sent it is immutable (a trigger refuses any change), and an edit makes the next
 * version. Acceptance names the content hash of the version the client read and holds only while
 * that version is the newest (repository.acceptProposal).
 */

const db = (ctx: DomainContext) => ctx.db<AgreementsDB>();

function lineInputOf(row: ProposalLineRow): LineInput {
  return {
    description: row.description,
    quantity: row.quantity,
    unitPriceMinor: row.unit_price_minor,
    discountMinor: row.discount_minor,
    taxRateBp: row.tax_rate_bp,
    optional: row.optional,
    selected: row.selected,
  };
}

function lineDtoOf(row: ProposalLineRow): LineDto {
  return { ...lineInputOf(row), totalMinor: row.total_minor };
}

/** Values every proposal has: today, its title and total, the pricing table and schedule as text. */
export function builtInValues(
  version: { title: string; currency: string; lines: LineDto[]; totals: ProposalVersionDto['totals']; schedule: PaymentSchedule },
  today = new Date(),
) {
  return {
    today: today.toISOString().slice(0, 10),
    'proposal.title': version.title,
    'proposal.total': formatMoney(version.totals.totalMinor, version.currency),
    pricing_table: pricingText(version.lines, version.totals, version.currency),
    payment_schedule: scheduleText(version.schedule, version.totals.totalMinor, version.currency),
  };
}

function versionDto(row: ProposalVersionRow, lines: ProposalLineRow[]): ProposalVersionDto {
  return {
    id: row.id,
    n: row.n,
    title: row.title,
    sections: row.sections,
    mergeValues: row.merge_values,
    currency: row.currency,
    lines: lines.map(lineDtoOf),
    totals: { subtotalMinor: row.subtotal_minor, discountMinor: row.discount_minor, taxMinor: row.tax_minor, totalMinor: row.total_minor },
    paymentSchedule: paymentScheduleSchema.parse(row.payment_schedule),
    contentHash: row.content_hash,
    sentAt: row.sent_at,
    createdAt: row.created_at,
  };
}

function allValues(version: ProposalVersionDto): Record<string, string> {
  return {
    ...version.mergeValues,
    ...builtInValues(
      { title: version.title, currency: version.currency, lines: version.lines, totals: version.totals, schedule: version.paymentSchedule },
      version.sentAt ?? new Date(),
    ),
  };
}

function summaryDto(row: ProposalRow, version: { title: string; currency: string; total_minor: number }): ProposalSummaryDto {
  return {
    id: row.id,
    clientId: row.client_id,
    contactId: row.contact_id,
    engagementId: row.engagement_id,
    projectId: row.project_id,
    templateId: row.template_id,
    status: row.status,
    title: version.title,
    currency: version.currency,
    totalMinor: version.total_minor,
    currentVersion: row.current_version,
    sentVersion: row.sent_version,
    expiresAt: row.expires_at,
    acceptedAt: row.accepted_at,
    acceptedBy: row.accepted_by,
    acceptedHash: row.accepted_hash,
    declinedAt: row.declined_at,
    declineReason: row.decline_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

async function loadVersion(ctx: DomainContext, proposalId: string, n: number): Promise<{ row: ProposalVersionRow; dto: ProposalVersionDto }> {
  const row = await repo.findVersion(db(ctx), proposalId, n);
  if (!row) throw new NotFoundError('Proposal version', `${proposalId} v${n}`);
  return { row, dto: versionDto(row, await repo.findLines(db(ctx), row.id)) };
}

async function proposalOrNotFound(ctx: DomainContext, id: string, options: { forUpdate?: boolean } = {}): Promise<ProposalRow> {
  const row = await repo.findProposal(db(ctx), id, options);
  if (!row) throw new NotFoundError('Proposal', id);
  return row;
}

export async function getProposal(ctx: DomainContext, id: string, n?: number): Promise<ProposalDto> {
  const row = await proposalOrNotFound(ctx, id);
  const version = await loadVersion(ctx, id, n ?? row.current_version);
  const versions = (await repo.listVersionHeads(db(ctx), id)).map((v) => ({ n: v.n, contentHash: v.content_hash, sentAt: v.sent_at, createdAt: v.created_at }));
  const missing = safeMissing(version.dto.sections, allValues(version.dto));
  return { ...summaryDto(row, version.row), version: version.dto, versions, missingFields: missing };
}

function safeMissing(sections: readonly Section[], values: Record<string, string>): string[] {
  try {
    return missingFields(sections, values);
  } catch {
    return [];
  }
}

function eventFields(row: ProposalRow, version: { n: number; title: string; currency: string; total_minor: number }) {
  return {
    proposal_id: row.id,
    client_id: row.client_id,
    contact_id: row.contact_id,
    engagement_id: row.engagement_id,
    project_id: row.project_id,
    title: version.title,
    version: version.n,
    currency: version.currency,
    total_minor: version.total_minor,
  };
}

function priced(input: { lines: readonly LineInput[] }) {
  const { lines, totals } = priceLines(input.lines);
  return { lines, totals, newLines: lines.map((line) => ({ ...line })) };
}

export async function createProposal(ctx: DomainContext, input: CreateProposalInput): Promise<ProposalDto> {
  await ctx.requireReferences([
    { kind: 'crm.client', id: input.clientId, path: ['clientId'], label: 'client' },
    { kind: 'crm.contact', id: input.contactId, path: ['contactId'], label: 'contact' },
    { kind: 'crm.engagement', id: input.engagementId, path: ['engagementId'], label: 'engagement' },
  ]);
  const template = input.templateId ? await usableTemplate(ctx, input.templateId, 'proposal') : null;
  const sections = input.sections ?? template?.sections ?? [];
  // A syntax error in the text is refused now; unknown fields only when sending.
  missingFields(sections, {});
  const { lines, totals } = priced(input);
  const proposal = await repo.insertProposal(db(ctx), {
    id: uuidv7(),
    tenantId: ctx.tenantId,
    clientId: input.clientId,
    contactId: input.contactId,
    engagementId: input.engagementId,
    projectId: input.projectId,
    templateId: template?.id ?? null,
    expiresAt: input.expiresAt,
    createdBy: ctx.actorId,
  });
  const version = await repo.insertVersion(
    db(ctx),
    {
      id: uuidv7(),
      tenantId: ctx.tenantId,
      proposalId: proposal.id,
      n: 1,
      title: input.title,
      sections,
      mergeValues: input.mergeValues,
      currency: input.currency,
      totals,
      schedule: input.paymentSchedule,
      createdBy: ctx.actorId,
    },
    lines,
  );
  await ctx.emit(proposalCreated, eventFields(proposal, version), { aggregateId: proposal.id });
  return getProposal(ctx, proposal.id);
}

const EDITABLE = new Set<ProposalRow['status']>(['draft', 'sent', 'viewed', 'declined', 'expired']);

/**
 * Edits the proposal. The newest version still a draft is rewritten; a sent one is kept as it
 * is and the edit becomes version n+1 (a draft: the proposal is back to `draft` until it is sent
 * again, and the client can no longer accept the earlier version).
 */
export async function updateProposal(ctx: DomainContext, input: UpdateProposalInput): Promise<ProposalDto> {
  const proposal = await proposalOrNotFound(ctx, input.id, { forUpdate: true });
  if (!EDITABLE.has(proposal.status)) {
    throw new DomainError('PRECONDITION_FAILED', `This proposal was ${proposal.status}; it can no longer be changed (duplicate it to start a new one)`);
  }
  await ctx.requireReferences([{ kind: 'crm.contact', id: input.contactId, path: ['contactId'], label: 'contact' }]);
  const current = await loadVersion(ctx, proposal.id, proposal.current_version);
  const sections = input.sections ?? current.dto.sections;
  if (input.sections) missingFields(input.sections, {});
  const lineInputs = input.lines ?? current.dto.lines.map(({ totalMinor: _total, ...line }) => line);
  const { lines, totals } = priced({ lines: lineInputs });
  const next = {
    tenantId: ctx.tenantId,
    proposalId: proposal.id,
    title: input.title ?? current.dto.title,
    sections,
    mergeValues: input.mergeValues ?? current.dto.mergeValues,
    currency: input.currency ?? current.dto.currency,
    totals,
    schedule: input.paymentSchedule ?? current.dto.paymentSchedule,
    createdBy: ctx.actorId,
  };
  const newVersion = current.row.sent_at !== null;
  const version = newVersion
    ? await repo.insertVersion(db(ctx), { ...next, id: uuidv7(), n: current.row.n + 1 }, lines)
    : await repo.rewriteDraftVersion(db(ctx), { ...next, id: current.row.id, n: current.row.n }, input.lines ? lines : null);
  const updated = await repo.updateProposal(db(ctx), proposal.id, {
    current_version: version.n,
    status: newVersion ? 'draft' : proposal.status,
    ...(input.contactId !== undefined ? { contact_id: input.contactId } : {}),
    ...(input.expiresAt !== undefined ? { expires_at: input.expiresAt } : {}),
  });
  await ctx.emit(proposalRevised, { ...eventFields(updated, version), new_version: newVersion }, { aggregateId: proposal.id });
  return getProposal(ctx, proposal.id);
}

/** What the client reads and the hash covers: the rendered sections, the priced lines, totals and schedule. */
function clientContent(version: ProposalVersionDto, values: Record<string, string>) {
  const sections = renderSections(version.sections, values, 'proposal');
  return {
    title: version.title,
    sections,
    currency: version.currency,
    lines: version.lines,
    totals: version.totals,
    paymentSchedule: version.paymentSchedule,
  };
}

/**
 * Sends the newest version: every merge field must have a value (BAD_REQUEST naming the ones
 * without), then the version is fixed with its content hash and the proposal is `sent`.
 */
export async function sendProposal(ctx: DomainContext, id: string): Promise<ProposalDto> {
  const proposal = await proposalOrNotFound(ctx, id, { forUpdate: true });
  if (proposal.status !== 'draft') {
    if (proposal.status === 'sent' || proposal.status === 'viewed') return getProposal(ctx, id);
    throw new DomainError('PRECONDITION_FAILED', `This proposal was ${proposal.status}; it cannot be sent`);
  }
  const current = await loadVersion(ctx, id, proposal.current_version);
  if (current.dto.lines.length === 0 && current.dto.sections.length === 0) {
    throw new DomainError('BAD_REQUEST', 'This proposal is empty: add a section or a pricing line before sending it', [
      { path: ['sections'], message: 'Empty' },
    ]);
  }
  const sentAt = new Date();
  const values = { ...current.dto.mergeValues, ...builtInValues({ ...current.dto, schedule: current.dto.paymentSchedule }, sentAt) };
  const hash = contentHash({ proposalId: id, version: current.row.n, ...clientContent(current.dto, values), today: values.today });
  const version = await repo.markVersionSent(db(ctx), current.row.id, hash, ctx.actorId);
  if (!version) throw new DomainError('CONFLICT', 'This version was just sent by someone else');
  const updated = await repo.updateProposal(db(ctx), id, { status: 'sent', sent_version: version.n });
  await ctx.emit(proposalSent, { ...eventFields(updated, version), content_hash: hash, sent_by: ctx.actorId }, { aggregateId: id });
  return getProposal(ctx, id);
}

export async function withdrawProposal(ctx: DomainContext, id: string): Promise<ProposalDto> {
  const proposal = await proposalOrNotFound(ctx, id, { forUpdate: true });
  if (proposal.status === 'withdrawn') return getProposal(ctx, id);
  if (!['draft', 'sent', 'viewed'].includes(proposal.status)) {
    throw new DomainError('PRECONDITION_FAILED', `This proposal was ${proposal.status}; it can no longer be withdrawn`);
  }
  const updated = await repo.updateProposal(db(ctx), id, { status: 'withdrawn' });
  const version = await loadVersion(ctx, id, updated.current_version);
  await ctx.emit(proposalWithdrawn, { ...eventFields(updated, version.row), withdrawn_by: ctx.actorId }, { aggregateId: id });
  return getProposal(ctx, id);
}

/** A new draft proposal with the newest version's content, for the same client. */
export async function duplicateProposal(ctx: DomainContext, id: string): Promise<ProposalDto> {
  const proposal = await proposalOrNotFound(ctx, id);
  const { dto } = await loadVersion(ctx, id, proposal.current_version);
  return createProposal(ctx, {
    clientId: proposal.client_id,
    contactId: proposal.contact_id,
    engagementId: proposal.engagement_id,
    projectId: proposal.project_id,
    templateId: null,
    title: `${dto.title} (copy)`.slice(0, 200),
    sections: dto.sections,
    currency: dto.currency,
    lines: dto.lines.map(({ totalMinor: _total, ...line }) => line),
    paymentSchedule: dto.paymentSchedule,
    mergeValues: dto.mergeValues,
    expiresAt: null,
  });
}

export async function listProposals(ctx: DomainContext, input: ListProposalsInput): Promise<ProposalSummaryDto[]> {
  return (await repo.listProposals(db(ctx), input)).map((row) => summaryDto(row, row));
}

// ---------------------------------------------------------------- the client's side (portal)

const CLIENT_VISIBLE = new Set<ProposalRow['status']>(['draft', 'sent', 'viewed', 'accepted', 'declined', 'expired']);

function clientVisible(row: ProposalRow | undefined, clientId: string): row is ProposalRow & { sent_version: number } {
  return !!row && row.client_id === clientId && row.sent_version !== null && CLIENT_VISIBLE.has(row.status);
}

export async function listClientProposals(ctx: DomainContext, clientId: string): Promise<ClientProposalSummaryDto[]> {
  const rows = await repo.listProposals(db(ctx), { clientId, limit: 200, sentOnly: true });
  return rows
    .filter((row) => clientVisible(row, clientId))
    .map((row) => ({
      id: row.id,
      title: row.title,
      status: row.status,
      version: row.sent_version ?? 1,
      currency: row.currency,
      totalMinor: row.total_minor,
      sentAt: row.updated_at,
      expiresAt: row.expires_at,
      acceptedAt: row.accepted_at,
    }));
}

/**
 * The newest sent version as the client reads it (sections filled, escaped HTML). The first
 * read of a sent proposal marks it viewed (`agreements.proposal.viewed`); that changes no version.
 */
export async function getClientProposal(
  ctx: DomainContext,
  input: { clientId: string; proposalId: string; viewerName: string | null },
): Promise<ClientProposalDto> {
  const row = await repo.findProposal(db(ctx), input.proposalId);
  if (!clientVisible(row, input.clientId)) throw new NotFoundError('Proposal', input.proposalId);
  const version = await loadVersion(ctx, row.id, row.sent_version);
  const sentAt = version.row.sent_at ?? new Date();
  const values = { ...version.dto.mergeValues, ...builtInValues({ ...version.dto, schedule: version.dto.paymentSchedule }, sentAt) };
  const content = clientContent(version.dto, values);
  let status = row.status;
  if (row.status === 'sent') {
    const viewed = await repo.markProposalViewed(db(ctx), row.id);
    if (viewed) {
      status = viewed.status;
      await ctx.emit(proposalViewed, { ...eventFields(viewed, version.row), viewer_name: input.viewerName }, { aggregateId: row.id });
    }
  }
  return {
    id: row.id,
    title: content.title,
    status,
    version: version.row.n,
    contentHash: version.row.content_hash ?? '',
    sections: content.sections,
    html: sectionsToHtml(content.sections),
    currency: content.currency,
    lines: content.lines,
    totals: content.totals,
    paymentSchedule: content.paymentSchedule,
    sentAt,
    expiresAt: row.expires_at,
    acceptedAt: row.accepted_at,
    revising: row.current_version !== row.sent_version,
  };
}

/** Why an acceptance or decline did not take, in words the client understands. */
async function refusal(ctx: DomainContext, proposalId: string, clientId: string, hash: string | null): Promise<DomainError> {
  const row = await repo.findProposal(db(ctx), proposalId);
  if (!clientVisible(row, clientId)) return new NotFoundError('Proposal', proposalId);
  if (row.status === 'accepted') return new DomainError('CONFLICT', 'This proposal was already accepted');
  if (row.status === 'declined') return new DomainError('CONFLICT', 'This proposal was already declined');
  if (row.current_version !== row.sent_version || row.status === 'draft') {
    return new DomainError('CONFLICT', 'This proposal is being revised; you can accept it once the new version is sent to you');
  }
  if (row.expires_at && row.expires_at <= new Date()) return new DomainError('PRECONDITION_FAILED', 'This proposal has expired; ask for a new one');
  if (hash !== null) {
    return new DomainError(
      'CONFLICT',
      `The proposal you read (version hash ${hash.slice(0, 12)}…) is not the current version ${row.sent_version}; reload it and read the current version before accepting`,
      [{ path: ['contentHash'], message: 'Not the current version' }],
    );
  }
  return new DomainError('PRECONDITION_FAILED', `This proposal is ${row.status}`);
}

export async function acceptClientProposal(ctx: DomainContext, input: { clientId: string; proposalId: string; contentHash: string; acceptedBy: string }) {
  const accepted = await repo.acceptProposal(db(ctx), {
    id: input.proposalId,
    clientId: input.clientId,
    hash: input.contentHash,
    acceptedBy: input.acceptedBy,
  });
  if (!accepted) throw await refusal(ctx, input.proposalId, input.clientId, input.contentHash);
  const version = await loadVersion(ctx, accepted.id, accepted.accepted_version ?? accepted.current_version);
  const schedule = version.dto.paymentSchedule;
  await ctx.emit(
    proposalAccepted,
    {
      ...eventFields(accepted, version.row),
      content_hash: input.contentHash,
      accepted_by: input.acceptedBy,
      payment_schedule: {
        deposit_percent: schedule.depositPercent,
        milestones: schedule.milestones,
        recurring: schedule.recurring
          ? {
              label: schedule.recurring.label,
              amount_minor: schedule.recurring.amountMinor,
              interval: schedule.recurring.interval,
              count: schedule.recurring.count,
            }
          : null,
      },
      lines: version.dto.lines
        .filter((line) => line.selected)
        .map((line) => ({
          description: line.description,
          quantity: line.quantity,
          unit_price_minor: line.unitPriceMinor,
          total_minor: line.totalMinor,
          tax_rate_bp: line.taxRateBp,
        })),
    },
    { aggregateId: accepted.id },
  );
  return {
    proposalId: accepted.id,
    status: 'accepted' as const,
    version: version.row.n,
    contentHash: input.contentHash,
    acceptedAt: (accepted.accepted_at ?? new Date()).toISOString(),
  };
}

export async function declineClientProposal(ctx: DomainContext, input: { clientId: string; proposalId: string; reason: string | null; declinedBy: string }) {
  const declined = await repo.declineProposal(db(ctx), { id: input.proposalId, clientId: input.clientId, reason: input.reason });
  if (!declined) throw await refusal(ctx, input.proposalId, input.clientId, null);
  const version = await loadVersion(ctx, declined.id, declined.sent_version ?? declined.current_version);
  await ctx.emit(
    proposalDeclined,
    { ...eventFields(declined, version.row), declined_by: input.declinedBy, reason: input.reason },
    { aggregateId: declined.id },
  );
  return { proposalId: declined.id, status: 'declined' as const };
}

/** The accepted version's content, for a contract made from the proposal. */
export async function acceptedContent(ctx: DomainContext, proposalId: string) {
  const row = await proposalOrNotFound(ctx, proposalId);
  if (row.status !== 'accepted' || row.accepted_version === null) {
    throw new DomainError('PRECONDITION_FAILED', `This proposal is ${row.status}; a contract is made from an accepted proposal`);
  }
  const version = await loadVersion(ctx, row.id, row.accepted_version);
  const values: Record<string, string> = {
    ...version.dto.mergeValues,
    ...builtInValues({ ...version.dto, schedule: version.dto.paymentSchedule }, version.row.sent_at ?? new Date()),
  };
  return { proposal: row, version: version.dto, values };
}
