import { sql, type Transaction } from '@ubos/platform';
import type { AccountRow, EmailDB, ThreadRow } from './db-email.ts';

/** Kysely queries of client email threads, links and the contact-email copy (schema `communications` only). */

export type EmailTrx = Transaction<EmailDB>;

/** Threads (not merged away) any of these Message-IDs point at, oldest first. */
export async function threadsByRefs(db: EmailTrx, accountId: string, refs: readonly string[]): Promise<ThreadRow[]> {
  if (refs.length === 0) return [];
  return db
    .selectFrom('communications.email_thread_refs as r')
    .innerJoin('communications.email_threads as t', 't.id', 'r.thread_id')
    .selectAll('t')
    .where('r.account_id', '=', accountId)
    .where('r.ref', 'in', [...refs])
    .where('t.merged_into', 'is', null)
    .distinct()
    .orderBy('t.first_message_at')
    .orderBy('t.id')
    .execute();
}

export async function threadByProviderId(db: EmailTrx, accountId: string, providerThreadId: string): Promise<ThreadRow | undefined> {
  return db
    .selectFrom('communications.email_threads')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('provider_thread_id', '=', providerThreadId)
    .where('merged_into', 'is', null)
    .orderBy('first_message_at')
    .executeTakeFirst();
}

/** The newest thread of this subject whose messages lie within `windowDays` of `at`. */
export async function threadBySubject(db: EmailTrx, accountId: string, subjectKey: string, at: Date, windowDays: number): Promise<ThreadRow | undefined> {
  const windowMs = windowDays * 86_400_000;
  return db
    .selectFrom('communications.email_threads')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('subject_key', '=', subjectKey)
    .where('merged_into', 'is', null)
    .where('last_message_at', '>=', new Date(at.getTime() - windowMs))
    .where('first_message_at', '<=', new Date(at.getTime() + windowMs))
    .orderBy('last_message_at', 'desc')
    .executeTakeFirst();
}

/** Moves everything of `others` into `keep` (two threads turned out to be one conversation). */
export async function mergeThreads(db: EmailTrx, keep: string, others: readonly string[]): Promise<void> {
  if (others.length === 0) return;
  const ids = [...others];
  await db.updateTable('communications.email_messages').set({ thread_id: keep }).where('thread_id', 'in', ids).execute();
  await db.updateTable('communications.email_participants').set({ thread_id: keep }).where('thread_id', 'in', ids).execute();
  await db.updateTable('communications.email_thread_refs').set({ thread_id: keep }).where('thread_id', 'in', ids).execute();
  await sql`
    INSERT INTO communications.thread_links (tenant_id, thread_id, client_id, state, source, contact_id, changed_by, changed_at)
    SELECT tenant_id, ${keep}, client_id, state, source, contact_id, changed_by, changed_at
      FROM communications.thread_links WHERE thread_id IN (${sql.join(ids)})
    ON CONFLICT (thread_id, client_id) DO NOTHING
  `.execute(db);
  await db.deleteFrom('communications.thread_links').where('thread_id', 'in', ids).execute();
  await db.updateTable('communications.email_threads').set({ merged_into: keep, message_count: 0 }).where('id', 'in', ids).execute();
  await refreshThread(db, keep);
}

/** Recomputes a thread's counts, dates, participants and snippet from its messages. */
export async function refreshThread(db: EmailTrx, threadId: string): Promise<void> {
  await sql`
    UPDATE communications.email_threads t SET
      message_count = s.n, first_message_at = s.first_at, last_message_at = s.last_at, snippet = s.snippet,
      participants = COALESCE((SELECT array_agg(DISTINCT p.address ORDER BY p.address) FROM communications.email_participants p WHERE p.thread_id = t.id), '{}')
    FROM (
      SELECT count(*)::int AS n, min(sent_at) AS first_at, max(sent_at) AS last_at,
             (array_agg(snippet ORDER BY sent_at DESC, id DESC))[1] AS snippet
        FROM communications.email_messages WHERE thread_id = ${threadId}
    ) s
    WHERE t.id = ${threadId} AND s.n > 0
  `.execute(db);
}

/** refreshThread for many threads in one statement (a sync chunk). */
export async function refreshThreads(db: EmailTrx, threadIds: readonly string[]): Promise<void> {
  if (threadIds.length === 0) return;
  await sql`
    UPDATE communications.email_threads t SET
      message_count = s.n, first_message_at = s.first_at, last_message_at = s.last_at, snippet = s.snippet, participants = COALESCE(p.addresses, '{}')
    FROM (
      SELECT thread_id, count(*)::int AS n, min(sent_at) AS first_at, max(sent_at) AS last_at,
             (array_agg(snippet ORDER BY sent_at DESC, id DESC))[1] AS snippet
        FROM communications.email_messages WHERE thread_id IN (${sql.join([...threadIds])}) GROUP BY thread_id
    ) s
    LEFT JOIN (
      SELECT thread_id, array_agg(DISTINCT address ORDER BY address) AS addresses
        FROM communications.email_participants WHERE thread_id IN (${sql.join([...threadIds])}) GROUP BY thread_id
    ) p ON p.thread_id = s.thread_id
    WHERE t.id = s.thread_id
  `.execute(db);
}

