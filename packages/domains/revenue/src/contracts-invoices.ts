// Public contracts of revenue's money in: invoices, credit notes, payments, billing accounts,
// AR aging and invoice plans (ARCHITECTURE.md §2). Money is integer minor units, carried as
// strings of digits in DTOs and event payloads (bigint in Postgres), always with its currency.
import { defineEvent } from '@ubos/platform';
import { z } from 'zod';
import { isPercent, isQuantity } from './money.ts';

/** The one printed form of money (PDF, timeline, search, screens). */
export { currencyExponent, formatMoney } from './money.ts';

// ---------------------------------------------------------------- shared shapes

/** Minor units given as digits or a safe integer; read as a string of digits. */
export const minorInput = z
  .union([
    z.string().regex(/^\d{1,15}$/, 'Give a whole number of minor units (cents), at most 15 digits'),
    z.number().int().nonnegative().max(999_999_999_999_999),
  ])
  .transform((value) => String(value));
export const minorString = z.string().regex(/^-?\d+$/);
export const currencyCode = z
  .string()
  .trim()
  .transform((value) => value.toUpperCase())
  .pipe(z.string().regex(/^[A-Z]{3}$/, 'Give a three-letter ISO currency code, e.g. USD'));
export const percentString = z.string().trim().refine(isPercent, 'Give a percentage between 0 and 100 with at most 4 decimals');
export const quantityString = z.string().trim().refine(isQuantity, 'Give a quantity of at most 12 digits with at most 6 decimals');
export const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'Give a date as YYYY-MM-DD');

export const discountSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('percent'), percent: percentString }),
  z.strictObject({ kind: z.literal('amount'), amount: minorInput }),
]);
export type DiscountInput = z.input<typeof discountSchema>;
export const discountDto = z.union([
  z.object({ kind: z.literal('percent'), percent: z.string() }),
  z.object({ kind: z.literal('amount'), amount: z.string() }),
]);

export const taxDefinitionSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'A tax id is 1-40 letters, digits, - or _'),
  name: z.string().trim().min(1).max(60),
  rate: percentString,
  compound: z.boolean().default(false),
});
export const taxDefinitionDto = z.object({ id: z.string(), name: z.string(), rate: z.string(), compound: z.boolean() });

export const taxModeSchema = z.enum(['exclusive', 'inclusive']);
export const roundingLevelSchema = z.enum(['line', 'document']);
export const roundingModeSchema = z.enum(['halfUp', 'halfEven']);
export const invoiceStatuses = ['draft', 'pending_approval', 'approved', 'issued', 'partially_paid', 'paid', 'void'] as const;
export const invoiceStatusSchema = z.enum(invoiceStatuses);
export type InvoiceStatus = z.infer<typeof invoiceStatusSchema>;
export const paymentMethodSchema = z.enum(['bank_transfer', 'card', 'cash', 'check', 'other', 'ledger']);

// ---------------------------------------------------------------- settings and accounts

export const invoiceSettingsDto = z.object({
  brandName: z.string().nullable(),
  currency: z.string(),
  paymentTermsDays: z.number().int(),
  roundingLevel: roundingLevelSchema,
  roundingMode: roundingModeSchema,
  taxMode: taxModeSchema,
  needsApproval: z.boolean(),
  invoicePrefix: z.string(),
  creditNotePrefix: z.string(),
  missedPeriods: z.enum(['catch_up', 'skip']),
  updatedAt: z.date().nullable(),
});
export type InvoiceSettingsDto = z.infer<typeof invoiceSettingsDto>;

export const updateInvoiceSettingsInput = z
  .strictObject({
    brandName: z.string().trim().min(1).max(200).nullable().optional(),
    currency: currencyCode.optional(),
    paymentTermsDays: z.number().int().min(0).max(365).optional(),
    roundingLevel: roundingLevelSchema.optional(),
    roundingMode: roundingModeSchema.optional(),
    taxMode: taxModeSchema.optional(),
    needsApproval: z.boolean().optional(),
    invoicePrefix: z
      .string()
      .trim()
      .max(20)
      .regex(/^[A-Za-z0-9/_-]*$/, 'Use letters, digits, -, _ or /')
      .optional(),
    creditNotePrefix: z
      .string()
      .trim()
      .max(20)
      .regex(/^[A-Za-z0-9/_-]*$/, 'Use letters, digits, -, _ or /')
      .optional(),
    missedPeriods: z.enum(['catch_up', 'skip']).optional(),
  })
  .refine((input) => Object.values(input).some((value) => value !== undefined), { message: 'Change at least one setting' });
