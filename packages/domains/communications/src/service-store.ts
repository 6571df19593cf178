import { blobKey, uuidv7, type BlobStore, type DomainContext } from '@ubos/platform';
import { emailReceived, threadCreated, threadLinked, threadUnlinked } from './contracts-email.ts';
import type { Insertable } from 'kysely';
import type {
  AccountRow,
  EmailAttachmentsTable,
  EmailDB,
  EmailMessagesTable,
  EmailParticipantsTable,
  EmailThreadRefsTable,
  ParticipantRole,
  ThreadRow,
} from './db-email.ts';
import type { ParsedAddress, ParsedEmail } from './mime.ts';
import * as repo from './repository-threads.ts';
import { SUBJECT_WINDOW_DAYS, subjectKey, subjectThreadable } from './threading.ts';

/**
 * Storing messages: once per account (dedupe key), placed in a thread (Message-ID refs, then
 * provider thread id, then subject within the window), participants, attachments (bytes in the
 * kernel BlobStore, uploaded before the transaction), automatic links to clients from the
 * contact-email copy, and the events — all in the caller's transaction, so a sync chunk and its
 * cursor commit together.
 */

export interface IncomingMessage {
  parsed: ParsedEmail;
  direction: 'inbound' | 'outbound';
  size: number;
  /** Attachment blob keys, in the order of parsed.attachments (already uploaded). */
  attachmentKeys: string[];
  /** Set for outbound messages created by UBOS (send/reply). */
  send?: { status: 'queued'; sentBy: string | null };
}

export interface StoredMessage {
  messageId: string;
  threadId: string;
  created: boolean;
}

/** Uploads a parsed message's attachments; the keys are fresh, so a retried chunk never collides. */
export async function uploadAttachments(blobs: BlobStore | undefined, tenantId: string, parsed: ParsedEmail): Promise<string[]> {
  if (parsed.attachments.length === 0) return [];
  if (!blobs) throw new Error('The blob store is not configured: attachments cannot be kept');
  const keys: string[] = [];
  for (const attachment of parsed.attachments) {
    const key = blobKey({ tenantId, domain: 'communications', entity: 'attachment', blobId: uuidv7() });
    await blobs.put(key, attachment.content, { contentType: attachment.contentType, contentLength: attachment.content.length });
    keys.push(key);
  }
  return keys;
}

function participantsOf(parsed: ParsedEmail): { role: ParticipantRole; who: ParsedAddress }[] {
  const out: { role: ParticipantRole; who: ParsedAddress }[] = [];
  if (parsed.from) out.push({ role: 'from', who: parsed.from });
  for (const who of parsed.to) out.push({ role: 'to', who });
  for (const who of parsed.cc) out.push({ role: 'cc', who });
  for (const who of parsed.bcc) out.push({ role: 'bcc', who });
  for (const who of parsed.replyTo) out.push({ role: 'reply_to', who });
  return out;
}

const PREFIXED = /^\s*(re|fw|fwd|aw|wg|sv|vs|tr|rif|odp|antw|res|enc)\s*(\[\d+\]|\(\d+\))?\s*[:：]/i;

/** Links a thread to the clients of the contacts among its participants (not for internal mail); events for new links. */
export async function autoLinkThread(ctx: DomainContext, threadId: string, staff?: Set<string>): Promise<string[]> {
  const db = ctx.db<EmailDB>();
  const thread = await repo.findThread(db, threadId);
  if (!thread || thread.merged_into) return [];
  const staffSet = staff ?? (await repo.staffAddresses(db));
  const outside = thread.participants.filter((address) => !staffSet.has(address));
  const internal = outside.length === 0;
  if (internal !== thread.internal) await db.updateTable('communications.email_threads').set({ internal }).where('id', '=', threadId).execute();
  if (internal) return [];
  const contacts = await repo.contactsByAddress(db, outside);
  const wanted = new Map<string, string>();
  for (const contact of contacts) for (const clientId of contact.client_ids) if (!wanted.has(clientId)) wanted.set(clientId, contact.contact_id);
  const inserted = await repo.insertAutoLinks(
    db,
    ctx.tenantId,
    threadId,
    [...wanted].map(([clientId, contactId]) => ({ clientId, contactId })),
  );
  if (inserted.length > 0) {
    const clientIds = await repo.linkedClientIds(db, threadId);
    await ctx.emitMany(
      threadLinked,
      inserted.map((link) => ({
        aggregateId: threadId,
        payload: {
          thread_id: threadId,
          client_id: link.client_id,
          source: 'auto' as const,
          contact_id: link.contact_id,
          subject: thread.subject,
          participants: thread.participants,
          client_ids: clientIds,
        },
      })),
    );
  }
  return inserted.map((link) => link.client_id);
}

