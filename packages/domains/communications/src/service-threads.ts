import { DomainError, NotFoundError, type DomainContext } from '@ubos/platform';
import {
  threadLinked,
  threadUnlinked,
  type LinkThreadInput,
  type ListThreadsInput,
  type MessageDto,
  type ThreadDto,
  type ThreadSummaryDto,
} from './contracts-email.ts';
import type { EmailDB, ThreadRow } from './db-email.ts';
import { showRemoteImages } from './mime.ts';
import * as repo from './repository-threads.ts';

/**
 * Threads: visibility, list, read, link/unlink. A thread is private to its mailbox owner unless it
 * is linked to a client; then whoever holds communications.read sees it (on the client's Emails
 * tab and by id). Internal mail (only staff addresses) is never linked automatically.
 */

export interface Viewer {
  userId: string;
  /** communications.read: may see threads linked to clients. */
  canReadLinked: boolean;
}

function encodeCursor(row: ThreadRow): string {
  return Buffer.from(`${row.last_message_at.toISOString()}|${row.id}`).toString('base64url');
}

function decodeCursor(cursor: string | undefined): { at: Date; id: string } | null {
  if (!cursor) return null;
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const date = new Date(at ?? '');
  if (!id || Number.isNaN(date.getTime()) || !/^[0-9a-f-]{36}$/.test(id))
    throw new DomainError('BAD_REQUEST', 'This page link is no longer valid: start from the first page', [{ path: ['cursor'], message: 'Invalid cursor' }]);
  return { at: date, id };
}

function summary(row: ThreadRow, links: { clientId: string }[]): ThreadSummaryDto {
  return {
    id: row.id,
    accountId: row.account_id,
    ownerUserId: row.owner_user_id,
    subject: row.subject,
    snippet: row.snippet,
    participants: row.participants,
    messageCount: row.message_count,
    lastMessageAt: row.last_message_at,
    clientIds: links.map((link) => link.clientId),
    internal: row.internal,
  };
}

export async function listThreads(
  ctx: DomainContext,
  viewer: Viewer,
  input: ListThreadsInput,
): Promise<{ items: ThreadSummaryDto[]; nextCursor: string | null }> {
  const db = ctx.db<EmailDB>();
  if (input.clientId && !viewer.canReadLinked) throw new DomainError('FORBIDDEN', "You may not read this client's email");
  const rows = await repo.listThreads(db, {
    // A client's tab shows every linked thread whoever's mailbox it came from; the inbox only mine.
    ownerUserId: input.clientId ? null : viewer.userId,
    clientId: input.clientId ?? null,
    filter: input.filter,
    accountId: input.accountId ?? null,
    after: decodeCursor(input.cursor),
    limit: input.limit + 1,
  });
  const page = rows.slice(0, input.limit);
  const links = await repo.linksOf(
    db,
    page.map((row) => row.id),
  );
  const last = page.at(-1);
  return { items: page.map((row) => summary(row, links.get(row.id) ?? [])), nextCursor: rows.length > input.limit && last ? encodeCursor(last) : null };
}

/** The thread if the viewer may see it (else NOT_FOUND, as for another tenant's). */
async function visibleThread(
  ctx: DomainContext,
  viewer: Viewer,
  id: string,
): Promise<{ row: ThreadRow; links: { clientId: string; source: 'auto' | 'manual' }[] }> {
  const db = ctx.db<EmailDB>();
  let row = await repo.findThread(db, id);
  // A thread merged into another is read as the one it became.
  if (row?.merged_into) row = await repo.findThread(db, row.merged_into);
  if (!row) throw new NotFoundError('Thread', id);
  const links = (await repo.linksOf(db, [row.id])).get(row.id) ?? [];
  const mine = row.owner_user_id === viewer.userId;
  if (!mine && !(links.length > 0 && viewer.canReadLinked)) throw new NotFoundError('Thread', id);
  return { row, links };
}

