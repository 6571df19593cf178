import { DomainError, NotFoundError, uuidv7, type DomainContext, type FieldIssue } from '@ubos/platform';
import { checkInvoiceApprover, invoiceNeedsApproval } from './approval.ts';
import {
  accountUpdated,
  invoiceApproved,
  invoiceDrafted,
  invoiceIssued,
  invoiceSettingsUpdated,
  invoiceSubmitted,
  invoiceUpdated,
  invoiceVoided,
  type AccountDto,
  type CreateInvoiceInput,
  type InvoiceDto,
  type InvoiceSettingsDto,
  type InvoiceStatus,
  type InvoiceSummaryDto,
  type ListInvoicesInput,
  type UpdateAccountInput,
  type UpdateInvoiceInput,
  type UpdateInvoiceSettingsInput,
} from './contracts-invoices.ts';
import type { Updateable } from 'kysely';
import type { AccountsTable, InvoiceLineRow, InvoiceRow, InvoiceSettingsRow, InvoiceSettingsTable, RevenueDB } from './db.ts';
import { computeInvoice, type ComputeInvoiceInput, type ComputedInvoice, type Discount, type RoundingLevel, type RoundingMode, type TaxMode } from './money.ts';
import * as repo from './repository-invoices.ts';

/**
 * Invoices (ARCHITECTURE.md §3): drafts are edited freely; issuing assigns the next number of the
 * tenant's sequence in the same transaction (gapless, no duplicates) and freezes the invoice (a
 * trigger refuses any later change of its content); corrections are credit notes
 * (service-payments.ts). Totals always come from computeInvoice.
 */

export const OPEN_STATUSES = ['issued', 'partially_paid'] as const;
const EDITABLE: InvoiceStatus[] = ['draft', 'pending_approval', 'approved'];

/** Today as YYYY-MM-DD in UTC (due dates and overdue are calendar dates). */
export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  const value = new Date(`${date}T00:00:00Z`);
  value.setUTCDate(value.getUTCDate() + days);
  return value.toISOString().slice(0, 10);
}