export type UpdateInvoiceSettingsInput = z.infer<typeof updateInvoiceSettingsInput>;

const addressSchema = z.strictObject({
  line1: z.string().trim().max(200).optional(),
  line2: z.string().trim().max(200).optional(),
  city: z.string().trim().max(100).optional(),
  region: z.string().trim().max(100).optional(),
  postalCode: z.string().trim().max(20).optional(),
  country: z.string().trim().max(100).optional(),
});
const taxIdSchema = z.strictObject({ kind: z.string().trim().min(1).max(40), value: z.string().trim().min(1).max(60) });

export const accountDto = z.object({
  clientId: z.uuid(),
  billingName: z.string().nullable(),
  billingEmail: z.string().nullable(),
  billingContactId: z.uuid().nullable(),
  currency: z.string(),
  paymentTermsDays: z.number().int(),
  taxIds: z.array(z.object({ kind: z.string(), value: z.string() })),
  address: z.record(z.string(), z.string()).nullable(),
  /** Overpayments and credit notes beyond a balance, per currency (minor units). */
  credit: z.array(z.object({ currency: z.string(), amount: minorString })),
  updatedAt: z.date().nullable(),
});
export type AccountDto = z.infer<typeof accountDto>;

export const getAccountInput = z.strictObject({ clientId: z.uuid() });
export const updateAccountInput = z.strictObject({
  clientId: z.uuid(),
  billingName: z.string().trim().min(1).max(200).nullable().optional(),
  billingEmail: z.email('Give an email address').max(320).nullable().optional(),
  billingContactId: z.uuid().nullable().optional(),
  currency: currencyCode.nullable().optional(),
  paymentTermsDays: z.number().int().min(0).max(365).nullable().optional(),
  taxIds: z.array(taxIdSchema).max(10).optional(),
  address: addressSchema.nullable().optional(),
});
export type UpdateAccountInput = z.infer<typeof updateAccountInput>;

// ---------------------------------------------------------------- invoices

export const invoiceLineInput = z.strictObject({
  description: z.string().trim().min(1, 'Describe the line').max(1000),
  quantity: quantityString,
  unitPrice: minorInput,
  discount: discountSchema.nullable().optional(),
  taxIds: z.array(z.string()).max(10).default([]),
});
export type InvoiceLineInput = z.infer<typeof invoiceLineInput>;

const invoiceContent = {
  currency: currencyCode.optional(),
  lines: z.array(invoiceLineInput).max(500, 'An invoice has at most 500 lines'),
  discount: discountSchema.nullable().optional(),
  taxes: z.array(taxDefinitionSchema).max(10).default([]),
  documentTaxIds: z.array(z.string()).max(10).default([]),
  taxMode: taxModeSchema.optional(),
  notes: z.string().trim().max(5000).nullable().optional(),
  paymentTermsDays: z.number().int().min(0).max(365).optional(),
};

/** Every tax id a line or the document names must be one of the invoice's taxes, each defined once. */
export function checkTaxes(input: { taxes?: { id: string }[]; documentTaxIds?: string[]; lines?: { taxIds: string[] }[] }, context: z.RefinementCtx): void {
  if (!input.taxes) return;
  const ids = input.taxes.map((tax) => tax.id);
  ids.forEach((id, index) => {
    if (ids.indexOf(id) !== index) context.addIssue({ code: 'custom', path: ['taxes', index, 'id'], message: `Tax "${id}" is defined twice` });
  });
  const known = new Set(ids);
  (input.documentTaxIds ?? []).forEach((id, index) => {
    if (!known.has(id)) context.addIssue({ code: 'custom', path: ['documentTaxIds', index], message: `Tax "${id}" is not one of the invoice's taxes` });
  });
  (input.lines ?? []).forEach((line, lineIndex) => {
    line.taxIds.forEach((id, index) => {
      if (!known.has(id))
        context.addIssue({ code: 'custom', path: ['lines', lineIndex, 'taxIds', index], message: `Tax "${id}" is not one of the invoice's taxes` });
    });
  });
}

