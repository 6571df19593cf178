import { sql, type Transaction } from '@ubos/platform';
import type { FilesDB, SettingsRow } from './db.ts';

/** Kysely queries against schema `files` only (ARCHITECTURE.md §4). RLS scopes every one to the tenant. */

type Db = Transaction<FilesDB>;

/** The tenant's settings row, locked until the transaction ends when `forUpdate`. */
export async function findSettings(db: Db, tenantId: string, options: { forUpdate?: boolean } = {}): Promise<SettingsRow | undefined> {
  const query = db.selectFrom('files.settings').selectAll().where('tenant_id', '=', tenantId);
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

/**
 * Conditional upsert: creates the tenant's row (defaults merged with `changes`) or merges
 * `changes` into it, in one statement. Returns undefined, having written nothing, when the
 * merge would leave the stored settings as they are.
 */
export async function upsertSettings(
  db: Db,
  input: { tenantId: string; defaults: Record<string, unknown>; changes: Record<string, unknown>; updatedBy: string | null },
): Promise<SettingsRow | undefined> {
  const changes = sql<string>`${JSON.stringify(input.changes)}::jsonb`;
  const stored = sql.ref('files.settings.settings');
  return db
    .insertInto('files.settings')
    .values({ tenant_id: input.tenantId, settings: sql<string>`${JSON.stringify(input.defaults)}::jsonb || ${changes}`, updated_by: input.updatedBy })
    .onConflict((conflict) =>
      conflict
        .column('tenant_id')
        .doUpdateSet({ settings: sql<string>`${stored} || ${changes}`, updated_at: sql<Date>`now()`, updated_by: input.updatedBy })
        .where(sql<boolean>`(${stored} || ${changes}) IS DISTINCT FROM ${stored}`),
    )
    .returningAll()
    .executeTakeFirst();
}

/** The organization's name as identity published it: insert or update (redelivery-safe). */
export async function upsertOrganizationName(db: Transaction<FilesDB>, tenantId: string, name: string): Promise<void> {
  await db
    .insertInto('files.organizations')
    .values({ tenant_id: tenantId, name })
    .onConflict((conflict) => conflict.column('tenant_id').doUpdateSet({ name, updated_at: new Date() }))
    .execute();
}
