import { router, tenantProcedure } from '@ubos/platform';
import {
  accountDto,
  createPlanInput,
  listPlansInput,
  planDto,
  planIdInput,
  planPageDto,
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
  pdfUrlDto,
  recordPaymentInput,
  refundPaymentInput,
  updateAccountInput,
  updateInvoiceInput,
  updateInvoiceSettingsInput,
  voidInvoiceInput,
} from './contracts-invoices.ts';
import * as documents from './service-documents.ts';
import * as invoices from './service-invoices.ts';
import * as payments from './service-payments.ts';
import * as plans from './service-plans.ts';

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
    .mutation(async ({ ctx, input }) => {
      const issued = await invoices.issueInvoice(ctx.domain, input.id, input.issueDate);
      // The PDF is stored through files in the same transaction (skipped when the server has no storage).
      const fileId = await documents.storeInvoicePdf(ctx.domain, ctx.runtime.actions, await invoices.loadInvoice(ctx.domain, issued.id));
      return { ...issued, pdfFileId: fileId };
    }),
  send: write
    .input(invoiceIdInput)
    .output(invoiceDto)
    .mutation(({ ctx, input }) => documents.sendInvoice(ctx.domain, ctx.runtime.actions, input.id)),
  pdfUrl: read
    .input(invoiceIdInput)
    .output(pdfUrlDto)
    .mutation(({ ctx, input }) => documents.pdfUrl(ctx.domain, ctx.runtime.actions, input.id)),
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
    .mutation(async ({ ctx, input }) => {
      const note = await payments.createCreditNote(ctx.domain, input);
      const row = await payments.loadCreditNote(ctx.domain, note.id);
      return { ...note, pdfFileId: await documents.storeCreditNotePdf(ctx.domain, ctx.runtime.actions, row, note.invoiceNumber) };
    }),
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

export const plansRouter = router({
  create: tenantProcedure
    .meta({ permission: 'revenue.plan.write' })
    .input(createPlanInput)
    .output(planDto)
    .mutation(({ ctx, input }) => plans.createPlan(ctx.domain, input)),
  get: read
    .input(planIdInput)
    .output(planDto)
    .query(({ ctx, input }) => plans.getPlan(ctx.domain, input.id)),
  list: read
    .input(listPlansInput)
    .output(planPageDto)
    .query(({ ctx, input }) => plans.listPlans(ctx.domain, input)),
  pause: tenantProcedure
    .meta({ permission: 'revenue.plan.write' })
    .input(planIdInput)
    .output(planDto)
    .mutation(({ ctx, input }) => plans.pausePlan(ctx.domain, input.id)),
  resume: tenantProcedure
    .meta({ permission: 'revenue.plan.write' })
    .input(planIdInput)
    .output(planDto)
    .mutation(({ ctx, input }) => plans.resumePlan(ctx.domain, input.id)),
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
  'revenue.plan.write': ['owner', 'admin'],
} as const;
