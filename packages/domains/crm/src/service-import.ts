import { createHash } from 'node:crypto';
import { DomainError, NotFoundError, tenantDb, uuidv7, writeEvent, type EventEnvelope, type FieldIssue, type HandlerContext } from '@ubos/platform';
import { z } from 'zod';
import { applyCustomFields, type FieldDefinition } from './custom-fields.ts';
import { CsvError, CsvParser, type CsvRecord } from './csv.ts';
import {
  clientCreated,
  clientStatusSchema,
  contactCreated,
  importChunkProcessed,
  importCompleted,
  importFailed,
  importRequested,
  importResumed,
  type ImportDto,
} from './contracts.ts';
import type { CrmDB, CustomFieldEntity, ImportMapping } from './db.ts';
import { writeEvents } from './outbox-bulk.ts';
import { normalizeCompanyName, normalizeDomain, normalizeEmail, normalizeTags } from './normalize.ts';
import * as repo from './repository.ts';
import * as imports from './repository-import.ts';
import type { ImportRow } from './repository-import.ts';
import type { RelationshipRow } from './repository.ts';
import { clientSnapshot, contactSnapshot, dbOf, fieldDefinitions, type ServiceContext } from './service.ts';

/**
 * CSV import of clients and contacts as an event-driven chunk processor:
 * `crm.imports.create` stores the file in whole-record pieces (crm.import_files) and emits
 * crm.import.requested; the crm.import-chunks subscription processes one piece per delivery in
 * its own transaction and emits crm.import.chunk_processed to continue, so progress commits
 * per chunk and a crash resumes at the next chunk. Rows are deduplicated against existing
 * records (contacts by normalized email, else by name among email-less contacts; clients by
 * domain or normalized name), so re-running a file creates nothing new.
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
  if (!named) issues.push(issue(['mapping'], kind === 'clients' ? 'Map a column to "name"' : 'Map a column to "name", "first_name", "last_name" or "email"'));
  if (issues.length > 0) throw new DomainError('BAD_REQUEST', `Invalid column mapping: ${issues.map((i) => i.message).join('; ')}`, issues);
}

function isBlank(record: CsvRecord): boolean {
  return record.fields.length === 1 && record.fields[0]?.trim() === '';
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
  ctx: ServiceContext,
  input: { kind: ImportKind; csv: string; mapping: Record<string, string>; fileName?: string | undefined },
): Promise<ImportDto> {
  const db = dbOf(ctx);
  const { header, pieces, totalRows } = scanFile(input.csv);
  if (new Set(header).size !== header.length) throw new DomainError('BAD_REQUEST', 'Column names must be unique', [issue(['csv'], 'Duplicate column names')]);
  validateMapping(input.kind, header, input.mapping, await fieldDefinitions(ctx, entityOf[input.kind]));
  const tenantId = ctx.eventMeta.tenantId;
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
    created_by: ctx.eventMeta.actorId,
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
  await writeEvent(ctx.trx, importRequested, { import_id: row.id, kind: row.kind, total_rows: totalRows, total_chunks: pieces.length }, { ...ctx.eventMeta, aggregateId: row.id });
  return toImportDto(row, []);
}

export async function getImport(ctx: ServiceContext, id: string): Promise<ImportDto> {
  const db = dbOf(ctx);
  const row = await imports.findImport(db, id);
  if (!row) throw new NotFoundError('Import', id);
  return toImportDto(row, await imports.importErrors(db, id, 500));
}

export async function listImports(ctx: ServiceContext): Promise<ImportDto[]> {
  return (await imports.listImports(dbOf(ctx), 50)).map((row) => toImportDto(row, []));
}

// ---------------------------------------------------------------- rows

const cell = z.string().trim().transform((value) => (value === '' ? undefined : value));
const tagsCell = z
  .string()
  .optional()
  .transform((value) => normalizeTags(value?.split(/[;,|]/)));

const clientRowSchema = z.object({
  name: z.string({ error: 'Required' }).trim().min(1, 'Required').max(300),
  domain: cell.pipe(z.string().max(253).optional()).optional(),
  website: cell
    .transform((value) => (value && !/^https?:\/\//i.test(value) ? `https://${value}` : value))
    .pipe(z.url({ protocol: /^https?$/ }).max(2000).optional())
    .optional(),
  status: cell.transform((value) => value?.toLowerCase()).pipe(clientStatusSchema.optional()).optional(),
  tags: tagsCell,
});

const contactRowSchema = z.object({
  name: z.string().trim().min(1, 'Required').max(300),
  email: cell.pipe(z.email().max(320).optional()).optional(),
  phone: cell.pipe(z.string().max(50).optional()).optional(),
  title: cell.pipe(z.string().max(200).optional()).optional(),
  tags: tagsCell,
  /** Links the contact to the client of that name (created when none matches). */
  company: cell.pipe(z.string().max(300).optional()).optional(),
  role: cell.pipe(z.string().max(100).optional()).optional(),
});