export const createInvoiceInput = z
  .strictObject({ clientId: z.uuid(), /** The engagement (crm) it bills, if any. */ engagementId: z.uuid().nullable().optional(), ...invoiceContent })
  .superRefine(checkTaxes);
export type CreateInvoiceInput = z.infer<typeof createInvoiceInput>;

/** A draft's content to replace (lines, taxes and discount are replaced whole when given). */
export const updateInvoiceInput = z.strictObject({
  id: z.uuid(),
  /** The version read; a stale one is refused (CONFLICT) rather than overwriting someone's edit. */
  version: z.number().int().min(1).optional(),
  clientId: z.uuid().optional(),
  currency: currencyCode.optional(),
  lines: invoiceContent.lines.optional(),
  discount: invoiceContent.discount,
  taxes: z.array(taxDefinitionSchema).max(10).optional(),
  documentTaxIds: z.array(z.string()).max(10).optional(),
  taxMode: taxModeSchema.optional(),
  notes: invoiceContent.notes,
  paymentTermsDays: invoiceContent.paymentTermsDays,
});
export type UpdateInvoiceInput = z.infer<typeof updateInvoiceInput>;

export const invoiceIdInput = z.strictObject({ id: z.uuid() });
export const issueInvoiceInput = z.strictObject({ id: z.uuid(), issueDate: isoDate.optional() });
export const voidInvoiceInput = z.strictObject({ id: z.uuid(), reason: z.string().trim().min(1, 'Say why the invoice is voided').max(1000) });
export const listInvoicesInput = z.strictObject({
  status: invoiceStatusSchema.optional(),
  clientId: z.uuid().optional(),
  /** Issued or partly paid and past its due date. */
  overdue: z.boolean().optional(),
  limit: z.number().int().min(1).max(100).default(50),
  /** The last id of the previous page (keyset). */
  cursor: z.uuid().optional(),
});
export type ListInvoicesInput = z.infer<typeof listInvoicesInput>;

export const invoiceTotalsDto = z.object({
  subtotal: minorString,
  discount: minorString,
  tax: minorString,
  total: minorString,
  paid: minorString,
  credited: minorString,
  balance: minorString,
});

export const invoiceSummaryDto = z.object({
  id: z.uuid(),
  clientId: z.uuid(),
  status: invoiceStatusSchema,
  number: z.string().nullable(),
  currency: z.string(),
  issueDate: z.string().nullable(),
  dueDate: z.string().nullable(),
  overdue: z.boolean(),
  totals: invoiceTotalsDto,
  planId: z.uuid().nullable(),
  engagementId: z.uuid().nullable(),
  createdAt: z.date(),
});
export type InvoiceSummaryDto = z.infer<typeof invoiceSummaryDto>;

export const invoiceLineDto = z.object({
  id: z.uuid(),
  position: z.number().int(),
  description: z.string(),
  quantity: z.string(),
  unitPrice: minorString,
  discount: discountDto.nullable(),
  taxIds: z.array(z.string()),
  net: minorString,
});

