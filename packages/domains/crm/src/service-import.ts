import { createHash } from 'node:crypto';
import { DomainError, NotFoundError, uuidv7, type DomainContext, type EventEnvelope, type FieldIssue, type HandlerContext } from '@ubos/platform';
import type { FieldDefinition } from './custom-fields.ts';
import { CsvError, CsvParser, type CsvRecord } from './csv.ts';
import { importChunkProcessed, importCompleted, importFailed, importRequested, importResumed, type ImportDto } from './contracts.ts';
import type { CrmDB, CustomFieldEntity, ImportMapping } from './db.ts';
import * as imports from './repository-import.ts';
import type { ImportRow } from './repository-import.ts';
import { fieldDefinitions } from './service-custom-fields.ts';
import { importClients, importContacts, isBlank } from './service-import-rows.ts';

/**
 * CSV import of clients and contacts as an event-driven chunk processor:
 * `crm.imports.create` stores the file in whole-record pieces (crm.import_files) and emits
 * crm.import.requested; the crm.import-chunks subscription processes one piece per delivery in
 * its own transaction and emits crm.import.chunk_processed to continue, so progress commits
 * per chunk and a crash resumes at the next chunk. Rows are deduplicated against existing
 * records (contacts by normalized email, else by name among email-less contacts; clients by
 * domain or normalized name), so re-running a file creates nothing new. One chunk's rows are
 * parsed and written by service-import-rows.ts.
 */

export const IMPORT_CHUNK_ROWS = 2_000;
const MAX_STORED_ERRORS = 10_000;

export type ImportKind = 'clients' | 'contacts';

const targetFields: Record<ImportKind, readonly string[]> = {
  clients: ['name', 'domain', 'website', 'status', 'tags'],
  contacts: ['name', 'first_name', 'last_name', 'email', 'phone', 'title', 'tags', 'company', 'role'],
};
const entityOf: Record<ImportKind, CustomFieldEntity> = { clients: 'client', contacts: 'contact' };

// ---------------------------------------------------------------- create

function issue(path: (string | number)[], message: string): FieldIssue {
  return { path, message };
}

function validateMapping(kind: ImportKind, header: string[], mapping: Record<string, string>, definitions: FieldDefinition[]): void {
  const issues: FieldIssue[] = [];
  const allowed = new Set([...targetFields[kind], ...definitions.map((definition) => `custom.${definition.key}`)]);
  const used = new Set<string>();
  for (const [column, field] of Object.entries(mapping)) {
    if (!header.includes(column)) issues.push(issue(['mapping', column], `The file has no column "${column}"`));
    if (!allowed.has(field)) issues.push(issue(['mapping', column], `Unknown field "${field}" for ${kind}`));
    if (used.has(field)) issues.push(issue(['mapping', column], `Field "${field}" is mapped twice`));
    used.add(field);
  }
  const named = kind === 'clients' ? used.has('name') : ['name', 'first_name', 'last_name', 'email'].some((field) => used.has(field));
  if (!named) {
    issues.push(
      issue(
        ['mapping'],
        kind === 'clients'
          ? 'No column is imported as the client’s name, and every client needs one: map the column that holds it (for example “Company Name”) to name'
          : 'No column is imported as the contact’s name or email, and every contact needs one: map a column to name, first_name, last_name or email',
      ),
    );
  }
  if (issues.length > 0) throw new DomainError('BAD_REQUEST', `The file cannot be imported: ${issues.map((i) => i.message).join('; ')}`, issues);
}

interface Piece {
  first: CsvRecord;
  last: CsvRecord;
  rows: number;
}

/** Streams the text through the parser once: header, row count and the piece boundaries. */
function scanFile(csv: string): { header: string[]; pieces: Piece[]; totalRows: number } {
  const parser = new CsvParser();
  let header: string[] | null = null;
  const pieces: Piece[] = [];
  let current: Piece | null = null;
  let totalRows = 0;
  const take = (records: CsvRecord[]) => {
    for (const record of records) {
      if (isBlank(record)) continue;
      if (!header) {
        header = record.fields.map((field) => field.trim());
        continue;
      }
      totalRows += 1;
      if (!current) current = { first: record, last: record, rows: 0 };
      current.last = record;
      current.rows += 1;
      if (current.rows === IMPORT_CHUNK_ROWS) {
        pieces.push(current);
        current = null;
      }
    }
  };
  try {
    for (let offset = 0; offset < csv.length; offset += 1 << 20) take(parser.write(csv.slice(offset, offset + (1 << 20))));
    take(parser.end());
  } catch (error) {
    if (error instanceof CsvError) throw new DomainError('BAD_REQUEST', `CSV: ${error.message} (record ${error.record})`, [issue(['csv'], error.message)]);
    throw error;
  }
  if (current) pieces.push(current);
  if (!header) throw new DomainError('BAD_REQUEST', 'The file is empty', [issue(['csv'], 'The file has no header row')]);
  return { header, pieces, totalRows };
}