/** A CSV text value as the JSON value a custom field of `type` stores (validated afterwards). */
function coerceCustom(definition: FieldDefinition, raw: string): unknown {
  const value = raw.trim();
  switch (definition.type) {
    case 'number':
      return value !== '' && Number.isFinite(Number(value)) ? Number(value) : value;
    case 'boolean': {
      const lower = value.toLowerCase();
      if (['true', 'yes', '1', 'y'].includes(lower)) return true;
      if (['false', 'no', '0', 'n'].includes(lower)) return false;
      return value;
    }
    case 'multi_select':
      return value.split(/[;|]/).map((part) => part.trim()).filter((part) => part !== '');
    case 'currency': {
      const match = /^(\d+(?:\.\d{1,2})?)\s*([A-Za-z]{3})$/.exec(value);
      return match ? { amountMinor: Math.round(Number(match[1]) * 100), currency: (match[2] ?? '').toUpperCase() } : value;
    }
    default:
      return value;
  }
}

interface RowError {
  row: number;
  field: string | null;
  message: string;
}

interface ParsedRow<T> {
  row: number;
  values: T;
  customFields: Record<string, unknown>;
}

function parseRows<T>(
  records: CsvRecord[],
  firstRow: number,
  mapping: ImportMapping,
  schema: z.ZodType<T>,
  definitions: FieldDefinition[],
  prepare: (raw: Record<string, string>) => Record<string, string>,
): { rows: ParsedRow<T>[]; errors: RowError[] } {
  const rows: ParsedRow<T>[] = [];
  const errors: RowError[] = [];
  const columnOf = new Map<string, string>();
  const indexes: { index: number; field: string }[] = [];
  for (const [column, field] of Object.entries(mapping.fields)) {
    columnOf.set(field, column);
    indexes.push({ index: mapping.header.indexOf(column), field });
  }
  for (const record of records) {
    if (isBlank(record)) continue;
    const row = firstRow + record.number - 1;
    const raw: Record<string, string> = {};
    const custom: Record<string, unknown> = {};
    for (const { index, field } of indexes) {
      const value = record.fields[index] ?? '';
      if (field.startsWith('custom.')) {
        const definition = definitions.find((candidate) => `custom.${candidate.key}` === field);
        if (definition && value.trim() !== '') custom[definition.key] = coerceCustom(definition, value);
      } else raw[field] = value;
    }
    const parsed = schema.safeParse(prepare(raw));
    const rowErrors: RowError[] = [];
    if (!parsed.success) {
      for (const problem of parsed.error.issues) {
        const field = String(problem.path[0] ?? '');
        rowErrors.push({ row, field: columnOf.get(field) ?? (field || null), message: problem.message });
      }
    }
    let customFields: Record<string, unknown> = {};
    try {
      customFields = applyCustomFields(definitions, custom, null);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      for (const problem of error.issues ?? []) {
        const key = String(problem.path[1] ?? '');
        rowErrors.push({ row, field: columnOf.get(`custom.${key}`) ?? `custom.${key}`, message: problem.message });
      }
    }
    if (rowErrors.length > 0 || !parsed.success) errors.push(...rowErrors);
    else rows.push({ row, values: parsed.data, customFields });
  }
  return { rows, errors };
}

interface ChunkResult {
  created: number;
  duplicates: number;
  errors: RowError[];
}

