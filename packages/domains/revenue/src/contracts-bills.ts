// Public contracts of money out (vendors, vendor bills) and of the approval engine
// (ARCHITECTURE.md §2): event payloads (snake_case), procedure inputs and DTOs (camelCase).
// Money is integer minor units (safe integers) + ISO 4217 currency.
import { defineEvent } from '@ubos/platform';
import { z } from 'zod';

// ---------------------------------------------------------------- shared shapes

const id = z.uuid();
const isoDate = z.iso.date();
export const currencySchema = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{3}$/, 'Use a three-letter ISO currency code, such as USD or EUR');
export const minorAmountSchema = z.number().int('Amounts are whole minor units (cents), not decimals').min(0).max(Number.MAX_SAFE_INTEGER);
const categorySchema = z.string().trim().min(1).max(100);

export const billStatusSchema = z.enum(['received', 'pending_approval', 'approved', 'rejected', 'scheduled', 'paid']);
export type BillStatus = z.infer<typeof billStatusSchema>;

/** What an approval is about: bills now; invoices use the same engine through the same seam. */
export const approvalSubjectKindSchema = z.enum(['bill', 'invoice']);
export type ApprovalSubjectKind = z.infer<typeof approvalSubjectKindSchema>;

/** Roles that may hold an approval step (viewers cannot decide). A role is met by it or a higher one. */
export const approverRoleSchema = z.enum(['owner', 'admin', 'member']);
export type ApproverRole = z.infer<typeof approverRoleSchema>;

/** One ordered step: N distinct members of a role, or named users (any one of them, or all of them). */
export const approvalStepSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('role'), role: approverRoleSchema, count: z.number().int().min(1).max(10).default(1) }),
  z.strictObject({
    kind: z.literal('users'),
    userIds: z.array(id).min(1, 'Name at least one approver').max(20),
    mode: z.enum(['any', 'all']),
  }),
]);
export type ApprovalStep = z.infer<typeof approvalStepSchema>;

export const approvalRuleSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(120),
    /** Amount band [minMinor, maxMinor) in minor units; open ends when null. */
    minMinor: minorAmountSchema.nullable().default(null),
    maxMinor: minorAmountSchema.nullable().default(null),
    /** The band's currency; null matches any currency. */
    currency: currencySchema.nullable().default(null),
    vendorId: id.nullable().default(null),
    category: categorySchema.nullable().default(null),
    /** Empty: what matches this rule needs no approval. */
    steps: z.array(approvalStepSchema).max(10),
  })
  .refine((rule) => rule.minMinor === null || rule.maxMinor === null || rule.minMinor < rule.maxMinor, {
    message: 'The lower bound of the amount band must be below its upper bound',
    path: ['maxMinor'],
  });
export type ApprovalRule = z.infer<typeof approvalRuleSchema>;

// ---------------------------------------------------------------- inputs

export const createVendorInput = z.strictObject({
  name: z.string().trim().min(1).max(200),
  email: z.email().nullable().optional(),
  taxId: z.string().trim().min(1).max(60).nullable().optional(),
  defaultCategory: categorySchema.nullable().optional(),
  defaultCurrency: currencySchema.nullable().optional(),
});
export type CreateVendorInput = z.infer<typeof createVendorInput>;

export const updateVendorInput = z
  .strictObject({
    id,
    name: createVendorInput.shape.name.optional(),
    email: createVendorInput.shape.email,
    taxId: createVendorInput.shape.taxId,
    defaultCategory: createVendorInput.shape.defaultCategory,
    defaultCurrency: createVendorInput.shape.defaultCurrency,
    archived: z.boolean().optional(),
  })
  .refine((input) => Object.entries(input).some(([key, value]) => key !== 'id' && value !== undefined), { message: 'Change at least one field' });
export type UpdateVendorInput = z.infer<typeof updateVendorInput>;

export const listVendorsInput = z
  .strictObject({ includeArchived: z.boolean().default(false), query: z.string().trim().max(200).optional() })
  .default({ includeArchived: false });

export const billLineInput = z.strictObject({
  description: z.string().trim().min(1).max(500),
  amountMinor: minorAmountSchema,
  category: categorySchema.nullable().optional(),
});
export type BillLineInput = z.infer<typeof billLineInput>;

const billFields = {
  vendorId: id,
  number: z.string().trim().min(1, 'Give the number printed on the bill').max(100),
  issueDate: isoDate,
  dueDate: isoDate.nullable().optional(),
  currency: currencySchema,
  category: categorySchema.nullable().optional(),
  notes: z.string().trim().max(5000).nullable().optional(),
  /** A file already uploaded through files (its id); checked to exist and be ready. */
  attachmentFileId: id.nullable().optional(),
  lines: z.array(billLineInput).min(1, 'A bill needs at least one line').max(200),
};