/** A `date` column as YYYY-MM-DD (pg gives a local-midnight Date unless it was selected as text). */
export function dateText(value: Date | string | null): string | null {
  if (value === null) return null;
  if (typeof value === 'string') return value.slice(0, 10);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${value.getFullYear()}-${pad(value.getMonth() + 1)}-${pad(value.getDate())}`;
}

const minor = (value: number | string | bigint): string => BigInt(value).toString();

// ---------------------------------------------------------------- settings

const DEFAULT_SETTINGS: Omit<InvoiceSettingsDto, 'updatedAt'> = {
  brandName: null,
  currency: 'USD',
  paymentTermsDays: 30,
  roundingLevel: 'line',
  roundingMode: 'halfUp',
  taxMode: 'exclusive',
  needsApproval: false,
  invoicePrefix: 'INV-',
  creditNotePrefix: 'CN-',
  missedPeriods: 'catch_up',
};

function settingsDto(row: InvoiceSettingsRow | undefined): InvoiceSettingsDto {
  if (!row) return { ...DEFAULT_SETTINGS, updatedAt: null };
  return {
    brandName: row.brand_name,
    currency: row.currency,
    paymentTermsDays: row.payment_terms_days,
    roundingLevel: row.rounding_level as RoundingLevel,
    roundingMode: row.rounding_mode as RoundingMode,
    taxMode: row.tax_mode as TaxMode,
    needsApproval: row.needs_approval,
    invoicePrefix: row.invoice_prefix,
    creditNotePrefix: row.credit_note_prefix,
    missedPeriods: row.missed_periods === 'skip' ? 'skip' : 'catch_up',
    updatedAt: row.updated_at,
  };
}

/** Read once per DomainContext (one transaction): issuing reads them several times. */
const settingsOfContext = new WeakMap<DomainContext, Promise<InvoiceSettingsDto>>();

export async function getInvoiceSettings(ctx: DomainContext): Promise<InvoiceSettingsDto> {
  let settings = settingsOfContext.get(ctx);
  if (!settings) {
    settings = repo.findInvoiceSettings(ctx.db<RevenueDB>()).then(settingsDto);
    settingsOfContext.set(ctx, settings);
  }
  return settings;
}

const SETTING_COLUMNS = {
  brandName: 'brand_name',
  currency: 'currency',
  paymentTermsDays: 'payment_terms_days',
  roundingLevel: 'rounding_level',
  roundingMode: 'rounding_mode',
  taxMode: 'tax_mode',
  needsApproval: 'needs_approval',
  invoicePrefix: 'invoice_prefix',
  creditNotePrefix: 'credit_note_prefix',
  missedPeriods: 'missed_periods',
} as const;

export async function updateInvoiceSettings(ctx: DomainContext, input: UpdateInvoiceSettingsInput): Promise<InvoiceSettingsDto> {
  const db = ctx.db<RevenueDB>();
  const current = settingsDto(await repo.findInvoiceSettings(db));
  const changes: Updateable<InvoiceSettingsTable> = {};
  const changed: string[] = [];
  for (const [key, column] of Object.entries(SETTING_COLUMNS) as [keyof typeof SETTING_COLUMNS, string][]) {
    const value = input[key];
    if (value === undefined || value === current[key]) continue;
    Object.assign(changes, { [column]: value });
    changed.push(key);
  }
  if (changed.length === 0) return current;
  const row = await repo.upsertInvoiceSettings(db, ctx.tenantId, changes, ctx.actorId);
  settingsOfContext.delete(ctx);
  await ctx.emit(invoiceSettingsUpdated, { changed_keys: changed, updated_by: ctx.actorId }, { aggregateId: ctx.tenantId });
  return settingsDto(row);
}

// ---------------------------------------------------------------- billing accounts

export async function getAccount(ctx: DomainContext, clientId: string): Promise<AccountDto> {
  const db = ctx.db<RevenueDB>();
  await ctx.requireReferences([{ kind: 'crm.client', id: clientId, path: ['clientId'], label: 'client' }]);
  const [settings, row, credit] = [await getInvoiceSettings(ctx), await repo.findAccount(db, clientId), await repo.clientCredit(db, clientId)];
  return {
    clientId,
    billingName: row?.billing_name ?? null,
    billingEmail: row?.billing_email ?? null,
    billingContactId: row?.billing_contact_id ?? null,
    currency: row?.currency ?? settings.currency,
    paymentTermsDays: row?.payment_terms_days ?? settings.paymentTermsDays,
    taxIds: row?.tax_ids ?? [],
    address: row?.address ?? null,
    credit,
    updatedAt: row?.updated_at ?? null,
  };
}

const ACCOUNT_COLUMNS = {
  billingName: 'billing_name',
  billingEmail: 'billing_email',
  billingContactId: 'billing_contact_id',
  currency: 'currency',
  paymentTermsDays: 'payment_terms_days',
  taxIds: 'tax_ids',
  address: 'address',
} as const;

export async function updateAccount(ctx: DomainContext, input: UpdateAccountInput): Promise<AccountDto> {
  await ctx.requireReferences([
    { kind: 'crm.client', id: input.clientId, path: ['clientId'], label: 'client' },
    { kind: 'crm.contact', id: input.billingContactId, path: ['billingContactId'], label: 'billing contact' },
  ]);
  const changes: Updateable<AccountsTable> = {};
  const changed: string[] = [];
  for (const [key, column] of Object.entries(ACCOUNT_COLUMNS) as [keyof typeof ACCOUNT_COLUMNS, string][]) {
    const value = input[key];
    if (value === undefined) continue;
    Object.assign(changes, { [column]: key === 'taxIds' || key === 'address' ? (value === null ? null : JSON.stringify(value)) : value });
    changed.push(key);
  }
  if (changed.length > 0) {
    await repo.upsertAccount(ctx.db<RevenueDB>(), { tenant_id: ctx.tenantId, client_id: input.clientId, updated_by: ctx.actorId }, changes);
    await ctx.emit(accountUpdated, { client_id: input.clientId, changed_keys: changed, updated_by: ctx.actorId }, { aggregateId: input.clientId });
  }
  return getAccount(ctx, input.clientId);
}

// ---------------------------------------------------------------- computing

interface InvoiceContent {
  currency: string;
  taxMode: TaxMode;
  rounding: { level: RoundingLevel; mode: RoundingMode };
  taxes: { id: string; name: string; rate: string; compound: boolean }[];
  documentTaxIds: string[];
  discount: Discount | null;
  lines: { description: string; quantity: string; unitPrice: string; discount: Discount | null; taxIds: string[] }[];
}

function computeInput(content: InvoiceContent): ComputeInvoiceInput {
  return {
    currency: content.currency,
    lines: content.lines.map((line) => ({ quantity: line.quantity, unitPrice: line.unitPrice, discount: line.discount, taxIds: line.taxIds })),
    discount: content.discount,
    taxes: content.taxes,
    documentTaxIds: content.documentTaxIds,
    taxMode: content.taxMode,
    rounding: content.rounding,
  };
}

/** computeInvoice, its RangeError turned into a BAD_REQUEST a person can read. */
export function compute(content: InvoiceContent): ComputedInvoice {
  try {
    return computeInvoice(computeInput(content));
  } catch (error) {
    if (error instanceof RangeError) throw new DomainError('BAD_REQUEST', error.message, [{ path: ['lines'], message: error.message }]);
    throw error;
  }
}

/** The stored invoice as computeInvoice's input (quantities are numeric(18,6) text). */
export function contentOf(row: InvoiceRow, lines: readonly InvoiceLineRow[]): InvoiceContent {
  return {
    currency: row.currency,
    taxMode: row.tax_mode as TaxMode,
    rounding: { level: row.rounding_level as RoundingLevel, mode: row.rounding_mode as RoundingMode },
    taxes: row.taxes,
    documentTaxIds: row.document_tax_ids,
    discount: row.discount,
    lines: lines.map((line) => ({
      description: line.description,
      quantity: trimQuantity(line.quantity),
      unitPrice: minor(line.unit_price_minor),
      discount: line.discount,
      taxIds: line.tax_ids,
    })),
  };
}

function trimQuantity(value: string): string {
  return value.includes('.') ? value.replace(/0+$/, '').replace(/\.$/, '') : value;
}

function normalizeDiscount(discount: { kind: 'percent'; percent: string } | { kind: 'amount'; amount: string } | null | undefined): Discount | null {
  if (!discount) return null;
  return discount.kind === 'percent' ? { kind: 'percent', percent: discount.percent } : { kind: 'amount', amount: discount.amount };
}

function taxIssues(content: InvoiceContent): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const ids = content.taxes.map((tax) => tax.id);
  const known = new Set(ids);
  ids.forEach((id, index) => {
    if (ids.indexOf(id) !== index) issues.push({ path: ['taxes', index, 'id'], message: `Tax "${id}" is defined twice` });
  });
  content.documentTaxIds.forEach((id, index) => {
    if (!known.has(id)) issues.push({ path: ['documentTaxIds', index], message: `Tax "${id}" is not one of the invoice's taxes` });
  });
  content.lines.forEach((line, lineIndex) => {
    line.taxIds.forEach((id, index) => {
      if (!known.has(id)) issues.push({ path: ['lines', lineIndex, 'taxIds', index], message: `Tax "${id}" is not one of the invoice's taxes` });
    });
  });
  return issues;
}

