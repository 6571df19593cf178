import { NotFoundError, type DomainContext } from '@ubos/platform';
import type { z } from 'zod';
import type { portalInvoiceDetail, portalInvoiceInput, portalInvoicesInput, portalInvoicesOutput } from './contracts-invoices.ts';
import type { RevenueDB } from './db.ts';
import * as repo from './repository-invoices.ts';
import { getInvoice, summaryDto } from './service-invoices.ts';

/**
 * What the client portal shows of invoices, through revenue's read-only actions
 * (`revenue.portalInvoices`, `revenue.portalInvoice`): the portal decides the client (its
 * session's), revenue answers only that client's issued invoices — a draft, a void invoice or
 * another client's is not found. JSON values only (action outputs).
 */

const VISIBLE = ['issued', 'partially_paid', 'paid'];

export async function portalInvoices(ctx: DomainContext, input: z.infer<typeof portalInvoicesInput>): Promise<z.infer<typeof portalInvoicesOutput>> {
  let query = ctx.db<RevenueDB>().selectFrom('revenue.invoices').selectAll().where('client_id', '=', input.clientId).where('status', 'in', VISIBLE);
  if (input.cursor) query = query.where('id', '<', input.cursor);
  const rows = await query
    .orderBy('id', 'desc')
    .limit(input.limit + 1)
    .execute();
  const page = rows.slice(0, input.limit);
  return {
    items: page.map((row) => {
      const summary = summaryDto(row);
      return {
        id: summary.id,
        number: summary.number ?? '',
        status: summary.status,
        currency: summary.currency,
        issueDate: summary.issueDate ?? '',
        dueDate: summary.dueDate ?? '',
        overdue: summary.overdue,
        totals: summary.totals,
        hasPdf: row.pdf_file_id !== null,
      };
    }),
    nextCursor: rows.length > input.limit ? (page.at(-1)?.id ?? null) : null,
  };
}

export async function portalInvoice(ctx: DomainContext, input: z.infer<typeof portalInvoiceInput>): Promise<z.infer<typeof portalInvoiceDetail>> {
  const row = await repo.findInvoice(ctx.db<RevenueDB>(), input.id);
  if (!row || row.client_id !== input.clientId || !VISIBLE.includes(row.status)) throw new NotFoundError('Invoice', input.id);
  const invoice = await getInvoice(ctx, input.id);
  return {
    id: invoice.id,
    number: invoice.number ?? '',
    status: invoice.status,
    currency: invoice.currency,
    issueDate: invoice.issueDate ?? '',
    dueDate: invoice.dueDate ?? '',
    overdue: invoice.overdue,
    totals: invoice.totals,
    hasPdf: invoice.pdfFileId !== null,
    lines: invoice.lines.map((line) => ({ description: line.description, quantity: line.quantity, unitPrice: line.unitPrice, net: line.net })),
    taxes: invoice.taxBreakdown.map((tax) => ({ name: tax.name, rate: tax.rate, amount: tax.amount })),
    notes: invoice.notes,
    pdfFileId: invoice.pdfFileId,
  };
}