export function toImportDto(row: ImportRow, errors: { row_number: number; field: string | null; message: string }[]): ImportDto {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    fileName: row.file_name,
    totalRows: row.total_rows,
    rowsDone: row.rows_done,
    createdCount: row.created_count,
    duplicateCount: row.duplicate_count,
    errorCount: row.error_count,
    errors: errors.map((error) => ({ row: error.row_number, field: error.field, message: error.message })),
    error: row.error,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}

export async function createImport(
  ctx: DomainContext,
  input: { kind: ImportKind; csv: string; mapping: Record<string, string>; fileName?: string | undefined },
): Promise<ImportDto> {
  const db = ctx.db<CrmDB>();
  const { header, pieces, totalRows } = scanFile(input.csv);
  if (new Set(header).size !== header.length) throw new DomainError('BAD_REQUEST', 'Column names must be unique', [issue(['csv'], 'Duplicate column names')]);
  validateMapping(input.kind, header, input.mapping, await fieldDefinitions(ctx, entityOf[input.kind]));
  const tenantId = ctx.tenantId;
  const row = await imports.insertImport(db, {
    id: uuidv7(),
    tenant_id: tenantId,
    kind: input.kind,
    mapping: JSON.stringify({ header, fields: input.mapping } satisfies ImportMapping),
    file_name: input.fileName ?? null,
    file_sha256: createHash('sha256').update(input.csv).digest('hex'),
    status: 'queued',
    total_rows: totalRows,
    total_chunks: pieces.length,
    next_chunk: 0,
    rows_done: 0,
    created_count: 0,
    duplicate_count: 0,
    error_count: 0,
    created_by: ctx.actorId,
    updated_at: new Date(),
    finished_at: null,
    error: null,
  });
  await imports.insertImportFiles(
    db,
    pieces.map((piece, chunk) => ({
      tenant_id: tenantId,
      import_id: row.id,
      chunk,
      first_row: piece.first.number,
      row_count: piece.rows,
      content: input.csv.slice(piece.first.start, piece.last.end),
    })),
  );
  await ctx.emit(importRequested, { import_id: row.id, kind: row.kind, total_rows: totalRows, total_chunks: pieces.length }, { aggregateId: row.id });
  return toImportDto(row, []);
}

export async function getImport(ctx: DomainContext, id: string): Promise<ImportDto> {
  const db = ctx.db<CrmDB>();
  const row = await imports.findImport(db, id);
  if (!row) throw new NotFoundError('Import', id);
  return toImportDto(row, await imports.importErrors(db, id, 500));
}

export async function listImports(ctx: DomainContext): Promise<ImportDto[]> {
  return (await imports.listImports(ctx.db<CrmDB>(), 50)).map((row) => toImportDto(row, []));
}

// ---------------------------------------------------------------- chunk processor

const requestedPayload = importRequested.payload;
const chunkPayload = importChunkProcessed.payload;

/** The import and chunk an event of the crm.import-chunks subscription asks for. */
function importTarget(event: EventEnvelope): { importId: string; chunk: number } {
  if (event.type === importRequested.type) return { importId: requestedPayload.parse(event.payload).import_id, chunk: 0 };
  const payload = chunkPayload.parse(event.payload);
  return { importId: payload.import_id, chunk: payload.next_chunk };
}

/** Processes the chunk an import event asks for; a stale or repeated delivery changes nothing. */
export async function processImportEvent(event: EventEnvelope, context: HandlerContext): Promise<void> {
  const { importId, chunk } = importTarget(event);
  await processImportChunk(context, importId, chunk);
}

