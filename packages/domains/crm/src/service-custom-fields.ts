import { DomainError, NotFoundError, uuidv7, type DomainContext } from '@ubos/platform';
import type { FieldDefinition } from './custom-fields.ts';
import { customFieldArchived, customFieldCreated, customFieldUpdated, type CustomFieldDto } from './contracts.ts';
import type { CrmDB, CustomFieldEntity, CustomFieldType } from './db.ts';
import * as repo from './repository.ts';
import type { CustomFieldRow } from './repository.ts';

/** Custom field definitions per entity (client, contact, deal); values are validated by custom-fields.ts. */

export async function fieldDefinitions(ctx: DomainContext, entity: CustomFieldEntity): Promise<FieldDefinition[]> {
  return repo.listCustomFields(ctx.db<CrmDB>(), entity);
}

export function toCustomFieldDto(row: CustomFieldRow): CustomFieldDto {
  return {
    id: row.id,
    entity: row.entity,
    key: row.key,
    label: row.label,
    type: row.type,
    options: row.options,
    required: row.required,
    position: row.position,
  };
}

function customFieldPayload(row: CustomFieldRow) {
  return { field_id: row.id, entity: row.entity, key: row.key, type: row.type, label: row.label };
}

export async function listCustomFieldDefinitions(ctx: DomainContext, entity?: CustomFieldEntity): Promise<CustomFieldDto[]> {
  return (await repo.listCustomFields(ctx.db<CrmDB>(), entity)).map(toCustomFieldDto);
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
  ctx: DomainContext,
  input: {
    entity: CustomFieldEntity;
    key: string;
    label: string;
    type: CustomFieldType;
    options?: string[] | undefined;
    required?: boolean | undefined;
    position?: number | undefined;
  },
): Promise<CustomFieldDto> {
  const options = [...new Set(input.options ?? [])];
  checkOptions(input.type, options);
  const db = ctx.db<CrmDB>();
  const existing = await repo.listCustomFields(db, input.entity);
  if (existing.some((field) => field.key === input.key)) {
    throw new DomainError('CONFLICT', `A ${input.entity} field "${input.key}" already exists`, [{ path: ['key'], message: 'Already exists' }]);
  }
  const row = await repo.insertCustomField(db, {
    id: uuidv7(),
    tenant_id: ctx.tenantId,
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
  await ctx.emit(customFieldCreated, customFieldPayload(row), { aggregateId: row.id });
  return toCustomFieldDto(row);
}

export async function updateCustomField(
  ctx: DomainContext,
  input: { id: string; label?: string | undefined; options?: string[] | undefined; required?: boolean | undefined; position?: number | undefined },
): Promise<CustomFieldDto> {
  const db = ctx.db<CrmDB>();
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
  await ctx.emit(customFieldUpdated, customFieldPayload(row), { aggregateId: row.id });
  return toCustomFieldDto(row);
}

export async function archiveCustomField(ctx: DomainContext, id: string): Promise<CustomFieldDto> {
  const db = ctx.db<CrmDB>();
  const current = await repo.findCustomField(db, id);
  if (!current) throw new NotFoundError('Custom field', id);
  const row = await repo.updateCustomField(db, id, { deleted_at: new Date() });
  await ctx.emit(customFieldArchived, customFieldPayload(row), { aggregateId: row.id });
  return toCustomFieldDto(row);
}
