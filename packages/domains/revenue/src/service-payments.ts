import { DomainError, NotFoundError, uuidv7, type DomainContext } from '@ubos/platform';
import {
  creditNoteIssued,
  invoicePaid,
  paymentRecorded,
  paymentRefunded,
  type AgingDto,
  type CreateCreditNoteInput,
  type CreditNoteDto,
  type PaymentDto,
  type RecordPaymentInput,
  type RefundPaymentInput,
} from './contracts-invoices.ts';
import type { CreditNoteRow, InvoiceRow, PaymentRow, RevenueDB } from './db.ts';
import * as repo from './repository-invoices.ts';
import { dateText, getInvoiceSettings, loadInvoice, today } from './service-invoices.ts';

/**
 * Payments, refunds and credit notes (ARCHITECTURE.md §3). Each locks the invoice row first
 * (`SELECT … FOR UPDATE`), so concurrent payments of one invoice apply one after the other
 * against the true balance; a CHECK keeps the balance between 0 and the total whatever happens.
 * What a payment or credit note gives beyond the balance becomes the client's credit.
 */

const PAYABLE = ['issued', 'partially_paid'];
const CREDITABLE = ['issued', 'partially_paid', 'paid'];

function statusFor(total: bigint, paid: bigint, credited: bigint, current: string): string {
  const balance = total - paid - credited;
  if (balance === 0n) return 'paid';
  if (paid > 0n || credited > 0n) return 'partially_paid';
  return current === 'paid' || current === 'partially_paid' ? 'issued' : current;
}

function paymentDto(row: PaymentRow, invoiceNumber: string | null): PaymentDto {
  return {
    id: row.id,
    kind: row.kind === 'refund' ? 'refund' : 'payment',
    refundOf: row.refund_of,
    clientId: row.client_id,
    invoiceId: row.invoice_id,
    invoiceNumber,
    currency: row.currency,
    amount: BigInt(row.amount_minor).toString(),
    applied: BigInt(row.applied_minor).toString(),
    refunded: BigInt(row.refunded_minor).toString(),
    method: row.method as PaymentDto['method'],
    reference: row.reference,
    receivedOn: dateText(row.received_on) ?? '',
    createdAt: row.created_at,
  };
}

async function setPaidAmounts(ctx: DomainContext, invoice: InvoiceRow, paid: bigint, credited: bigint): Promise<InvoiceRow> {
  const status = statusFor(BigInt(invoice.total_minor), paid, credited, invoice.status);
  const updated = await repo.updateInvoiceWhere(ctx.db<RevenueDB>(), invoice.id, [invoice.status], {
    status,
    paid_minor: paid.toString(),
    credited_minor: credited.toString(),
  });
  if (!updated) throw new DomainError('CONFLICT', 'The invoice changed meanwhile: try again');
  if (status === 'paid' && invoice.status !== 'paid') {
    await ctx.emit(
      invoicePaid,
      {
        invoice_id: updated.id,
        client_id: updated.client_id,
        currency: updated.currency,
        total_minor: BigInt(updated.total_minor).toString(),
        number: updated.number ?? '',
      },
      { aggregateId: updated.id },
    );
  }
  return updated;
}

/**
 * Records a payment against an issued invoice. The same idempotency key records it once (a repeat
 * returns the first). The part beyond the balance is kept as the client's credit.
 */
