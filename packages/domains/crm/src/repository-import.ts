import { sql } from '@ubos/platform';
import type { Insertable, Selectable } from 'kysely';
import type { ClientsTable, ContactsTable, ImportErrorsTable, ImportFilesTable, ImportsTable, RelationshipsTable } from './db.ts';
import type { ClientRow, ContactRow, Db, RelationshipRow } from './repository.ts';

/** SQL of CSV imports: the import row, its stored file pieces and its error report. */

export type ImportRow = Selectable<ImportsTable>;

export async function insertImport(db: Db, row: Insertable<ImportsTable>): Promise<ImportRow> {
  return db.insertInto('crm.imports').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function insertImportFiles(db: Db, rows: Insertable<ImportFilesTable>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 20)
    await db
      .insertInto('crm.import_files')
      .values(rows.slice(i, i + 20))
      .execute();
}

export async function findImport(db: Db, id: string, options: { lock?: boolean } = {}): Promise<ImportRow | undefined> {
  let query = db.selectFrom('crm.imports').selectAll().where('id', '=', id);
  if (options.lock) query = query.forUpdate();
  return query.executeTakeFirst();
}

export async function listImports(db: Db, limit: number): Promise<ImportRow[]> {
  return db.selectFrom('crm.imports').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

export async function importPiece(db: Db, importId: string, chunk: number): Promise<Selectable<ImportFilesTable> | undefined> {
  return db.selectFrom('crm.import_files').selectAll().where('import_id', '=', importId).where('chunk', '=', chunk).executeTakeFirst();
}

export async function updateImport(
  db: Db,
  id: string,
  changes: Partial<Pick<ImportsTable, 'status' | 'next_chunk' | 'rows_done' | 'created_count' | 'duplicate_count' | 'error_count' | 'finished_at' | 'error'>>,
): Promise<ImportRow> {
  return db
    .updateTable('crm.imports')
    .set({ ...changes, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function insertImportErrors(db: Db, rows: Insertable<ImportErrorsTable>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000)
    await db
      .insertInto('crm.import_errors')
      .values(rows.slice(i, i + 1000))
      .execute();
}

export async function importErrors(db: Db, importId: string, limit: number): Promise<Selectable<ImportErrorsTable>[]> {
  return db.selectFrom('crm.import_errors').selectAll().where('import_id', '=', importId).orderBy('row_number').orderBy('id').limit(limit).execute();
}

/** Serialises imports of one kind within a tenant, so two runs cannot both miss each other's rows. */
export async function lockImportKind(db: Db, tenantId: string, kind: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext(${`crm.import:${tenantId}:${kind}`}))`.execute(db);
}

export async function insertClients(db: Db, rows: Insertable<ClientsTable>[]): Promise<ClientRow[]> {
  if (rows.length === 0) return [];
  return db.insertInto('crm.clients').values(rows).returningAll().execute();
}

export async function insertContacts(db: Db, rows: Insertable<ContactsTable>[]): Promise<ContactRow[]> {
  if (rows.length === 0) return [];
  return db.insertInto('crm.contacts').values(rows).returningAll().execute();
}

/** Existing contacts without an email, by lower(name): the dedupe key of email-less rows. */
export async function findEmaillessContactsByName(db: Db, names: string[]): Promise<{ id: string; name_key: string }[]> {
  if (names.length === 0) return [];
  const result = await sql<{ id: string; name_key: string }>`
    SELECT id, lower(name) AS name_key FROM crm.contacts
    WHERE deleted_at IS NULL AND email_normalized IS NULL AND lower(name) = ANY(${names}::text[])`.execute(db);
  return result.rows;
}

export async function insertRelationships(db: Db, rows: Insertable<RelationshipsTable>[]): Promise<RelationshipRow[]> {
  if (rows.length === 0) return [];
  return db
    .insertInto('crm.relationships')
    .values(rows)
    .onConflict((oc) => oc.columns(['tenant_id', 'contact_id', 'client_id']).doNothing())
    .returningAll()
    .execute();
}
