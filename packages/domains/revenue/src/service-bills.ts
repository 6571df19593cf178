import { isDeepStrictEqual } from 'node:util';
import { DomainError, NotFoundError, uuidv7, type ActionRegistry, type DomainContext } from '@ubos/platform';
import {
  billApproved,
  billPaid,
  billReceived,
  billRejected,
  billScheduled,
  billSubmitted,
  billUpdated,
  vendorCreated,
  vendorUpdated,
  type BillDto,
  type BillStatus,
  type BillSummaryDto,
  type CreateBillInput,
  type CreateVendorInput,
  type ListBillsInput,
  type PayBillInput,
  type UpdateBillInput,
  type UpdateVendorInput,
  type VendorDto,
} from './contracts-bills.ts';
import type { BillRow, BillsDB, VendorRow } from './db-bills.ts';
import { describeStep, history, openApproval, voidApproval } from './engine-approvals.ts';
import * as repo from './repository-bills.ts';

/**
 * Money out: vendors and vendor bills (statuses received → pending_approval → approved | rejected
 * → scheduled → paid). Routing and decisions are the approval engine's (engine-approvals.ts);
 * this service applies their outcome to the bill. Every mutation writes its event in the same
 * transaction.
 */

type Actions = Pick<ActionRegistry, 'get'>;

// ---------------------------------------------------------------- vendors

