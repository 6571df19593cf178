import { sql, type Transaction } from '@ubos/platform';
import type { Insertable, RawBuilder, Selectable } from 'kysely';
import type { ClientsTable, ContactsTable, CrmDB, CustomFieldEntity, CustomFieldsTable, NotesTable, RelationshipsTable } from './db.ts';

/** SQL of the core golden record (clients, contacts, relationships, notes, custom fields). Schema crm only. */

export type Db = Transaction<CrmDB>;
export type ClientRow = Selectable<ClientsTable>;
export type ContactRow = Selectable<ContactsTable>;
export type RelationshipRow = Selectable<RelationshipsTable>;
export type NoteRow = Selectable<NotesTable>;
export type CustomFieldRow = Selectable<CustomFieldsTable>;

export type SortField = 'name' | 'created_at' | 'updated_at';

export interface ListQuery {
  archived: boolean;
  status?: string | undefined;
  ownerId?: string | undefined;
  tag?: string | undefined;
  contains?: string | undefined;
  customField?: { key: string; value: string | number | boolean } | undefined;
  clientId?: string | undefined;
  sort: SortField;
  direction: 'asc' | 'desc';
  limit: number;
  cursor?: { sortKey: string; id: string } | undefined;
}

function sortExpression(sort: SortField): RawBuilder<unknown> {
  if (sort === 'name') return sql`lower(name)`;
  if (sort === 'created_at') return sql`created_at`;
  return sql`updated_at`;
}

/** An ILIKE pattern matching `text` anywhere, its own % _ and \\ taken literally. */
function likeAnywhere(text: string): string {
  return `%${text.replace(/[\\%_]/g, (match) => `\\${match}`)}%`;
}

/**
 * Keyset pagination over (sort expression, id): `id` is the unique tie-breaker, so a page
 * boundary never skips or repeats a row even when many rows share a sort value.
 * `sort_key` is the sort value rendered by Postgres (full timestamp precision) for the cursor.
 */
async function keysetList<Row>(
  db: Db,
  table: 'crm.clients' | 'crm.contacts',
  query: ListQuery,
  conditions: RawBuilder<unknown>[],
  /** The rows to list instead of the whole table (a text filter's matches, see match_clients). */
  source?: RawBuilder<unknown>,
): Promise<(Row & { sort_key: string })[]> {
  const expression = sortExpression(query.sort);
  const where = [query.archived ? sql`deleted_at IS NOT NULL` : sql`deleted_at IS NULL`, ...conditions];
  if (query.ownerId) where.push(sql`owner_id = ${query.ownerId}::uuid`);
  if (query.tag) where.push(sql`tags @> ARRAY[${query.tag.toLowerCase()}]::text[]`);
  if (query.customField) {
    const { key, value } = query.customField;
    where.push(sql`(custom_fields @> ${JSON.stringify({ [key]: value })}::jsonb OR custom_fields @> ${JSON.stringify({ [key]: [value] })}::jsonb)`);
  }
  if (query.cursor) {
    const cast = query.sort === 'name' ? sql`` : sql`::timestamptz`;
    const op = sql.raw(query.direction === 'asc' ? '>' : '<');
    where.push(sql`(${expression}, id) ${op} (${query.cursor.sortKey}${cast}, ${query.cursor.id}::uuid)`);
  }
  const direction = sql.raw(query.direction === 'asc' ? 'ASC' : 'DESC');
  const result = await sql<Row & { sort_key: string }>`
    SELECT *, ${expression}::text AS sort_key FROM ${source ?? sql.table(table)}
    WHERE ${sql.join(where, sql` AND `)}
    ORDER BY ${expression} ${direction}, id ${direction}
    LIMIT ${query.limit + 1}`.execute(db);
  return result.rows;
}

// ---------------------------------------------------------------- clients