export const invoiceDto = invoiceSummaryDto.extend({
  taxMode: taxModeSchema,
  rounding: z.object({ level: roundingLevelSchema, mode: roundingModeSchema }),
  taxes: z.array(taxDefinitionDto),
  documentTaxIds: z.array(z.string()),
  discount: discountDto.nullable(),
  notes: z.string().nullable(),
  paymentTermsDays: z.number().int(),
  lines: z.array(invoiceLineDto),
  /** Per tax, as computeInvoice gives it. */
  taxBreakdown: z.array(z.object({ taxId: z.string(), name: z.string(), rate: z.string(), compound: z.boolean(), amount: minorString })),
  planPeriod: z.string().nullable(),
  pdfFileId: z.uuid().nullable(),
  version: z.number().int(),
  updatedAt: z.date(),
  submittedBy: z.uuid().nullable(),
  approvedBy: z.uuid().nullable(),
  approvedAt: z.date().nullable(),
  issuedAt: z.date().nullable(),
  sentAt: z.date().nullable(),
  voidedAt: z.date().nullable(),
  voidReason: z.string().nullable(),
});
export type InvoiceDto = z.infer<typeof invoiceDto>;

export const pdfUrlDto = z.object({ url: z.string(), filename: z.string(), expiresAt: z.string().nullable() });

export const invoicePageDto = z.object({ items: z.array(invoiceSummaryDto), nextCursor: z.uuid().nullable() });

// ---------------------------------------------------------------- credit notes and payments

export const createCreditNoteInput = z.strictObject({
  invoiceId: z.uuid(),
  amount: minorInput.refine((value) => value !== '0', 'A credit note is for more than zero'),
  reason: z.string().trim().min(1, 'Say why the credit is given').max(1000),
});
export type CreateCreditNoteInput = z.infer<typeof createCreditNoteInput>;

export const creditNoteDto = z.object({
  id: z.uuid(),
  invoiceId: z.uuid(),
  invoiceNumber: z.string().nullable(),
  clientId: z.uuid(),
  number: z.string(),
  currency: z.string(),
  reason: z.string(),
  amount: minorString,
  /** The part that reduced the invoice's balance; the rest became the client's credit. */
  applied: minorString,
  issueDate: z.string(),
  pdfFileId: z.uuid().nullable(),
  createdAt: z.date(),
});
export type CreditNoteDto = z.infer<typeof creditNoteDto>;
export const listCreditNotesInput = z.strictObject({
  invoiceId: z.uuid().optional(),
  clientId: z.uuid().optional(),
  limit: z.number().int().min(1).max(100).default(50),
  cursor: z.uuid().optional(),
});
export const creditNotePageDto = z.object({ items: z.array(creditNoteDto), nextCursor: z.uuid().nullable() });

export const recordPaymentInput = z.strictObject({
  invoiceId: z.uuid(),
  amount: minorInput.refine((value) => value !== '0', 'A payment is for more than zero'),
  method: paymentMethodSchema,
  reference: z.string().trim().max(200).nullable().optional(),
  receivedOn: isoDate.optional(),
  /** The same key records the payment once, however often it is sent. */
  idempotencyKey: z.string().trim().min(1).max(200).optional(),
});
export type RecordPaymentInput = z.infer<typeof recordPaymentInput>;

export const refundPaymentInput = z.strictObject({
  paymentId: z.uuid(),
  amount: minorInput.refine((value) => value !== '0', 'A refund is for more than zero'),
  reference: z.string().trim().max(200).nullable().optional(),
  idempotencyKey: z.string().trim().min(1).max(200).optional(),
});
export type RefundPaymentInput = z.infer<typeof refundPaymentInput>;

export const paymentDto = z.object({
  id: z.uuid(),
  kind: z.enum(['payment', 'refund']),
  refundOf: z.uuid().nullable(),
  clientId: z.uuid(),
  invoiceId: z.uuid().nullable(),
  invoiceNumber: z.string().nullable(),
  currency: z.string(),
  amount: minorString,
  applied: minorString,
  refunded: minorString,
  method: paymentMethodSchema,
  reference: z.string().nullable(),
  receivedOn: z.string(),
  createdAt: z.date(),
});
export type PaymentDto = z.infer<typeof paymentDto>;
export const listPaymentsInput = z.strictObject({
  invoiceId: z.uuid().optional(),
  clientId: z.uuid().optional(),
  limit: z.number().int().min(1).max(100).default(50),
  cursor: z.uuid().optional(),
});
export const paymentPageDto = z.object({ items: z.array(paymentDto), nextCursor: z.uuid().nullable() });

// ---------------------------------------------------------------- reports