/** Staff addresses: every live mailbox of the tenant and every member's login email (the staff directory); mail only among them is internal. */
export async function staffAddresses(db: EmailTrx): Promise<Set<string>> {
  const rows = await sql<{ address: string }>`
    SELECT email_address AS address FROM communications.email_accounts WHERE disconnected_at IS NULL
    UNION SELECT lower(email) FROM communications.staff_directory WHERE active
  `.execute(db);
  return new Set(rows.rows.map((row) => row.address));
}

/** Contacts (communications' copy) carrying these addresses, with their clients. */
export async function contactsByAddress(db: EmailTrx, addresses: readonly string[]): Promise<{ contact_id: string; email: string; client_ids: string[] }[]> {
  if (addresses.length === 0) return [];
  const rows = await db
    .selectFrom('communications.contact_emails')
    .select(['contact_id', 'email', 'client_ids'])
    .where('active', '=', true)
    .where('email', 'in', [...addresses])
    .execute();
  return rows.flatMap((row) => (row.email ? [{ contact_id: row.contact_id, email: row.email, client_ids: row.client_ids }] : []));
}

/** Inserts automatic links that do not exist yet (a person's unlink row blocks them); returns the new ones. */
export async function insertAutoLinks(
  db: EmailTrx,
  tenantId: string,
  threadId: string,
  links: readonly { clientId: string; contactId: string | null }[],
): Promise<{ client_id: string; contact_id: string | null }[]> {
  if (links.length === 0) return [];
  return db
    .insertInto('communications.thread_links')
    .values(
      links.map((link) => ({
        tenant_id: tenantId,
        thread_id: threadId,
        client_id: link.clientId,
        state: 'linked' as const,
        source: 'auto' as const,
        contact_id: link.contactId,
      })),
    )
    .onConflict((conflict) => conflict.columns(['thread_id', 'client_id']).doNothing())
    .returning(['client_id', 'contact_id'])
    .execute();
}

/** A person's link or unlink: it replaces whatever was there and is never overwritten by automatic linking. */
export async function setManualLink(
  db: EmailTrx,
  input: { tenantId: string; threadId: string; clientId: string; state: 'linked' | 'unlinked'; actorId: string | null },
): Promise<{ changed: boolean }> {
  const row = await db
    .insertInto('communications.thread_links')
    .values({
      tenant_id: input.tenantId,
      thread_id: input.threadId,
      client_id: input.clientId,
      state: input.state,
      source: 'manual',
      changed_by: input.actorId,
    })
    .onConflict((conflict) =>
      conflict
        .columns(['thread_id', 'client_id'])
        .doUpdateSet({ state: input.state, source: 'manual', changed_by: input.actorId, changed_at: sql<Date>`now()` })
        .where('communications.thread_links.state', '<>', input.state),
    )
    .returning('state')
    .executeTakeFirst();
  if (row) return { changed: true };
  // Same state already: make it a person's choice (it sticks) without an event.
  await db
    .updateTable('communications.thread_links')
    .set({ source: 'manual', changed_by: input.actorId })
    .where('thread_id', '=', input.threadId)
    .where('client_id', '=', input.clientId)
    .execute();
  return { changed: false };
}

export async function linkedClientIds(db: EmailTrx, threadId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('communications.thread_links')
    .select('client_id')
    .where('thread_id', '=', threadId)
    .where('state', '=', 'linked')
    .orderBy('changed_at')
    .orderBy('client_id')
    .execute();
  return rows.map((row) => row.client_id);
}

export async function linksOf(db: EmailTrx, threadIds: readonly string[]): Promise<Map<string, { clientId: string; source: 'auto' | 'manual' }[]>> {
  const map = new Map<string, { clientId: string; source: 'auto' | 'manual' }[]>();
  if (threadIds.length === 0) return map;
  const rows = await db
    .selectFrom('communications.thread_links')
    .select(['thread_id', 'client_id', 'source'])
    .where('thread_id', 'in', [...threadIds])
    .where('state', '=', 'linked')
    .orderBy('changed_at')
    .orderBy('client_id')
    .execute();
  for (const row of rows) map.set(row.thread_id, [...(map.get(row.thread_id) ?? []), { clientId: row.client_id, source: row.source }]);
  return map;
}