async function importClients(ctx: ServiceContext, records: CsvRecord[], firstRow: number, mapping: ImportMapping): Promise<ChunkResult> {
  const db = dbOf(ctx);
  const definitions = await fieldDefinitions(ctx, 'client');
  const { rows, errors } = parseRows(records, firstRow, mapping, clientRowSchema, definitions, (raw) => raw);
  const keyed = rows.map((row) => ({
    ...row,
    domain: normalizeDomain(row.values.domain ?? row.values.website),
    nameKey: normalizeCompanyName(row.values.name),
  }));
  const existing = await repo.findClientsByDomainOrName(
    db,
    keyed.flatMap((row) => (row.domain ? [row.domain] : [])),
    keyed.map((row) => row.nameKey).filter((key) => key !== ''),
  );
  const domains = new Set(existing.flatMap((row) => (row.domain ? [row.domain] : [])));
  const names = new Set(existing.map((row) => row.name_normalized));
  const toInsert: Parameters<typeof imports.insertClients>[1] = [];
  let duplicates = 0;
  for (const row of keyed) {
    if ((row.domain && domains.has(row.domain)) || (row.nameKey !== '' && names.has(row.nameKey))) {
      duplicates += 1;
      continue;
    }
    if (row.domain) domains.add(row.domain);
    if (row.nameKey !== '') names.add(row.nameKey);
    toInsert.push({
      id: uuidv7(),
      tenant_id: ctx.eventMeta.tenantId,
      name: row.values.name,
      name_normalized: row.nameKey,
      domain: row.domain,
      website: row.values.website ?? null,
      status: row.values.status ?? 'lead',
      owner_id: null,
      tags: row.values.tags,
      custom_fields: JSON.stringify(row.customFields),
      updated_at: new Date(),
      deleted_at: null,
      merged_into: null,
    });
  }
  const created = await imports.insertClients(db, toInsert);
  await writeEvents(ctx.trx, clientCreated, created.map((client) => ({ payload: clientSnapshot(client), aggregateId: client.id })), ctx.eventMeta);
  return { created: created.length, duplicates, errors };
}

function prepareContact(raw: Record<string, string>): Record<string, string> {
  const name = raw.name?.trim() || [raw.first_name?.trim(), raw.last_name?.trim()].filter(Boolean).join(' ') || raw.email?.trim() || '';
  const { first_name: _first, last_name: _last, ...rest } = raw;
  return { ...rest, name };
}

async function importContacts(ctx: ServiceContext, records: CsvRecord[], firstRow: number, mapping: ImportMapping): Promise<ChunkResult> {
  const db = dbOf(ctx);
  const definitions = await fieldDefinitions(ctx, 'contact');
  const { rows, errors } = parseRows(records, firstRow, mapping, contactRowSchema, definitions, prepareContact);
  const keyed = rows.map((row) => ({ ...row, email: normalizeEmail(row.values.email), nameKey: row.values.name.toLowerCase() }));
  const emails = new Set((await repo.findContactsByEmail(db, keyed.flatMap((row) => (row.email ? [row.email] : [])))).map((row) => row.email_normalized));
  const emailless = new Set(
    (await imports.findEmaillessContactsByName(db, keyed.filter((row) => !row.email).map((row) => row.nameKey))).map((row) => row.name_key),
  );
  const toInsert: Parameters<typeof imports.insertContacts>[1] = [];
  const links: { contactId: string; company: string; role: string | null }[] = [];
  let duplicates = 0;
  for (const row of keyed) {
    const seen = row.email ? emails.has(row.email) : emailless.has(row.nameKey);
    if (seen) {
      duplicates += 1;
      continue;
    }
    if (row.email) emails.add(row.email);
    else emailless.add(row.nameKey);
    const id = uuidv7();
    if (row.values.company) links.push({ contactId: id, company: row.values.company, role: row.values.role ?? null });
    toInsert.push({
      id,
      tenant_id: ctx.eventMeta.tenantId,
      name: row.values.name,
      email: row.values.email ?? null,
      email_normalized: row.email,
      phone: row.values.phone ?? null,
      title: row.values.title ?? null,
      owner_id: null,
      tags: row.values.tags,
      custom_fields: JSON.stringify(row.customFields),
      updated_at: new Date(),
      deleted_at: null,
      merged_into: null,
    });
  }
  const created = await imports.insertContacts(db, toInsert);
  const relationships = await linkCompanies(ctx, links);
  await writeEvents(
    ctx.trx,
    contactCreated,
    created.map((contact) => ({ payload: contactSnapshot(contact, relationships), aggregateId: contact.id })),
    ctx.eventMeta,
  );
  return { created: created.length, duplicates, errors };
}