export const agingInput = z.strictObject({ asOf: isoDate.optional(), clientId: z.uuid().optional() });
export const agingBucketsDto = z.object({
  current: minorString,
  days1to30: minorString,
  days31to60: minorString,
  days61to90: minorString,
  days90plus: minorString,
  total: minorString,
});
export const agingDto = z.object({
  asOf: z.string(),
  /** Per client and currency (amounts of different currencies are never added). */
  clients: z.array(agingBucketsDto.extend({ clientId: z.uuid(), currency: z.string(), invoices: z.number().int() })),
  overall: z.array(agingBucketsDto.extend({ currency: z.string(), invoices: z.number().int() })),
});
export type AgingDto = z.infer<typeof agingDto>;

// ---------------------------------------------------------------- invoice plans

/** What every invoice of a plan is made from (the create input without the client). */
export const planTemplateSchema = z
  .strictObject({
    currency: currencyCode.optional(),
    lines: z.array(invoiceLineInput).min(1, 'A plan needs at least one line').max(200),
    discount: discountSchema.nullable().optional(),
    taxes: z.array(taxDefinitionSchema).max(10).default([]),
    documentTaxIds: z.array(z.string()).max(10).default([]),
    taxMode: taxModeSchema.optional(),
    notes: z.string().trim().max(5000).nullable().optional(),
    paymentTermsDays: z.number().int().min(0).max(365).optional(),
  })
  .superRefine(checkTaxes);
export type PlanTemplate = z.infer<typeof planTemplateSchema>;

export const planMilestoneSchema = z.strictObject({
  key: z.string().regex(/^[a-z0-9_-]{1,40}$/, 'A milestone key is 1-40 lowercase letters, digits, - or _'),
  label: z.string().trim().min(1).max(200),
  percent: percentString,
  /** The project milestone whose `projects.milestone.reached` issues this part. */
  projectMilestoneId: z.uuid(),
});

export const createPlanInput = z
  .strictObject({
    clientId: z.uuid(),
    name: z.string().trim().min(1).max(200),
    kind: z.enum(['recurring', 'deposit', 'milestones']),
    template: planTemplateSchema,
    startDate: isoDate,
    /** recurring */
    interval: z.enum(['monthly', 'quarterly']).optional(),
    anchorDay: z.number().int().min(1).max(31).optional(),
    endAfter: z.number().int().min(1).max(600).optional(),
    endDate: isoDate.optional(),
    /** deposit */
    depositPercent: percentString.optional(),
    /** milestones */
    milestones: z.array(planMilestoneSchema).max(20).default([]),
  })
  .superRefine((input, context) => {
    if (input.kind === 'recurring' && !input.interval) context.addIssue({ code: 'custom', path: ['interval'], message: 'Say how often: monthly or quarterly' });
    if (input.kind === 'deposit' && !input.depositPercent)
      context.addIssue({ code: 'custom', path: ['depositPercent'], message: 'Give the deposit percentage' });
    if (input.kind === 'milestones' && input.milestones.length === 0)
      context.addIssue({ code: 'custom', path: ['milestones'], message: 'Add at least one milestone' });
    if (input.endDate && input.endDate < input.startDate)
      context.addIssue({ code: 'custom', path: ['endDate'], message: 'The end date is before the start date' });
    const keys = input.milestones.map((milestone) => milestone.key);
    keys.forEach((key, index) => {
      if (keys.indexOf(key) !== index) context.addIssue({ code: 'custom', path: ['milestones', index, 'key'], message: `Milestone "${key}" is listed twice` });
    });
  });
export type CreatePlanInput = z.infer<typeof createPlanInput>;

