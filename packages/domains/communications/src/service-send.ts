import { randomBytes } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import {
  createDomainContext,
  DomainError,
  NotFoundError,
  requireService,
  sql,
  withTenant,
  type Database,
  type DomainContext,
  type KernelServices,
  type Logger,
  type UntypedDB,
} from '@ubos/platform';
import { emailQueued, emailSendFailed, emailSent, type ForwardMessageInput, type ReplyMessageInput, type SendMessageInput } from './contracts-email.ts';
import type { AccountRow, EmailDB, MessageRow } from './db-email.ts';
import type { ParsedAttachment, ParsedEmail } from './mime.ts';
import * as repo from './repository-threads.ts';
import { storeMessages, uploadAttachments } from './service-store.ts';
import type { Viewer } from './service-threads.ts';
import { sendSmtp, SmtpSendError } from './smtp-client.ts';
import { replyReferences, subjectKey } from './threading.ts';

/**
 * Compose and reply: the message is stored at once in its thread (queued, with its own
 * Message-ID and the In-Reply-To/References of the message replied to) and sent by a job through
 * the account's SMTP; the job records sent (with the server's answer) or failed (with the reason).
 */

export const SEND_JOB = 'communications.send-message';
/** Attempts before a message that keeps failing for transient reasons is marked failed. */
export const MAX_SEND_ATTEMPTS = 3;

function domainOf(address: string): string {
  return address.split('@')[1] ?? 'ubos.invalid';
}

function newMessageId(from: string): string {
  return `${randomBytes(16).toString('hex')}@${domainOf(from)}`;
}

async function ownAccount(ctx: DomainContext, viewer: Viewer, accountId: string): Promise<AccountRow> {
  const account = await repo.findAccount(ctx.db<EmailDB>(), accountId);
  if (!account || account.owner_user_id !== viewer.userId) throw new NotFoundError('Email account', accountId);
  if (account.disconnected_at) throw new DomainError('PRECONDITION_FAILED', `${account.email_address} is disconnected: connect it again to send from it`);
  return account;
}

function queueAfterCommit(ctx: DomainContext, messageId: string): void {
  const jobs = ctx.services.jobs;
  if (!jobs) return;
  const tenantId = ctx.tenantId;
  ctx.afterCommit(async () => {
    await jobs.send(SEND_JOB, { tenantId, messageId }, { singletonKey: messageId });
  });
}

async function queue(
  ctx: DomainContext,
  account: AccountRow,
  mail: { to: string[]; cc: string[]; bcc: string[]; subject: string; text: string; inReplyTo: string | null; references: string[] },
  options: { clientId?: string | undefined; attachments?: ParsedAttachment[] } = {},
): Promise<{ messageId: string; threadId: string; status: 'queued' }> {
  const id = newMessageId(account.email_address);
  const attachments = options.attachments ?? [];
  const parsed: ParsedEmail = {
    messageId: id,
    dedupeKey: `mid:${id}`,
    inReplyTo: mail.inReplyTo,
    references: mail.references,
    subject: mail.subject,
    from: { address: account.email_address, name: account.display_name },
    to: mail.to.map((address) => ({ address, name: null })),
    cc: mail.cc.map((address) => ({ address, name: null })),
    bcc: mail.bcc.map((address) => ({ address, name: null })),
    replyTo: [],
    date: new Date(),
    text: mail.text,
    html: null,
    remoteImages: 0,
    snippet: mail.text.replace(/\s+/g, ' ').trim().slice(0, 200),
    attachments,
    providerThreadId: null,
  };
  // The bytes go to the blob store under fresh keys before the rows that name them.
  const attachmentKeys = await uploadAttachments(ctx.services.blobs, ctx.tenantId, parsed);
  const size = Buffer.byteLength(mail.text) + attachments.reduce((sum, attachment) => sum + attachment.content.length, 0);
  const [stored] = await storeMessages(ctx, account, [
    { parsed, direction: 'outbound', size, attachmentKeys, send: { status: 'queued', sentBy: ctx.actorId } },
  ]);
  if (!stored) throw new Error('The message was not stored');
  const db = ctx.db<EmailDB>();
  if (options.clientId)
    await repo.setManualLink(db, { tenantId: ctx.tenantId, threadId: stored.threadId, clientId: options.clientId, state: 'linked', actorId: ctx.actorId });
  const clientIds = await repo.linkedClientIds(db, stored.threadId);
  await ctx.emit(
    emailQueued,
    {
      message_id: stored.messageId,
      thread_id: stored.threadId,
      account_id: account.id,
      client_id: clientIds[0] ?? null,
      client_ids: clientIds,
      subject: clientIds.length > 0 ? mail.subject : null,
      to: clientIds.length > 0 ? [...mail.to, ...mail.cc] : [],
      sent_by: ctx.actorId,
    },
    { aggregateId: stored.threadId },
  );
  queueAfterCommit(ctx, stored.messageId);
  return { messageId: stored.messageId, threadId: stored.threadId, status: 'queued' };
}