function vendorDto(row: VendorRow): VendorDto {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    taxId: row.tax_id,
    defaultCategory: row.default_category,
    defaultCurrency: row.default_currency,
    archived: row.archived_at !== null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const vendorNameTaken = (name: string) =>
  new DomainError('CONFLICT', `A vendor named "${name}" already exists`, [{ path: ['name'], message: 'This name is taken by another vendor' }]);

export async function createVendor(ctx: DomainContext, input: CreateVendorInput): Promise<VendorDto> {
  const db = ctx.db<BillsDB>();
  const row = await repo.insertVendor(db, {
    id: uuidv7(),
    tenant_id: ctx.tenantId,
    name: input.name,
    email: input.email ?? null,
    tax_id: input.taxId ?? null,
    default_category: input.defaultCategory ?? null,
    default_currency: input.defaultCurrency ?? null,
    created_by: ctx.actorId,
  });
  if (!row) throw vendorNameTaken(input.name);
  await ctx.emit(vendorCreated, { vendor_id: row.id, name: row.name }, { aggregateId: row.id });
  return vendorDto(row);
}

export async function listVendors(ctx: DomainContext, input: { includeArchived: boolean; query?: string | undefined }): Promise<VendorDto[]> {
  return (await repo.listVendors(ctx.db<BillsDB>(), input)).map(vendorDto);
}

export async function updateVendor(ctx: DomainContext, input: UpdateVendorInput): Promise<VendorDto> {
  const db = ctx.db<BillsDB>();
  const current = await repo.findVendor(db, input.id, { forUpdate: true });
  if (!current) throw new NotFoundError('Vendor', input.id);
  const wanted: Partial<VendorRow> = {};
  if (input.name !== undefined) wanted.name = input.name;
  if (input.email !== undefined) wanted.email = input.email;
  if (input.taxId !== undefined) wanted.tax_id = input.taxId;
  if (input.defaultCategory !== undefined) wanted.default_category = input.defaultCategory;
  if (input.defaultCurrency !== undefined) wanted.default_currency = input.defaultCurrency;
  if (input.archived !== undefined && input.archived !== (current.archived_at !== null)) wanted.archived_at = input.archived ? new Date() : null;
  const changed = Object.entries(wanted)
    .filter(([key, value]) => key === 'archived_at' || !isDeepStrictEqual(current[key as keyof VendorRow], value))
    .map(([key]) => key);
  if (changed.length === 0) return vendorDto(current);
  const willBeLive = (wanted.archived_at === undefined ? current.archived_at : wanted.archived_at) === null;
  if (willBeLive && (wanted.name !== undefined || wanted.archived_at === null)) {
    const clash = await repo.findVendorByName(db, wanted.name ?? current.name);
    if (clash && clash.id !== current.id) throw vendorNameTaken(wanted.name ?? current.name);
  }
  const row = await repo.updateVendor(db, current.id, Object.fromEntries(changed.map((key) => [key, wanted[key as keyof VendorRow]])));
  await ctx.emit(vendorUpdated, { vendor_id: row.id, name: row.name, changed, archived: row.archived_at !== null }, { aggregateId: row.id });
  return vendorDto(row);
}

async function liveVendor(ctx: DomainContext, vendorId: string, path: (string | number)[] = ['vendorId']): Promise<VendorRow> {
  const vendor = await repo.findVendor(ctx.db<BillsDB>(), vendorId);
  if (!vendor)
    throw new DomainError('BAD_REQUEST', 'The vendor given is not a vendor of this organization', [{ path, message: 'Not a vendor of this organization' }]);
  if (vendor.archived_at)
    throw new DomainError('BAD_REQUEST', `The vendor "${vendor.name}" is archived; restore it first`, [{ path, message: 'This vendor is archived' }]);
  return vendor;
}

/** For approval rules naming a vendor. */
export async function checkVendor(ctx: DomainContext, vendorId: string, path: (string | number)[]): Promise<void> {
  await liveVendor(ctx, vendorId, path);
}

// ---------------------------------------------------------------- attachments

/**
 * The attachment must be a ready file of this organization in files: asked through files'
 * `files.signDownload` action (files alone reads its tables; the signed URL is discarded).
 */
async function checkAttachment(ctx: DomainContext, actions: Actions, fileId: string | null | undefined): Promise<void> {
  if (!fileId) return;
  const sign = actions.get('files.signDownload');
  if (!sign) throw new DomainError('PRECONDITION_FAILED', 'Attachments are not available on this server.');
  try {
    await sign.run({ fileId }, { ...ctx, idempotencyKey: `revenue-attachment-check:${uuidv7()}` });
  } catch (error) {
    if (error instanceof DomainError && (error.code === 'NOT_FOUND' || error.code === 'PRECONDITION_FAILED')) {
      const message = error.code === 'NOT_FOUND' ? 'The attachment is not a file of this organization' : `The attachment cannot be used: ${error.message}`;
      throw new DomainError('BAD_REQUEST', message, [{ path: ['attachmentFileId'], message }]);
    }
    throw error;
  }
}

// ---------------------------------------------------------------- bills

/** The bill's total in minor units; refused when it would leave the exactly representable range. */
function total(lines: readonly { amountMinor: number }[]): number {
  const sum = lines.reduce((acc, line) => acc + line.amountMinor, 0);
  if (!Number.isSafeInteger(sum))
    throw new DomainError('BAD_REQUEST', 'The lines add up to more than a bill can hold', [{ path: ['lines'], message: 'Total too large' }]);
  return sum;
}

function billRef(bill: BillRow, vendorName: string) {
  return {
    bill_id: bill.id,
    vendor_id: bill.vendor_id,
    vendor_name: vendorName,
    number: bill.number,
    total_minor: bill.total_minor,
    currency: bill.currency,
    version: bill.version,
  };
}

async function duplicateOf(ctx: DomainContext, vendor: VendorRow, number: string): Promise<DomainError> {
  const existing = await repo.findBillByNumber(ctx.db<BillsDB>(), vendor.id, number);
  const words = existing
    ? `${vendor.name} already has bill ${existing.number} (issued ${existing.issue_date}, ${existing.status.replace('_', ' ')}, id ${existing.id}); this looks like the same bill`
    : `${vendor.name} already has a bill numbered ${number}`;
  return new DomainError('CONFLICT', words, [{ path: ['number'], message: existing ? `Duplicate of bill ${existing.id}` : 'Duplicate bill number' }]);
}

export async function createBill(ctx: DomainContext, actions: Actions, input: CreateBillInput): Promise<BillDto> {
  const db = ctx.db<BillsDB>();
  const vendor = await liveVendor(ctx, input.vendorId);
  await checkAttachment(ctx, actions, input.attachmentFileId);
  const row = await repo.insertBill(db, {
    id: uuidv7(),
    tenant_id: ctx.tenantId,
    vendor_id: vendor.id,
    number: input.number,
    issue_date: input.issueDate,
    due_date: input.dueDate ?? null,
    currency: input.currency,
    category: input.category ?? vendor.default_category,
    notes: input.notes ?? null,
    attachment_file_id: input.attachmentFileId ?? null,
    total_minor: total(input.lines),
    created_by: ctx.actorId,
  });
  if (!row) throw await duplicateOf(ctx, vendor, input.number);
  await repo.replaceLines(db, ctx.tenantId, row.id, input.lines);
  await ctx.emit(
    billReceived,
    { ...billRef(row, vendor.name), issue_date: row.issue_date, due_date: row.due_date, category: row.category },
    { aggregateId: row.id },
  );
  return getBill(ctx, row.id);
}

async function stateOf(ctx: DomainContext, billIds: readonly string[]): Promise<Map<string, string>> {
  const steps = await repo.pendingStepsOf(ctx.db<BillsDB>(), billIds);
  return new Map(steps.map((step) => [step.subject_id, describeStep(step, step.step_count ?? 1)]));
}

function summary(row: BillRow & { vendor_name: string }, state: Map<string, string>): BillSummaryDto {
  return {
    id: row.id,
    vendorId: row.vendor_id,
    vendorName: row.vendor_name,
    number: row.number,
    issueDate: row.issue_date,
    dueDate: row.due_date,
    currency: row.currency,
    category: row.category,
    totalMinor: row.total_minor,
    status: row.status as BillStatus,
    version: row.version,
    approvalState: state.get(row.id) ?? null,
    createdAt: row.created_at,
  };
}

export async function getBill(ctx: DomainContext, billId: string): Promise<BillDto> {
  const db = ctx.db<BillsDB>();
  const [row] = await repo.findBills(db, [billId]);
  if (!row) throw new NotFoundError('Bill', billId);
  const [lines, approvals, state] = await Promise.all([repo.listLines(db, billId), history(ctx, 'bill', billId), stateOf(ctx, [billId])]);
  return {
    ...summary(row, state),
    notes: row.notes,
    attachmentFileId: row.attachment_file_id,
    lines: lines.map((line) => ({ position: line.position, description: line.description, amountMinor: line.amount_minor, category: line.category })),
    submittedBy: row.submitted_by,
    submittedAt: row.submitted_at,
    rejectionReason: row.rejection_reason,
    scheduledFor: row.scheduled_for,
    paidAt: row.paid_at,
    paymentReference: row.payment_reference,
    createdBy: row.created_by,
    updatedAt: row.updated_at,
    approvals,
  };
}

export async function listBills(ctx: DomainContext, input: ListBillsInput): Promise<BillSummaryDto[]> {
  const rows = await repo.listBills(ctx.db<BillsDB>(), input);
  const state = await stateOf(
    ctx,
    rows.filter((row) => row.status === 'pending_approval').map((row) => row.id),
  );
  return rows.map((row) => summary(row, state));
}

/** Locks the bill's row for the rest of the transaction (a decision on it; see service-approvals.ts). */
export async function lockBill(ctx: DomainContext, billId: string): Promise<void> {
  await repo.findBill(ctx.db<BillsDB>(), billId, { forUpdate: true });
}

/** Titles of bills for the approval inbox ("Acme Ltd · bill INV-7"). */
export async function billTitles(ctx: DomainContext, billIds: readonly string[]): Promise<Map<string, string>> {
  const rows = await repo.findBills(ctx.db<BillsDB>(), billIds);
  return new Map(rows.map((row) => [row.id, `${row.vendor_name} · bill ${row.number}`]));
}

/** Routes the bill's current version through the policy; no matching rule approves it at once. */
async function route(ctx: DomainContext, bill: BillRow, vendorName: string): Promise<{ bill: BillRow; ruleName: string | null; steps: number }> {
  const opened = await openApproval(ctx, {
    kind: 'bill',
    id: bill.id,
    version: bill.version,
    amountMinor: bill.total_minor,
    currency: bill.currency,
    vendorId: bill.vendor_id,
    category: bill.category,
    submittedBy: ctx.actorId,
  });
  const db = ctx.db<BillsDB>();
  let routed = bill;
  if (opened.status === 'approved') {
    routed = await repo.updateBill(db, bill.id, { status: 'approved' });
  }
  await ctx.emit(
    billSubmitted,
    { ...billRef(routed, vendorName), rule_name: opened.ruleName, steps: opened.steps, submitted_by: ctx.actorId },
    { aggregateId: bill.id },
  );
  if (opened.status === 'approved') {
    await ctx.emit(billApproved, { ...billRef(routed, vendorName), approver_ids: [], automatic: true }, { aggregateId: bill.id });
  }
  return { bill: routed, ruleName: opened.ruleName, steps: opened.steps };
}

/**
 * Submits a received (or rejected) bill for approval. A rejected bill is resubmitted as a new
 * version (a new round; the rejected round stays in the history). Two concurrent submits: the
 * conditional transition lets one through, the other is told the bill is already submitted.
 */
export async function submitBill(ctx: DomainContext, billId: string): Promise<{ bill: BillRow; ruleName: string | null }> {
  const db = ctx.db<BillsDB>();
  const current = await repo.findBill(db, billId, { forUpdate: true });
  if (!current) throw new NotFoundError('Bill', billId);
  const vendor = await repo.findVendor(db, current.vendor_id);
  const moved = await repo.transitionBill(db, billId, ['received', 'rejected'], 'pending_approval', {
    submitted_by: ctx.actorId,
    submitted_at: new Date(),
    rejection_reason: null,
    ...(current.status === 'rejected' ? { version: current.version + 1 } : {}),
  });
  if (!moved) {
    throw new DomainError(
      'PRECONDITION_FAILED',
      `This bill is ${current.status.replace('_', ' ')}; only a received or rejected bill can be submitted for approval`,
    );
  }
  const routed = await route(ctx, moved, vendor?.name ?? '');
  return { bill: routed.bill, ruleName: routed.ruleName };
}

/**
 * Changes a bill. Scheduled and paid bills are closed. A change of what was approved (vendor,
 * currency, category, lines) makes a new version: a bill waiting for approval or approved goes
 * back through the policy (earlier decisions void, the editor is the new submitter); a rejected
 * bill returns to received, to be submitted again.
 */
export async function updateBill(ctx: DomainContext, actions: Actions, input: UpdateBillInput): Promise<BillDto> {
  const db = ctx.db<BillsDB>();
  const current = await repo.findBill(db, input.id, { forUpdate: true });
  if (!current) throw new NotFoundError('Bill', input.id);
  if (current.status === 'scheduled' || current.status === 'paid') {
    throw new DomainError('PRECONDITION_FAILED', `This bill is ${current.status}; a ${current.status} bill cannot be changed`);
  }
  const vendor = input.vendorId && input.vendorId !== current.vendor_id ? await liveVendor(ctx, input.vendorId) : await repo.findVendor(db, current.vendor_id);
  if (!vendor) throw new NotFoundError('Vendor', current.vendor_id);
  if (input.attachmentFileId && input.attachmentFileId !== current.attachment_file_id) await checkAttachment(ctx, actions, input.attachmentFileId);
  const lines = await repo.listLines(db, current.id);
  const linesChanged =
    input.lines !== undefined &&
    !isDeepStrictEqual(
      input.lines.map((line) => [line.description, line.amountMinor, line.category ?? null]),
      lines.map((line) => [line.description, line.amount_minor, line.category]),
    );
  const changes: Partial<BillRow> = {};
  const set = <K extends keyof BillRow>(key: K, value: BillRow[K] | undefined) => {
    if (value !== undefined && !isDeepStrictEqual(current[key], value)) changes[key] = value;
  };
  set('vendor_id', input.vendorId);
  set('number', input.number);
  set('issue_date', input.issueDate);
  set('due_date', input.dueDate);
  set('currency', input.currency);
  set('category', input.category);
  set('notes', input.notes);
  set('attachment_file_id', input.attachmentFileId);
  if (linesChanged && input.lines) set('total_minor', total(input.lines));
  const changed = [...Object.keys(changes), ...(linesChanged ? ['lines'] : [])];
  if (changed.length === 0) return getBill(ctx, current.id);
  const issueDate = changes.issue_date ?? current.issue_date;
  const dueDate = changes.due_date === undefined ? current.due_date : changes.due_date;
  if (dueDate && dueDate < issueDate)
    throw new DomainError('BAD_REQUEST', 'The due date cannot be before the issue date', [{ path: ['dueDate'], message: 'Before the issue date' }]);
  if (changes.vendor_id !== undefined || changes.number !== undefined) {
    const clash = await repo.findBillByNumber(db, changes.vendor_id ?? current.vendor_id, changes.number ?? current.number);
    if (clash && clash.id !== current.id) throw await duplicateOf(ctx, vendor, changes.number ?? current.number);
  }
  const material = changed.some((key) => ['vendor_id', 'currency', 'category', 'lines', 'total_minor'].includes(key));
  const reopen = material && (current.status === 'pending_approval' || current.status === 'approved');
  const nextStatus = material && current.status === 'rejected' ? 'received' : current.status;
  let row = await repo.updateBill(db, current.id, { ...changes, ...(material ? { version: current.version + 1 } : {}), status: nextStatus });
  if (linesChanged && input.lines) await repo.replaceLines(db, ctx.tenantId, current.id, input.lines);
  if (reopen) {
    await voidApproval(ctx, 'bill', current.id);
    row = await repo.updateBill(db, current.id, { status: 'pending_approval', submitted_by: ctx.actorId, submitted_at: new Date() });
  }
  await ctx.emit(billUpdated, { ...billRef(row, vendor.name), changed, reopened: reopen, status: row.status as BillStatus }, { aggregateId: row.id });
  if (reopen) await route(ctx, row, vendor.name);
  return getBill(ctx, current.id);
}

/** Applies a completed approval round to the bill (only the version the round approved). */
export async function applyApprovalOutcome(
  ctx: DomainContext,
  outcome: { subjectId: string; version: number; completed: 'approved' | 'rejected'; approverIds: string[]; decidedBy: string; reason: string | null },
): Promise<void> {
  const db = ctx.db<BillsDB>();
  const to = outcome.completed;
  const moved = await repo.transitionBill(
    db,
    outcome.subjectId,
    ['pending_approval'],
    to,
    to === 'rejected' ? { rejection_reason: outcome.reason } : {},
    outcome.version,
  );
  if (!moved) return;
  const vendor = await repo.findVendor(db, moved.vendor_id);
  const ref = billRef(moved, vendor?.name ?? '');
  if (to === 'approved') await ctx.emit(billApproved, { ...ref, approver_ids: outcome.approverIds, automatic: false }, { aggregateId: moved.id });
  else await ctx.emit(billRejected, { ...ref, rejected_by: outcome.decidedBy, reason: outcome.reason ?? '' }, { aggregateId: moved.id });
}

/**
 * Schedules an approved bill for payment, or records it paid (approved or scheduled). Conditional
 * transitions: paying twice at once pays once; a repeat of the same move is a no-op (`changed`).
 */
export async function payBill(ctx: DomainContext, input: PayBillInput): Promise<{ bill: BillRow; changed: boolean }> {
  const db = ctx.db<BillsDB>();
  const current = await repo.findBill(db, input.id);
  if (!current) throw new NotFoundError('Bill', input.id);
  const vendor = await repo.findVendor(db, current.vendor_id);
  const target = input.action === 'schedule' ? 'scheduled' : 'paid';
  if (current.status === target) return { bill: current, changed: false };
  const from = input.action === 'schedule' ? ['approved'] : ['approved', 'scheduled'];
  const moved =
    input.action === 'schedule'
      ? await repo.transitionBill(db, current.id, from, 'scheduled', { scheduled_for: input.scheduledFor ?? null })
      : await repo.transitionBill(db, current.id, from, 'paid', {
          paid_at: input.paidOn ? new Date(`${input.paidOn}T12:00:00Z`) : new Date(),
          payment_reference: input.reference ?? null,
        });
  if (!moved) {
    const now = await repo.findBill(db, current.id);
    if (now?.status === target) return { bill: now, changed: false };
    throw new DomainError(
      'PRECONDITION_FAILED',
      `This bill is ${(now?.status ?? current.status).replace('_', ' ')}; only an approved${input.action === 'paid' ? ' or scheduled' : ''} bill can be ${target}`,
    );
  }
  const ref = billRef(moved, vendor?.name ?? '');
  if (target === 'scheduled') await ctx.emit(billScheduled, { ...ref, scheduled_for: moved.scheduled_for ?? '' }, { aggregateId: moved.id });
  else
    await ctx.emit(billPaid, { ...ref, paid_at: (moved.paid_at ?? new Date()).toISOString(), reference: moved.payment_reference }, { aggregateId: moved.id });
  return { bill: moved, changed: true };
}
