import { DomainError, uuidv7, type DomainContext } from '@ubos/platform';
import { z } from 'zod';
import { applyCustomFields, type FieldDefinition } from './custom-fields.ts';
import type { CsvRecord } from './csv.ts';
import { clientCreated, clientStatusSchema, contactCreated } from './contracts.ts';
import type { CrmDB, ImportMapping } from './db.ts';
import { normalizeCompanyName, normalizeDomain, normalizeEmail, normalizeTags } from './normalize.ts';
import * as repo from './repository.ts';
import * as imports from './repository-import.ts';
import type { RelationshipRow } from './repository.ts';
import { clientSnapshot } from './service-clients.ts';
import { contactSnapshot } from './service-contacts.ts';
import { fieldDefinitions } from './service-custom-fields.ts';

/**
 * One chunk of a CSV import (service-import.ts): rows parsed and validated (custom fields
 * included), deduplicated against existing records, inserted in bulk, and one crm.*.created
 * event per new record written with ctx.emitMany.
 */

/** A CSV record with one empty field: a blank line, skipped. */
export function isBlank(record: CsvRecord): boolean {
  return record.fields.length === 1 && record.fields[0]?.trim() === '';
}

const cell = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value));
const tagsCell = z
  .string()
  .optional()
  .transform((value) => normalizeTags(value?.split(/[;,|]/)));

const clientRowSchema = z.object({
  name: z.string({ error: 'Enter a name' }).trim().min(1, 'Enter a name').max(300),
  domain: cell.pipe(z.string().max(253).optional()).optional(),
  website: cell
    .transform((value) => (value && !/^https?:\/\//i.test(value) ? `https://${value}` : value))
    .pipe(
      z
        .url({ protocol: /^https?$/ })
        .max(2000)
        .optional(),
    )
    .optional(),
  status: cell
    .transform((value) => value?.toLowerCase())
    .pipe(clientStatusSchema.optional())
    .optional(),
  tags: tagsCell,
});

const contactRowSchema = z.object({
  name: z.string().trim().min(1, 'Enter a name').max(300),
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
      return value
        .split(/[;|]/)
        .map((part) => part.trim())
        .filter((part) => part !== '');
    case 'currency': {
      const match = /^(\d+(?:\.\d{1,2})?)\s*([A-Za-z]{3})$/.exec(value);
      return match ? { amountMinor: Math.round(Number(match[1]) * 100), currency: (match[2] ?? '').toUpperCase() } : value;
    }
    default:
      return value;
  }
}

export interface RowError {
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

export interface ChunkResult {
  created: number;
  duplicates: number;
  errors: RowError[];
}

export async function importClients(ctx: DomainContext, records: CsvRecord[], firstRow: number, mapping: ImportMapping): Promise<ChunkResult> {
  const db = ctx.db<CrmDB>();
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
      tenant_id: ctx.tenantId,
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
  await ctx.emitMany(
    clientCreated,
    created.map((client) => ({ payload: clientSnapshot(client), aggregateId: client.id })),
  );
  return { created: created.length, duplicates, errors };
}

function prepareContact(raw: Record<string, string>): Record<string, string> {
  const name = raw.name?.trim() || [raw.first_name?.trim(), raw.last_name?.trim()].filter(Boolean).join(' ') || raw.email?.trim() || '';
  const { first_name: _first, last_name: _last, ...rest } = raw;
  return { ...rest, name };
}

export async function importContacts(ctx: DomainContext, records: CsvRecord[], firstRow: number, mapping: ImportMapping): Promise<ChunkResult> {
  const db = ctx.db<CrmDB>();
  const definitions = await fieldDefinitions(ctx, 'contact');
  const { rows, errors } = parseRows(records, firstRow, mapping, contactRowSchema, definitions, prepareContact);
  const keyed = rows.map((row) => ({ ...row, email: normalizeEmail(row.values.email), nameKey: row.values.name.toLowerCase() }));
  const emails = new Set(
    (
      await repo.findContactsByEmail(
        db,
        keyed.flatMap((row) => (row.email ? [row.email] : [])),
      )
    ).map((row) => row.email_normalized),
  );
  const emailless = new Set(
    (
      await imports.findEmaillessContactsByName(
        db,
        keyed.filter((row) => !row.email).map((row) => row.nameKey),
      )
    ).map((row) => row.name_key),
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
      tenant_id: ctx.tenantId,
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
  await ctx.emitMany(
    contactCreated,
    created.map((contact) => ({ payload: contactSnapshot(contact, relationships), aggregateId: contact.id })),
  );
  return { created: created.length, duplicates, errors };
}

/** Links new contacts to the clients named in their `company` column, creating missing clients. */
async function linkCompanies(ctx: DomainContext, links: { contactId: string; company: string; role: string | null }[]): Promise<RelationshipRow[]> {
  if (links.length === 0) return [];
  const db = ctx.db<CrmDB>();
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
      tenant_id: ctx.tenantId,
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
  await ctx.emitMany(
    clientCreated,
    createdClients.map((client) => ({ payload: clientSnapshot(client), aggregateId: client.id })),
  );
  return imports.insertRelationships(
    db,
    links.flatMap((link) => {
      const clientId = clientByKey.get(normalizeCompanyName(link.company));
      return clientId ? [{ id: uuidv7(), tenant_id: ctx.tenantId, contact_id: link.contactId, client_id: clientId, role: link.role }] : [];
    }),
  );
}
