import { router, tenantProcedure } from '@ubos/platform';
import {
  accountDto,
  agingDto,
  agingInput,
  createCreditNoteInput,
  createInvoiceInput,
  creditNoteDto,
  creditNotePageDto,
  getAccountInput,
  invoiceDto,
  invoiceIdInput,
  invoicePageDto,
  invoiceSettingsDto,
  issueInvoiceInput,
  listCreditNotesInput,
  listInvoicesInput,
  listPaymentsInput,
  paymentDto,
  paymentPageDto,
  recordPaymentInput,
  refundPaymentInput,
  updateAccountInput,
  updateInvoiceInput,
  updateInvoiceSettingsInput,
  voidInvoiceInput,
} from './contracts-invoices.ts';
import * as invoices from './service-invoices.ts';
import * as payments from './service-payments.ts';

/** Money in (ARCHITECTURE.md §10): thin procedures over service-invoices.ts and service-payments.ts. */

const read = tenantProcedure.meta({ permission: 'revenue.invoice.read' });
const write = tenantProcedure.meta({ permission: 'revenue.invoice.write' });

export const invoiceSettingsRouter = router({
  get: read.output(invoiceSettingsDto).query(({ ctx }) => invoices.getInvoiceSettings(ctx.domain)),
  update: tenantProcedure
    .meta({ permission: 'revenue.billing.manage' })
    .input(updateInvoiceSettingsInput)
    .output(invoiceSettingsDto)
    .mutation(({ ctx, input }) => invoices.updateInvoiceSettings(ctx.domain, input)),
});

export const accountsRouter = router({
  get: read
    .input(getAccountInput)
    .output(accountDto)
    .query(({ ctx, input }) => invoices.getAccount(ctx.domain, input.clientId)),
  update: tenantProcedure
    .meta({ permission: 'revenue.account.write' })
    .input(updateAccountInput)
    .output(accountDto)
    .mutation(({ ctx, input }) => invoices.updateAccount(ctx.domain, input)),
});

export const invoicesRouter = router({
  create: write
    .input(createInvoiceInput)
    .output(invoiceDto)
    .mutation(({ ctx, input }) => invoices.createInvoice(ctx.domain, input)),
  update: write
    .input(updateInvoiceInput)
    .output(invoiceDto)
    .mutation(({ ctx, input }) => invoices.updateInvoice(ctx.domain, input)),
  get: read
    .input(invoiceIdInput)
    .output(invoiceDto)
    .query(({ ctx, input }) => invoices.getInvoice(ctx.domain, input.id)),
  list: read
    .input(listInvoicesInput)
    .output(invoicePageDto)
    .query(({ ctx, input }) => invoices.listInvoices(ctx.domain, input)),
  submitForApproval: write
    .input(invoiceIdInput)
    .output(invoiceDto)
    .mutation(({ ctx, input }) => invoices.submitForApproval(ctx.domain, input.id)),
  approve: tenantProcedure
    .meta({ permission: 'revenue.invoice.approve' })
    .input(invoiceIdInput)
    .output(invoiceDto)
    .mutation(({ ctx, input }) => invoices.approveInvoice(ctx.domain, input.id)),
  issue: write
    .input(issueInvoiceInput)
    .output(invoiceDto)
    .mutation(({ ctx, input }) => invoices.issueInvoice(ctx.domain, input.id, input.issueDate)),
  void: tenantProcedure
    .meta({ permission: 'revenue.invoice.void' })
    .input(voidInvoiceInput)
    .output(invoiceDto)
    .mutation(({ ctx, input }) => invoices.voidInvoice(ctx.domain, input.id, input.reason)),
});

export const creditNotesRouter = router({
  create: tenantProcedure
    .meta({ permission: 'revenue.credit_note.write' })
    .input(createCreditNoteInput)
    .output(creditNoteDto)
    .mutation(({ ctx, input }) => payments.createCreditNote(ctx.domain, input)),
  get: read
    .input(invoiceIdInput)
    .output(creditNoteDto)
    .query(({ ctx, input }) => payments.getCreditNote(ctx.domain, input.id)),
  list: read
    .input(listCreditNotesInput)
    .output(creditNotePageDto)
    .query(({ ctx, input }) => payments.listCreditNotes(ctx.domain, input)),
});

export const paymentsRouter = router({
  record: tenantProcedure
    .meta({ permission: 'revenue.payment.write' })
    .input(recordPaymentInput)
    .output(paymentDto)
    .mutation(({ ctx, input }) => payments.recordPayment(ctx.domain, input)),
  list: read
    .input(listPaymentsInput)
    .output(paymentPageDto)
    .query(({ ctx, input }) => payments.listPayments(ctx.domain, input)),
  refund: tenantProcedure
    .meta({ permission: 'revenue.payment.refund' })
    .input(refundPaymentInput)
    .output(paymentDto)
    .mutation(({ ctx, input }) => payments.refundPayment(ctx.domain, input)),
});

export const reportsRouter = router({
  aging: tenantProcedure
    .meta({ permission: 'revenue.report.read' })
    .input(agingInput)
    .output(agingDto)
    .query(({ ctx, input }) => payments.aging(ctx.domain, input)),
});

/** Permissions of money in, merged into the module's. */
export const invoicingPermissions = {
  'revenue.invoice.read': ['owner', 'admin', 'member', 'viewer'],
  'revenue.invoice.write': ['owner', 'admin', 'member'],
  'revenue.invoice.approve': ['owner', 'admin'],
  'revenue.invoice.void': ['owner', 'admin'],
  'revenue.credit_note.write': ['owner', 'admin'],
  'revenue.payment.write': ['owner', 'admin', 'member'],
  'revenue.payment.refund': ['owner', 'admin'],
  'revenue.account.write': ['owner', 'admin', 'member'],
  'revenue.billing.manage': ['owner', 'admin'],
  'revenue.report.read': ['owner', 'admin', 'member'],
} as const;