export async function sendMessage(ctx: DomainContext, viewer: Viewer, input: SendMessageInput) {
  const account = await ownAccount(ctx, viewer, input.accountId);
  await ctx.requireReferences([{ kind: 'crm.client', id: input.clientId, path: ['clientId'], label: 'client' }]);
  return queue(
    ctx,
    account,
    { to: input.to, cc: input.cc, bcc: input.bcc, subject: input.subject, text: input.text, inReplyTo: null, references: [] },
    { clientId: input.clientId },
  );
}

/** Reply (or reply-all) to a message of a thread in one of my mailboxes. */
export async function replyMessage(ctx: DomainContext, viewer: Viewer, input: ReplyMessageInput) {
  const db = ctx.db<EmailDB>();
  const parent = await db.selectFrom('communications.email_messages').selectAll().where('id', '=', input.messageId).executeTakeFirst();
  if (!parent) throw new NotFoundError('Message', input.messageId);
  const account = await ownAccount(ctx, viewer, parent.account_id).catch(() => {
    throw new NotFoundError('Message', input.messageId);
  });
  const people = await db.selectFrom('communications.email_participants').select(['role', 'address']).where('message_id', '=', parent.id).execute();
  const self = account.email_address;
  const replyTo = people.filter((p) => p.role === 'reply_to').map((p) => p.address);
  const from = parent.from_address;
  // Replying to my own message goes to its recipients again.
  let to =
    parent.direction === 'outbound' || from === self
      ? people.filter((p) => p.role === 'to').map((p) => p.address)
      : replyTo.length > 0
        ? replyTo
        : from
          ? [from]
          : [];
  let cc = [...input.cc];
  if (input.replyAll) {
    const others = people.filter((p) => p.role === 'to' || p.role === 'cc').map((p) => p.address);
    cc = [...new Set([...cc, ...others])].filter((address) => address !== self && !to.includes(address));
  }
  to = [...new Set(to)].filter((address) => address !== self || to.length === 1);
  if (to.length === 0) throw new DomainError('BAD_REQUEST', 'This message has no address to reply to', [{ path: ['messageId'], message: 'No sender address' }]);
  const subject = /^\s*re\s*:/i.test(parent.subject) ? parent.subject : `Re: ${parent.subject || subjectKey(parent.subject)}`;
  return queue(ctx, account, {
    to,
    cc,
    bcc: [],
    subject,
    text: input.text,
    inReplyTo: parent.message_id_header,
    references: replyReferences({ messageId: parent.message_id_header, references: parent.reference_ids }),
  });
}

/** The largest total of attachments a forward carries along (most servers refuse mail over 25 MB). */
const MAX_FORWARD_ATTACHMENT_BYTES = 20 * 1024 * 1024;

function addressList(people: readonly { role: string; address: string; name: string | null }[], role: string): string {
  return people
    .filter((p) => p.role === role)
    .map((p) => (p.name ? `${p.name} <${p.address}>` : p.address))
    .join(', ');
}

/**
 * Forward a message of one of my mailboxes: "Fwd: …", my note, the original's headers and text
 * below it, and its attachments (copied under fresh keys, so the two messages never share a blob).
 */
