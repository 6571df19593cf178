import { DomainError, NotFoundError, uuidv7, type DomainContext, type EventContract } from '@ubos/platform';
import { applyCustomFields, type FieldDefinition } from './custom-fields.ts';
import {
  contactArchived,
  contactCreated,
  contactRestored,
  contactUpdated,
  type ContactDto,
  type ContactSnapshot,
  type LinkSuggestionDto,
} from './contracts.ts';
import type { CrmDB } from './db.ts';
import { normalizeEmail, normalizeTags } from './normalize.ts';
import * as repo from './repository.ts';
import type { ContactRow, Db, RelationshipRow } from './repository.ts';
import { listOrder, paginate, toListQuery, type ListInput, type Page } from './service.ts';
import { fieldDefinitions } from './service-custom-fields.ts';

/** Contacts: people, linked to any number of clients with a role each. */

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
    relationships: relationships
      .filter((rel) => rel.contact_id === row.id)
      .map((rel) => ({ clientId: rel.client_id, contactId: rel.contact_id, role: rel.role })),
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

export async function createContact(ctx: DomainContext, input: ContactInput, definitions?: FieldDefinition[]): Promise<ContactDto> {
  const db = ctx.db<CrmDB>();
  const customFields = applyCustomFields(definitions ?? (await fieldDefinitions(ctx, 'contact')), input.customFields, null);
  await requireClients(
    db,
    (input.clients ?? []).map((link) => link.clientId),
  );
  await ctx.requireReferences([{ kind: 'identity.member', id: input.ownerId, path: ['ownerId'], label: 'owner' }]);
  const row = await repo.insertContact(db, {
    id: uuidv7(),
    tenant_id: ctx.tenantId,
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
    await repo.upsertRelationship(db, { id: uuidv7(), tenant_id: ctx.tenantId, contact_id: row.id, client_id: link.clientId, role: link.role ?? null });
  }
  const relationships = await repo.relationshipsOfContacts(db, [row.id]);
  await ctx.emit(contactCreated, contactSnapshot(row, relationships), { aggregateId: row.id });
  return toContactDto(row, relationships);
}

export async function getContact(ctx: DomainContext, id: string): Promise<ContactDto> {
  const db = ctx.db<CrmDB>();
  const row = await repo.findContact(db, id, { includeDeleted: true });
  if (!row) throw new NotFoundError('Contact', id);
  return toContactDto(row, await repo.relationshipsOfContacts(db, [id]));
}

async function emitContact(ctx: DomainContext, row: ContactRow, contract: EventContract<string, ContactSnapshot>): Promise<ContactDto> {
  const relationships = await repo.relationshipsOfContacts(ctx.db<CrmDB>(), [row.id]);
  await ctx.emit(contract, contactSnapshot(row, relationships), { aggregateId: row.id });
  return toContactDto(row, relationships);
}

export async function updateContact(ctx: DomainContext, id: string, input: Partial<Omit<ContactInput, 'clients'>>): Promise<ContactDto> {
  const db = ctx.db<CrmDB>();
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
  await ctx.requireReferences([{ kind: 'identity.member', id: input.ownerId, path: ['ownerId'], label: 'owner' }]);
  if (input.tags !== undefined) changes.tags = normalizeTags(input.tags);
  if (input.customFields !== undefined) {
    changes.custom_fields = JSON.stringify(applyCustomFields(await fieldDefinitions(ctx, 'contact'), input.customFields, current.custom_fields));
  }
  return emitContact(ctx, await repo.updateContact(db, id, changes), contactUpdated);
}

export async function archiveContact(ctx: DomainContext, id: string): Promise<ContactDto> {
  const db = ctx.db<CrmDB>();
  if (!(await repo.findContact(db, id, { lock: true }))) throw new NotFoundError('Contact', id);
  return emitContact(ctx, await repo.updateContact(db, id, { deleted_at: new Date() }), contactArchived);
}

export async function restoreContact(ctx: DomainContext, id: string): Promise<ContactDto> {
  const db = ctx.db<CrmDB>();
  const current = await repo.findContact(db, id, { includeDeleted: true, lock: true });
  if (!current) throw new NotFoundError('Contact', id);
  if (current.merged_into) throw new DomainError('PRECONDITION_FAILED', 'A merged contact cannot be restored');
  if (!current.deleted_at) throw new DomainError('PRECONDITION_FAILED', 'The contact is not archived');
  return emitContact(ctx, await repo.updateContact(db, id, { deleted_at: null }), contactRestored);
}

export async function linkContact(ctx: DomainContext, input: { contactId: string; clientId: string; role?: string | null | undefined }): Promise<ContactDto> {
  const db = ctx.db<CrmDB>();
  const contact = await repo.findContact(db, input.contactId, { lock: true });
  if (!contact) throw new NotFoundError('Contact', input.contactId);
  await requireClients(db, [input.clientId]);
  await repo.upsertRelationship(db, { id: uuidv7(), tenant_id: ctx.tenantId, contact_id: contact.id, client_id: input.clientId, role: input.role ?? null });
  return emitContact(ctx, await repo.updateContact(db, contact.id, {}), contactUpdated);
}

export async function unlinkContact(ctx: DomainContext, input: { contactId: string; clientId: string }): Promise<ContactDto> {
  const db = ctx.db<CrmDB>();
  const contact = await repo.findContact(db, input.contactId, { lock: true });
  if (!contact) throw new NotFoundError('Contact', input.contactId);
  if (!(await repo.deleteRelationship(db, contact.id, input.clientId))) throw new NotFoundError('Relationship');
  return emitContact(ctx, await repo.updateContact(db, contact.id, {}), contactUpdated);
}

export async function listContacts(ctx: DomainContext, input: ListInput): Promise<Page<ContactDto>> {
  const db = ctx.db<CrmDB>();
  const query = toListQuery(input);
  if (query.clientId && !(await repo.findClient(db, query.clientId, { includeDeleted: true }))) throw new NotFoundError('Client', query.clientId);
  const rows = await repo.listContacts(db, query);
  const relationships = await repo.relationshipsOfContacts(
    db,
    rows.slice(0, query.limit).map((row) => row.id),
  );
  return paginate(rows, query.limit, listOrder(input), (row) => toContactDto(row, relationships));
}

/** Unlinked contacts whose email domain matches exactly one client's domain, as link suggestions. */
export async function linkSuggestions(ctx: DomainContext, limit: number): Promise<LinkSuggestionDto[]> {
  const rows = await repo.contactLinkSuggestions(ctx.db<CrmDB>(), limit);
  return rows.map((row) => ({
    contactId: row.contact_id,
    contactName: row.contact_name,
    email: row.email,
    clientId: row.client_id,
    clientName: row.client_name,
  }));
}