export async function findThread(db: EmailTrx, id: string): Promise<ThreadRow | undefined> {
  return db.selectFrom('communications.email_threads').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface ThreadPageQuery {
  ownerUserId: string | null;
  clientId: string | null;
  filter: 'all' | 'unlinked' | 'linked';
  accountId: string | null;
  after: { at: Date; id: string } | null;
  limit: number;
}

/** One keyset page, newest first; ownerUserId = only that user's mailboxes, clientId = linked to that client. */
export async function listThreads(db: EmailTrx, query: ThreadPageQuery): Promise<ThreadRow[]> {
  let q = db.selectFrom('communications.email_threads as t').selectAll('t').where('t.merged_into', 'is', null);
  if (query.ownerUserId) q = q.where('t.owner_user_id', '=', query.ownerUserId);
  if (query.accountId) q = q.where('t.account_id', '=', query.accountId);
  const linked = (client: string | null) =>
    db
      .selectFrom('communications.thread_links as l')
      .select(sql`1`.as('one'))
      .where(sql<boolean>`l.thread_id = t.id`)
      .where('l.state', '=', 'linked')
      .$if(client !== null, (sub) => sub.where('l.client_id', '=', client as string));
  if (query.clientId) q = q.where(({ exists }) => exists(linked(query.clientId)));
  if (query.filter === 'linked') q = q.where(({ exists }) => exists(linked(null)));
  if (query.filter === 'unlinked') q = q.where(({ not, exists }) => not(exists(linked(null))));
  if (query.after) {
    const after = query.after;
    q = q.where(sql<boolean>`(t.last_message_at, t.id) < (${after.at}, ${after.id})`);
  }
  return q.orderBy('t.last_message_at', 'desc').orderBy('t.id', 'desc').limit(query.limit).execute();
}

export async function findAccount(db: EmailTrx, id: string, options: { forUpdate?: boolean } = {}): Promise<AccountRow | undefined> {
  const q = db.selectFrom('communications.email_accounts').selectAll().where('id', '=', id);
  return (options.forUpdate ? q.forUpdate() : q).executeTakeFirst();
}

// ---------------------------------------------------------------- contact copy (from crm events)

export async function upsertContactEmail(
  db: EmailTrx,
  input: { tenantId: string; contactId: string; email: string | null; clientIds: string[]; active: boolean },
): Promise<void> {
  await db
    .insertInto('communications.contact_emails')
    .values({ tenant_id: input.tenantId, contact_id: input.contactId, email: input.email, client_ids: input.clientIds, active: input.active })
    .onConflict((conflict) =>
      conflict
        .columns(['tenant_id', 'contact_id'])
        .doUpdateSet({ email: input.email, client_ids: input.clientIds, active: input.active, updated_at: sql<Date>`now()` }),
    )
    .execute();
}

/** A merged-away client's id becomes the survivor's in the contact copy and in thread links (no duplicates). */
export async function repointClient(db: EmailTrx, mergedId: string, survivorId: string): Promise<void> {
  await sql`
    UPDATE communications.contact_emails
       SET client_ids = ARRAY(SELECT DISTINCT unnest(array_replace(client_ids, ${mergedId}::uuid, ${survivorId}::uuid))), updated_at = now()
     WHERE ${mergedId}::uuid = ANY(client_ids)
  `.execute(db);
  await sql`
    INSERT INTO communications.thread_links (tenant_id, thread_id, client_id, state, source, contact_id, changed_by, changed_at)
    SELECT tenant_id, thread_id, ${survivorId}::uuid, state, source, contact_id, changed_by, changed_at
      FROM communications.thread_links WHERE client_id = ${mergedId}::uuid
    ON CONFLICT (thread_id, client_id) DO NOTHING
  `.execute(db);
  await db.deleteFrom('communications.thread_links').where('client_id', '=', mergedId).execute();
}

/** Threads that carry any of these addresses (to link them after a contact's email appears or changes). */
export async function threadsWithAddress(db: EmailTrx, address: string): Promise<ThreadRow[]> {
  return db
    .selectFrom('communications.email_threads as t')
    .selectAll('t')
    .where('t.merged_into', 'is', null)
    .where(({ exists }) =>
      exists(
        db
          .selectFrom('communications.email_participants as p')
          .select(sql`1`.as('one'))
          .where(sql<boolean>`p.thread_id = t.id`)
          .where('p.address', '=', address),
      ),
    )
    .limit(5000)
    .execute();
}

/** Automatic links that came from this contact (removed when the contact's email changes or it is archived). */
export async function autoLinksOfContact(db: EmailTrx, contactId: string): Promise<{ thread_id: string; client_id: string }[]> {
  return db
    .selectFrom('communications.thread_links')
    .select(['thread_id', 'client_id'])
    .where('contact_id', '=', contactId)
    .where('source', '=', 'auto')
    .where('state', '=', 'linked')
    .execute();
}

export async function deleteAutoLink(db: EmailTrx, threadId: string, clientId: string): Promise<void> {
  await db.deleteFrom('communications.thread_links').where('thread_id', '=', threadId).where('client_id', '=', clientId).where('source', '=', 'auto').execute();
}
