import { DomainError, NotFoundError, tenantDb, uuidv7, writeEvent, type EventContract, type EventMeta, type Transaction, type UntypedDB } from '@ubos/platform';
import { applyCustomFields, type FieldDefinition } from './custom-fields.ts';
import {
  clientArchived,
  clientCreated,
  clientRestored,
  clientUpdated,
  contactArchived,
  contactCreated,
  contactRestored,
  contactUpdated,
  customFieldArchived,
  customFieldCreated,
  customFieldUpdated,
  noteArchived,
  noteCreated,
  noteUpdated,
  type ClientDto,
  type ClientSnapshot,
  type ClientStatus,
  type ContactDto,
  type ContactSnapshot,
  type CustomFieldDto,
  type NoteDto,
} from './contracts.ts';
import type { CustomFieldEntity, CustomFieldType } from './db.ts';
import { decodeCursor, encodeCursor, normalizeCompanyName, normalizeDomain, normalizeEmail, normalizeTags } from './normalize.ts';
import * as repo from './repository.ts';
import type { ClientRow, ContactRow, CustomFieldRow, Db, ListQuery, NoteRow, RelationshipRow, SortField } from './repository.ts';

/** What every service function needs: the tenant transaction and the metadata for its events. */
export interface ServiceContext {
  trx: Transaction<UntypedDB>;
  eventMeta: EventMeta;
}

