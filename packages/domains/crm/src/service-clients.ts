import { DomainError, NotFoundError, uuidv7, type DomainContext } from '@ubos/platform';
import { applyCustomFields, type FieldDefinition } from './custom-fields.ts';
import { clientArchived, clientCreated, clientRestored, clientUpdated, type ClientDto, type ClientSnapshot, type ClientStatus } from './contracts.ts';
import type { CrmDB } from './db.ts';
import { normalizeCompanyName, normalizeDomain, normalizeTags } from './normalize.ts';
import * as repo from './repository.ts';
import type { ClientRow } from './repository.ts';
import { listOrder, paginate, toListQuery, type ListInput, type Page } from './service.ts';
import { fieldDefinitions } from './service-custom-fields.ts';

/** Clients: the companies of the golden record. */

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

export async function createClient(ctx: DomainContext, input: ClientInput, definitions?: FieldDefinition[]): Promise<ClientDto> {
  const db = ctx.db<CrmDB>();
  const customFields = applyCustomFields(definitions ?? (await fieldDefinitions(ctx, 'client')), input.customFields, null);
  await ctx.requireReferences([{ kind: 'identity.member', id: input.ownerId, path: ['ownerId'], label: 'owner' }]);
  const row = await repo.insertClient(db, {
    id: uuidv7(),
    tenant_id: ctx.tenantId,
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
  await ctx.emit(clientCreated, clientSnapshot(row), { aggregateId: row.id });
  return toClientDto(row);
}

export async function getClient(ctx: DomainContext, id: string): Promise<ClientDto> {
  const row = await repo.findClient(ctx.db<CrmDB>(), id, { includeDeleted: true });
  if (!row) throw new NotFoundError('Client', id);
  return toClientDto(row);
}

export async function updateClient(ctx: DomainContext, id: string, input: Partial<ClientInput>): Promise<ClientDto> {
  const db = ctx.db<CrmDB>();
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
  await ctx.requireReferences([{ kind: 'identity.member', id: input.ownerId, path: ['ownerId'], label: 'owner' }]);
  if (input.tags !== undefined) changes.tags = normalizeTags(input.tags);
  if (input.customFields !== undefined) {
    changes.custom_fields = JSON.stringify(applyCustomFields(await fieldDefinitions(ctx, 'client'), input.customFields, current.custom_fields));
  }
  const row = await repo.updateClient(db, id, changes);
  await ctx.emit(clientUpdated, clientSnapshot(row), { aggregateId: row.id });
  return toClientDto(row);
}

export async function archiveClient(ctx: DomainContext, id: string): Promise<ClientDto> {
  const db = ctx.db<CrmDB>();
  const current = await repo.findClient(db, id, { lock: true });
  if (!current) throw new NotFoundError('Client', id);
  const row = await repo.updateClient(db, id, { deleted_at: new Date() });
  await ctx.emit(clientArchived, clientSnapshot(row), { aggregateId: row.id });
  return toClientDto(row);
}

export async function restoreClient(ctx: DomainContext, id: string): Promise<ClientDto> {
  const db = ctx.db<CrmDB>();
  const current = await repo.findClient(db, id, { includeDeleted: true, lock: true });
  if (!current) throw new NotFoundError('Client', id);
  if (current.merged_into) throw new DomainError('PRECONDITION_FAILED', 'A merged client cannot be restored');
  if (!current.deleted_at) throw new DomainError('PRECONDITION_FAILED', 'The client is not archived');
  const row = await repo.updateClient(db, id, { deleted_at: null });
  await ctx.emit(clientRestored, clientSnapshot(row), { aggregateId: row.id });
  return toClientDto(row);
}

export async function listClients(ctx: DomainContext, input: ListInput): Promise<Page<ClientDto>> {
  const query = toListQuery(input);
  return paginate(await repo.listClients(ctx.db<CrmDB>(), query), query.limit, listOrder(input), toClientDto);
}