function lineRows(ctx: DomainContext, invoiceId: string, content: InvoiceContent, computed: ComputedInvoice) {
  return content.lines.map((line, position) => ({
    id: uuidv7(),
    tenant_id: ctx.tenantId,
    invoice_id: invoiceId,
    position,
    description: line.description,
    quantity: line.quantity,
    unit_price_minor: line.unitPrice,
    discount: line.discount ? JSON.stringify(line.discount) : null,
    tax_ids: JSON.stringify(line.taxIds),
    net_minor: (computed.lines[position]?.net ?? 0n).toString(),
  }));
}

function totalsColumns(computed: ComputedInvoice) {
  return {
    subtotal_minor: computed.subtotal.toString(),
    discount_minor: computed.documentDiscount.toString(),
    tax_minor: computed.taxTotal.toString(),
    total_minor: computed.total.toString(),
  };
}

// ---------------------------------------------------------------- DTOs

export function isOverdue(row: Pick<InvoiceRow, 'status' | 'due_date'>, on: string = today()): boolean {
  const due = dateText(row.due_date);
  return (row.status === 'issued' || row.status === 'partially_paid') && due !== null && due < on;
}

export function summaryDto(row: InvoiceRow): InvoiceSummaryDto {
  return {
    id: row.id,
    clientId: row.client_id,
    status: row.status as InvoiceStatus,
    number: row.number,
    currency: row.currency,
    issueDate: dateText(row.issue_date),
    dueDate: dateText(row.due_date),
    overdue: isOverdue(row),
    totals: {
      subtotal: minor(row.subtotal_minor),
      discount: minor(row.discount_minor),
      tax: minor(row.tax_minor),
      total: minor(row.total_minor),
      paid: minor(row.paid_minor),
      credited: minor(row.credited_minor),
      balance: minor(row.balance_minor),
    },
    planId: row.plan_id,
    engagementId: row.engagement_id,
    createdAt: row.created_at,
  };
}

