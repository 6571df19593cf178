import { DomainError, type DomainContext } from '@ubos/platform';
import type { InvoiceRow } from './db.ts';
import { getInvoiceSettings } from './service-invoices.ts';

/**
 * The one seam where invoices meet approvals. Today: a tenant setting ("invoices need approval")
 * and approval by a manager (the procedure's permission `revenue.invoice.approve`) other than
 * the person who submitted it. The approval-policy engine built for bills can take over here:
 * route `invoiceNeedsApproval` and `checkInvoiceApprover` through it (amount bands, steps,
 * delegation) and nothing else in the invoice code changes.
 */

/** Whether this invoice must be approved before it is issued. */
/** What the approval rules may look at (amount bands, client). */
export type ApprovalSubject = Pick<InvoiceRow, 'id' | 'client_id' | 'currency' | 'total_minor'>;

export async function invoiceNeedsApproval(ctx: DomainContext, invoice: ApprovalSubject): Promise<boolean> {
  void invoice;
  return (await getInvoiceSettings(ctx)).needsApproval;
}

/** Throws unless the acting user may approve this invoice (they hold the permission already). */
export async function checkInvoiceApprover(ctx: DomainContext, invoice: InvoiceRow): Promise<void> {
  if (ctx.actorId !== null && invoice.submitted_by === ctx.actorId) {
    throw new DomainError('FORBIDDEN', 'You submitted this invoice: another manager approves it');
  }
}