export function dbOf(ctx: ServiceContext): Db {
  return tenantDb<import('./db.ts').CrmDB>(ctx);
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ListInput {
  archived?: boolean | undefined;
  status?: ClientStatus | undefined;
  ownerId?: string | undefined;
  tag?: string | undefined;
  q?: string | undefined;
  customField?: { key: string; value: string | number | boolean } | undefined;
  clientId?: string | undefined;
  sort?: SortField | undefined;
  direction?: 'asc' | 'desc' | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

export function toListQuery(input: ListInput): ListQuery {
  return {
    archived: input.archived ?? false,
    status: input.status,
    ownerId: input.ownerId,
    tag: input.tag,
    prefix: input.q?.trim() || undefined,
    customField: input.customField,
    clientId: input.clientId,
    sort: input.sort ?? 'name',
    direction: input.direction ?? 'asc',
    limit: Math.min(input.limit ?? 50, 100),
    cursor: input.cursor ? decodeCursor(input.cursor, listOrder(input)) : undefined,
  };
}

export function listOrder(input: Pick<ListInput, 'sort' | 'direction'>): string {
  return `${input.sort ?? 'name'}:${input.direction ?? 'asc'}`;
}

export function paginate<Row extends { id: string; sort_key: string }, T>(rows: Row[], limit: number, order: string, map: (row: Row) => T): Page<T> {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return { items: pageRows.map(map), nextCursor: hasMore && last ? encodeCursor(order, last.sort_key, last.id) : null };
}

// ---------------------------------------------------------------- custom field definitions

export async function fieldDefinitions(ctx: ServiceContext, entity: CustomFieldEntity): Promise<FieldDefinition[]> {
  return repo.listCustomFields(dbOf(ctx), entity);
}

export function toCustomFieldDto(row: CustomFieldRow): CustomFieldDto {
  return { id: row.id, entity: row.entity, key: row.key, label: row.label, type: row.type, options: row.options, required: row.required, position: row.position };
}

function customFieldPayload(row: CustomFieldRow) {
  return { field_id: row.id, entity: row.entity, key: row.key, type: row.type, label: row.label };
}

export async function listCustomFieldDefinitions(ctx: ServiceContext, entity?: CustomFieldEntity): Promise<CustomFieldDto[]> {
  return (await repo.listCustomFields(dbOf(ctx), entity)).map(toCustomFieldDto);
}

function checkOptions(type: CustomFieldType, options: readonly string[]): void {
  const needsOptions = type === 'select' || type === 'multi_select';
  if (needsOptions && options.length === 0) {
    throw new DomainError('BAD_REQUEST', 'A select field needs options', [{ path: ['options'], message: 'A select field needs at least one option' }]);
  }
  if (!needsOptions && options.length > 0) {
    throw new DomainError('BAD_REQUEST', 'Only select fields take options', [{ path: ['options'], message: 'Only select fields take options' }]);
  }
}

export async function createCustomField(
  ctx: ServiceContext,
  input: { entity: CustomFieldEntity; key: string; label: string; type: CustomFieldType; options?: string[] | undefined; required?: boolean | undefined; position?: number | undefined },
): Promise<CustomFieldDto> {
  const options = [...new Set(input.options ?? [])];
  checkOptions(input.type, options);
  const db = dbOf(ctx);
  const existing = await repo.listCustomFields(db, input.entity);
  if (existing.some((field) => field.key === input.key)) {
    throw new DomainError('CONFLICT', `A ${input.entity} field "${input.key}" already exists`, [{ path: ['key'], message: 'Already exists' }]);
  }
  const row = await repo.insertCustomField(db, {
    id: uuidv7(),
    tenant_id: ctx.eventMeta.tenantId,
    entity: input.entity,
    key: input.key,
    label: input.label,
    type: input.type,
    options,
    required: input.required ?? false,
    position: input.position ?? existing.length,
    updated_at: new Date(),
    deleted_at: null,
  });
  await writeEvent(ctx.trx, customFieldCreated, customFieldPayload(row), { ...ctx.eventMeta, aggregateId: row.id });
  return toCustomFieldDto(row);
}

export async function updateCustomField(
  ctx: ServiceContext,
  input: { id: string; label?: string | undefined; options?: string[] | undefined; required?: boolean | undefined; position?: number | undefined },
): Promise<CustomFieldDto> {
  const db = dbOf(ctx);
  const current = await repo.findCustomField(db, input.id);
  if (!current) throw new NotFoundError('Custom field', input.id);
  const options = input.options ? [...new Set(input.options)] : undefined;
  if (options) checkOptions(current.type, options);
  const row = await repo.updateCustomField(db, input.id, {
    ...(input.label !== undefined ? { label: input.label } : {}),
    ...(options ? { options } : {}),
    ...(input.required !== undefined ? { required: input.required } : {}),
    ...(input.position !== undefined ? { position: input.position } : {}),
  });
  await writeEvent(ctx.trx, customFieldUpdated, customFieldPayload(row), { ...ctx.eventMeta, aggregateId: row.id });
  return toCustomFieldDto(row);
}

export async function archiveCustomField(ctx: ServiceContext, id: string): Promise<CustomFieldDto> {
  const db = dbOf(ctx);
  const current = await repo.findCustomField(db, id);
  if (!current) throw new NotFoundError('Custom field', id);
  const row = await repo.updateCustomField(db, id, { deleted_at: new Date() });
  await writeEvent(ctx.trx, customFieldArchived, customFieldPayload(row), { ...ctx.eventMeta, aggregateId: row.id });
  return toCustomFieldDto(row);
}

// ---------------------------------------------------------------- clients

export function toClientDto(row: ClientRow): ClientDto {
  return {
    id: row.id,
    name: row.name,
    domain: row.domain,
    website: row.website,
    status: row.status,
    ownerId: row.owner_id,
    tags: row.tags,
    customFields: row.custom_fields,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    archivedAt: row.deleted_at,
    mergedInto: row.merged_into,
  };
}

export function clientSnapshot(row: ClientRow): ClientSnapshot {
  return {
    client_id: row.id,
    name: row.name,
    domain: row.domain,
    website: row.website,
    status: row.status,
    owner_id: row.owner_id,
    tags: row.tags,
    custom_fields: row.custom_fields,
  };
}

export interface ClientInput {
  name: string;
  domain?: string | null | undefined;
  website?: string | null | undefined;
  status?: ClientStatus | undefined;
  ownerId?: string | null | undefined;
  tags?: string[] | undefined;
  customFields?: Record<string, unknown> | undefined;
}

export async function createClient(ctx: ServiceContext, input: ClientInput, definitions?: FieldDefinition[]): Promise<ClientDto> {
  const db = dbOf(ctx);
  const customFields = applyCustomFields(definitions ?? (await fieldDefinitions(ctx, 'client')), input.customFields, null);
  const row = await repo.insertClient(db, {
    id: uuidv7(),
    tenant_id: ctx.eventMeta.tenantId,
    name: input.name,
    name_normalized: normalizeCompanyName(input.name),
    domain: normalizeDomain(input.domain ?? input.website),
    website: input.website ?? null,
    status: input.status ?? 'lead',
    owner_id: input.ownerId ?? null,
    tags: normalizeTags(input.tags),
    custom_fields: JSON.stringify(customFields),
    updated_at: new Date(),
    deleted_at: null,
    merged_into: null,
  });
  await writeEvent(ctx.trx, clientCreated, clientSnapshot(row), { ...ctx.eventMeta, aggregateId: row.id });
  return toClientDto(row);
}

export async function getClient(ctx: ServiceContext, id: string): Promise<ClientDto> {
  const row = await repo.findClient(dbOf(ctx), id, { includeDeleted: true });
  if (!row) throw new NotFoundError('Client', id);
  return toClientDto(row);
}

export async function updateClient(ctx: ServiceContext, id: string, input: Partial<ClientInput>): Promise<ClientDto> {
  const db = dbOf(ctx);
  const current = await repo.findClient(db, id, { lock: true });
  if (!current) throw new NotFoundError('Client', id);
  const changes: Parameters<typeof repo.updateClient>[2] = {};
  if (input.name !== undefined) {
    changes.name = input.name;
    changes.name_normalized = normalizeCompanyName(input.name);
  }
  if (input.website !== undefined) changes.website = input.website;
  if (input.domain !== undefined) changes.domain = normalizeDomain(input.domain);
  else if (input.website !== undefined && current.domain === null) changes.domain = normalizeDomain(input.website);
  if (input.status !== undefined) changes.status = input.status;
  if (input.ownerId !== undefined) changes.owner_id = input.ownerId;
  if (input.tags !== undefined) changes.tags = normalizeTags(input.tags);
  if (input.customFields !== undefined) {
    changes.custom_fields = JSON.stringify(applyCustomFields(await fieldDefinitions(ctx, 'client'), input.customFields, current.custom_fields));
  }
  const row = await repo.updateClient(db, id, changes);
  await writeEvent(ctx.trx, clientUpdated, clientSnapshot(row), { ...ctx.eventMeta, aggregateId: row.id });
  return toClientDto(row);
}

export async function archiveClient(ctx: ServiceContext, id: string): Promise<ClientDto> {
  const db = dbOf(ctx);
  const current = await repo.findClient(db, id, { lock: true });
  if (!current) throw new NotFoundError('Client', id);
  const row = await repo.updateClient(db, id, { deleted_at: new Date() });
  await writeEvent(ctx.trx, clientArchived, clientSnapshot(row), { ...ctx.eventMeta, aggregateId: row.id });
  return toClientDto(row);
}

export async function restoreClient(ctx: ServiceContext, id: string): Promise<ClientDto> {
  const db = dbOf(ctx);
  const current = await repo.findClient(db, id, { includeDeleted: true, lock: true });
  if (!current) throw new NotFoundError('Client', id);
  if (current.merged_into) throw new DomainError('PRECONDITION_FAILED', 'A merged client cannot be restored');
  if (!current.deleted_at) throw new DomainError('PRECONDITION_FAILED', 'The client is not archived');
  const row = await repo.updateClient(db, id, { deleted_at: null });
  await writeEvent(ctx.trx, clientRestored, clientSnapshot(row), { ...ctx.eventMeta, aggregateId: row.id });
  return toClientDto(row);
}

export async function listClients(ctx: ServiceContext, input: ListInput): Promise<Page<ClientDto>> {
  const query = toListQuery(input);
  return paginate(await repo.listClients(dbOf(ctx), query), query.limit, listOrder(input), toClientDto);
}

// ---------------------------------------------------------------- contacts

export function toContactDto(row: ContactRow, relationships: RelationshipRow[]): ContactDto {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    phone: row.phone,
    title: row.title,
    ownerId: row.owner_id,
    tags: row.tags,
    customFields: row.custom_fields,
    relationships: relationships.filter((rel) => rel.contact_id === row.id).map((rel) => ({ clientId: rel.client_id, contactId: rel.contact_id, role: rel.role })),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    archivedAt: row.deleted_at,
    mergedInto: row.merged_into,
  };
}

export function contactSnapshot(row: ContactRow, relationships: RelationshipRow[]): ContactSnapshot {
  const own = relationships.filter((rel) => rel.contact_id === row.id);
  return {
    contact_id: row.id,
    client_id: own[0]?.client_id ?? null,
    client_ids: own.map((rel) => rel.client_id),
    relationships: own.map((rel) => ({ client_id: rel.client_id, role: rel.role })),
    name: row.name,
    email: row.email,
    email_normalized: row.email_normalized,
    phone: row.phone,
    title: row.title,
    owner_id: row.owner_id,
    tags: row.tags,
    custom_fields: row.custom_fields,
  };
}

export interface ContactInput {
  name: string;
  email?: string | null | undefined;
  phone?: string | null | undefined;
  title?: string | null | undefined;
  ownerId?: string | null | undefined;
  tags?: string[] | undefined;
  customFields?: Record<string, unknown> | undefined;
  clients?: { clientId: string; role?: string | null | undefined }[] | undefined;
}

async function requireClients(db: Db, clientIds: readonly string[]): Promise<void> {
  for (const clientId of new Set(clientIds)) {
    if (!(await repo.findClient(db, clientId))) throw new NotFoundError('Client', clientId);
  }
}

export async function createContact(ctx: ServiceContext, input: ContactInput, definitions?: FieldDefinition[]): Promise<ContactDto> {
  const db = dbOf(ctx);
  const customFields = applyCustomFields(definitions ?? (await fieldDefinitions(ctx, 'contact')), input.customFields, null);
  await requireClients(db, (input.clients ?? []).map((link) => link.clientId));
  const row = await repo.insertContact(db, {
    id: uuidv7(),
    tenant_id: ctx.eventMeta.tenantId,
    name: input.name,
    email: input.email?.trim() || null,
    email_normalized: normalizeEmail(input.email),
    phone: input.phone ?? null,
    title: input.title ?? null,
    owner_id: input.ownerId ?? null,
    tags: normalizeTags(input.tags),
    custom_fields: JSON.stringify(customFields),
    updated_at: new Date(),
    deleted_at: null,
    merged_into: null,
  });
  for (const link of input.clients ?? []) {
    await repo.upsertRelationship(db, { id: uuidv7(), tenant_id: ctx.eventMeta.tenantId, contact_id: row.id, client_id: link.clientId, role: link.role ?? null });
  }
  const relationships = await repo.relationshipsOfContacts(db, [row.id]);
  await writeEvent(ctx.trx, contactCreated, contactSnapshot(row, relationships), { ...ctx.eventMeta, aggregateId: row.id });
  return toContactDto(row, relationships);
}

export async function getContact(ctx: ServiceContext, id: string): Promise<ContactDto> {
  const db = dbOf(ctx);
  const row = await repo.findContact(db, id, { includeDeleted: true });
  if (!row) throw new NotFoundError('Contact', id);
  return toContactDto(row, await repo.relationshipsOfContacts(db, [id]));
}

async function emitContact(ctx: ServiceContext, row: ContactRow, contract: EventContract<string, ContactSnapshot>): Promise<ContactDto> {
  const relationships = await repo.relationshipsOfContacts(dbOf(ctx), [row.id]);
  await writeEvent(ctx.trx, contract, contactSnapshot(row, relationships), { ...ctx.eventMeta, aggregateId: row.id });
  return toContactDto(row, relationships);
}

export async function updateContact(ctx: ServiceContext, id: string, input: Partial<Omit<ContactInput, 'clients'>>): Promise<ContactDto> {
  const db = dbOf(ctx);
  const current = await repo.findContact(db, id, { lock: true });
  if (!current) throw new NotFoundError('Contact', id);
  const changes: Parameters<typeof repo.updateContact>[2] = {};
  if (input.name !== undefined) changes.name = input.name;
  if (input.email !== undefined) {
    changes.email = input.email?.trim() || null;
    changes.email_normalized = normalizeEmail(input.email);
  }
  if (input.phone !== undefined) changes.phone = input.phone;
  if (input.title !== undefined) changes.title = input.title;
  if (input.ownerId !== undefined) changes.owner_id = input.ownerId;
  if (input.tags !== undefined) changes.tags = normalizeTags(input.tags);
  if (input.customFields !== undefined) {
    changes.custom_fields = JSON.stringify(applyCustomFields(await fieldDefinitions(ctx, 'contact'), input.customFields, current.custom_fields));
  }
  return emitContact(ctx, await repo.updateContact(db, id, changes), contactUpdated);
}

export async function archiveContact(ctx: ServiceContext, id: string): Promise<ContactDto> {
  const db = dbOf(ctx);
  if (!(await repo.findContact(db, id, { lock: true }))) throw new NotFoundError('Contact', id);
  return emitContact(ctx, await repo.updateContact(db, id, { deleted_at: new Date() }), contactArchived);
}

export async function restoreContact(ctx: ServiceContext, id: string): Promise<ContactDto> {
  const db = dbOf(ctx);
  const current = await repo.findContact(db, id, { includeDeleted: true, lock: true });
  if (!current) throw new NotFoundError('Contact', id);
  if (current.merged_into) throw new DomainError('PRECONDITION_FAILED', 'A merged contact cannot be restored');
  if (!current.deleted_at) throw new DomainError('PRECONDITION_FAILED', 'The contact is not archived');
  return emitContact(ctx, await repo.updateContact(db, id, { deleted_at: null }), contactRestored);
}

export async function linkContact(ctx: ServiceContext, input: { contactId: string; clientId: string; role?: string | null | undefined }): Promise<ContactDto> {
  const db = dbOf(ctx);
  const contact = await repo.findContact(db, input.contactId, { lock: true });
  if (!contact) throw new NotFoundError('Contact', input.contactId);
  await requireClients(db, [input.clientId]);
  await repo.upsertRelationship(db, { id: uuidv7(), tenant_id: ctx.eventMeta.tenantId, contact_id: contact.id, client_id: input.clientId, role: input.role ?? null });
  return emitContact(ctx, await repo.updateContact(db, contact.id, {}), contactUpdated);
}

export async function unlinkContact(ctx: ServiceContext, input: { contactId: string; clientId: string }): Promise<ContactDto> {
  const db = dbOf(ctx);
  const contact = await repo.findContact(db, input.contactId, { lock: true });
  if (!contact) throw new NotFoundError('Contact', input.contactId);
  if (!(await repo.deleteRelationship(db, contact.id, input.clientId))) throw new NotFoundError('Relationship');
  return emitContact(ctx, await repo.updateContact(db, contact.id, {}), contactUpdated);
}

export async function listContacts(ctx: ServiceContext, input: ListInput): Promise<Page<ContactDto>> {
  const db = dbOf(ctx);
  const query = toListQuery(input);
  if (query.clientId && !(await repo.findClient(db, query.clientId, { includeDeleted: true }))) throw new NotFoundError('Client', query.clientId);
  const rows = await repo.listContacts(db, query);
  const relationships = await repo.relationshipsOfContacts(db, rows.slice(0, query.limit).map((row) => row.id));
  return paginate(rows, query.limit, listOrder(input), (row) => toContactDto(row, relationships));
}

// ---------------------------------------------------------------- notes

export function toNoteDto(row: NoteRow): NoteDto {
  return {
    id: row.id,
    subjectType: row.subject_type,
    subjectId: row.subject_id,
    clientId: row.client_id,
    body: row.body,
    authorId: row.author_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function notePayload(row: NoteRow) {
  return { note_id: row.id, client_id: row.client_id, subject_type: row.subject_type, subject_id: row.subject_id, body: row.body };
}

/** The subject must exist in this tenant; returns the client the note is filed under. */
async function noteSubjectClient(ctx: ServiceContext, subjectType: NoteRow['subject_type'], subjectId: string): Promise<string | null> {
  const db = dbOf(ctx);
  if (subjectType === 'client') {
    if (!(await repo.findClient(db, subjectId))) throw new NotFoundError('Client', subjectId);
    return subjectId;
  }
  if (subjectType === 'contact') {
    if (!(await repo.findContact(db, subjectId))) throw new NotFoundError('Contact', subjectId);
    return (await repo.relationshipsOfContacts(db, [subjectId]))[0]?.client_id ?? null;
  }
  const dealClientId = await repo.findDealClientId(db, subjectId);
  if (!dealClientId) throw new NotFoundError('Deal', subjectId);
  return dealClientId;
}

export async function createNote(ctx: ServiceContext, input: { subjectType: NoteRow['subject_type']; subjectId: string; body: string }): Promise<NoteDto> {
  const clientId = await noteSubjectClient(ctx, input.subjectType, input.subjectId);
  const row = await repo.insertNote(dbOf(ctx), {
    id: uuidv7(),
    tenant_id: ctx.eventMeta.tenantId,
    subject_type: input.subjectType,
    subject_id: input.subjectId,
    client_id: clientId,
    body: input.body,
    author_id: ctx.eventMeta.actorId,
    updated_at: new Date(),
    deleted_at: null,
  });
  await writeEvent(ctx.trx, noteCreated, notePayload(row), { ...ctx.eventMeta, aggregateId: row.id });
  return toNoteDto(row);
}

export async function updateNote(ctx: ServiceContext, input: { id: string; body: string }): Promise<NoteDto> {
  const db = dbOf(ctx);
  if (!(await repo.findNote(db, input.id))) throw new NotFoundError('Note', input.id);
  const row = await repo.updateNote(db, input.id, { body: input.body });
  await writeEvent(ctx.trx, noteUpdated, notePayload(row), { ...ctx.eventMeta, aggregateId: row.id });
  return toNoteDto(row);
}

export async function archiveNote(ctx: ServiceContext, id: string): Promise<NoteDto> {
  const db = dbOf(ctx);
  if (!(await repo.findNote(db, id))) throw new NotFoundError('Note', id);
  const row = await repo.updateNote(db, id, { deleted_at: new Date() });
  await writeEvent(ctx.trx, noteArchived, notePayload(row), { ...ctx.eventMeta, aggregateId: row.id });
  return toNoteDto(row);
}

export async function listNotes(
  ctx: ServiceContext,
  input: { subjectType: NoteRow['subject_type']; subjectId: string; limit?: number | undefined; cursor?: string | undefined },
): Promise<Page<NoteDto>> {
  await noteSubjectClient(ctx, input.subjectType, input.subjectId);
  const limit = Math.min(input.limit ?? 50, 100);
  const order = `notes:${input.subjectType}:${input.subjectId}`;
  const rows = await repo.listNotes(dbOf(ctx), input.subjectType, input.subjectId, limit, input.cursor ? decodeCursor(input.cursor, order) : undefined);
  return paginate(rows, limit, order, toNoteDto);
}

export async function listTags(ctx: ServiceContext): Promise<{ tag: string; clients: number; contacts: number }[]> {
  return repo.listTags(dbOf(ctx));
}