export function invoiceDto(row: InvoiceRow, lines: readonly InvoiceLineRow[]): InvoiceDto {
  const computed = compute(contentOf(row, lines));
  return {
    ...summaryDto(row),
    taxMode: row.tax_mode as TaxMode,
    rounding: { level: row.rounding_level as RoundingLevel, mode: row.rounding_mode as RoundingMode },
    taxes: row.taxes,
    documentTaxIds: row.document_tax_ids,
    discount: row.discount,
    notes: row.notes,
    paymentTermsDays: row.payment_terms_days,
    lines: lines.map((line) => ({
      id: line.id,
      position: line.position,
      description: line.description,
      quantity: trimQuantity(line.quantity),
      unitPrice: minor(line.unit_price_minor),
      discount: line.discount,
      taxIds: line.tax_ids,
      net: minor(line.net_minor),
    })),
    taxBreakdown: computed.taxes.map((tax) => ({ taxId: tax.taxId, name: tax.name, rate: tax.rate, compound: tax.compound, amount: tax.amount.toString() })),
    planPeriod: row.plan_period,
    pdfFileId: row.pdf_file_id,
    version: row.version,
    updatedAt: row.updated_at,
    submittedBy: row.submitted_by,
    approvedBy: row.approved_by,
    approvedAt: row.approved_at,
    issuedAt: row.issued_at,
    sentAt: row.sent_at,
    voidedAt: row.voided_at,
    voidReason: row.void_reason,
  };
}

const eventRef = (row: InvoiceRow) => ({ invoice_id: row.id, client_id: row.client_id, currency: row.currency, total_minor: minor(row.total_minor) });

// ---------------------------------------------------------------- procedures

export async function loadInvoice(ctx: DomainContext, id: string, options: { forUpdate?: boolean } = {}): Promise<InvoiceRow> {
  const row = await repo.findInvoice(ctx.db<RevenueDB>(), id, options);
  if (!row) throw new NotFoundError('Invoice', id);
  return row;
}

export async function getInvoice(ctx: DomainContext, id: string): Promise<InvoiceDto> {
  const row = await loadInvoice(ctx, id);
  return invoiceDto(row, await repo.findLines(ctx.db<RevenueDB>(), id));
}

