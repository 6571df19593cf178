import { createHash } from 'node:crypto';
import { DomainError, readMailBrand, sendSystemMail, type ActionRegistry, type DomainContext } from '@ubos/platform';
import { z } from 'zod';
import { invoiceSent, type InvoiceDto } from './contracts-invoices.ts';
import type { CreditNoteRow, InvoiceLineRow, InvoiceRow, RevenueDB } from './db.ts';
import { formatMoney } from './money.ts';
import { renderCreditNotePdf, renderInvoicePdf, type InvoicePdfInput, type PdfParty } from './pdf.ts';
import * as repo from './repository-invoices.ts';
import { contentOf, dateText, getInvoiceSettings, invoiceDto, loadInvoice } from './service-invoices.ts';

/**
 * Documents of an invoice (ARCHITECTURE.md §6): the PDF, stored through files'
 * `files.storeGeneratedFile` action in the client's "Invoices" folder once the invoice is issued
 * (at issue, or on the first download when storage was not reachable then), and the email to the
 * billing contact through the kernel's system mail (the message links to the portal page, where
 * the client downloads the PDF). Both run in the caller's transaction.
 */

const storedOutput = z.object({ fileId: z.uuid() });
const signedOutput = z.object({ url: z.string(), filename: z.string(), expiresAt: z.string() });

async function brandName(ctx: DomainContext): Promise<string> {
  const settings = await getInvoiceSettings(ctx);
  return settings.brandName ?? (await readMailBrand(ctx)).name;
}

async function billTo(ctx: DomainContext, clientId: string): Promise<PdfParty> {
  const account = await repo.findAccount(ctx.db<RevenueDB>(), clientId);
  const address = account?.address ?? {};
  const lines = [address.line1, address.line2, [address.postalCode, address.city].filter(Boolean).join(' '), address.region, address.country].filter(
    (line): line is string => typeof line === 'string' && line.trim().length > 0,
  );
  const taxIds = (account?.tax_ids ?? []).map((taxId) => `${taxId.kind}: ${taxId.value}`);
  return { name: account?.billing_name ?? 'Client', email: account?.billing_email ?? null, lines: [...lines, ...taxIds] };
}

export async function invoicePdfInput(ctx: DomainContext, row: InvoiceRow, lines: readonly InvoiceLineRow[]): Promise<InvoicePdfInput> {
  const content = contentOf(row, lines);
  return {
    kind: 'invoice',
    brandName: await brandName(ctx),
    number: row.number,
    status: row.status,
    issueDate: dateText(row.issue_date),
    dueDate: dateText(row.due_date),
    billTo: await billTo(ctx, row.client_id),
    content,
    paid: BigInt(row.paid_minor),
    credited: BigInt(row.credited_minor),
    notes: row.notes,
  };
}

export async function renderInvoice(ctx: DomainContext, row: InvoiceRow): Promise<Uint8Array> {
  return renderInvoicePdf(await invoicePdfInput(ctx, row, await repo.findLines(ctx.db<RevenueDB>(), row.id)));
}

/** True for the refusal files gives when the server has no file storage: the caller goes on without a stored PDF. */
function storageMissing(error: unknown): boolean {
  return error instanceof DomainError && error.code === 'PRECONDITION_FAILED';
}

/**
 * Stores the issued invoice's PDF through files once (the step key is the invoice), and records
 * the file on the invoice. Returns the file id, or null when this server has no file storage.
 */
export async function storeInvoicePdf(ctx: DomainContext, actions: ActionRegistry, row: InvoiceRow): Promise<string | null> {
  if (row.pdf_file_id) return row.pdf_file_id;
  if (!row.number) return null;
  const store = actions.get('files.storeGeneratedFile');
  if (!store) return null;
  const bytes = await renderInvoice(ctx, row);
  let stored: { fileId: string };
  try {
    stored = storedOutput.parse(
      await store.run(
        {
          clientId: row.client_id,
          folderName: 'Invoices',
          name: `${row.number}.pdf`,
          contentType: 'application/pdf',
          contentBase64: Buffer.from(bytes).toString('base64'),
          sha256: createHash('sha256').update(bytes).digest('hex'),
        },
        { ...ctx, idempotencyKey: `revenue-invoice-pdf:${row.id}` },
      ),
    );
  } catch (error) {
    if (storageMissing(error)) {
      ctx.log.warn({ invoice: row.id }, 'invoice PDF not stored: no file storage on this server');
      return null;
    }
    throw error;
  }
  await ctx
    .db<RevenueDB>()
    .updateTable('revenue.invoices')
    .set({ pdf_file_id: stored.fileId })
    .where('id', '=', row.id)
    .where('pdf_file_id', 'is', null)
    .execute();
  return stored.fileId;
}