export async function insertClient(db: Db, row: Insertable<ClientsTable>): Promise<ClientRow> {
  return db.insertInto('crm.clients').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findClient(db: Db, id: string, options: { includeDeleted?: boolean; lock?: boolean } = {}): Promise<ClientRow | undefined> {
  let query = db.selectFrom('crm.clients').selectAll().where('id', '=', id);
  if (!options.includeDeleted) query = query.where('deleted_at', 'is', null);
  if (options.lock) query = query.forUpdate();
  return query.executeTakeFirst();
}

export async function updateClient(
  db: Db,
  id: string,
  changes: Partial<Pick<ClientsTable, 'name' | 'name_normalized' | 'domain' | 'website' | 'status' | 'owner_id' | 'tags' | 'merged_into'>> & {
    custom_fields?: string;
    deleted_at?: Date | null;
  },
): Promise<ClientRow> {
  return db
    .updateTable('crm.clients')
    .set({ ...changes, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function listClients(db: Db, query: ListQuery): Promise<(ClientRow & { sort_key: string })[]> {
  const conditions: RawBuilder<unknown>[] = [];
  if (query.status) conditions.push(sql`status = ${query.status}`);
  if (query.contains) {
    const pattern = likeAnywhere(query.contains);
    // Three characters or more: the trigram indexes through crm.match_clients (migration 0006); shorter
    // text has no trigram, and matches so many rows that the ordered scan fills a page at once.
    if (query.contains.length >= 3) return keysetList<ClientRow>(db, 'crm.clients', query, conditions, sql`crm.match_clients(${pattern}) AS clients`);
    conditions.push(sql`(name ILIKE ${pattern} OR domain ILIKE ${pattern})`);
  }
  return keysetList<ClientRow>(db, 'crm.clients', query, conditions);
}

export async function findClientsByDomainOrName(db: Db, domains: string[], names: string[]): Promise<Pick<ClientRow, 'id' | 'domain' | 'name_normalized'>[]> {
  if (domains.length === 0 && names.length === 0) return [];
  return db
    .selectFrom('crm.clients')
    .select(['id', 'domain', 'name_normalized'])
    .where('deleted_at', 'is', null)
    .where((eb) => eb.or([eb('domain', '=', eb.fn.any(eb.val(domains))), eb('name_normalized', '=', eb.fn.any(eb.val(names)))]))
    .execute();
}

// ---------------------------------------------------------------- contacts

export async function insertContact(db: Db, row: Insertable<ContactsTable>): Promise<ContactRow> {
  return db.insertInto('crm.contacts').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findContact(db: Db, id: string, options: { includeDeleted?: boolean; lock?: boolean } = {}): Promise<ContactRow | undefined> {
  let query = db.selectFrom('crm.contacts').selectAll().where('id', '=', id);
  if (!options.includeDeleted) query = query.where('deleted_at', 'is', null);
  if (options.lock) query = query.forUpdate();
  return query.executeTakeFirst();
}

export async function updateContact(
  db: Db,
  id: string,
  changes: Partial<Pick<ContactsTable, 'name' | 'email' | 'email_normalized' | 'phone' | 'title' | 'owner_id' | 'tags' | 'merged_into'>> & {
    custom_fields?: string;
    deleted_at?: Date | null;
  },
): Promise<ContactRow> {
  return db
    .updateTable('crm.contacts')
    .set({ ...changes, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function listContacts(db: Db, query: ListQuery): Promise<(ContactRow & { sort_key: string })[]> {
  const conditions: RawBuilder<unknown>[] = [];
  let source: RawBuilder<unknown> | undefined;
  if (query.contains) {
    const pattern = likeAnywhere(query.contains);
    if (query.contains.length < 3) conditions.push(sql`(name ILIKE ${pattern} OR email_normalized ILIKE ${pattern})`);
    else source = sql`crm.match_contacts(${pattern}) AS contacts`;
  }
  if (query.clientId) {
    conditions.push(sql`id IN (SELECT contact_id FROM crm.relationships WHERE client_id = ${query.clientId}::uuid)`);
  }
  return keysetList<ContactRow>(db, 'crm.contacts', query, conditions, source);
}

export async function findContactsByEmail(db: Db, emails: string[]): Promise<Pick<ContactRow, 'id' | 'email_normalized'>[]> {
  if (emails.length === 0) return [];
  return db
    .selectFrom('crm.contacts')
    .select(['id', 'email_normalized'])
    .where('deleted_at', 'is', null)
    .where((eb) => eb('email_normalized', '=', eb.fn.any(eb.val(emails))))
    .execute();
}

// ---------------------------------------------------------------- relationships

export async function relationshipsOfContacts(db: Db, contactIds: readonly string[]): Promise<RelationshipRow[]> {
  if (contactIds.length === 0) return [];
  return db
    .selectFrom('crm.relationships')
    .selectAll()
    .where((eb) => eb('contact_id', '=', eb.fn.any(eb.val([...contactIds]))))
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function upsertRelationship(db: Db, row: Insertable<RelationshipsTable>): Promise<void> {
  await db
    .insertInto('crm.relationships')
    .values(row)
    .onConflict((oc) => oc.columns(['tenant_id', 'contact_id', 'client_id']).doUpdateSet({ role: row.role ?? null }))
    .execute();
}

export async function deleteRelationship(db: Db, contactId: string, clientId: string): Promise<boolean> {
  const result = await db.deleteFrom('crm.relationships').where('contact_id', '=', contactId).where('client_id', '=', clientId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Moves every relationship of `fromClient` to `toClient`, dropping links the survivor already has. */
export async function moveClientRelationships(db: Db, fromClient: string, toClient: string): Promise<string[]> {
  await sql`
    DELETE FROM crm.relationships r
    WHERE r.client_id = ${fromClient}::uuid
      AND EXISTS (SELECT 1 FROM crm.relationships s WHERE s.client_id = ${toClient}::uuid AND s.contact_id = r.contact_id)`.execute(db);
  const moved = await db.updateTable('crm.relationships').set({ client_id: toClient }).where('client_id', '=', fromClient).returning('contact_id').execute();
  return moved.map((row) => row.contact_id);
}

export async function moveContactRelationships(db: Db, fromContact: string, toContact: string): Promise<void> {
  await sql`
    DELETE FROM crm.relationships r
    WHERE r.contact_id = ${fromContact}::uuid
      AND EXISTS (SELECT 1 FROM crm.relationships s WHERE s.contact_id = ${toContact}::uuid AND s.client_id = r.client_id)`.execute(db);
  await db.updateTable('crm.relationships').set({ contact_id: toContact }).where('contact_id', '=', fromContact).execute();
}

// ---------------------------------------------------------------- notes

export async function findDealClientId(db: Db, dealId: string): Promise<string | undefined> {
  const deal = await db.selectFrom('crm.deals').select(['client_id']).where('id', '=', dealId).where('deleted_at', 'is', null).executeTakeFirst();
  return deal?.client_id;
}

export async function insertNote(db: Db, row: Insertable<NotesTable>): Promise<NoteRow> {
  return db.insertInto('crm.notes').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findNote(db: Db, id: string): Promise<NoteRow | undefined> {
  return db.selectFrom('crm.notes').selectAll().where('id', '=', id).where('deleted_at', 'is', null).forUpdate().executeTakeFirst();
}

export async function updateNote(db: Db, id: string, changes: { body?: string; deleted_at?: Date }): Promise<NoteRow> {
  return db
    .updateTable('crm.notes')
    .set({ ...changes, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function listNotes(
  db: Db,
  subjectType: NotesTable['subject_type'],
  subjectId: string,
  limit: number,
  cursor: { sortKey: string; id: string } | undefined,
): Promise<(NoteRow & { sort_key: string })[]> {
  const result = await sql<NoteRow & { sort_key: string }>`
    SELECT *, created_at::text AS sort_key FROM crm.notes
    WHERE subject_type = ${subjectType} AND subject_id = ${subjectId}::uuid AND deleted_at IS NULL
      ${cursor ? sql`AND (created_at, id) < (${cursor.sortKey}::timestamptz, ${cursor.id}::uuid)` : sql``}
    ORDER BY created_at DESC, id DESC
    LIMIT ${limit + 1}`.execute(db);
  return result.rows;
}

/** Re-files notes of a merged record under the survivor. */
export async function moveNotes(db: Db, subjectType: NotesTable['subject_type'], fromId: string, toId: string): Promise<void> {
  await db.updateTable('crm.notes').set({ subject_id: toId }).where('subject_type', '=', subjectType).where('subject_id', '=', fromId).execute();
  if (subjectType === 'client') await db.updateTable('crm.notes').set({ client_id: toId }).where('client_id', '=', fromId).execute();
}

// ---------------------------------------------------------------- custom field definitions

export async function listCustomFields(db: Db, entity?: CustomFieldEntity): Promise<CustomFieldRow[]> {
  let query = db.selectFrom('crm.custom_fields').selectAll().where('deleted_at', 'is', null);
  if (entity) query = query.where('entity', '=', entity);
  return query.orderBy('entity').orderBy('position').orderBy('key').execute();
}

export async function insertCustomField(db: Db, row: Insertable<CustomFieldsTable>): Promise<CustomFieldRow> {
  return db.insertInto('crm.custom_fields').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findCustomField(db: Db, id: string): Promise<CustomFieldRow | undefined> {
  return db.selectFrom('crm.custom_fields').selectAll().where('id', '=', id).where('deleted_at', 'is', null).forUpdate().executeTakeFirst();
}

export async function updateCustomField(
  db: Db,
  id: string,
  changes: Partial<Pick<CustomFieldsTable, 'label' | 'options' | 'required' | 'position'>> & { deleted_at?: Date },
): Promise<CustomFieldRow> {
  return db
    .updateTable('crm.custom_fields')
    .set({ ...changes, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

// ---------------------------------------------------------------- tags

export async function listTags(db: Db): Promise<{ tag: string; clients: number; contacts: number }[]> {
  const result = await sql<{ tag: string; clients: number; contacts: number }>`
    SELECT tag, sum(clients)::int AS clients, sum(contacts)::int AS contacts FROM (
      SELECT unnest(tags) AS tag, 1 AS clients, 0 AS contacts FROM crm.clients WHERE deleted_at IS NULL
      UNION ALL
      SELECT unnest(tags) AS tag, 0, 1 FROM crm.contacts WHERE deleted_at IS NULL
    ) t GROUP BY tag ORDER BY tag LIMIT 1000`.execute(db);
  return result.rows;
}

// ---------------------------------------------------------------- duplicates

export interface DuplicateRecord {
  id: string;
  name: string;
  detail: string | null;
}

export interface DuplicateGroupRow {
  reason: 'email' | 'domain' | 'name' | 'similar_name';
  key: string;
  score: number;
  records: DuplicateRecord[];
}

export async function contactDuplicateGroups(db: Db, limit: number): Promise<DuplicateGroupRow[]> {
  const result = await sql<DuplicateGroupRow>`
    SELECT reason, key, score, records FROM (
      SELECT 'email' AS reason, email_normalized AS key, 1::float8 AS score,
             jsonb_agg(jsonb_build_object('id', id, 'name', name, 'detail', email) ORDER BY created_at, id) AS records
      FROM crm.contacts WHERE deleted_at IS NULL AND email_normalized IS NOT NULL
      GROUP BY email_normalized HAVING count(*) > 1
      UNION ALL
      -- The same name at the same email domain ("Jane Doe" twice at acme.test), different addresses.
      SELECT 'name', lower(name) || ' @ ' || split_part(email_normalized, '@', 2), 1::float8,
             jsonb_agg(jsonb_build_object('id', id, 'name', name, 'detail', email) ORDER BY created_at, id)
      FROM crm.contacts WHERE deleted_at IS NULL AND email_normalized LIKE '%@%'
      GROUP BY lower(name), split_part(email_normalized, '@', 2) HAVING count(DISTINCT email_normalized) > 1
    ) g ORDER BY reason, key LIMIT ${limit}`.execute(db);
  return result.rows;
}

export interface LinkSuggestionRow {
  contact_id: string;
  contact_name: string;
  email: string | null;
  client_id: string;
  client_name: string;
}

/** Contacts linked to no client whose email domain is exactly one client's domain. */
export async function contactLinkSuggestions(db: Db, limit: number): Promise<LinkSuggestionRow[]> {
  const result = await sql<LinkSuggestionRow>`
    SELECT p.id AS contact_id, p.name AS contact_name, p.email, c.id AS client_id, c.name AS client_name
    FROM crm.contacts p
    JOIN (
      SELECT domain, min(id::text)::uuid AS id, min(name) AS name FROM crm.clients
      WHERE deleted_at IS NULL AND domain IS NOT NULL GROUP BY domain HAVING count(*) = 1
    ) c ON c.domain = split_part(p.email_normalized, '@', 2)
    WHERE p.deleted_at IS NULL AND p.email_normalized LIKE '%@%'
      AND NOT EXISTS (SELECT 1 FROM crm.relationships r WHERE r.contact_id = p.id)
    ORDER BY p.name, p.id LIMIT ${limit}`.execute(db);
  return result.rows;
}

/**
 * Same domain, same normalized name, or trigram-similar names. Similarity is only computed
 * within blocks of clients sharing their first or last name word (blocks of at most
 * `maxBlock` members: a word that common says nothing), so the cost stays near-linear instead
 * of comparing every pair; GIN trigram indexes cannot help here under RLS (ARCHITECTURE §10).
 */
export async function clientDuplicateGroups(db: Db, limit: number, threshold: number, maxBlock: number): Promise<DuplicateGroupRow[]> {
  const exact = await sql<DuplicateGroupRow>`
    SELECT reason, key, 1::float8 AS score, records FROM (
      SELECT 'domain' AS reason, domain AS key,
             jsonb_agg(jsonb_build_object('id', id, 'name', name, 'detail', domain) ORDER BY created_at, id) AS records
      FROM crm.clients WHERE deleted_at IS NULL AND domain IS NOT NULL GROUP BY domain HAVING count(*) > 1
      UNION ALL
      SELECT 'name', name_normalized,
             jsonb_agg(jsonb_build_object('id', id, 'name', name, 'detail', domain) ORDER BY created_at, id)
      FROM crm.clients WHERE deleted_at IS NULL AND name_normalized <> '' GROUP BY name_normalized HAVING count(*) > 1
    ) g ORDER BY reason, key LIMIT ${limit}`.execute(db);
  // No joins between derived tables (their row estimates can be wildly off on a fresh table):
  // pairs are enumerated inside each small block's arrays.
  const similar = await sql<DuplicateGroupRow>`
    WITH c AS (
      SELECT id, name, domain, name_normalized,
             split_part(name_normalized, ' ', 1) AS first_word,
             regexp_replace(name_normalized, '^.* ', '') AS last_word
      FROM crm.clients WHERE deleted_at IS NULL AND name_normalized <> ''
    ),
    blocks AS (
      SELECT array_agg(id ORDER BY id) AS ids, array_agg(name_normalized ORDER BY id) AS norms,
             array_agg(name ORDER BY id) AS names, array_agg(domain ORDER BY id) AS domains
      FROM (SELECT id, name, domain, name_normalized, 'f:' || first_word AS block FROM c
            UNION ALL
            SELECT id, name, domain, name_normalized, 'l:' || last_word FROM c) k
      GROUP BY block HAVING count(*) BETWEEN 2 AND ${maxBlock}
    ),
    pairs AS (
      SELECT DISTINCT ON (b.ids[i], b.ids[j])
             b.ids[i] AS a_id, b.ids[j] AS b_id, b.norms[i] AS a_norm, b.norms[j] AS b_norm,
             b.names[i] AS a_name, b.names[j] AS b_name, b.domains[i] AS a_domain, b.domains[j] AS b_domain
      FROM blocks b, generate_series(1, cardinality(b.ids)) i, generate_series(1, cardinality(b.ids)) j
      WHERE i < j AND b.norms[i] <> b.norms[j]
    )
    SELECT 'similar_name' AS reason, a_norm || ' ~ ' || b_norm AS key, similarity(a_norm, b_norm)::float8 AS score,
           jsonb_build_array(jsonb_build_object('id', a_id, 'name', a_name, 'detail', a_domain),
                             jsonb_build_object('id', b_id, 'name', b_name, 'detail', b_domain)) AS records
    FROM pairs
    WHERE similarity(a_norm, b_norm) >= ${threshold}
    ORDER BY score DESC, key LIMIT ${limit}`.execute(db);
  return [...exact.rows, ...similar.rows].slice(0, limit);
}