export async function listInvoices(ctx: DomainContext, input: ListInvoicesInput): Promise<{ items: InvoiceSummaryDto[]; nextCursor: string | null }> {
  const rows = await repo.listInvoices(ctx.db<RevenueDB>(), {
    ...(input.status ? { status: input.status } : {}),
    ...(input.clientId ? { clientId: input.clientId } : {}),
    ...(input.overdue ? { overdueOn: today() } : {}),
    ...(input.cursor ? { cursor: input.cursor } : {}),
    limit: input.limit,
  });
  const page = rows.slice(0, input.limit);
  return { items: page.map(summaryDto), nextCursor: rows.length > input.limit ? (page.at(-1)?.id ?? null) : null };
}

export interface DraftOrigin {
  planId: string;
  planPeriod: string;
}

/** A new draft; `origin` marks an invoice made by a plan for one period (unique per plan and period). */
export async function createInvoice(ctx: DomainContext, input: CreateInvoiceInput, origin: DraftOrigin | null = null): Promise<InvoiceDto> {
  const db = ctx.db<RevenueDB>();
  await ctx.requireReferences([
    { kind: 'crm.client', id: input.clientId, path: ['clientId'], label: 'client' },
    { kind: 'crm.engagement', id: input.engagementId, path: ['engagementId'], label: 'engagement' },
  ]);
  const settings = await getInvoiceSettings(ctx);
  const account = await repo.findAccount(db, input.clientId);
  const content: InvoiceContent = {
    currency: input.currency ?? account?.currency ?? settings.currency,
    taxMode: input.taxMode ?? settings.taxMode,
    rounding: { level: settings.roundingLevel, mode: settings.roundingMode },
    taxes: input.taxes,
    documentTaxIds: input.documentTaxIds,
    discount: normalizeDiscount(input.discount),
    lines: input.lines.map((line) => ({
      description: line.description,
      quantity: line.quantity,
      unitPrice: line.unitPrice,
      discount: normalizeDiscount(line.discount),
      taxIds: line.taxIds,
    })),
  };
  const issues = taxIssues(content);
  if (issues.length > 0) throw new DomainError('BAD_REQUEST', issues[0]?.message ?? 'Invalid taxes', issues);
  const computed = compute(content);
  const id = uuidv7();
  const row = await repo.insertInvoice(db, {
    id,
    tenant_id: ctx.tenantId,
    client_id: input.clientId,
    currency: content.currency,
    tax_mode: content.taxMode,
    rounding_level: content.rounding.level,
    rounding_mode: content.rounding.mode,
    taxes: JSON.stringify(content.taxes),
    document_tax_ids: JSON.stringify(content.documentTaxIds),
    discount: content.discount ? JSON.stringify(content.discount) : null,
    notes: input.notes ?? null,
    payment_terms_days: input.paymentTermsDays ?? account?.payment_terms_days ?? settings.paymentTermsDays,
    ...totalsColumns(computed),
    plan_id: origin?.planId ?? null,
    plan_period: origin?.planPeriod ?? null,
    engagement_id: input.engagementId ?? null,
    created_by: ctx.actorId,
  });
  await repo.insertLines(db, lineRows(ctx, id, content, computed));
  await ctx.emit(invoiceDrafted, { ...eventRef(row), plan_id: row.plan_id, engagement_id: row.engagement_id, created_by: ctx.actorId }, { aggregateId: id });
  return invoiceDto(row, await repo.findLines(db, id));
}

function notEditable(row: InvoiceRow): DomainError {
  return row.status === 'void'
    ? new DomainError('PRECONDITION_FAILED', 'This invoice is void and cannot be changed')
    : new DomainError('PRECONDITION_FAILED', `Invoice ${row.number ?? ''} is issued and cannot be changed: correct it with a credit note`.replace('  ', ' '));
}

/**
 * Replaces a draft's content. Editing an invoice waiting for or holding an approval sends it back
 * to draft: an approval is for the content approved.
 */