export const createBillInput = z
  .strictObject(billFields)
  .refine((input) => !input.dueDate || input.dueDate >= input.issueDate, { message: 'The due date cannot be before the issue date', path: ['dueDate'] });
export type CreateBillInput = z.infer<typeof createBillInput>;

export const updateBillInput = z
  .strictObject({
    id,
    vendorId: billFields.vendorId.optional(),
    number: billFields.number.optional(),
    issueDate: billFields.issueDate.optional(),
    dueDate: billFields.dueDate,
    currency: billFields.currency.optional(),
    category: billFields.category,
    notes: billFields.notes,
    attachmentFileId: billFields.attachmentFileId,
    lines: billFields.lines.optional(),
  })
  .refine((input) => Object.entries(input).some(([key, value]) => key !== 'id' && value !== undefined), { message: 'Change at least one field' });
export type UpdateBillInput = z.infer<typeof updateBillInput>;

export const listBillsInput = z
  .strictObject({
    status: billStatusSchema.optional(),
    vendorId: id.optional(),
    limit: z.number().int().min(1).max(200).default(50),
  })
  .default({ limit: 50 });
export type ListBillsInput = z.infer<typeof listBillsInput>;

export const payBillInput = z
  .strictObject({
    id,
    /** 'schedule' an approved bill for a date, or record it 'paid' (approved or scheduled). */
    action: z.enum(['schedule', 'paid']),
    scheduledFor: isoDate.optional(),
    paidOn: isoDate.optional(),
    reference: z.string().trim().min(1).max(200).nullable().optional(),
  })
  .refine((input) => input.action !== 'schedule' || input.scheduledFor !== undefined, {
    message: 'Give the date the bill is to be paid',
    path: ['scheduledFor'],
  });
export type PayBillInput = z.infer<typeof payBillInput>;

export const setPoliciesInput = z.strictObject({
  subjectKind: approvalSubjectKindSchema,
  /** Hours a step may wait before its approvers are reminded (once). */
  reminderHours: z.number().int().min(1).max(720).default(24),
  /** Tried in order; the first that matches decides the steps. No match: no approval needed. */
  rules: z.array(approvalRuleSchema).max(50),
});
export type SetPoliciesInput = z.infer<typeof setPoliciesInput>;

export const listPoliciesInput = z.strictObject({ subjectKind: approvalSubjectKindSchema.default('bill') }).default({ subjectKind: 'bill' });

export const decideInput = z
  .strictObject({
    subjectKind: approvalSubjectKindSchema,
    subjectId: id,
    /** The version the approver looked at: a decision on an older version is refused. */
    version: z.number().int().min(1),
    /** The step the approver saw (from the inbox); a decision meant for a step another approver already completed is refused. */
    stepId: id.optional(),
    decision: z.enum(['approve', 'reject']),
    reason: z.string().trim().min(1).max(2000).optional(),
  })
  .refine((input) => input.decision === 'approve' || input.reason !== undefined, { message: 'Say why the bill is rejected', path: ['reason'] });
export type DecideInput = z.infer<typeof decideInput>;

export const createDelegationInput = z
  .strictObject({
    /** Whose approvals are delegated; default the signed-in member. Managers may name another member. */
    fromMember: id.optional(),
    toMember: id,
    startsOn: isoDate,
    endsOn: isoDate,
    note: z.string().trim().max(500).optional(),
  })
  .refine((input) => input.endsOn >= input.startsOn, { message: 'The delegation cannot end before it starts', path: ['endsOn'] });
export type CreateDelegationInput = z.infer<typeof createDelegationInput>;

// ---------------------------------------------------------------- DTOs

