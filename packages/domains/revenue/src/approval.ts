import { DomainError, type DomainContext } from '@ubos/platform';
import type { InvoiceRow, RevenueDB } from './db.ts';
import * as repo from './repository-invoices.ts';

/**
 * The one seam where invoices meet approvals. Today: a tenant setting ("invoices need approval")
 * and approval by a manager (the procedure's permission `revenue.invoice.approve`) other than
 * the person who submitted it. The approval-policy engine built for bills can take over here:
 * route `invoiceNeedsApproval` and `checkInvoiceApprover` through it (amount bands, steps,
 * delegation) and nothing else in the invoice code changes.
 */

/** Whether this invoice must be approved before it is issued. */
export async function invoiceNeedsApproval(ctx: DomainContext, invoice: InvoiceRow): Promise<boolean> {
  void invoice;
  const settings = await repo.findInvoiceSettings(ctx.db<RevenueDB>());
  return settings?.needs_approval ?? false;
}

/** Throws unless the acting user may approve this invoice (they hold the permission already). */
export async function checkInvoiceApprover(ctx: DomainContext, invoice: InvoiceRow): Promise<void> {
  if (ctx.actorId !== null && invoice.submitted_by === ctx.actorId) {
    throw new DomainError('FORBIDDEN', 'You submitted this invoice: another manager approves it');
  }
}