export async function updateInvoice(ctx: DomainContext, input: UpdateInvoiceInput): Promise<InvoiceDto> {
  const db = ctx.db<RevenueDB>();
  const row = await loadInvoice(ctx, input.id, { forUpdate: true });
  if (!EDITABLE.includes(row.status as InvoiceStatus)) throw notEditable(row);
  if (input.version !== undefined && input.version !== row.version) {
    throw new DomainError('CONFLICT', 'Someone else changed this invoice since you opened it: reload it and try again', [
      { path: ['version'], message: 'Stale version' },
    ]);
  }
  if (input.clientId && input.clientId !== row.client_id)
    await ctx.requireReferences([{ kind: 'crm.client', id: input.clientId, path: ['clientId'], label: 'client' }]);
  const current = contentOf(row, await repo.findLines(db, row.id));
  const content: InvoiceContent = {
    ...current,
    ...(input.currency ? { currency: input.currency } : {}),
    ...(input.taxMode ? { taxMode: input.taxMode } : {}),
    ...(input.taxes ? { taxes: input.taxes } : {}),
    ...(input.documentTaxIds ? { documentTaxIds: input.documentTaxIds } : {}),
    ...(input.discount !== undefined ? { discount: normalizeDiscount(input.discount) } : {}),
    ...(input.lines
      ? {
          lines: input.lines.map((line) => ({
            description: line.description,
            quantity: line.quantity,
            unitPrice: line.unitPrice,
            discount: normalizeDiscount(line.discount),
            taxIds: line.taxIds,
          })),
        }
      : {}),
  };
  const issues = taxIssues(content);
  if (issues.length > 0) throw new DomainError('BAD_REQUEST', issues[0]?.message ?? 'Invalid taxes', issues);
  const computed = compute(content);
  const updated = await repo.updateInvoiceWhere(db, row.id, EDITABLE, {
    status: 'draft',
    client_id: input.clientId ?? row.client_id,
    currency: content.currency,
    tax_mode: content.taxMode,
    taxes: JSON.stringify(content.taxes),
    document_tax_ids: JSON.stringify(content.documentTaxIds),
    discount: content.discount ? JSON.stringify(content.discount) : null,
    notes: input.notes !== undefined ? input.notes : row.notes,
    payment_terms_days: input.paymentTermsDays ?? row.payment_terms_days,
    ...totalsColumns(computed),
    version: row.version + 1,
    submitted_by: null,
    approved_by: null,
    approved_at: null,
  });
  if (!updated) throw notEditable(row);
  // Line nets depend on the rounding too: the lines are rewritten with the content.
  await repo.replaceLines(db, row.id, lineRows(ctx, row.id, content, computed));
  await ctx.emit(invoiceUpdated, { ...eventRef(updated), version: updated.version, updated_by: ctx.actorId }, { aggregateId: row.id });
  return invoiceDto(updated, await repo.findLines(db, row.id));
}

export async function submitForApproval(ctx: DomainContext, id: string): Promise<InvoiceDto> {
  const db = ctx.db<RevenueDB>();
  const row = await loadInvoice(ctx, id, { forUpdate: true });
  if (row.status !== 'draft')
    throw new DomainError(
      'PRECONDITION_FAILED',
      row.status === 'pending_approval' ? 'This invoice is already waiting for approval' : 'Only a draft can be submitted for approval',
    );
  if (!(await invoiceNeedsApproval(ctx, row)))
    throw new DomainError('PRECONDITION_FAILED', 'Invoices of this organization need no approval: issue it directly');
  const updated = await repo.updateInvoiceWhere(db, id, ['draft'], { status: 'pending_approval', submitted_by: ctx.actorId });
  if (!updated) throw new DomainError('CONFLICT', 'The invoice changed meanwhile: reload it');
  await ctx.emit(invoiceSubmitted, { ...eventRef(updated), submitted_by: ctx.actorId }, { aggregateId: id });
  return invoiceDto(updated, await repo.findLines(db, id));
}

