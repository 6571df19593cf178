import { sql, type Transaction } from '@ubos/platform';
import type { Insertable, Updateable } from 'kysely';
import type {
  AccountRow,
  AccountsTable,
  InvoiceSettingsTable,
  CreditNoteRow,
  CreditNotesTable,
  InvoiceLineRow,
  InvoiceLinesTable,
  InvoiceRow,
  InvoiceSettingsRow,
  InvoicesTable,
  PaymentRow,
  PaymentsTable,
  RevenueDB,
} from './db.ts';

/** Kysely queries of revenue's money in (ARCHITECTURE.md §4). RLS scopes every one to the tenant. */

type Db = Transaction<RevenueDB>;

export async function findInvoiceSettings(db: Db): Promise<InvoiceSettingsRow | undefined> {
  return db.selectFrom('revenue.invoice_settings').selectAll().executeTakeFirst();
}

export async function upsertInvoiceSettings(
  db: Db,
  tenantId: string,
  values: Updateable<InvoiceSettingsTable>,
  updatedBy: string | null,
): Promise<InvoiceSettingsRow> {
  return db
    .insertInto('revenue.invoice_settings')
    .values({ tenant_id: tenantId, ...values, updated_by: updatedBy })
    .onConflict((conflict) => conflict.column('tenant_id').doUpdateSet({ ...values, updated_by: updatedBy, updated_at: sql<Date>`now()` }))
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findAccount(db: Db, clientId: string): Promise<AccountRow | undefined> {
  return db.selectFrom('revenue.accounts').selectAll().where('client_id', '=', clientId).executeTakeFirst();
}

export async function upsertAccount(
  db: Db,
  key: { tenant_id: string; client_id: string; updated_by: string | null },
  changes: Updateable<AccountsTable>,
): Promise<AccountRow> {
  return db
    .insertInto('revenue.accounts')
    .values({ ...changes, ...key })
    .onConflict((conflict) =>
      conflict.columns(['tenant_id', 'client_id']).doUpdateSet({ ...changes, updated_by: key.updated_by, updated_at: sql<Date>`now()` }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function clientCredit(db: Db, clientId: string): Promise<{ currency: string; amount: string }[]> {
  const rows = await db
    .selectFrom('revenue.credit_movements')
    .select(['currency', sql<string>`sum(amount_minor)::text`.as('amount')])
    .where('client_id', '=', clientId)
    .groupBy('currency')
    .orderBy('currency')
    .execute();
  return rows.filter((row) => row.amount !== '0');
}

/** Next number of a sequence, in the caller's transaction: the row lock queues concurrent issues; a rollback gives it back. */
export async function nextNumber(db: Db, tenantId: string, sequence: string): Promise<bigint> {
  const row = await db
    .insertInto('revenue.number_sequences')
    .values({ tenant_id: tenantId, sequence, last_value: 1 })
    .onConflict((conflict) => conflict.columns(['tenant_id', 'sequence']).doUpdateSet({ last_value: sql<string>`revenue.number_sequences.last_value + 1` }))
    .returning('last_value')
    .executeTakeFirstOrThrow();
  return BigInt(row.last_value);
}

export async function findInvoice(db: Db, id: string, options: { forUpdate?: boolean } = {}): Promise<InvoiceRow | undefined> {
  const query = db.selectFrom('revenue.invoices').selectAll().where('id', '=', id);
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

export async function findLines(db: Db, invoiceId: string): Promise<InvoiceLineRow[]> {
  return db.selectFrom('revenue.invoice_lines').selectAll().where('invoice_id', '=', invoiceId).orderBy('position').execute();
}

export async function insertInvoice(db: Db, row: Insertable<InvoicesTable>): Promise<InvoiceRow> {
  return db.insertInto('revenue.invoices').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function insertLines(db: Db, values: readonly Insertable<InvoiceLinesTable>[]): Promise<void> {
  if (values.length > 0)
    await db
      .insertInto('revenue.invoice_lines')
      .values([...values])
      .execute();
}

export async function replaceLines(db: Db, invoiceId: string, values: readonly Insertable<InvoiceLinesTable>[]): Promise<void> {
  await db.deleteFrom('revenue.invoice_lines').where('invoice_id', '=', invoiceId).execute();
  if (values.length > 0)
    await db
      .insertInto('revenue.invoice_lines')
      .values([...values])
      .execute();
}

/** Conditional update: only while the invoice is in one of `from` (returns undefined otherwise). */
export async function updateInvoiceWhere(db: Db, id: string, from: readonly string[], changes: Updateable<InvoicesTable>): Promise<InvoiceRow | undefined> {
  return db
    .updateTable('revenue.invoices')
    .set({ ...changes, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('status', 'in', [...from])
    .returningAll()
    .executeTakeFirst();
}

export interface InvoiceListQuery {
  status?: string;
  clientId?: string;
  overdueOn?: string;
  limit: number;
  cursor?: string;
}

export async function listInvoices(db: Db, query: InvoiceListQuery): Promise<InvoiceRow[]> {
  let builder = db.selectFrom('revenue.invoices').selectAll();
  if (query.status) builder = builder.where('status', '=', query.status);
  if (query.clientId) builder = builder.where('client_id', '=', query.clientId);
  if (query.overdueOn) builder = builder.where('status', 'in', ['issued', 'partially_paid']).where('due_date', '<', query.overdueOn);
  if (query.cursor) builder = builder.where('id', '<', query.cursor);
  return builder
    .orderBy('id', 'desc')
    .limit(query.limit + 1)
    .execute();
}

export async function insertCreditNote(db: Db, row: Insertable<CreditNotesTable>): Promise<CreditNoteRow> {
  return db.insertInto('revenue.credit_notes').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function creditNotesTotal(db: Db, invoiceId: string): Promise<bigint> {
  const row = await db
    .selectFrom('revenue.credit_notes')
    .select(sql<string>`coalesce(sum(amount_minor), 0)::text`.as('total'))
    .where('invoice_id', '=', invoiceId)
    .executeTakeFirstOrThrow();
  return BigInt(row.total);
}

export async function findCreditNote(db: Db, id: string): Promise<CreditNoteRow | undefined> {
  return db.selectFrom('revenue.credit_notes').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listCreditNotes(db: Db, query: { invoiceId?: string; clientId?: string; limit: number; cursor?: string }): Promise<CreditNoteRow[]> {
  let builder = db.selectFrom('revenue.credit_notes').selectAll();
  if (query.invoiceId) builder = builder.where('invoice_id', '=', query.invoiceId);
  if (query.clientId) builder = builder.where('client_id', '=', query.clientId);
  if (query.cursor) builder = builder.where('id', '<', query.cursor);
  return builder
    .orderBy('id', 'desc')
    .limit(query.limit + 1)
    .execute();
}

export async function invoiceNumbers(db: Db, ids: readonly string[]): Promise<Map<string, string | null>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('revenue.invoices')
    .select(['id', 'number'])
    .where('id', 'in', [...new Set(ids)])
    .execute();
  return new Map(rows.map((row) => [row.id, row.number]));
}

export async function findPayment(db: Db, id: string, options: { forUpdate?: boolean } = {}): Promise<PaymentRow | undefined> {
  const query = db.selectFrom('revenue.payments').selectAll().where('id', '=', id);
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

export async function findPaymentByKey(db: Db, key: string): Promise<PaymentRow | undefined> {
  return db.selectFrom('revenue.payments').selectAll().where('idempotency_key', '=', key).executeTakeFirst();
}

export async function insertPayment(db: Db, row: Insertable<PaymentsTable>): Promise<PaymentRow> {
  return db.insertInto('revenue.payments').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function listPayments(db: Db, query: { invoiceId?: string; clientId?: string; limit: number; cursor?: string }): Promise<PaymentRow[]> {
  let builder = db.selectFrom('revenue.payments').selectAll();
  if (query.invoiceId) builder = builder.where('invoice_id', '=', query.invoiceId);
  if (query.clientId) builder = builder.where('client_id', '=', query.clientId);
  if (query.cursor) builder = builder.where('id', '<', query.cursor);
  return builder
    .orderBy('id', 'desc')
    .limit(query.limit + 1)
    .execute();
}

export async function insertCreditMovement(
  db: Db,
  row: { id: string; tenant_id: string; client_id: string; currency: string; amount_minor: string; source: string; source_id: string },
): Promise<void> {
  await db.insertInto('revenue.credit_movements').values(row).execute();
}

export interface AgingRow {
  client_id: string;
  currency: string;
  invoices: number;
  current: string;
  days1to30: string;
  days31to60: string;
  days61to90: string;
  days90plus: string;
  total: string;
}

/** Open balances by client and currency, bucketed by days past due on `asOf`. */
export async function aging(db: Db, asOf: string, clientId: string | undefined): Promise<AgingRow[]> {
  const late = sql`(${asOf}::date - due_date)`;
  const bucket = (condition: ReturnType<typeof sql>) => sql<string>`coalesce(sum(balance_minor) FILTER (WHERE ${condition}), 0)::text`;
  let builder = db
    .selectFrom('revenue.invoices')
    .select([
      'client_id',
      'currency',
      sql<number>`count(*)::int`.as('invoices'),
      bucket(sql`${late} <= 0`).as('current'),
      bucket(sql`${late} BETWEEN 1 AND 30`).as('days1to30'),
      bucket(sql`${late} BETWEEN 31 AND 60`).as('days31to60'),
      bucket(sql`${late} BETWEEN 61 AND 90`).as('days61to90'),
      bucket(sql`${late} > 90`).as('days90plus'),
      sql<string>`sum(balance_minor)::text`.as('total'),
    ])
    .where('status', 'in', ['issued', 'partially_paid'])
    .where('balance_minor', '>', 0)
    .where('issue_date', '<=', asOf);
  if (clientId) builder = builder.where('client_id', '=', clientId);
  return builder.groupBy(['client_id', 'currency']).orderBy('client_id').orderBy('currency').execute();
}
