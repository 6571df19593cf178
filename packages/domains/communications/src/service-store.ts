import { blobKey, uuidv7, type BlobStore, type DomainContext } from '@ubos/platform';
import { emailReceived, threadCreated, threadLinked, threadUnlinked } from './contracts-email.ts';
import type { AccountRow, EmailDB, ParticipantRole, ThreadRow } from './db-email.ts';
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

/** The thread a message joins, or null for a new one; merges threads the message proves are one. */
async function findThreadFor(db: repo.EmailTrx, account: AccountRow, parsed: ParsedEmail): Promise<ThreadRow | null> {
  const refs = [...(parsed.messageId ? [parsed.messageId] : []), ...parsed.references];
  const byRefs = await repo.threadsByRefs(db, account.id, refs);
  if (byRefs.length > 0) {
    const [keep, ...others] = byRefs as [ThreadRow, ...ThreadRow[]];
    await repo.mergeThreads(
      db,
      keep.id,
      others.map((t) => t.id),
    );
    return keep;
  }
  if (parsed.providerThreadId) {
    const byProvider = await repo.threadByProviderId(db, account.id, parsed.providerThreadId);
    if (byProvider) return byProvider;
  }
  // Subject only for what looks like a reply or forward whose chain is broken (a prefix, or
  // references we do not have): a fresh message with a familiar subject starts its own thread.
  const key = subjectKey(parsed.subject);
  const looksLikeReply = PREFIXED.test(parsed.subject) || parsed.references.length > 0;
  if (looksLikeReply && subjectThreadable(key)) {
    const bySubject = await repo.threadBySubject(db, account.id, key, parsed.date, SUBJECT_WINDOW_DAYS);
    if (bySubject) return bySubject;
  }
  return null;
}

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

/**
 * Stores messages of one account in the caller's transaction. A message already stored (same
 * dedupe key) is returned as is (created: false); the caller adds its folder location.
 */
export async function storeMessages(ctx: DomainContext, account: AccountRow, items: readonly IncomingMessage[]): Promise<StoredMessage[]> {
  const db = ctx.db<EmailDB>();
  const staff = await repo.staffAddresses(db);
  const results: StoredMessage[] = [];
  const touchedThreads = new Set<string>();
  const newThreads = new Set<string>();
  const received: { messageId: string; threadId: string; parsed: ParsedEmail }[] = [];
  for (const item of items) {
    const { parsed } = item;
    const existing = await db
      .selectFrom('communications.email_messages')
      .select(['id', 'thread_id'])
      .where('account_id', '=', account.id)
      .where('dedupe_key', '=', parsed.dedupeKey)
      .executeTakeFirst();
    if (existing) {
      results.push({ messageId: existing.id, threadId: existing.thread_id, created: false });
      continue;
    }
    let thread = await findThreadFor(db, account, parsed);
    if (!thread) {
      const id = uuidv7();
      thread = await db
        .insertInto('communications.email_threads')
        .values({
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
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      newThreads.add(id);
    }
    const messageId = uuidv7();
    await db
      .insertInto('communications.email_messages')
      .values({
        id: messageId,
        tenant_id: ctx.tenantId,
        account_id: account.id,
        thread_id: thread.id,
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
      })
      .execute();
    const refs = [...new Set([...(parsed.messageId ? [parsed.messageId] : []), ...parsed.references])];
    if (refs.length > 0) {
      await db
        .insertInto('communications.email_thread_refs')
        .values(refs.map((ref) => ({ tenant_id: ctx.tenantId, account_id: account.id, ref, thread_id: thread.id })))
        .onConflict((conflict) => conflict.columns(['account_id', 'ref']).doNothing())
        .execute();
    }
    const people = participantsOf(parsed);
    if (people.length > 0) {
      await db
        .insertInto('communications.email_participants')
        .values(
          people.map(({ role, who }) => ({ tenant_id: ctx.tenantId, message_id: messageId, thread_id: thread.id, role, address: who.address, name: who.name })),
        )
        .onConflict((conflict) => conflict.columns(['message_id', 'role', 'address']).doNothing())
        .execute();
    }
    if (parsed.attachments.length > 0) {
      await db
        .insertInto('communications.email_attachments')
        .values(
          parsed.attachments.map((attachment, index) => ({
            id: uuidv7(),
            tenant_id: ctx.tenantId,
            message_id: messageId,
            filename: attachment.filename,
            content_type: attachment.contentType,
            size_bytes: attachment.content.length,
            content_id: attachment.contentId,
            inline: attachment.inline,
            blob_key: item.attachmentKeys[index] as string,
          })),
        )
        .execute();
    }
    await repo.refreshThread(db, thread.id);
    touchedThreads.add(thread.id);
    results.push({ messageId, threadId: thread.id, created: true });
    if (item.direction === 'inbound') received.push({ messageId, threadId: thread.id, parsed });
  }
  // Links first, so the events below say which clients the mail is on.
  const clientsOf = new Map<string, string[]>();
  for (const threadId of touchedThreads) {
    await autoLinkThread(ctx, threadId, staff);
    clientsOf.set(threadId, await repo.linkedClientIds(db, threadId));
  }
  const finalThread = async (threadId: string) => {
    const row = await repo.findThread(db, threadId);
    return row?.merged_into ?? threadId;
  };
  const createdItems = [];
  for (const threadId of newThreads) {
    const row = await repo.findThread(db, threadId);
    if (!row || row.merged_into) continue;
    const clientIds = clientsOf.get(threadId) ?? [];
    const linked = clientIds.length > 0;
    createdItems.push({
      aggregateId: threadId,
      payload: {
        thread_id: threadId,
        account_id: account.id,
        owner_user_id: account.owner_user_id,
        client_id: clientIds[0] ?? null,
        client_ids: clientIds,
        subject: linked ? row.subject : null,
        participants: linked ? row.participants : [],
      },
    });
  }
  if (createdItems.length > 0) await ctx.emitMany(threadCreated, createdItems);
  const receivedItems = [];
  for (const item of received) {
    const threadId = await finalThread(item.threadId);
    const clientIds = clientsOf.get(threadId) ?? (await repo.linkedClientIds(db, threadId));
    const linked = clientIds.length > 0;
    receivedItems.push({
      aggregateId: threadId,
      payload: {
        message_id: item.messageId,
        thread_id: threadId,
        account_id: account.id,
        owner_user_id: account.owner_user_id,
        client_id: clientIds[0] ?? null,
        client_ids: clientIds,
        subject: linked ? item.parsed.subject : null,
        from_address: linked ? (item.parsed.from?.address ?? null) : null,
        sent_at: item.parsed.date.toISOString(),
      },
    });
  }
  if (receivedItems.length > 0) await ctx.emitMany(emailReceived, receivedItems);
  // A later message may have merged an earlier one's thread away: report the thread it ended in.
  for (const result of results) result.threadId = await finalThread(result.threadId);
  return results;
}