export const planDto = z.object({
  id: z.uuid(),
  clientId: z.uuid(),
  name: z.string(),
  kind: z.enum(['recurring', 'deposit', 'milestones']),
  status: z.enum(['active', 'paused', 'completed']),
  template: z.record(z.string(), z.unknown()),
  interval: z.enum(['monthly', 'quarterly']).nullable(),
  anchorDay: z.number().int().nullable(),
  startDate: z.string(),
  endAfter: z.number().int().nullable(),
  endDate: z.string().nullable(),
  depositPercent: z.string().nullable(),
  milestones: z.array(z.object({ key: z.string(), label: z.string(), percent: z.string(), projectMilestoneId: z.string() })),
  nextRunOn: z.string().nullable(),
  issuedCount: z.number().int(),
  skippedCount: z.number().int(),
  /** Invoices the plan made, newest first (at most 50). */
  invoices: z.array(z.object({ id: z.uuid(), number: z.string().nullable(), period: z.string(), status: invoiceStatusSchema, total: minorString })),
  createdAt: z.date(),
});
export type PlanDto = z.infer<typeof planDto>;
export const planIdInput = z.strictObject({ id: z.uuid() });
export const listPlansInput = z.strictObject({
  clientId: z.uuid().optional(),
  status: z.enum(['active', 'paused', 'completed']).optional(),
  limit: z.number().int().min(1).max(100).default(50),
  cursor: z.uuid().optional(),
});
export const planPageDto = z.object({ items: z.array(planDto.omit({ invoices: true })), nextCursor: z.uuid().nullable() });

// ---------------------------------------------------------------- the client portal's view (revenue.portalInvoices / revenue.portalInvoice outputs)

export const portalInvoiceSummary = z.object({
  id: z.uuid(),
  number: z.string(),
  status: invoiceStatusSchema,
  currency: z.string(),
  issueDate: z.string(),
  dueDate: z.string(),
  overdue: z.boolean(),
  totals: invoiceTotalsDto,
  hasPdf: z.boolean(),
});
export const portalInvoiceDetail = portalInvoiceSummary.extend({
  lines: z.array(z.object({ description: z.string(), quantity: z.string(), unitPrice: minorString, net: minorString })),
  taxes: z.array(z.object({ name: z.string(), rate: z.string(), amount: minorString })),
  notes: z.string().nullable(),
  /** The stored PDF (files), for the portal to sign a download; null while none is stored. */
  pdfFileId: z.uuid().nullable(),
});
export const portalInvoicesInput = z.object({ clientId: z.uuid(), limit: z.number().int().min(1).max(100).default(50), cursor: z.uuid().optional() });
export const portalInvoicesOutput = z.object({ items: z.array(portalInvoiceSummary), nextCursor: z.uuid().nullable() });
export const portalInvoiceInput = z.object({ clientId: z.uuid(), id: z.uuid() });

// ---------------------------------------------------------------- events (payloads snake_case, money as digit strings)

const invoiceRef = { invoice_id: z.uuid(), client_id: z.uuid(), currency: z.string(), total_minor: minorString };