export async function forwardMessage(ctx: DomainContext, viewer: Viewer, input: ForwardMessageInput) {
  const db = ctx.db<EmailDB>();
  const original = await db.selectFrom('communications.email_messages').selectAll().where('id', '=', input.messageId).executeTakeFirst();
  if (!original) throw new NotFoundError('Message', input.messageId);
  const account = await ownAccount(ctx, viewer, original.account_id).catch(() => {
    throw new NotFoundError('Message', input.messageId);
  });
  const people = await db.selectFrom('communications.email_participants').select(['role', 'address', 'name']).where('message_id', '=', original.id).execute();
  const files = await db
    .selectFrom('communications.email_attachments')
    .select(['filename', 'content_type', 'size_bytes', 'blob_key', 'content_id'])
    .where('message_id', '=', original.id)
    .where('inline', '=', false)
    .orderBy('id')
    .execute();
  const total = files.reduce((sum, file) => sum + file.size_bytes, 0);
  if (total > MAX_FORWARD_ATTACHMENT_BYTES) {
    throw new DomainError('BAD_REQUEST', `The attachments of this message are too large to forward (${Math.ceil(total / 1024 / 1024)} MB; at most 20 MB)`, [
      { path: ['messageId'], message: 'Attachments over 20 MB' },
    ]);
  }
  const attachments: ParsedAttachment[] = [];
  if (files.length > 0) {
    const blobs = requireService(ctx.services, 'blobs');
    for (const file of files) {
      const content = await buffer(await blobs.read(file.blob_key));
      attachments.push({ filename: file.filename, contentType: file.content_type, content, contentId: null, inline: false });
    }
  }
  const from = original.from_name ? `${original.from_name} <${original.from_address ?? ''}>` : (original.from_address ?? '');
  const header = [
    '---------- Forwarded message ---------',
    `From: ${from}`,
    `Date: ${original.sent_at.toUTCString()}`,
    `Subject: ${original.subject}`,
    `To: ${addressList(people, 'to')}`,
    ...(addressList(people, 'cc') ? [`Cc: ${addressList(people, 'cc')}`] : []),
  ].join('\n');
  const note = input.text.trim();
  const subject = /^\s*(fwd?|fw)\s*:/i.test(original.subject) ? original.subject : `Fwd: ${original.subject || subjectKey(original.subject)}`;
  return queue(
    ctx,
    account,
    { to: input.to, cc: input.cc, bcc: [], subject, text: `${note ? `${note}\n\n` : ''}${header}\n\n${original.text_body}`, inReplyTo: null, references: [] },
    { attachments },
  );
}

export interface SendDeps {
  db: Database;
  log: Logger;
  services: KernelServices;
}

/**
 * The send job: one attempt. Sent → `sent` + event; a 5xx refusal or the last attempt → `failed`
 * with the reason + event; a transient failure before that throws so pg-boss retries.
 */