export async function recordPayment(ctx: DomainContext, input: RecordPaymentInput): Promise<PaymentDto> {
  const db = ctx.db<RevenueDB>();
  const invoice = await loadInvoice(ctx, input.invoiceId, { forUpdate: true });
  if (input.idempotencyKey) {
    const existing = await repo.findPaymentByKey(db, input.idempotencyKey);
    if (existing) {
      if (existing.invoice_id !== invoice.id || BigInt(existing.amount_minor) !== BigInt(input.amount)) {
        throw new DomainError('CONFLICT', 'This idempotency key was already used for another payment', [{ path: ['idempotencyKey'], message: 'Already used' }]);
      }
      return paymentDto(existing, invoice.number);
    }
  }
  if (!PAYABLE.includes(invoice.status)) {
    throw new DomainError(
      'PRECONDITION_FAILED',
      invoice.status === 'paid'
        ? `Invoice ${invoice.number} is already paid`
        : invoice.status === 'void'
          ? 'This invoice is void'
          : 'Issue the invoice before recording a payment',
    );
  }
  const amount = BigInt(input.amount);
  const balance = BigInt(invoice.balance_minor);
  const applied = amount < balance ? amount : balance;
  const credit = amount - applied;
  const payment = await repo.insertPayment(db, {
    id: uuidv7(),
    tenant_id: ctx.tenantId,
    client_id: invoice.client_id,
    invoice_id: invoice.id,
    kind: 'payment',
    currency: invoice.currency,
    amount_minor: amount.toString(),
    applied_minor: applied.toString(),
    method: input.method,
    reference: input.reference ?? null,
    received_on: input.receivedOn ?? today(),
    idempotency_key: input.idempotencyKey ?? null,
    created_by: ctx.actorId,
  });
  if (credit > 0n) {
    await repo.insertCreditMovement(db, {
      id: uuidv7(),
      tenant_id: ctx.tenantId,
      client_id: invoice.client_id,
      currency: invoice.currency,
      amount_minor: credit.toString(),
      source: 'overpayment',
      source_id: payment.id,
    });
  }
  const updated = await setPaidAmounts(ctx, invoice, BigInt(invoice.paid_minor) + applied, BigInt(invoice.credited_minor));
  await ctx.emit(
    paymentRecorded,
    {
      payment_id: payment.id,
      invoice_id: invoice.id,
      invoice_number: invoice.number,
      client_id: invoice.client_id,
      currency: invoice.currency,
      amount_minor: amount.toString(),
      applied_minor: applied.toString(),
      credit_minor: credit.toString(),
      balance_minor: BigInt(updated.balance_minor).toString(),
      method: input.method,
      recorded_by: ctx.actorId,
    },
    { aggregateId: payment.id },
  );
  return paymentDto(payment, invoice.number);
}

/**
 * Gives money of a payment back. A refund takes first from what the payment left as credit,
 * then from what it paid on the invoice (which opens that balance again).
 */
export async function refundPayment(ctx: DomainContext, input: RefundPaymentInput): Promise<PaymentDto> {
  const db = ctx.db<RevenueDB>();
  const original = await repo.findPayment(db, input.paymentId);
  if (original?.kind !== 'payment') throw new NotFoundError('Payment', input.paymentId);
  // Lock order: invoice, then payment (as recordPayment), so concurrent refunds and payments never deadlock.
  const invoice = original.invoice_id ? await loadInvoice(ctx, original.invoice_id, { forUpdate: true }) : null;
  const payment = await repo.findPayment(db, input.paymentId, { forUpdate: true });
  if (!payment) throw new NotFoundError('Payment', input.paymentId);
  if (input.idempotencyKey) {
    const existing = await repo.findPaymentByKey(db, input.idempotencyKey);
    if (existing) {
      if (existing.refund_of !== payment.id || BigInt(existing.amount_minor) !== BigInt(input.amount)) {
        throw new DomainError('CONFLICT', 'This idempotency key was already used for another payment', [{ path: ['idempotencyKey'], message: 'Already used' }]);
      }
      return paymentDto(existing, invoice?.number ?? null);
    }
  }
  const amount = BigInt(input.amount);
  const refundable = BigInt(payment.amount_minor) - BigInt(payment.refunded_minor);
  if (amount > refundable) {
    throw new DomainError('BAD_REQUEST', `At most ${refundable} (minor units) of this payment can still be refunded`, [
      { path: ['amount'], message: 'More than the payment left' },
    ]);
  }
  const creditPart = BigInt(payment.amount_minor) - BigInt(payment.applied_minor);
  const creditLeft = creditPart - BigInt(payment.refunded_minor) > 0n ? creditPart - BigInt(payment.refunded_minor) : 0n;
  const fromCredit = amount < creditLeft ? amount : creditLeft;
  const fromInvoice = amount - fromCredit;
  const refund = await repo.insertPayment(db, {
    id: uuidv7(),
    tenant_id: ctx.tenantId,
    client_id: payment.client_id,
    invoice_id: payment.invoice_id,
    kind: 'refund',
    refund_of: payment.id,
    currency: payment.currency,
    amount_minor: amount.toString(),
    applied_minor: fromInvoice.toString(),
    method: payment.method,
    reference: input.reference ?? null,
    received_on: today(),
    idempotency_key: input.idempotencyKey ?? null,
    created_by: ctx.actorId,
  });
  await db
    .updateTable('revenue.payments')
    .set({ refunded_minor: (BigInt(payment.refunded_minor) + amount).toString() })
    .where('id', '=', payment.id)
    .execute();
  if (fromCredit > 0n) {
    await repo.insertCreditMovement(db, {
      id: uuidv7(),
      tenant_id: ctx.tenantId,
      client_id: payment.client_id,
      currency: payment.currency,
      amount_minor: (-fromCredit).toString(),
      source: 'refund',
      source_id: refund.id,
    });
  }
  let balance = invoice ? BigInt(invoice.balance_minor) : 0n;
  if (invoice && fromInvoice > 0n) {
    const updated = await setPaidAmounts(ctx, invoice, BigInt(invoice.paid_minor) - fromInvoice, BigInt(invoice.credited_minor));
    balance = BigInt(updated.balance_minor);
  }
  await ctx.emit(
    paymentRefunded,
    {
      refund_id: refund.id,
      payment_id: payment.id,
      invoice_id: payment.invoice_id,
      invoice_number: invoice?.number ?? null,
      client_id: payment.client_id,
      currency: payment.currency,
      amount_minor: amount.toString(),
      balance_minor: balance.toString(),
      refunded_by: ctx.actorId,
    },
    { aggregateId: payment.id },
  );
  return paymentDto(refund, invoice?.number ?? null);
}

