import { DomainError, NotFoundError, uuidv7, type DomainContext } from '@ubos/platform';
import {
  defaultTemplate,
  folderTemplateTreeSchema,
  templateSaved,
  templateSlug,
  type CreateTemplateInput,
  type FolderTemplateNode,
  type TemplateDto,
  type UpdateTemplateInput,
} from './contracts.ts';
import type { FilesDB, TemplateRow } from './db.ts';
import * as repo from './repository-folders.ts';

/** Folder templates: a named tree of folder names per tenant; every tenant starts with "Client onboarding". */

function toDto(row: TemplateRow): TemplateDto {
  return {
    id: row.id,
    name: row.name,
    slug: templateSlug(row.name),
    folders: folderTemplateTreeSchema.parse(row.folders),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function countFolders(nodes: FolderTemplateNode[]): number {
  return nodes.reduce((sum, node) => sum + 1 + countFolders(node.children), 0);
}

/** Seeds the default template the first time a tenant with none looks (no migration per tenant). */
async function ensureDefault(ctx: DomainContext): Promise<void> {
  await repo.seedTemplate(ctx.db<FilesDB>(), { id: uuidv7(), tenantId: ctx.tenantId, name: defaultTemplate.name, folders: defaultTemplate.folders });
}

export async function listTemplates(ctx: DomainContext): Promise<TemplateDto[]> {
  await ensureDefault(ctx);
  return (await repo.listTemplates(ctx.db<FilesDB>())).map(toDto);
}

/** A template by id, name (any case) or slug ("client-onboarding"), or NOT_FOUND. */
export async function resolveTemplate(ctx: DomainContext, reference: string): Promise<TemplateDto> {
  await ensureDefault(ctx);
  const templates = (await repo.listTemplates(ctx.db<FilesDB>())).map(toDto);
  const wanted = reference.trim().toLowerCase();
  const found =
    templates.find((template) => template.id === wanted) ??
    templates.find((template) => template.name.toLowerCase() === wanted) ??
    templates.find((template) => template.slug === templateSlug(wanted));
  if (!found) throw new NotFoundError('Folder template', reference);
  return found;
}

function nameTaken(name: string): DomainError {
  return new DomainError('CONFLICT', `A folder template named "${name}" already exists`, [{ path: ['name'], message: 'This name is taken' }]);
}

export async function createTemplate(ctx: DomainContext, input: CreateTemplateInput): Promise<TemplateDto> {
  await ensureDefault(ctx);
  const row = await repo.insertTemplate(ctx.db<FilesDB>(), { id: uuidv7(), tenantId: ctx.tenantId, name: input.name, folders: input.folders });
  if (!row) throw nameTaken(input.name);
  await ctx.emit(templateSaved, { template_id: row.id, name: row.name, created: true, folder_count: countFolders(input.folders) }, { aggregateId: row.id });
  return toDto(row);
}

export async function updateTemplate(ctx: DomainContext, input: UpdateTemplateInput): Promise<TemplateDto> {
  const db = ctx.db<FilesDB>();
  await ensureDefault(ctx);
  const current = await repo.findTemplate(db, input.id, { forUpdate: true });
  if (!current) throw new NotFoundError('Folder template', input.id);
  let row: TemplateRow;
  try {
    row = await repo.updateTemplate(db, current.id, {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.folders !== undefined ? { folders: input.folders } : {}),
    });
  } catch (error) {
    if (typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505') throw nameTaken(input.name ?? current.name);
    throw error;
  }
  const dto = toDto(row);
  await ctx.emit(templateSaved, { template_id: row.id, name: row.name, created: false, folder_count: countFolders(dto.folders) }, { aggregateId: row.id });
  return dto;
}