export async function runSend(deps: SendDeps, ref: { tenantId: string; messageId: string }): Promise<'sent' | 'failed' | 'retry' | 'skipped'> {
  const context = (trx: Parameters<typeof createDomainContext<UntypedDB>>[0]['trx']) =>
    createDomainContext({ trx, tenantId: ref.tenantId, actorId: null, correlationId: `send:${ref.messageId}`, log: deps.log, services: deps.services });
  // Claim: a conditional UPDATE counts the attempt; only a queued message is sent.
  const claimed = await withTenant<
    UntypedDB,
    {
      message: MessageRow;
      account: AccountRow;
      password: string;
      to: string[];
      cc: string[];
      bcc: string[];
      files: { filename: string; content_type: string; blob_key: string }[];
    } | null
  >(deps.db, { tenantId: ref.tenantId }, async (trx) => {
    const ctx = context(trx);
    const db = ctx.db<EmailDB>();
    const message = await db
      .updateTable('communications.email_messages')
      .set((eb) => ({ send_attempts: eb('send_attempts', '+', 1), send_claimed_until: sql<Date>`now() + interval '2 minutes'` }))
      .where('id', '=', ref.messageId)
      .where('send_status', '=', 'queued')
      .where((eb) => eb.or([eb('send_claimed_until', 'is', null), eb('send_claimed_until', '<', sql<Date>`now()`)]))
      .returningAll()
      .executeTakeFirst();
    if (!message) return null;
    const account = await repo.findAccount(db, message.account_id);
    if (!account) return null;
    const secret = await requireService(deps.services, 'connections').secrets?.read(ctx, account.connection_id);
    const people = await db.selectFrom('communications.email_participants').select(['role', 'address']).where('message_id', '=', message.id).execute();
    const of = (role: string) => people.filter((p) => p.role === role).map((p) => p.address);
    const files = await db
      .selectFrom('communications.email_attachments')
      .select(['filename', 'content_type', 'blob_key'])
      .where('message_id', '=', message.id)
      .orderBy('id')
      .execute();
    return { message, account, password: secret?.password ?? '', to: of('to'), cc: of('cc'), bcc: of('bcc'), files };
  });
  if (!claimed) return 'skipped';
  const { message, account } = claimed;
  let outcome: { ok: true; response: string } | { ok: false; reason: string; final: boolean };
  try {
    const blobs = claimed.files.length > 0 ? requireService(deps.services, 'blobs') : null;
    const attachments = blobs
      ? await Promise.all(
          claimed.files.map(async (file) => ({ filename: file.filename, contentType: file.content_type, content: await blobs.read(file.blob_key) })),
        )
      : [];
    const result = await sendSmtp(
      deps.services,
      { host: account.smtp_host, port: account.smtp_port, security: account.smtp_security, username: account.username, password: claimed.password },
      {
        from: { address: account.email_address, name: account.display_name },
        to: claimed.to,
        cc: claimed.cc,
        bcc: claimed.bcc,
        subject: message.subject,
        text: message.text_body,
        messageId: message.message_id_header ?? newMessageId(account.email_address),
        inReplyTo: message.in_reply_to,
        references: message.reference_ids,
        date: message.sent_at,
        attachments,
      },
    );
    outcome = { ok: true, response: result.response };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const permanent = error instanceof SmtpSendError && error.permanent;
    outcome = { ok: false, reason: reason.slice(0, 1000), final: permanent || message.send_attempts >= MAX_SEND_ATTEMPTS };
  }
  const finalOutcome = outcome;
  return withTenant<UntypedDB, 'sent' | 'failed' | 'retry'>(deps.db, { tenantId: ref.tenantId }, async (trx) => {
    const ctx = context(trx);
    const db = ctx.db<EmailDB>();
    const clientIds = await repo.linkedClientIds(db, message.thread_id);
    const base = {
      message_id: message.id,
      thread_id: message.thread_id,
      account_id: account.id,
      client_id: clientIds[0] ?? null,
      client_ids: clientIds,
      subject: clientIds.length > 0 ? message.subject : null,
      to: clientIds.length > 0 ? [...claimed.to, ...claimed.cc] : [],
      sent_by: message.sent_by,
    };
    if (finalOutcome.ok) {
      const updated = await db
        .updateTable('communications.email_messages')
        .set({ send_status: 'sent', send_error: null, send_claimed_until: null })
        .where('id', '=', message.id)
        .where('send_status', '=', 'queued')
        .returning('id')
        .executeTakeFirst();
      if (updated) await ctx.emit(emailSent, { ...base, smtp_response: finalOutcome.response.slice(0, 500) }, { aggregateId: message.thread_id });
      return 'sent';
    }
    if (!finalOutcome.final) {
      await db
        .updateTable('communications.email_messages')
        .set({ send_error: finalOutcome.reason, send_claimed_until: null })
        .where('id', '=', message.id)
        .execute();
      return 'retry';
    }
    const updated = await db
      .updateTable('communications.email_messages')
      .set({ send_status: 'failed', send_error: finalOutcome.reason, send_claimed_until: null })
      .where('id', '=', message.id)
      .where('send_status', '=', 'queued')
      .returning('id')
      .executeTakeFirst();
    if (updated) await ctx.emit(emailSendFailed, { ...base, reason: finalOutcome.reason }, { aggregateId: message.thread_id });
    return 'failed';
  });
}