export async function listPayments(
  ctx: DomainContext,
  input: { invoiceId?: string | undefined; clientId?: string | undefined; limit: number; cursor?: string | undefined },
) {
  const db = ctx.db<RevenueDB>();
  const rows = await repo.listPayments(db, {
    ...(input.invoiceId ? { invoiceId: input.invoiceId } : {}),
    ...(input.clientId ? { clientId: input.clientId } : {}),
    ...(input.cursor ? { cursor: input.cursor } : {}),
    limit: input.limit,
  });
  const page = rows.slice(0, input.limit);
  const numbers = await repo.invoiceNumbers(
    db,
    page.flatMap((row) => (row.invoice_id ? [row.invoice_id] : [])),
  );
  return {
    items: page.map((row) => paymentDto(row, row.invoice_id ? (numbers.get(row.invoice_id) ?? null) : null)),
    nextCursor: rows.length > input.limit ? (page.at(-1)?.id ?? null) : null,
  };
}

// ---------------------------------------------------------------- credit notes

function creditNoteDto(row: CreditNoteRow, invoiceNumber: string | null): CreditNoteDto {
  return {
    id: row.id,
    invoiceId: row.invoice_id,
    invoiceNumber,
    clientId: row.client_id,
    number: row.number,
    currency: row.currency,
    reason: row.reason,
    amount: BigInt(row.amount_minor).toString(),
    applied: BigInt(row.applied_minor).toString(),
    issueDate: dateText(row.issue_date) ?? '',
    pdfFileId: row.pdf_file_id,
    createdAt: row.created_at,
  };
}

/**
 * A credit note against an issued invoice (the correction of an immutable invoice): numbered in
 * the tenant's credit-note sequence, it reduces the balance; beyond the balance (already paid) it
 * becomes the client's credit. All credit notes of an invoice total at most its total.
 */
export async function createCreditNote(ctx: DomainContext, input: CreateCreditNoteInput): Promise<CreditNoteDto> {
  const db = ctx.db<RevenueDB>();
  const invoice = await loadInvoice(ctx, input.invoiceId, { forUpdate: true });
  if (!CREDITABLE.includes(invoice.status))
    throw new DomainError(
      'PRECONDITION_FAILED',
      invoice.status === 'void' ? 'This invoice is void' : 'Only an issued invoice takes a credit note: edit the draft instead',
    );
  const amount = BigInt(input.amount);
  const already = await repo.creditNotesTotal(db, invoice.id);
  const left = BigInt(invoice.total_minor) - already;
  if (amount > left)
    throw new DomainError('BAD_REQUEST', `Credit notes of this invoice can total at most its total: ${left} (minor units) left`, [
      { path: ['amount'], message: 'More than the invoice left' },
    ]);
  const balance = BigInt(invoice.balance_minor);
  const applied = amount < balance ? amount : balance;
  const settings = await getInvoiceSettings(ctx);
  const seq = await repo.nextNumber(db, ctx.tenantId, 'credit_note');
  const row = await repo.insertCreditNote(db, {
    id: uuidv7(),
    tenant_id: ctx.tenantId,
    invoice_id: invoice.id,
    client_id: invoice.client_id,
    seq: seq.toString(),
    number: `${settings.creditNotePrefix}${seq.toString().padStart(4, '0')}`,
    currency: invoice.currency,
    reason: input.reason,
    amount_minor: amount.toString(),
    applied_minor: applied.toString(),
    issue_date: today(),
    created_by: ctx.actorId,
  });
  if (amount > applied) {
    await repo.insertCreditMovement(db, {
      id: uuidv7(),
      tenant_id: ctx.tenantId,
      client_id: invoice.client_id,
      currency: invoice.currency,
      amount_minor: (amount - applied).toString(),
      source: 'credit_note',
      source_id: row.id,
    });
  }
  if (applied > 0n) await setPaidAmounts(ctx, invoice, BigInt(invoice.paid_minor), BigInt(invoice.credited_minor) + applied);
  await ctx.emit(
    creditNoteIssued,
    {
      credit_note_id: row.id,
      invoice_id: invoice.id,
      invoice_number: invoice.number,
      client_id: invoice.client_id,
      number: row.number,
      currency: row.currency,
      amount_minor: amount.toString(),
      applied_minor: applied.toString(),
      reason: row.reason,
    },
    { aggregateId: row.id },
  );
  return creditNoteDto(row, invoice.number);
}