/** Removes automatic links that no participant justifies any more (a contact's email changed or it was archived). */
export async function dropStaleAutoLinks(ctx: DomainContext, contactId: string): Promise<void> {
  const db = ctx.db<EmailDB>();
  for (const link of await repo.autoLinksOfContact(db, contactId)) {
    const thread = await repo.findThread(db, link.thread_id);
    if (!thread) continue;
    const contacts = await repo.contactsByAddress(db, thread.participants);
    if (contacts.some((contact) => contact.client_ids.includes(link.client_id))) continue;
    await repo.deleteAutoLink(db, link.thread_id, link.client_id);
    await ctx.emit(
      threadUnlinked,
      {
        thread_id: thread.id,
        client_id: link.client_id,
        source: 'auto',
        contact_id: contactId,
        subject: thread.subject,
        participants: thread.participants,
        client_ids: await repo.linkedClientIds(db, thread.id),
      },
      { aggregateId: thread.id },
    );
  }
}

interface ThreadState {
  id: string;
  subjectKey: string;
  first: Date;
  last: Date;
  providerThreadId: string | null;
}

const toState = (row: ThreadRow): ThreadState => ({
  id: row.id,
  subjectKey: row.subject_key,
  first: row.first_message_at,
  last: row.last_message_at,
  providerThreadId: row.provider_thread_id,
});

const WINDOW_MS = SUBJECT_WINDOW_DAYS * 86_400_000;

/**
 * Stores messages of one account in the caller's transaction, in a few statements per batch (a
 * sync chunk): existing messages and known Message-IDs are read once, threads are decided in
 * memory in delivery order (a reply in the same batch as its parent joins it), then threads,
 * messages, refs, participants and attachments are inserted in bulk, threads refreshed, links and
 * events written. A message already stored (same dedupe key) is returned as is (created: false).
 */