export const invoiceDrafted = defineEvent({
  type: 'revenue.invoice.drafted',
  version: 1,
  aggregateType: 'revenue.invoice',
  payload: z.object({ ...invoiceRef, plan_id: z.uuid().nullable(), engagement_id: z.uuid().nullable(), created_by: z.uuid().nullable() }),
});
export const invoiceUpdated = defineEvent({
  type: 'revenue.invoice.updated',
  version: 1,
  aggregateType: 'revenue.invoice',
  payload: z.object({ ...invoiceRef, version: z.number().int(), updated_by: z.uuid().nullable() }),
});
export const invoiceSubmitted = defineEvent({
  type: 'revenue.invoice.submitted',
  version: 1,
  aggregateType: 'revenue.invoice',
  payload: z.object({ ...invoiceRef, submitted_by: z.uuid().nullable() }),
});
export const invoiceApproved = defineEvent({
  type: 'revenue.invoice.approved',
  version: 1,
  aggregateType: 'revenue.invoice',
  payload: z.object({ ...invoiceRef, approved_by: z.uuid().nullable() }),
});
export const invoiceIssued = defineEvent({
  type: 'revenue.invoice.issued',
  version: 1,
  aggregateType: 'revenue.invoice',
  payload: z.object({
    ...invoiceRef,
    number: z.string(),
    issue_date: z.string(),
    due_date: z.string(),
    plan_id: z.uuid().nullable(),
    issued_by: z.uuid().nullable(),
  }),
});
export const invoiceSent = defineEvent({
  type: 'revenue.invoice.sent',
  version: 1,
  aggregateType: 'revenue.invoice',
  payload: z.object({ ...invoiceRef, number: z.string(), to: z.string(), sent_by: z.uuid().nullable() }),
});
export const invoicePaid = defineEvent({
  type: 'revenue.invoice.paid',
  version: 1,
  aggregateType: 'revenue.invoice',
  payload: z.object({ ...invoiceRef, number: z.string() }),
});
export const invoiceVoided = defineEvent({
  type: 'revenue.invoice.voided',
  version: 1,
  aggregateType: 'revenue.invoice',
  payload: z.object({ ...invoiceRef, number: z.string().nullable(), reason: z.string(), voided_by: z.uuid().nullable() }),
});
export const creditNoteIssued = defineEvent({
  type: 'revenue.credit_note.issued',
  version: 1,
  aggregateType: 'revenue.credit_note',
  payload: z.object({
    credit_note_id: z.uuid(),
    invoice_id: z.uuid(),
    invoice_number: z.string().nullable(),
    client_id: z.uuid(),
    number: z.string(),
    currency: z.string(),
    amount_minor: minorString,
    applied_minor: minorString,
    reason: z.string(),
  }),
});
export const paymentRecorded = defineEvent({
  type: 'revenue.payment.recorded',
  version: 1,
  aggregateType: 'revenue.payment',
  payload: z.object({
    payment_id: z.uuid(),
    invoice_id: z.uuid().nullable(),
    invoice_number: z.string().nullable(),
    client_id: z.uuid(),
    currency: z.string(),
    amount_minor: minorString,
    applied_minor: minorString,
    /** The part beyond the balance, kept as the client's credit. */
    credit_minor: minorString,
    balance_minor: minorString,
    method: z.string(),
    recorded_by: z.uuid().nullable(),
  }),
});
export const paymentRefunded = defineEvent({
  type: 'revenue.payment.refunded',
  version: 1,
  aggregateType: 'revenue.payment',
  payload: z.object({
    refund_id: z.uuid(),
    payment_id: z.uuid(),
    invoice_id: z.uuid().nullable(),
    invoice_number: z.string().nullable(),
    client_id: z.uuid(),
    currency: z.string(),
    amount_minor: minorString,
    balance_minor: minorString,
    refunded_by: z.uuid().nullable(),
  }),
});
export const accountUpdated = defineEvent({
  type: 'revenue.account.updated',
  version: 1,
  aggregateType: 'revenue.account',
  payload: z.object({ client_id: z.uuid(), changed_keys: z.array(z.string()).min(1), updated_by: z.uuid().nullable() }),
});
export const invoiceSettingsUpdated = defineEvent({
  type: 'revenue.invoice_settings.updated',
  version: 1,
  aggregateType: 'revenue.invoice_settings',
  payload: z.object({ changed_keys: z.array(z.string()).min(1), updated_by: z.uuid().nullable() }),
});

export const planCreated = defineEvent({
  type: 'revenue.plan.created',
  version: 1,
  aggregateType: 'revenue.plan',
  payload: z.object({ plan_id: z.uuid(), client_id: z.uuid(), name: z.string(), kind: z.string(), created_by: z.uuid().nullable() }),
});
export const planStatusChanged = defineEvent({
  type: 'revenue.plan.status_changed',
  version: 1,
  aggregateType: 'revenue.plan',
  payload: z.object({ plan_id: z.uuid(), client_id: z.uuid(), name: z.string(), status: z.string(), changed_by: z.uuid().nullable() }),
});

export const invoicingEvents = [
  planCreated,
  planStatusChanged,
  invoiceDrafted,
  invoiceUpdated,
  invoiceSubmitted,
  invoiceApproved,
  invoiceIssued,
  invoiceSent,
  invoicePaid,
  invoiceVoided,
  creditNoteIssued,
  paymentRecorded,
  paymentRefunded,
  accountUpdated,
  invoiceSettingsUpdated,
] as const;