export async function loadCreditNote(ctx: DomainContext, id: string): Promise<CreditNoteRow> {
  const row = await repo.findCreditNote(ctx.db<RevenueDB>(), id);
  if (!row) throw new NotFoundError('Credit note', id);
  return row;
}

export async function getCreditNote(ctx: DomainContext, id: string): Promise<CreditNoteDto> {
  const db = ctx.db<RevenueDB>();
  const row = await repo.findCreditNote(db, id);
  if (!row) throw new NotFoundError('Credit note', id);
  return creditNoteDto(row, (await repo.invoiceNumbers(db, [row.invoice_id])).get(row.invoice_id) ?? null);
}

export async function listCreditNotes(
  ctx: DomainContext,
  input: { invoiceId?: string | undefined; clientId?: string | undefined; limit: number; cursor?: string | undefined },
) {
  const db = ctx.db<RevenueDB>();
  const rows = await repo.listCreditNotes(db, {
    ...(input.invoiceId ? { invoiceId: input.invoiceId } : {}),
    ...(input.clientId ? { clientId: input.clientId } : {}),
    ...(input.cursor ? { cursor: input.cursor } : {}),
    limit: input.limit,
  });
  const page = rows.slice(0, input.limit);
  const numbers = await repo.invoiceNumbers(
    db,
    page.map((row) => row.invoice_id),
  );
  return {
    items: page.map((row) => creditNoteDto(row, numbers.get(row.invoice_id) ?? null)),
    nextCursor: rows.length > input.limit ? (page.at(-1)?.id ?? null) : null,
  };
}

// ---------------------------------------------------------------- reports

const BUCKETS = ['current', 'days1to30', 'days31to60', 'days61to90', 'days90plus', 'total'] as const;

/** Open balances by days past due (current, 1–30, 31–60, 61–90, 90+), per client and overall, per currency. */
export async function aging(ctx: DomainContext, input: { asOf?: string | undefined; clientId?: string | undefined }): Promise<AgingDto> {
  const asOf = input.asOf ?? today();
  const rows = await repo.aging(ctx.db<RevenueDB>(), asOf, input.clientId);
  const overall = new Map<string, Record<(typeof BUCKETS)[number], bigint> & { invoices: number }>();
  for (const row of rows) {
    const sum = overall.get(row.currency) ?? { current: 0n, days1to30: 0n, days31to60: 0n, days61to90: 0n, days90plus: 0n, total: 0n, invoices: 0 };
    for (const bucket of BUCKETS) sum[bucket] += BigInt(row[bucket]);
    sum.invoices += row.invoices;
    overall.set(row.currency, sum);
  }
  return {
    asOf,
    clients: rows.map((row) => ({
      clientId: row.client_id,
      currency: row.currency,
      invoices: row.invoices,
      current: BigInt(row.current).toString(),
      days1to30: BigInt(row.days1to30).toString(),
      days31to60: BigInt(row.days31to60).toString(),
      days61to90: BigInt(row.days61to90).toString(),
      days90plus: BigInt(row.days90plus).toString(),
      total: BigInt(row.total).toString(),
    })),
    overall: [...overall.entries()].map(([currency, sum]) => ({
      currency,
      invoices: sum.invoices,
      current: sum.current.toString(),
      days1to30: sum.days1to30.toString(),
      days31to60: sum.days31to60.toString(),
      days61to90: sum.days61to90.toString(),
      days90plus: sum.days90plus.toString(),
      total: sum.total.toString(),
    })),
  };
}