/** Links new contacts to the clients named in their `company` column, creating missing clients. */
async function linkCompanies(ctx: ServiceContext, links: { contactId: string; company: string; role: string | null }[]): Promise<RelationshipRow[]> {
  if (links.length === 0) return [];
  const db = dbOf(ctx);
  const clientByKey = new Map<string, string>();
  const keys = [...new Set(links.map((link) => normalizeCompanyName(link.company)).filter((key) => key !== ''))];
  for (const row of await repo.findClientsByDomainOrName(db, [], keys)) if (!clientByKey.has(row.name_normalized)) clientByKey.set(row.name_normalized, row.id);
  const newClients: Parameters<typeof imports.insertClients>[1] = [];
  for (const link of links) {
    const key = normalizeCompanyName(link.company);
    if (key === '' || clientByKey.has(key)) continue;
    const id = uuidv7();
    clientByKey.set(key, id);
    newClients.push({
      id,
      tenant_id: ctx.eventMeta.tenantId,
      name: link.company,
      name_normalized: key,
      domain: null,
      website: null,
      status: 'lead',
      owner_id: null,
      tags: [],
      custom_fields: '{}',
      updated_at: new Date(),
      deleted_at: null,
      merged_into: null,
    });
  }
  const createdClients = await imports.insertClients(db, newClients);
  await writeEvents(ctx.trx, clientCreated, createdClients.map((client) => ({ payload: clientSnapshot(client), aggregateId: client.id })), ctx.eventMeta);
  return imports.insertRelationships(
    db,
    links.flatMap((link) => {
      const clientId = clientByKey.get(normalizeCompanyName(link.company));
      return clientId ? [{ id: uuidv7(), tenant_id: ctx.eventMeta.tenantId, contact_id: link.contactId, client_id: clientId, role: link.role }] : [];
    }),
  );
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
export async function processImportChunk(ctx: ServiceContext, importId: string, chunk: number): Promise<void> {
  const db = tenantDb<CrmDB>(ctx);
  let current = await imports.findImport(db, importId, { lock: true });
  if (!current || current.status === 'completed' || current.next_chunk !== chunk) return;
  const meta = { ...ctx.eventMeta, aggregateId: current.id };
  if (current.status === 'failed') {
    current = await imports.updateImport(db, importId, { status: 'running', error: null, finished_at: null });
    await writeEvent(ctx.trx, importResumed, { import_id: importId, chunk }, meta);
  }
  if (chunk >= current.total_chunks) {
    await complete(ctx, current);
    return;
  }
  await imports.lockImportKind(db, ctx.eventMeta.tenantId, current.kind);
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
      tenant_id: ctx.eventMeta.tenantId,
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
  await writeEvent(
    ctx.trx,
    importChunkProcessed,
    { import_id: importId, chunk, next_chunk: chunk + 1, rows_done: updated.rows_done, total_rows: updated.total_rows },
    meta,
  );
  if (chunk + 1 >= updated.total_chunks) await complete(ctx, updated);
}

async function complete(ctx: ServiceContext, row: ImportRow): Promise<void> {
  const done = await imports.updateImport(tenantDb<CrmDB>(ctx), row.id, { status: 'completed', finished_at: new Date() });
  await writeEvent(
    ctx.trx,
    importCompleted,
    { import_id: done.id, kind: done.kind, created_count: done.created_count, duplicate_count: done.duplicate_count, error_count: done.error_count },
    { ...ctx.eventMeta, aggregateId: done.id },
  );
}

const MAX_ERROR_LENGTH = 2_000;

/**
 * onDeadLetter of crm.import-chunks: the chunk this event asked for failed on every attempt, so the
 * import is marked failed with the error (the UI stops showing progress) and crm.import.failed puts
 * it on the timeline. Rows of earlier chunks stay imported. A stale event changes nothing.
 */
export async function markImportFailed(ctx: ServiceContext, event: EventEnvelope, failure: { message: string; attempts: number }): Promise<void> {
  const { importId, chunk } = importTarget(event);
  const db = tenantDb<CrmDB>(ctx);
  const current = await imports.findImport(db, importId, { lock: true });
  if (!current || (current.status !== 'queued' && current.status !== 'running') || current.next_chunk !== chunk) return;
  const piece = await imports.importPiece(db, importId, chunk);
  const rows = piece ? `Rows ${piece.first_row}–${piece.first_row + piece.row_count - 1}` : `Part ${chunk + 1}`;
  const tries = failure.attempts === 1 ? '1 attempt' : `${failure.attempts} attempts`;
  const error = `${rows} could not be imported after ${tries}: ${failure.message.trim() || 'unknown error'}`.slice(0, MAX_ERROR_LENGTH);
  const failed = await imports.updateImport(db, importId, { status: 'failed', error, finished_at: new Date() });
  await writeEvent(
    ctx.trx,
    importFailed,
    { import_id: importId, kind: failed.kind, chunk, rows_done: failed.rows_done, total_rows: failed.total_rows, error },
    { ...ctx.eventMeta, aggregateId: importId },
  );
}