export async function storeCreditNotePdf(
  ctx: DomainContext,
  actions: ActionRegistry,
  note: CreditNoteRow,
  invoiceNumber: string | null,
): Promise<string | null> {
  if (note.pdf_file_id) return note.pdf_file_id;
  const store = actions.get('files.storeGeneratedFile');
  if (!store) return null;
  const bytes = await renderCreditNotePdf({
    kind: 'credit_note',
    brandName: await brandName(ctx),
    number: note.number,
    invoiceNumber,
    issueDate: dateText(note.issue_date) ?? '',
    billTo: await billTo(ctx, note.client_id),
    currency: note.currency,
    amount: BigInt(note.amount_minor),
    reason: note.reason,
  });
  try {
    const stored = storedOutput.parse(
      await store.run(
        {
          clientId: note.client_id,
          folderName: 'Invoices',
          name: `${note.number}.pdf`,
          contentType: 'application/pdf',
          contentBase64: Buffer.from(bytes).toString('base64'),
          sha256: createHash('sha256').update(bytes).digest('hex'),
        },
        { ...ctx, idempotencyKey: `revenue-credit-note-pdf:${note.id}` },
      ),
    );
    await ctx.db<RevenueDB>().updateTable('revenue.credit_notes').set({ pdf_file_id: stored.fileId }).where('id', '=', note.id).execute();
    return stored.fileId;
  } catch (error) {
    if (storageMissing(error)) return null;
    throw error;
  }
}

export interface PdfUrlDto {
  url: string;
  filename: string;
  /** Null for a draft's preview (a data: URL of the rendering, nothing stored). */
  expiresAt: string | null;
}

/**
 * Where to get the invoice's PDF: an issued invoice's stored file, through a short-lived signed
 * URL of files; a draft's (or a server without storage) as a data: URL of a fresh rendering.
 */
export async function pdfUrl(ctx: DomainContext, actions: ActionRegistry, id: string): Promise<PdfUrlDto> {
  const row = await loadInvoice(ctx, id);
  const fileId = row.number ? await storeInvoicePdf(ctx, actions, row) : null;
  const sign = actions.get('files.signDownload');
  const filename = `${row.number ?? 'draft-invoice'}.pdf`;
  if (fileId && sign) {
    const signed = signedOutput.parse(await sign.run({ fileId }, { ...ctx, idempotencyKey: `revenue-pdf-url:${id}:${Date.now()}` }));
    return { url: signed.url, filename, expiresAt: signed.expiresAt };
  }
  const bytes = await renderInvoice(ctx, row);
  return { url: `data:application/pdf;base64,${Buffer.from(bytes).toString('base64')}`, filename, expiresAt: null };
}

/** Emails the issued invoice to the client's billing email (the message links to the portal page). */
export async function sendInvoice(ctx: DomainContext, actions: ActionRegistry, id: string): Promise<InvoiceDto> {
  const db = ctx.db<RevenueDB>();
  const row = await loadInvoice(ctx, id, { forUpdate: true });
  if (!row.number || row.status === 'void')
    throw new DomainError('PRECONDITION_FAILED', row.status === 'void' ? 'This invoice is void' : 'Issue the invoice before sending it');
  const account = await repo.findAccount(db, row.client_id);
  if (!account?.billing_email) {
    throw new DomainError('PRECONDITION_FAILED', "The client's billing account has no email address: add one in the client's Billing tab", [
      { path: ['billingEmail'], message: 'Missing' },
    ]);
  }
  await storeInvoicePdf(ctx, actions, row);
  const brand = await brandName(ctx);
  const total = formatMoney(BigInt(row.total_minor), row.currency);
  const balance = formatMoney(BigInt(row.balance_minor), row.currency);
  await sendSystemMail(ctx, {
    to: { email: account.billing_email, name: account.billing_name ?? account.billing_email },
    template: 'message',
    data: {
      subject: `Invoice ${row.number} from ${brand}`,
      body: `${brand} sent you invoice ${row.number} for ${total}, due ${dateText(row.due_date)}. Balance due: ${balance}. You can view and download it in your client portal.`,
      url: `/portal/invoices/${row.id}`,
      urlLabel: 'View the invoice',
    },
    brand: { name: brand, logoUrl: null },
  });
  const updated = await db.updateTable('revenue.invoices').set({ sent_at: new Date() }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
  await ctx.emit(
    invoiceSent,
    {
      invoice_id: row.id,
      client_id: row.client_id,
      currency: row.currency,
      total_minor: BigInt(row.total_minor).toString(),
      number: row.number,
      to: account.billing_email,
      sent_by: ctx.actorId,
    },
    { aggregateId: row.id },
  );
  return invoiceDto(updated, await repo.findLines(db, id));
}