export async function storeMessages(ctx: DomainContext, account: AccountRow, items: readonly IncomingMessage[]): Promise<StoredMessage[]> {
  const db = ctx.db<EmailDB>();
  if (items.length === 0) return [];
  const keys = [...new Set(items.map((item) => item.parsed.dedupeKey))];
  const existingRows = await db
    .selectFrom('communications.email_messages')
    .select(['id', 'thread_id', 'dedupe_key'])
    .where('account_id', '=', account.id)
    .where('dedupe_key', 'in', keys)
    .execute();
  const byKey = new Map<string, StoredMessage>(existingRows.map((row) => [row.dedupe_key, { messageId: row.id, threadId: row.thread_id, created: false }]));
  const allRefs = [...new Set(items.flatMap((item) => [...(item.parsed.messageId ? [item.parsed.messageId] : []), ...item.parsed.references]))];
  const refThread = new Map<string, string>();
  const threads = new Map<string, ThreadState>();
  if (allRefs.length > 0) {
    const known = await db
      .selectFrom('communications.email_thread_refs as r')
      .innerJoin('communications.email_threads as t', 't.id', 'r.thread_id')
      .select(['r.ref', 't.id', 't.subject_key', 't.first_message_at', 't.last_message_at', 't.provider_thread_id', 't.merged_into'])
      .where('r.account_id', '=', account.id)
      .where('r.ref', 'in', allRefs)
      .execute();
    for (const row of known) {
      // Merged threads left their refs pointing at the old id only briefly; follow to the survivor.
      const id = row.merged_into ?? row.id;
      refThread.set(row.ref, id);
      if (!row.merged_into)
        threads.set(id, { id, subjectKey: row.subject_key, first: row.first_message_at, last: row.last_message_at, providerThreadId: row.provider_thread_id });
    }
    const missing = [...new Set(refThread.values())].filter((id) => !threads.has(id));
    if (missing.length > 0) {
      for (const row of await db.selectFrom('communications.email_threads').selectAll().where('id', 'in', missing).execute()) threads.set(row.id, toState(row));
    }
  }

  const newThreads: { id: string; parsed: ParsedEmail }[] = [];
  const messageRows: Insertable<EmailMessagesTable>[] = [];
  const refRows: Insertable<EmailThreadRefsTable>[] = [];
  const participantRows: Insertable<EmailParticipantsTable>[] = [];
  const attachmentRows: Insertable<EmailAttachmentsTable>[] = [];
  const results: StoredMessage[] = [];
  const received: { messageId: string; threadId: string; parsed: ParsedEmail }[] = [];
  const touched = new Set<string>();

  const flush = async () => {
    if (newThreads.length > 0) {
      await db
        .insertInto('communications.email_threads')
        .values(
          newThreads.map(({ id, parsed }) => ({
            id,
            tenant_id: ctx.tenantId,
            account_id: account.id,
            owner_user_id: account.owner_user_id,
            subject: parsed.subject || '(no subject)',
            subject_key: subjectKey(parsed.subject),
            provider_thread_id: parsed.providerThreadId,
            first_message_at: parsed.date,
            last_message_at: parsed.date,
            snippet: parsed.snippet,
          })),
        )
        .execute();
    }
    if (messageRows.length > 0) await db.insertInto('communications.email_messages').values(messageRows).execute();
    if (refRows.length > 0) {
      await db
        .insertInto('communications.email_thread_refs')
        .values(refRows)
        .onConflict((conflict) => conflict.columns(['account_id', 'ref']).doNothing())
        .execute();
    }
    if (participantRows.length > 0) {
      await db
        .insertInto('communications.email_participants')
        .values(participantRows)
        .onConflict((conflict) => conflict.columns(['message_id', 'role', 'address']).doNothing())
        .execute();
    }
    if (attachmentRows.length > 0) await db.insertInto('communications.email_attachments').values(attachmentRows).execute();
    createdThreadIds.push(...newThreads.map((t) => t.id));
    newThreads.length = 0;
    messageRows.length = 0;
    refRows.length = 0;
    participantRows.length = 0;
    attachmentRows.length = 0;
  };
  const createdThreadIds: string[] = [];

  for (const item of items) {
    const { parsed } = item;
    const seen = byKey.get(parsed.dedupeKey);
    if (seen) {
      results.push({ ...seen, created: false });
      continue;
    }
    const refs = [...new Set([...(parsed.messageId ? [parsed.messageId] : []), ...parsed.references])];
    let hits = [...new Set(refs.map((ref) => refThread.get(ref)).filter((id): id is string => id !== undefined))];
    let thread: ThreadState | undefined;
    if (hits.length > 1) {
      // The message proves two threads are one conversation: write what is pending, merge in the database.
      await flush();
      const ordered = hits.map((id) => threads.get(id)).filter((t): t is ThreadState => t !== undefined);
      ordered.sort((a, b) => a.first.getTime() - b.first.getTime() || a.id.localeCompare(b.id));
      const [keep, ...others] = ordered;
      if (keep) {
        await repo.mergeThreads(
          db,
          keep.id,
          others.map((t) => t.id),
        );
        for (const other of others) {
          threads.delete(other.id);
          touched.delete(other.id);
          for (const [ref, id] of refThread) if (id === other.id) refThread.set(ref, keep.id);
          for (const result of results) if (result.threadId === other.id) result.threadId = keep.id;
          for (const r of received) if (r.threadId === other.id) r.threadId = keep.id;
          keep.first = new Date(Math.min(keep.first.getTime(), other.first.getTime()));
          keep.last = new Date(Math.max(keep.last.getTime(), other.last.getTime()));
        }
        hits = [keep.id];
      }
    }
    if (hits.length === 1) thread = threads.get(hits[0] as string);
    if (!thread && parsed.providerThreadId) {
      thread = [...threads.values()].find((t) => t.providerThreadId === parsed.providerThreadId);
      if (!thread) {
        const row = await repo.threadByProviderId(db, account.id, parsed.providerThreadId);
        if (row) {
          thread = toState(row);
          threads.set(row.id, thread);
        }
      }
    }
    if (!thread) {
      const key = subjectKey(parsed.subject);
      const looksLikeReply = PREFIXED.test(parsed.subject) || parsed.references.length > 0;
      if (looksLikeReply && subjectThreadable(key)) {
        const at = parsed.date.getTime();
        const inWindow = (t: ThreadState) => t.subjectKey === key && t.last.getTime() >= at - WINDOW_MS && t.first.getTime() <= at + WINDOW_MS;
        thread = [...threads.values()].filter(inWindow).sort((a, b) => b.last.getTime() - a.last.getTime())[0];
        if (!thread) {
          const row = await repo.threadBySubject(db, account.id, key, parsed.date, SUBJECT_WINDOW_DAYS);
          if (row) {
            thread = toState(row);
            threads.set(row.id, thread);
          }
        }
      }
    }
    if (!thread) {
      thread = { id: uuidv7(), subjectKey: subjectKey(parsed.subject), first: parsed.date, last: parsed.date, providerThreadId: parsed.providerThreadId };
      threads.set(thread.id, thread);
      newThreads.push({ id: thread.id, parsed });
    }
    if (parsed.date < thread.first) thread.first = parsed.date;
    if (parsed.date > thread.last) thread.last = parsed.date;
    const threadId = thread.id;
    const messageId = uuidv7();
    messageRows.push({
      id: messageId,
      tenant_id: ctx.tenantId,
      account_id: account.id,
      thread_id: threadId,
      dedupe_key: parsed.dedupeKey,
      message_id_header: parsed.messageId,
      in_reply_to: parsed.inReplyTo,
      reference_ids: parsed.references,
      direction: item.direction,
      subject: parsed.subject,
      from_address: parsed.from?.address ?? null,
      from_name: parsed.from?.name ?? null,
      sent_at: parsed.date,
      snippet: parsed.snippet,
      text_body: parsed.text,
      html_body: parsed.html,
      remote_images: parsed.remoteImages,
      size_bytes: item.size,
      provider_thread_id: parsed.providerThreadId,
      send_status: item.send?.status ?? null,
      sent_by: item.send?.sentBy ?? null,
    });
    for (const ref of refs) {
      if (refThread.has(ref)) continue;
      refThread.set(ref, threadId);
      refRows.push({ tenant_id: ctx.tenantId, account_id: account.id, ref, thread_id: threadId });
    }
    for (const { role, who } of participantsOf(parsed)) {
      participantRows.push({ tenant_id: ctx.tenantId, message_id: messageId, thread_id: threadId, role, address: who.address, name: who.name });
    }
    parsed.attachments.forEach((attachment, index) => {
      attachmentRows.push({
        id: uuidv7(),
        tenant_id: ctx.tenantId,
        message_id: messageId,
        filename: attachment.filename,
        content_type: attachment.contentType,
        size_bytes: attachment.content.length,
        content_id: attachment.contentId,
        inline: attachment.inline,
        blob_key: item.attachmentKeys[index] as string,
      });
    });
    const stored = { messageId, threadId, created: true };
    byKey.set(parsed.dedupeKey, stored);
    results.push({ ...stored });
    touched.add(threadId);
    if (item.direction === 'inbound') received.push({ messageId, threadId, parsed });
  }
  await flush();
  if (touched.size === 0) return results;
  const touchedIds = [...touched];
  await repo.refreshThreads(db, touchedIds);
  const clientsOf = await autoLinkThreads(ctx, touchedIds);

  const created = new Set(createdThreadIds);
  const rows =
    created.size === 0
      ? []
      : await db
          .selectFrom('communications.email_threads')
          .select(['id', 'subject', 'participants', 'merged_into'])
          .where('id', 'in', [...created])
          .execute();
  const createdItems = rows
    .filter((row) => row.merged_into === null)
    .map((row) => {
      const clientIds = clientsOf.get(row.id) ?? [];
      const linked = clientIds.length > 0;
      return {
        aggregateId: row.id,
        payload: {
          thread_id: row.id,
          account_id: account.id,
          owner_user_id: account.owner_user_id,
          client_id: clientIds[0] ?? null,
          client_ids: clientIds,
          subject: linked ? row.subject : null,
          participants: linked ? row.participants : [],
        },
      };
    });
  if (createdItems.length > 0) await ctx.emitMany(threadCreated, createdItems);
  const receivedItems = received.map((item) => {
    const clientIds = clientsOf.get(item.threadId) ?? [];
    const linked = clientIds.length > 0;
    return {
      aggregateId: item.threadId,
      payload: {
        message_id: item.messageId,
        thread_id: item.threadId,
        account_id: account.id,
        owner_user_id: account.owner_user_id,
        client_id: clientIds[0] ?? null,
        client_ids: clientIds,
        subject: linked ? item.parsed.subject : null,
        from_address: linked ? (item.parsed.from?.address ?? null) : null,
        sent_at: item.parsed.date.toISOString(),
      },
    };
  });
  if (receivedItems.length > 0) await ctx.emitMany(emailReceived, receivedItems);
  return results;
}

