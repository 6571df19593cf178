import { DomainError, uuidv7, type ActionRegistry, type DomainContext, type PortalSessionInfo } from '@ubos/platform';
import { z } from 'zod';
import { meInvoiceDto, meInvoicesDto } from './contracts.ts';

/**
 * The client's invoices in the portal: always the session's client. Revenue owns invoices and
 * answers through its read-only portal actions (`revenue.portalInvoices`, `revenue.portalInvoice`:
 * only that client's issued invoices); the PDF is files' stored file, signed through
 * `files.signDownload` as the portal's file downloads are.
 */

function action(actions: ActionRegistry, name: string) {
  const found = actions.get(name);
  if (!found) throw new DomainError('PRECONDITION_FAILED', 'Invoices are not available on this server.');
  return found;
}

const key = (what: string) => ({ idempotencyKey: `portal-${what}:${uuidv7()}` });

export async function listInvoices(
  ctx: DomainContext,
  actions: ActionRegistry,
  portal: PortalSessionInfo,
  input: { limit: number; cursor?: string | undefined },
) {
  return meInvoicesDto.parse(
    await action(actions, 'revenue.portalInvoices').run(
      { clientId: portal.clientId, limit: input.limit, cursor: input.cursor },
      { ...ctx, ...key('invoices') },
    ),
  );
}

export async function getInvoice(ctx: DomainContext, actions: ActionRegistry, portal: PortalSessionInfo, invoiceId: string) {
  return meInvoiceDto.parse(await action(actions, 'revenue.portalInvoice').run({ clientId: portal.clientId, id: invoiceId }, { ...ctx, ...key('invoice') }));
}

const signed = z.object({ url: z.string(), filename: z.string(), expiresAt: z.string() });

export async function invoiceDownloadUrl(ctx: DomainContext, actions: ActionRegistry, portal: PortalSessionInfo, invoiceId: string) {
  const invoice = await getInvoice(ctx, actions, portal, invoiceId);
  if (!invoice.pdfFileId) throw new DomainError('PRECONDITION_FAILED', 'The PDF of this invoice is not ready yet; try again in a moment or ask us to send it.');
  const url = signed.parse(await action(actions, 'files.signDownload').run({ fileId: invoice.pdfFileId }, { ...ctx, ...key('invoice-pdf') }));
  return { url: url.url, filename: `${invoice.number}.pdf`, expiresAt: url.expiresAt };
}
