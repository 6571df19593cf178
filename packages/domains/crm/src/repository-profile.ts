import { sql } from '@ubos/platform';
import type { Selectable } from 'kysely';
import type { ClientProfilesTable, ProfileContact, ProfileDeal } from './db.ts';
import type { Db } from './repository.ts';

/**
 * SQL of the client profile read model (crm.client_profiles). Written only by the
 * crm.client-profile subscription from events; every statement is idempotent so a
 * redelivered event changes nothing, and snapshot entries carry the event time (`at`) so
 * an older event never overwrites a newer one.
 */

export type ProfileRow = Selectable<ClientProfilesTable>;

export async function ensureProfile(db: Db, tenantId: string, clientId: string): Promise<void> {
  await sql`INSERT INTO crm.client_profiles (tenant_id, client_id) VALUES (${tenantId}::uuid, ${clientId}::uuid) ON CONFLICT DO NOTHING`.execute(db);
}

/** Follows merged_into, so late events about a merged client land on its survivor. */
export async function resolveClient(db: Db, clientId: string): Promise<string> {
  let current = clientId;
  for (let hop = 0; hop < 10; hop += 1) {
    const row = await db.selectFrom('crm.client_profiles').select('merged_into').where('client_id', '=', current).executeTakeFirst();
    if (!row?.merged_into) return current;
    current = row.merged_into;
  }
  return current;
}

export async function touch(db: Db, clientId: string, at: string): Promise<void> {
  await sql`
    UPDATE crm.client_profiles SET last_activity_at = greatest(last_activity_at, ${at}::timestamptz), updated_at = now()
    WHERE client_id = ${clientId}::uuid`.execute(db);
}

export async function applyClientSnapshot(db: Db, clientId: string, fields: { name: string; status: string; archived: boolean }, at: string): Promise<void> {
  await sql`
    UPDATE crm.client_profiles SET name = ${fields.name}, status = ${fields.status}, archived = ${fields.archived}, last_event_at = ${at}::timestamptz
    WHERE client_id = ${clientId}::uuid AND merged_into IS NULL AND (last_event_at IS NULL OR last_event_at <= ${at}::timestamptz)`.execute(db);
}

type EntryColumn = 'contacts' | 'open_deals';

export async function putEntry(db: Db, column: EntryColumn, clientId: string, entry: ProfileContact | ProfileDeal): Promise<void> {
  await sql`
    UPDATE crm.client_profiles SET ${sql.ref(column)} = ${sql.ref(column)} || jsonb_build_object(${entry.id}::text, ${JSON.stringify(entry)}::jsonb)
    WHERE client_id = ${clientId}::uuid AND coalesce(${sql.ref(column)} -> ${entry.id}::text ->> 'at', '') <= ${entry.at}`.execute(db);
}

/**
 * Replaces an entry with a tombstone `{id, at, removed}` in every profile but `keep` (unless a
 * newer event already rewrote it), so an older event delivered late cannot bring it back.
 */
export async function dropEntry(db: Db, column: EntryColumn, entryId: string, keep: readonly string[], at: string): Promise<void> {
  await sql`
    UPDATE crm.client_profiles
    SET ${sql.ref(column)} = ${sql.ref(column)} || jsonb_build_object(${entryId}::text, jsonb_build_object('id', ${entryId}::text, 'at', ${at}::text, 'removed', true))
    WHERE ${sql.ref(column)} ? ${entryId}::text AND NOT (client_id = ANY(${[...keep]}::uuid[]))
      AND coalesce(${sql.ref(column)} -> ${entryId}::text ->> 'at', '') <= ${at}`.execute(db);
}

/** Writes a tombstone for an entry into one profile (the entry may not have arrived yet). */
export async function tombstone(db: Db, column: EntryColumn, clientId: string, entryId: string, at: string): Promise<void> {
  await sql`
    UPDATE crm.client_profiles
    SET ${sql.ref(column)} = ${sql.ref(column)} || jsonb_build_object(${entryId}::text, jsonb_build_object('id', ${entryId}::text, 'at', ${at}::text, 'removed', true))
    WHERE client_id = ${clientId}::uuid AND coalesce(${sql.ref(column)} -> ${entryId}::text ->> 'at', '') <= ${at}`.execute(db);
}

type IdColumn = 'active_project_ids' | 'open_task_ids';

export async function addId(db: Db, column: IdColumn, clientId: string, id: string): Promise<void> {
  await sql`
    UPDATE crm.client_profiles SET ${sql.ref(column)} = array_append(${sql.ref(column)}, ${id}::uuid)
    WHERE client_id = ${clientId}::uuid AND NOT (${id}::uuid = ANY(${sql.ref(column)}))`.execute(db);
}

/** Removes an id from every profile but `keep` (null: from all). */
export async function removeId(db: Db, column: IdColumn, id: string, keep: string | null): Promise<void> {
  await sql`
    UPDATE crm.client_profiles SET ${sql.ref(column)} = array_remove(${sql.ref(column)}, ${id}::uuid)
    WHERE ${id}::uuid = ANY(${sql.ref(column)}) ${keep ? sql`AND client_id <> ${keep}::uuid` : sql``}`.execute(db);
}

/** Folds the merged client's profile into the survivor's and marks it merged (idempotent). */
export async function mergeProfiles(db: Db, survivorId: string, mergedId: string): Promise<void> {
  await sql`
    UPDATE crm.client_profiles s SET
      contacts = l.contacts || s.contacts,
      open_deals = l.open_deals || s.open_deals,
      active_project_ids = ARRAY(SELECT DISTINCT unnest(s.active_project_ids || l.active_project_ids)),
      open_task_ids = ARRAY(SELECT DISTINCT unnest(s.open_task_ids || l.open_task_ids)),
      last_activity_at = greatest(s.last_activity_at, l.last_activity_at),
      updated_at = now()
    FROM crm.client_profiles l
    WHERE s.client_id = ${survivorId}::uuid AND l.client_id = ${mergedId}::uuid`.execute(db);
  await sql`
    UPDATE crm.client_profiles SET merged_into = ${survivorId}::uuid, archived = true, contacts = '{}'::jsonb, open_deals = '{}'::jsonb,
      active_project_ids = '{}', open_task_ids = '{}', updated_at = now()
    WHERE client_id = ${mergedId}::uuid`.execute(db);
}

export interface ProfileView {
  client_id: string;
  name: string | null;
  status: string | null;
  archived: boolean;
  merged_into: string | null;
  contacts: ProfileContact[];
  open_deals: ProfileDeal[];
  active_projects_count: number;
  open_task_count: number;
  last_activity_at: Date | null;
}

/** The whole profile in one query. */
export async function readProfile(db: Db, clientId: string): Promise<ProfileView | undefined> {
  const result = await sql<ProfileView>`
    SELECT client_id, name, status, archived, merged_into,
      coalesce((SELECT jsonb_agg(value ORDER BY lower(value->>'name'), value->>'id') FROM jsonb_each(contacts) WHERE NOT value ? 'removed'), '[]'::jsonb) AS contacts,
      coalesce((SELECT jsonb_agg(value ORDER BY value->>'at' DESC, value->>'id') FROM jsonb_each(open_deals) WHERE NOT value ? 'removed'), '[]'::jsonb) AS open_deals,
      cardinality(active_project_ids) AS active_projects_count,
      cardinality(open_task_ids) AS open_task_count,
      last_activity_at
    FROM crm.client_profiles WHERE client_id = ${clientId}::uuid`.execute(db);
  return result.rows[0];
}