/**
 * Automatic links for many threads at once (a sync chunk): contacts of every outside participant
 * in one query, the links in one insert (a person's unlink row blocks its client), one event per
 * new link; internal threads (only staff addresses) are flagged and never linked. Returns each
 * thread's linked clients after the change.
 */
async function autoLinkThreads(ctx: DomainContext, threadIds: readonly string[]): Promise<Map<string, string[]>> {
  const db = ctx.db<EmailDB>();
  const staff = await repo.staffAddresses(db);
  const rows = await db
    .selectFrom('communications.email_threads')
    .select(['id', 'subject', 'participants', 'internal'])
    .where('id', 'in', [...threadIds])
    .execute();
  const outsideOf = new Map(rows.map((row) => [row.id, row.participants.filter((address) => !staff.has(address))]));
  const flips = rows.filter((row) => (outsideOf.get(row.id)?.length === 0) !== row.internal);
  for (const internal of [true, false]) {
    const ids = flips.filter((row) => (outsideOf.get(row.id)?.length === 0) === internal).map((row) => row.id);
    if (ids.length > 0) await db.updateTable('communications.email_threads').set({ internal }).where('id', 'in', ids).execute();
  }
  const contacts = await repo.contactsByAddress(db, [...new Set([...outsideOf.values()].flat())]);
  const wanted: { threadId: string; clientId: string; contactId: string }[] = [];
  for (const row of rows) {
    const outside = new Set(outsideOf.get(row.id) ?? []);
    if (outside.size === 0) continue;
    const seen = new Set<string>();
    for (const contact of contacts) {
      if (!outside.has(contact.email)) continue;
      for (const clientId of contact.client_ids) {
        if (seen.has(clientId)) continue;
        seen.add(clientId);
        wanted.push({ threadId: row.id, clientId, contactId: contact.contact_id });
      }
    }
  }
  const inserted =
    wanted.length === 0
      ? []
      : await db
          .insertInto('communications.thread_links')
          .values(
            wanted.map((w) => ({
              tenant_id: ctx.tenantId,
              thread_id: w.threadId,
              client_id: w.clientId,
              state: 'linked' as const,
              source: 'auto' as const,
              contact_id: w.contactId,
            })),
          )
          .onConflict((conflict) => conflict.columns(['thread_id', 'client_id']).doNothing())
          .returning(['thread_id', 'client_id', 'contact_id'])
          .execute();
  const links = await repo.linksOf(db, threadIds);
  const clientsOf = new Map([...threadIds].map((id) => [id, (links.get(id) ?? []).map((link) => link.clientId)]));
  if (inserted.length > 0) {
    const byId = new Map(rows.map((row) => [row.id, row]));
    await ctx.emitMany(
      threadLinked,
      inserted.map((link) => ({
        aggregateId: link.thread_id,
        payload: {
          thread_id: link.thread_id,
          client_id: link.client_id,
          source: 'auto' as const,
          contact_id: link.contact_id,
          subject: byId.get(link.thread_id)?.subject ?? '',
          participants: byId.get(link.thread_id)?.participants ?? [],
          client_ids: clientsOf.get(link.thread_id) ?? [],
        },
      })),
    );
  }
  return clientsOf;
}