export async function approveInvoice(ctx: DomainContext, id: string): Promise<InvoiceDto> {
  const db = ctx.db<RevenueDB>();
  const row = await loadInvoice(ctx, id, { forUpdate: true });
  if (row.status !== 'pending_approval') throw new DomainError('PRECONDITION_FAILED', 'Only an invoice waiting for approval can be approved');
  await checkInvoiceApprover(ctx, row);
  const updated = await repo.updateInvoiceWhere(db, id, ['pending_approval'], { status: 'approved', approved_by: ctx.actorId, approved_at: new Date() });
  if (!updated) throw new DomainError('CONFLICT', 'The invoice changed meanwhile: reload it');
  await ctx.emit(invoiceApproved, { ...eventRef(updated), approved_by: ctx.actorId }, { aggregateId: id });
  return invoiceDto(updated, await repo.findLines(db, id));
}

/**
 * Issues a draft (or an approved invoice when the tenant wants approvals): takes the next number
 * of the tenant's invoice sequence in this transaction, fixes issue and due dates and freezes it.
 */
export async function issueInvoice(ctx: DomainContext, id: string, issueDate: string = today()): Promise<InvoiceDto> {
  const db = ctx.db<RevenueDB>();
  const row = await loadInvoice(ctx, id, { forUpdate: true });
  if (!EDITABLE.includes(row.status as InvoiceStatus))
    throw new DomainError('PRECONDITION_FAILED', row.status === 'void' ? 'This invoice is void' : `Invoice ${row.number} is already issued`);
  if (row.status !== 'approved' && (await invoiceNeedsApproval(ctx, row))) {
    throw new DomainError('PRECONDITION_FAILED', 'This invoice needs an approval before it is issued: submit it for approval');
  }
  const lines = await repo.findLines(db, id);
  if (lines.length === 0) throw new DomainError('BAD_REQUEST', 'Add at least one line before issuing the invoice', [{ path: ['lines'], message: 'No lines' }]);
  const settings = await getInvoiceSettings(ctx);
  const seq = await repo.nextNumber(db, ctx.tenantId, row.sequence);
  const number = `${settings.invoicePrefix}${seq.toString().padStart(4, '0')}`;
  const updated = await repo.updateInvoiceWhere(db, id, EDITABLE, {
    status: 'issued',
    seq: seq.toString(),
    number,
    issue_date: issueDate,
    due_date: addDays(issueDate, row.payment_terms_days),
    issued_at: new Date(),
  });
  if (!updated) throw new DomainError('CONFLICT', 'The invoice changed meanwhile: reload it');
  await ctx.emit(
    invoiceIssued,
    {
      ...eventRef(updated),
      number,
      issue_date: issueDate,
      due_date: dateText(updated.due_date) ?? issueDate,
      plan_id: updated.plan_id,
      issued_by: ctx.actorId,
    },
    { aggregateId: id },
  );
  return invoiceDto(updated, lines);
}

/** Voids an invoice nothing was paid on (a payment must be refunded first). An issued number stays used. */
export async function voidInvoice(ctx: DomainContext, id: string, reason: string): Promise<InvoiceDto> {
  const db = ctx.db<RevenueDB>();
  const row = await loadInvoice(ctx, id, { forUpdate: true });
  if (row.status === 'void') throw new DomainError('PRECONDITION_FAILED', 'This invoice is already void');
  if (BigInt(row.paid_minor) > 0n || row.status === 'paid')
    throw new DomainError('PRECONDITION_FAILED', 'Payments were recorded on this invoice: refund them or issue a credit note instead');
  const updated = await repo.updateInvoiceWhere(db, id, ['draft', 'pending_approval', 'approved', 'issued', 'partially_paid'], {
    status: 'void',
    voided_at: new Date(),
    void_reason: reason,
  });
  if (!updated) throw new DomainError('CONFLICT', 'The invoice changed meanwhile: reload it');
  await ctx.emit(invoiceVoided, { ...eventRef(updated), number: updated.number, reason, voided_by: ctx.actorId }, { aggregateId: id });
  return invoiceDto(updated, await repo.findLines(db, id));
}