export const vendorDto = z.object({
  id,
  name: z.string(),
  email: z.string().nullable(),
  taxId: z.string().nullable(),
  defaultCategory: z.string().nullable(),
  defaultCurrency: z.string().nullable(),
  archived: z.boolean(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type VendorDto = z.infer<typeof vendorDto>;

export const billLineDto = z.object({ position: z.number().int(), description: z.string(), amountMinor: z.number().int(), category: z.string().nullable() });

export const approvalDecisionDto = z.object({
  id,
  approverId: id,
  decidedBy: id,
  decision: z.enum(['approve', 'reject']),
  reason: z.string().nullable(),
  version: z.number().int(),
  createdAt: z.date(),
});
export type ApprovalDecisionDto = z.infer<typeof approvalDecisionDto>;

export const approvalStepDto = z.object({
  id,
  position: z.number().int(),
  kind: z.enum(['role', 'users']),
  role: approverRoleSchema.nullable(),
  userIds: z.array(id),
  mode: z.enum(['any', 'all']),
  required: z.number().int(),
  status: z.enum(['waiting', 'pending', 'approved', 'rejected', 'void']),
  decisions: z.array(approvalDecisionDto),
});
export type ApprovalStepDto = z.infer<typeof approvalStepDto>;

export const approvalRequestDto = z.object({
  id,
  version: z.number().int(),
  ruleName: z.string(),
  amountMinor: z.number().int(),
  currency: z.string(),
  status: z.enum(['pending', 'approved', 'rejected', 'void']),
  submittedBy: id.nullable(),
  createdAt: z.date(),
  completedAt: z.date().nullable(),
  steps: z.array(approvalStepDto),
});
export type ApprovalRequestDto = z.infer<typeof approvalRequestDto>;

export const billSummaryDto = z.object({
  id,
  vendorId: id,
  vendorName: z.string(),
  number: z.string(),
  issueDate: z.string(),
  dueDate: z.string().nullable(),
  currency: z.string(),
  category: z.string().nullable(),
  totalMinor: z.number().int(),
  status: billStatusSchema,
  version: z.number().int(),
  /** The step waiting for a decision, in words ("Step 2 of 2: any one of 2 people"), when pending. */
  approvalState: z.string().nullable(),
  createdAt: z.date(),
});
export type BillSummaryDto = z.infer<typeof billSummaryDto>;

export const billDto = billSummaryDto.extend({
  notes: z.string().nullable(),
  attachmentFileId: id.nullable(),
  lines: z.array(billLineDto),
  submittedBy: id.nullable(),
  submittedAt: z.date().nullable(),
  rejectionReason: z.string().nullable(),
  scheduledFor: z.string().nullable(),
  paidAt: z.date().nullable(),
  paymentReference: z.string().nullable(),
  createdBy: id.nullable(),
  updatedAt: z.date(),
  /** Every approval round of the bill, newest first (void rounds are earlier versions). */
  approvals: z.array(approvalRequestDto),
});
export type BillDto = z.infer<typeof billDto>;

export const policiesDto = z.object({
  subjectKind: approvalSubjectKindSchema,
  reminderHours: z.number().int(),
  revision: z.number().int(),
  rules: z.array(
    z.object({
      id,
      position: z.number().int(),
      name: z.string(),
      minMinor: z.number().int().nullable(),
      maxMinor: z.number().int().nullable(),
      currency: z.string().nullable(),
      vendorId: id.nullable(),
      category: z.string().nullable(),
      steps: z.array(approvalStepSchema),
    }),
  ),
  updatedAt: z.date().nullable(),
});
export type PoliciesDto = z.infer<typeof policiesDto>;

export const inboxItemDto = z.object({
  subjectKind: approvalSubjectKindSchema,
  subjectId: id,
  version: z.number().int(),
  requestId: id,
  stepId: id,
  stepPosition: z.number().int(),
  stepCount: z.number().int(),
  /** Who the signed-in member decides for: themselves, or the away member who delegated to them. */
  onBehalfOf: id.nullable(),
  title: z.string(),
  amountMinor: z.number().int(),
  currency: z.string(),
  submittedBy: id.nullable(),
  waitingSince: z.date(),
});
export type InboxItemDto = z.infer<typeof inboxItemDto>;

export const decisionResultDto = z.object({
  subjectKind: approvalSubjectKindSchema,
  subjectId: id,
  version: z.number().int(),
  /** The request's state after the decision. */
  requestStatus: z.enum(['pending', 'approved', 'rejected', 'void']),
  /** Whether this decision completed its step. */
  stepCompleted: z.boolean(),
});
export type DecisionResultDto = z.infer<typeof decisionResultDto>;

export const delegationDto = z.object({
  id,
  fromMember: id,
  toMember: id,
  startsOn: z.string(),
  endsOn: z.string(),
  note: z.string().nullable(),
  revoked: z.boolean(),
  createdAt: z.date(),
});
export type DelegationDto = z.infer<typeof delegationDto>;

// ---------------------------------------------------------------- events (snake_case payloads)

const billRef = {
  bill_id: id,
  vendor_id: id,
  vendor_name: z.string(),
  number: z.string(),
  total_minor: z.number().int(),
  currency: z.string(),
  version: z.number().int(),
};

export const vendorCreated = defineEvent({
  type: 'revenue.vendor.created',
  version: 1,
  aggregateType: 'revenue.vendor',
  payload: z.object({ vendor_id: id, name: z.string() }),
});

export const vendorUpdated = defineEvent({
  type: 'revenue.vendor.updated',
  version: 1,
  aggregateType: 'revenue.vendor',
  payload: z.object({ vendor_id: id, name: z.string(), changed: z.array(z.string()).min(1), archived: z.boolean() }),
});

export const billReceived = defineEvent({
  type: 'revenue.bill.received',
  version: 1,
  aggregateType: 'revenue.bill',
  payload: z.object({ ...billRef, issue_date: z.string(), due_date: z.string().nullable(), category: z.string().nullable() }),
});

export const billUpdated = defineEvent({
  type: 'revenue.bill.updated',
  version: 1,
  aggregateType: 'revenue.bill',
  /** `reopened`: the change voided an approval round and started a new one for the new version. */
  payload: z.object({ ...billRef, changed: z.array(z.string()).min(1), reopened: z.boolean(), status: billStatusSchema }),
});

export const billSubmitted = defineEvent({
  type: 'revenue.bill.submitted',
  version: 1,
  aggregateType: 'revenue.bill',
  /** `rule_name` null: no rule matched, so the bill needed no approval and is approved at once. */
  payload: z.object({ ...billRef, rule_name: z.string().nullable(), steps: z.number().int(), submitted_by: id.nullable() }),
});

export const billApproved = defineEvent({
  type: 'revenue.bill.approved',
  version: 1,
  aggregateType: 'revenue.bill',
  payload: z.object({ ...billRef, approver_ids: z.array(id), automatic: z.boolean() }),
});

export const billRejected = defineEvent({
  type: 'revenue.bill.rejected',
  version: 1,
  aggregateType: 'revenue.bill',
  payload: z.object({ ...billRef, rejected_by: id, reason: z.string() }),
});

export const billScheduled = defineEvent({
  type: 'revenue.bill.scheduled',
  version: 1,
  aggregateType: 'revenue.bill',
  payload: z.object({ ...billRef, scheduled_for: z.string() }),
});

export const billPaid = defineEvent({
  type: 'revenue.bill.paid',
  version: 1,
  aggregateType: 'revenue.bill',
  payload: z.object({ ...billRef, paid_at: z.string(), reference: z.string().nullable() }),
});

/** One decision on one step (the subject's own events tell when the whole approval completes). */
export const approvalDecided = defineEvent({
  type: 'revenue.approval.decided',
  version: 1,
  aggregateType: 'revenue.approval',
  payload: z.object({
    request_id: id,
    subject_kind: approvalSubjectKindSchema,
    subject_id: id,
    subject_version: z.number().int(),
    step_position: z.number().int(),
    approver_id: id,
    decided_by: id,
    decision: z.enum(['approve', 'reject']),
    reason: z.string().nullable(),
    step_completed: z.boolean(),
  }),
});

/**
 * A pending step waited past the tenant's reminder delay: whom to remind (named approvers still to
 * decide and their active delegates; a role step names its role). Emitted once per step.
 */
export const approvalReminderDue = defineEvent({
  type: 'revenue.approval.reminder_due',
  version: 1,
  aggregateType: 'revenue.approval',
  payload: z.object({
    request_id: id,
    subject_kind: approvalSubjectKindSchema,
    subject_id: id,
    step_position: z.number().int(),
    user_ids: z.array(id),
    role: approverRoleSchema.nullable(),
    title: z.string(),
    link: z.string(),
  }),
});

export const policiesUpdated = defineEvent({
  type: 'revenue.policies.updated',
  version: 1,
  aggregateType: 'revenue.policies',
  payload: z.object({ subject_kind: approvalSubjectKindSchema, revision: z.number().int(), rules: z.number().int(), reminder_hours: z.number().int() }),
});

export const delegationCreated = defineEvent({
  type: 'revenue.delegation.created',
  version: 1,
  aggregateType: 'revenue.delegation',
  payload: z.object({ delegation_id: id, from_member: id, to_member: id, starts_on: z.string(), ends_on: z.string() }),
});

export const delegationRevoked = defineEvent({
  type: 'revenue.delegation.revoked',
  version: 1,
  aggregateType: 'revenue.delegation',
  payload: z.object({ delegation_id: id, from_member: id, to_member: id }),
});

export const billsEvents = [
  vendorCreated,
  vendorUpdated,
  billReceived,
  billUpdated,
  billSubmitted,
  billApproved,
  billRejected,
  billScheduled,
  billPaid,
  approvalDecided,
  approvalReminderDue,
  policiesUpdated,
  delegationCreated,
  delegationRevoked,
] as const;

// ---------------------------------------------------------------- workflow action shapes

export const routeBillForApprovalInput = z.strictObject({ billId: id });
export const routeBillForApprovalOutput = z.object({ billId: id, status: billStatusSchema, version: z.number().int(), ruleName: z.string().nullable() });

export const updateBillStatusInput = z.strictObject({
  billId: id,
  status: z.enum(['scheduled', 'paid']),
  date: isoDate.optional(),
  reference: z.string().trim().min(1).max(200).optional(),
});
export const updateBillStatusOutput = z.object({ billId: id, status: billStatusSchema, changed: z.boolean() });
