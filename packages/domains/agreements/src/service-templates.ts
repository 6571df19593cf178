import { DomainError, NotFoundError, uuidv7, type DomainContext, type EventContract } from '@ubos/platform';
import {
  templateArchived,
  templateCreated,
  templateUpdated,
  type CreateTemplateInput,
  type ListTemplatesInput,
  type TemplateDto,
  type UpdateTemplateInput,
} from './contracts.ts';
import type { AgreementsDB, TemplateRow } from './db.ts';
import { checkedFields, fieldsOf } from './merge.ts';
import * as repo from './repository.ts';

/** Templates: proposal or contract outlines whose sections use merge fields (checked for syntax when saved). */

export function toTemplateDto(row: TemplateRow): TemplateDto {
  let fields: string[] = [];
  try {
    fields = fieldsOf(row.sections);
  } catch {
    fields = [];
  }
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    description: row.description,
    sections: row.sections,
    fields,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    archivedAt: row.archived_at,
  };
}

async function emit(
  ctx: DomainContext,
  contract: EventContract<string, { template_id: string; kind: 'proposal' | 'contract'; name: string }>,
  row: TemplateRow,
) {
  await ctx.emit(contract, { template_id: row.id, kind: row.kind, name: row.name }, { aggregateId: row.id });
}

export async function createTemplate(ctx: DomainContext, input: CreateTemplateInput): Promise<TemplateDto> {
  checkedFields(input.sections);
  const row = await repo.insertTemplate(ctx.db<AgreementsDB>(), {
    id: uuidv7(),
    tenantId: ctx.tenantId,
    kind: input.kind,
    name: input.name,
    description: input.description,
    sections: input.sections,
    createdBy: ctx.actorId,
  });
  await emit(ctx, templateCreated, row);
  return toTemplateDto(row);
}

export async function getTemplate(ctx: DomainContext, id: string, options: { forUpdate?: boolean } = {}): Promise<TemplateRow> {
  const row = await repo.findTemplate(ctx.db<AgreementsDB>(), id, options);
  if (!row) throw new NotFoundError('Template', id);
  return row;
}

export async function updateTemplate(ctx: DomainContext, input: UpdateTemplateInput): Promise<TemplateDto> {
  const current = await getTemplate(ctx, input.id, { forUpdate: true });
  if (current.archived_at) throw new DomainError('PRECONDITION_FAILED', `The template "${current.name}" is archived and can no longer be changed`);
  if (input.sections) checkedFields(input.sections);
  const changes = { name: input.name, description: input.description, sections: input.sections };
  if (Object.values(changes).every((value) => value === undefined)) return toTemplateDto(current);
  const row = await repo.updateTemplate(ctx.db<AgreementsDB>(), current.id, changes);
  await emit(ctx, templateUpdated, row);
  return toTemplateDto(row);
}

export async function archiveTemplate(ctx: DomainContext, id: string): Promise<TemplateDto> {
  const current = await getTemplate(ctx, id, { forUpdate: true });
  if (current.archived_at) return toTemplateDto(current);
  const row = await repo.updateTemplate(ctx.db<AgreementsDB>(), id, { archive: true });
  await emit(ctx, templateArchived, row);
  return toTemplateDto(row);
}

export async function listTemplates(ctx: DomainContext, input: ListTemplatesInput): Promise<TemplateDto[]> {
  return (await repo.listTemplates(ctx.db<AgreementsDB>(), input)).map(toTemplateDto);
}

/** A live template of the kind, for a new proposal or contract. */
export async function usableTemplate(ctx: DomainContext, id: string, kind: 'proposal' | 'contract'): Promise<TemplateRow> {
  const row = await repo.findTemplate(ctx.db<AgreementsDB>(), id);
  if (!row) throw new DomainError('BAD_REQUEST', 'The template given is not one of this organization', [{ path: ['templateId'], message: 'Unknown template' }]);
  if (row.kind !== kind)
    throw new DomainError('BAD_REQUEST', `"${row.name}" is a ${row.kind} template, not a ${kind} template`, [
      { path: ['templateId'], message: `Not a ${kind} template` },
    ]);
  if (row.archived_at) throw new DomainError('BAD_REQUEST', `The template "${row.name}" is archived`, [{ path: ['templateId'], message: 'Archived' }]);
  return row;
}
