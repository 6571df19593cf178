import { NotFoundError, type DomainContext } from '@ubos/platform';
import { z } from 'zod';
import { toCsvRow } from './csv.ts';
import * as repo from './repository.ts';
import * as profiles from './repository-profile.ts';
import type { ClientProfileDto, CsvFileDto } from './contracts.ts';
import type { CrmDB } from './db.ts';
import { toListQuery, type ListInput } from './service.ts';

/** CSV export (formula-safe, see csv.ts) and the client profile read. */

export const EXPORT_MAX_ROWS = 100_000;
const PAGE = 1_000;

function customColumns(rows: { custom_fields: Record<string, unknown> }[]): string[] {
  const keys = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row.custom_fields)) keys.add(key);
  return [...keys].sort();
}

function customCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.join('; ');
  if (typeof value === 'object') {
    const money = z.object({ amountMinor: z.number(), currency: z.string() }).safeParse(value);
    return money.success ? `${(money.data.amountMinor / 100).toFixed(2)} ${money.data.currency}` : JSON.stringify(value);
  }
  return String(value);
}

export async function exportClients(ctx: DomainContext, input: ListInput): Promise<CsvFileDto> {
  const db = ctx.db<CrmDB>();
  const query = { ...toListQuery({ ...input, cursor: undefined }), limit: PAGE, cursor: undefined as { sortKey: string; id: string } | undefined };
  const rows: repo.ClientRow[] = [];
  for (;;) {
    const page = await repo.listClients(db, query);
    rows.push(...page.slice(0, PAGE));
    const last = page[PAGE - 1];
    if (page.length <= PAGE || !last || rows.length >= EXPORT_MAX_ROWS) break;
    query.cursor = { sortKey: last.sort_key, id: last.id };
  }
  const custom = customColumns(rows);
  let content = toCsvRow(['id', 'name', 'domain', 'website', 'status', 'owner_id', 'tags', 'created_at', ...custom.map((key) => `custom.${key}`)]);
  for (const row of rows.slice(0, EXPORT_MAX_ROWS)) {
    content += toCsvRow([
      row.id,
      row.name,
      row.domain,
      row.website,
      row.status,
      row.owner_id,
      row.tags.join('; '),
      row.created_at.toISOString(),
      ...custom.map((key) => customCell(row.custom_fields[key])),
    ]);
  }
  return { fileName: 'clients.csv', contentType: 'text/csv', rows: Math.min(rows.length, EXPORT_MAX_ROWS), content };
}

export async function exportContacts(ctx: DomainContext, input: ListInput): Promise<CsvFileDto> {
  const db = ctx.db<CrmDB>();
  if (input.clientId && !(await repo.findClient(db, input.clientId, { includeDeleted: true }))) throw new NotFoundError('Client', input.clientId);
  const query = { ...toListQuery({ ...input, cursor: undefined }), limit: PAGE, cursor: undefined as { sortKey: string; id: string } | undefined };
  const rows: repo.ContactRow[] = [];
  for (;;) {
    const page = await repo.listContacts(db, query);
    rows.push(...page.slice(0, PAGE));
    const last = page[PAGE - 1];
    if (page.length <= PAGE || !last || rows.length >= EXPORT_MAX_ROWS) break;
    query.cursor = { sortKey: last.sort_key, id: last.id };
  }
  const custom = customColumns(rows);
  let content = toCsvRow(['id', 'name', 'email', 'phone', 'title', 'owner_id', 'tags', 'created_at', ...custom.map((key) => `custom.${key}`)]);
  for (const row of rows.slice(0, EXPORT_MAX_ROWS)) {
    content += toCsvRow([
      row.id,
      row.name,
      row.email,
      row.phone,
      row.title,
      row.owner_id,
      row.tags.join('; '),
      row.created_at.toISOString(),
      ...custom.map((key) => customCell(row.custom_fields[key])),
    ]);
  }
  return { fileName: 'contacts.csv', contentType: 'text/csv', rows: Math.min(rows.length, EXPORT_MAX_ROWS), content };
}

/** The client profile read model in one query (a second one only when no event was applied yet). */
export async function clientProfile(ctx: DomainContext, clientId: string): Promise<ClientProfileDto> {
  const db = ctx.db<CrmDB>();
  const view = await profiles.readProfile(db, clientId);
  if (!view) {
    const client = await repo.findClient(db, clientId, { includeDeleted: true });
    if (!client) throw new NotFoundError('Client', clientId);
    return {
      clientId,
      name: client.name,
      status: client.status,
      archived: client.deleted_at !== null,
      mergedInto: client.merged_into,
      contacts: [],
      openDeals: [],
      openDealsCount: 0,
      activeProjectsCount: 0,
      openTaskCount: 0,
      lastActivityAt: null,
    };
  }
  return {
    clientId: view.client_id,
    name: view.name,
    status: view.status,
    archived: view.archived,
    mergedInto: view.merged_into,
    contacts: view.contacts.map((contact) => ({ id: contact.id, name: contact.name, email: contact.email, role: contact.role })),
    openDeals: view.open_deals.map((deal) => ({
      id: deal.id,
      title: deal.title,
      valueMinor: deal.value_minor,
      currency: deal.currency,
      stageId: deal.stage_id,
    })),
    openDealsCount: view.open_deals.length,
    activeProjectsCount: view.active_projects_count,
    openTaskCount: view.open_task_count,
    lastActivityAt: view.last_activity_at,
  };
}