export async function getThread(ctx: DomainContext, viewer: Viewer, id: string, options: { showRemoteImages?: boolean } = {}): Promise<ThreadDto> {
  const db = ctx.db<EmailDB>();
  const { row, links } = await visibleThread(ctx, viewer, id);
  const messages = await db
    .selectFrom('communications.email_messages')
    .selectAll()
    .where('thread_id', '=', row.id)
    .orderBy('sent_at')
    .orderBy('id')
    .limit(500)
    .execute();
  const ids = messages.map((message) => message.id);
  const participants = ids.length
    ? await db.selectFrom('communications.email_participants').select(['message_id', 'role', 'address']).where('message_id', 'in', ids).execute()
    : [];
  const attachments = ids.length
    ? await db.selectFrom('communications.email_attachments').selectAll().where('message_id', 'in', ids).orderBy('id').execute()
    : [];
  const blobs = ctx.services.blobs;
  const dtos: MessageDto[] = [];
  for (const message of messages) {
    const people = participants.filter((p) => p.message_id === message.id);
    const files = attachments.filter((a) => a.message_id === message.id);
    dtos.push({
      id: message.id,
      direction: message.direction,
      messageIdHeader: message.message_id_header,
      inReplyTo: message.in_reply_to,
      references: message.reference_ids,
      subject: message.subject,
      from: message.from_address ? { address: message.from_address, name: message.from_name } : null,
      to: people.filter((p) => p.role === 'to').map((p) => p.address),
      cc: people.filter((p) => p.role === 'cc').map((p) => p.address),
      sentAt: message.sent_at,
      text: message.text_body,
      html: message.html_body && options.showRemoteImages ? showRemoteImages(message.html_body) : message.html_body,
      remoteImages: message.remote_images,
      sendStatus: message.send_status,
      sendError: message.send_error,
      deletedOnServer: message.deleted_on_server_at !== null,
      attachments: await Promise.all(
        files.map(async (file) => ({
          id: file.id,
          filename: file.filename,
          contentType: file.content_type,
          size: file.size_bytes,
          inline: file.inline,
          // Signed, short-lived; HTML/SVG always download (the store's rule).
          url: blobs
            ? await blobs.presignGet({
                key: file.blob_key,
                expiresInSeconds: 300,
                filename: file.filename,
                contentType: file.content_type,
                disposition: 'attachment',
              })
            : null,
        })),
      ),
    });
  }
  return { ...summary(row, links), links, messages: dtos, mine: row.owner_user_id === viewer.userId };
}

/** A person links a thread to a client (sticks: automatic linking never undoes it). */
export async function setLink(
  ctx: DomainContext,
  viewer: Viewer,
  input: LinkThreadInput,
  state: 'linked' | 'unlinked',
): Promise<{ threadId: string; clientIds: string[] }> {
  const db = ctx.db<EmailDB>();
  const { row } = await visibleThread(ctx, viewer, input.threadId);
  if (state === 'linked') await ctx.requireReferences([{ kind: 'crm.client', id: input.clientId, path: ['clientId'], label: 'client' }]);
  // Lock the thread: concurrent link/unlink of one thread are ordered, each event exact.
  await db.selectFrom('communications.email_threads').select('id').where('id', '=', row.id).forUpdate().execute();
  const { changed } = await repo.setManualLink(db, { tenantId: ctx.tenantId, threadId: row.id, clientId: input.clientId, state, actorId: ctx.actorId });
  if (changed) {
    const contract = state === 'linked' ? threadLinked : threadUnlinked;
    await ctx.emit(
      contract,
      {
        thread_id: row.id,
        client_id: input.clientId,
        source: 'manual',
        contact_id: null,
        subject: row.subject,
        participants: row.participants,
        client_ids: await repo.linkedClientIds(db, row.id),
      },
      { aggregateId: row.id },
    );
  }
  return { threadId: row.id, clientIds: await repo.linkedClientIds(db, row.id) };
}
