import { sql, type Transaction } from '@ubos/platform';
import type { BillLineRow, BillRow, BillsDB, VendorRow } from './db-bills.ts';

/** SQL of vendors and vendor bills (schema `revenue` only; RLS scopes every query to the tenant). */

type Db = Transaction<BillsDB>;

// ---------------------------------------------------------------- vendors

export async function insertVendor(db: Db, row: Omit<VendorRow, 'created_at' | 'updated_at' | 'archived_at'>): Promise<VendorRow | undefined> {
  return db
    .insertInto('revenue.vendors')
    .values(row)
    .onConflict((conflict) => conflict.doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function findVendor(db: Db, vendorId: string, options: { forUpdate?: boolean } = {}): Promise<VendorRow | undefined> {
  const query = db.selectFrom('revenue.vendors').selectAll().where('id', '=', vendorId);
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

export async function findVendorByName(db: Db, name: string): Promise<VendorRow | undefined> {
  return db
    .selectFrom('revenue.vendors')
    .selectAll()
    .where(sql<boolean>`lower(btrim(name)) = lower(btrim(${name}))`)
    .where('archived_at', 'is', null)
    .executeTakeFirst();
}

export async function listVendors(db: Db, input: { includeArchived: boolean; query?: string | undefined }): Promise<VendorRow[]> {
  let query = db.selectFrom('revenue.vendors').selectAll().orderBy(sql`lower(name)`).limit(500);
  if (!input.includeArchived) query = query.where('archived_at', 'is', null);
  if (input.query) query = query.where('name', 'ilike', `%${input.query.replace(/[\\%_]/g, (char) => `\\${char}`)}%`);
  return query.execute();
}

export async function updateVendor(db: Db, vendorId: string, changes: Partial<Omit<VendorRow, 'id' | 'tenant_id'>>): Promise<VendorRow> {
  return db
    .updateTable('revenue.vendors')
    .set({ ...changes, updated_at: sql<Date>`now()` })
    .where('id', '=', vendorId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

// ---------------------------------------------------------------- bills

const billColumns = [
  'id',
  'tenant_id',
  'vendor_id',
  'number',
  'number_key',
  sql<string>`issue_date::text`.as('issue_date'),
  sql<string | null>`due_date::text`.as('due_date'),
  'currency',
  'category',
  'notes',
  'attachment_file_id',
  'total_minor',
  'status',
  'version',
  'submitted_by',
  'submitted_at',
  'rejection_reason',
  sql<string | null>`scheduled_for::text`.as('scheduled_for'),
  'paid_at',
  'payment_reference',
  'created_by',
  'created_at',
  'updated_at',
] as const;

export type BillInsert = Omit<
  BillRow,
  | 'number_key'
  | 'status'
  | 'version'
  | 'created_at'
  | 'updated_at'
  | 'submitted_by'
  | 'submitted_at'
  | 'rejection_reason'
  | 'scheduled_for'
  | 'paid_at'
  | 'payment_reference'
>;

/** Inserts the bill unless the vendor already has one with this number (then undefined: the caller names it). */
export async function insertBill(db: Db, row: BillInsert): Promise<BillRow | undefined> {
  return db
    .insertInto('revenue.bills')
    .values(row)
    .onConflict((conflict) => conflict.constraint('bills_vendor_number_key').doNothing())
    .returning(billColumns)
    .executeTakeFirst();
}

/** The vendor's bill with this number as compared (case and spaces ignored), if any. */
export async function findBillByNumber(db: Db, vendorId: string, number: string): Promise<BillRow | undefined> {
  return db
    .selectFrom('revenue.bills')
    .select(billColumns)
    .where('vendor_id', '=', vendorId)
    .where('number_key', '=', sql<string>`lower(regexp_replace(${number}, '\\s+', '', 'g'))`)
    .executeTakeFirst();
}

export async function findBill(db: Db, billId: string, options: { forUpdate?: boolean } = {}): Promise<BillRow | undefined> {
  const query = db.selectFrom('revenue.bills').select(billColumns).where('id', '=', billId);
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

export async function findBills(db: Db, billIds: readonly string[]): Promise<(BillRow & { vendor_name: string })[]> {
  if (billIds.length === 0) return [];
  return db
    .selectFrom('revenue.bills as b')
    .innerJoin('revenue.vendors as v', 'v.id', 'b.vendor_id')
    .select(billColumns.map((column) => (typeof column === 'string' ? (`b.${column}` as const) : column)))
    .select('v.name as vendor_name')
    .where('b.id', 'in', billIds)
    .execute();
}

export async function listBills(
  db: Db,
  input: { status?: string | undefined; vendorId?: string | undefined; limit: number },
): Promise<(BillRow & { vendor_name: string })[]> {
  let query = db
    .selectFrom('revenue.bills as b')
    .innerJoin('revenue.vendors as v', 'v.id', 'b.vendor_id')
    .select(billColumns.map((column) => (typeof column === 'string' ? (`b.${column}` as const) : column)))
    .select('v.name as vendor_name')
    .orderBy('b.created_at', 'desc')
    .orderBy('b.id', 'desc')
    .limit(input.limit);
  if (input.status) query = query.where('b.status', '=', input.status);
  if (input.vendorId) query = query.where('b.vendor_id', '=', input.vendorId);
  return query.execute();
}

export async function updateBill(db: Db, billId: string, changes: Partial<Omit<BillRow, 'id' | 'tenant_id' | 'number_key'>>): Promise<BillRow> {
  return db
    .updateTable('revenue.bills')
    .set({ ...changes, updated_at: sql<Date>`now()` })
    .where('id', '=', billId)
    .returning(billColumns)
    .executeTakeFirstOrThrow();
}

/**
 * Moves a bill from one of `from` to `to` (with `changes`) only while it is in `from` (and, when
 * given, at `version`): the conditional UPDATE lets one of two concurrent callers win.
 */
export async function transitionBill(
  db: Db,
  billId: string,
  from: readonly string[],
  to: string,
  changes: Partial<Omit<BillRow, 'id' | 'tenant_id' | 'number_key' | 'status'>> = {},
  version?: number,
): Promise<BillRow | undefined> {
  let query = db
    .updateTable('revenue.bills')
    .set({ ...changes, status: to, updated_at: sql<Date>`now()` })
    .where('id', '=', billId)
    .where('status', 'in', [...from]);
  if (version !== undefined) query = query.where('version', '=', version);
  return query.returning(billColumns).executeTakeFirst();
}

export async function replaceLines(
  db: Db,
  tenantId: string,
  billId: string,
  lines: readonly { description: string; amountMinor: number; category?: string | null | undefined }[],
) {
  await db.deleteFrom('revenue.bill_lines').where('bill_id', '=', billId).execute();
  await db
    .insertInto('revenue.bill_lines')
    .values(
      lines.map((line, position) => ({
        tenant_id: tenantId,
        bill_id: billId,
        position,
        description: line.description,
        amount_minor: line.amountMinor,
        category: line.category ?? null,
      })),
    )
    .execute();
}

export async function listLines(db: Db, billId: string): Promise<BillLineRow[]> {
  return db.selectFrom('revenue.bill_lines').selectAll().where('bill_id', '=', billId).orderBy('position').execute();
}

/** The pending step of each bill's open round (position, shape and the round's step count). */
export async function pendingStepsOf(db: Db, billIds: readonly string[]) {
  if (billIds.length === 0) return [];
  return db
    .selectFrom('revenue.approval_steps as s')
    .innerJoin('revenue.approval_requests as r', 'r.id', 's.request_id')
    .select(['r.subject_id', 's.position', 's.kind', 's.role', 's.user_ids', 's.mode', 's.required'])
    .select((eb) =>
      eb.selectFrom('revenue.approval_steps as c').select(sql<number>`count(*)::int`.as('n')).whereRef('c.request_id', '=', 'r.id').as('step_count'),
    )
    .where('r.subject_kind', '=', 'bill')
    .where('r.subject_id', 'in', billIds)
    .where('r.status', '=', 'pending')
    .where('s.status', '=', 'pending')
    .execute();
}