/**
 * Processes chunk `chunk` of an import, if it is the chunk the import waits for. A failed import
 * (its chunk dead-lettered) resumes when that same chunk is delivered again, i.e. when the dead
 * letter is redriven: it goes back to running (error cleared, crm.import.resumed) and continues.
 */
export async function processImportChunk(ctx: DomainContext, importId: string, chunk: number): Promise<void> {
  const db = ctx.db<CrmDB>();
  let current = await imports.findImport(db, importId, { lock: true });
  if (!current || current.status === 'completed' || current.next_chunk !== chunk) return;
  const meta = { aggregateId: current.id };
  if (current.status === 'failed') {
    current = await imports.updateImport(db, importId, { status: 'running', error: null, finished_at: null });
    await ctx.emit(importResumed, { import_id: importId, chunk }, meta);
  }
  if (chunk >= current.total_chunks) {
    await complete(ctx, current);
    return;
  }
  await imports.lockImportKind(db, ctx.tenantId, current.kind);
  const piece = await imports.importPiece(db, importId, chunk);
  if (!piece) throw new Error(`Import ${importId} has no chunk ${chunk}`);
  const parser = new CsvParser();
  const records = [...parser.write(piece.content), ...parser.end()];
  const mapping = current.mapping;
  const result =
    current.kind === 'clients' ? await importClients(ctx, records, piece.first_row, mapping) : await importContacts(ctx, records, piece.first_row, mapping);
  const room = Math.max(0, MAX_STORED_ERRORS - current.error_count);
  await imports.insertImportErrors(
    db,
    result.errors.slice(0, room).map((error) => ({
      id: uuidv7(),
      tenant_id: ctx.tenantId,
      import_id: importId,
      row_number: error.row,
      field: error.field,
      message: error.message,
    })),
  );
  const failedRows = new Set(result.errors.map((error) => error.row)).size;
  const updated = await imports.updateImport(db, importId, {
    status: 'running',
    next_chunk: chunk + 1,
    rows_done: current.rows_done + piece.row_count,
    created_count: current.created_count + result.created,
    duplicate_count: current.duplicate_count + result.duplicates,
    error_count: current.error_count + failedRows,
  });
  await ctx.emit(
    importChunkProcessed,
    { import_id: importId, chunk, next_chunk: chunk + 1, rows_done: updated.rows_done, total_rows: updated.total_rows },
    meta,
  );
  if (chunk + 1 >= updated.total_chunks) await complete(ctx, updated);
}

async function complete(ctx: DomainContext, row: ImportRow): Promise<void> {
  const done = await imports.updateImport(ctx.db<CrmDB>(), row.id, { status: 'completed', finished_at: new Date() });
  await ctx.emit(
    importCompleted,
    { import_id: done.id, kind: done.kind, created_count: done.created_count, duplicate_count: done.duplicate_count, error_count: done.error_count },
    { aggregateId: done.id },
  );
}

const MAX_ERROR_LENGTH = 2_000;

/**
 * onDeadLetter of crm.import-chunks: the chunk this event asked for failed on every attempt, so the
 * import is marked failed with the error (the UI stops showing progress) and crm.import.failed puts
 * it on the timeline. Rows of earlier chunks stay imported. A stale event changes nothing.
 */
export async function markImportFailed(ctx: DomainContext, event: EventEnvelope, failure: { message: string; attempts: number }): Promise<void> {
  const { importId, chunk } = importTarget(event);
  const db = ctx.db<CrmDB>();
  const current = await imports.findImport(db, importId, { lock: true });
  if (!current || (current.status !== 'queued' && current.status !== 'running') || current.next_chunk !== chunk) return;
  const piece = await imports.importPiece(db, importId, chunk);
  const rows = piece ? `Rows ${piece.first_row}–${piece.first_row + piece.row_count - 1}` : `Part ${chunk + 1}`;
  const tries = failure.attempts === 1 ? '1 attempt' : `${failure.attempts} attempts`;
  const error = `${rows} could not be imported after ${tries}: ${failure.message.trim() || 'unknown error'}`.slice(0, MAX_ERROR_LENGTH);
  const failed = await imports.updateImport(db, importId, { status: 'failed', error, finished_at: new Date() });
  await ctx.emit(
    importFailed,
    { import_id: importId, kind: failed.kind, chunk, rows_done: failed.rows_done, total_rows: failed.total_rows, error },
    { aggregateId: importId },
  );
}
