// Public contracts of client email (issue 12), re-exported by contracts.ts: events (snake_case,
// never a secret; subjects and addresses only once a thread is on a client, so a private thread's
// events say nothing a timeline reader should not see), procedure inputs and DTOs.
import { defineEvent } from '@ubos/platform';
import { z } from 'zod';

const THREAD = 'communications.thread';
const ACCOUNT = 'communications.account';

// ---------------------------------------------------------------- events

export const emailReceived = defineEvent({
  type: 'communications.email.received',
  version: 1,
  aggregateType: THREAD,
  payload: z.object({
    message_id: z.uuid(),
    thread_id: z.uuid(),
    account_id: z.uuid(),
    owner_user_id: z.uuid(),
    /** The first client the thread is linked to (the timeline files it there); null while private. */
    client_id: z.uuid().nullable(),
    client_ids: z.array(z.uuid()),
    /** Only when linked to a client. */
    subject: z.string().nullable(),
    from_address: z.string().nullable(),
    sent_at: z.string(),
  }),
});

export const threadCreated = defineEvent({
  type: 'communications.thread.created',
  version: 1,
  aggregateType: THREAD,
  payload: z.object({
    thread_id: z.uuid(),
    account_id: z.uuid(),
    owner_user_id: z.uuid(),
    client_id: z.uuid().nullable(),
    client_ids: z.array(z.uuid()),
    subject: z.string().nullable(),
    participants: z.array(z.string()),
  }),
});

const linkPayload = z.object({
  thread_id: z.uuid(),
  client_id: z.uuid(),
  /** auto: a participant is a contact of the client; manual: a person chose it. */
  source: z.enum(['auto', 'manual']),
  contact_id: z.uuid().nullable(),
  subject: z.string(),
  participants: z.array(z.string()),
  /** Every client the thread is linked to after this change. */
  client_ids: z.array(z.uuid()),
});

export const threadLinked = defineEvent({ type: 'communications.thread.linked', version: 1, aggregateType: THREAD, payload: linkPayload });
export const threadUnlinked = defineEvent({ type: 'communications.thread.unlinked', version: 1, aggregateType: THREAD, payload: linkPayload });

const sendPayload = z.object({
  message_id: z.uuid(),
  thread_id: z.uuid(),
  account_id: z.uuid(),
  client_id: z.uuid().nullable(),
  client_ids: z.array(z.uuid()),
  /** Subject and recipients only when the thread is on a client (else null and empty). */
  subject: z.string().nullable(),
  to: z.array(z.string()),
  sent_by: z.uuid().nullable(),
});

/** A message was queued for sending through the account's SMTP. */
export const emailQueued = defineEvent({ type: 'communications.email.queued', version: 1, aggregateType: THREAD, payload: sendPayload });
/** The SMTP server accepted it. */
export const emailSent = defineEvent({
  type: 'communications.email.sent',
  version: 1,
  aggregateType: THREAD,
  payload: sendPayload.extend({ smtp_response: z.string().nullable() }),
});
/** Sending failed for good (refused, or the last retry): the reason is on the message. */
export const emailSendFailed = defineEvent({
  type: 'communications.email.send_failed',
  version: 1,
  aggregateType: THREAD,
  payload: sendPayload.extend({ reason: z.string() }),
});

const accountPayload = z.object({ account_id: z.uuid(), connection_id: z.uuid(), owner_user_id: z.uuid(), email_address: z.string() });
export const accountConnected = defineEvent({ type: 'communications.account.connected', version: 1, aggregateType: ACCOUNT, payload: accountPayload });
export const accountDisconnected = defineEvent({ type: 'communications.account.disconnected', version: 1, aggregateType: ACCOUNT, payload: accountPayload });
/** The nightly comparison of the mailbox's UIDs with what is stored. */
export const accountReconciled = defineEvent({
  type: 'communications.account.reconciled',
  version: 1,
  aggregateType: ACCOUNT,
  payload: accountPayload.extend({ deleted_on_server: z.number().int(), missing_locally: z.number().int(), folders: z.number().int() }),
});

export const clientEmailEvents = [
  emailReceived,
  threadCreated,
  threadLinked,
  threadUnlinked,
  emailQueued,
  emailSent,
  emailSendFailed,
  accountConnected,
  accountDisconnected,
  accountReconciled,
] as const;

// ---------------------------------------------------------------- inputs

const host = z
  .string()
  .trim()
  .min(1, 'Enter the server name')
  .max(253)
  .regex(/^[A-Za-z0-9.-]+$|^\[?[0-9a-fA-F:.]+\]?$/, 'A server name has only letters, digits, dots and dashes');
const port = z.number({ message: 'Enter the port as a number' }).int().min(1, 'Ports run from 1 to 65535').max(65535, 'Ports run from 1 to 65535');

export const connectImapInput = z.strictObject({
  emailAddress: z
    .string()
    .trim()
    .toLowerCase()
    .max(320)
    .pipe(z.email({ message: 'Enter the mailbox address, like anna@example.com' })),
  displayName: z.string().trim().max(200).nullable().optional(),
  imap: z.strictObject({ host, port, tls: z.boolean() }),
  smtp: z.strictObject({ host, port, security: z.enum(['tls', 'starttls', 'none'], { message: 'Choose TLS, STARTTLS or none' }) }),
  username: z.string().trim().min(1, 'Enter the user name').max(320),
  password: z.string().min(1, 'Enter the password').max(1000),
  /** Folders to sync (default: INBOX and the Sent folder). */
  folders: z.array(z.string().trim().min(1).max(500)).max(50).optional(),
  pollIntervalSeconds: z.number().int().min(30).max(86400).optional(),
});
export type ConnectImapInput = z.infer<typeof connectImapInput>;

export const accountIdInput = z.object({ id: z.uuid({ message: 'Not an email account id' }) });

export const listThreadsInput = z
  .strictObject({
    /** mine: threads of my mailboxes (default); client: threads linked to this client (communications.read). */
    clientId: z.uuid().optional(),
    filter: z.enum(['all', 'unlinked', 'linked']).default('all'),
    accountId: z.uuid().optional(),
    /** Opaque keyset cursor from the previous page. */
    cursor: z.string().max(200).optional(),
    limit: z.number().int().min(1).max(100).default(50),
  })
  .default({ filter: 'all', limit: 50 });
export type ListThreadsInput = z.infer<typeof listThreadsInput>;

export const threadIdInput = z.object({ id: z.uuid({ message: 'Not a thread id' }), showRemoteImages: z.boolean().optional() });
export const linkThreadInput = z.object({ threadId: z.uuid({ message: 'Not a thread id' }), clientId: z.uuid({ message: 'Choose a client' }) });
export type LinkThreadInput = z.infer<typeof linkThreadInput>;

const recipients = z
  .array(
    z
      .string()
      .trim()
      .toLowerCase()
      .max(320)
      .pipe(z.email({ message: 'One of the addresses is not an email address' })),
  )
  .max(100, 'At most 100 recipients');

export const sendMessageInput = z.strictObject({
  accountId: z.uuid({ message: 'Choose the mailbox to send from' }),
  to: recipients.min(1, 'Add at least one recipient'),
  cc: recipients.default([]),
  bcc: recipients.default([]),
  subject: z.string().trim().max(998).default(''),
  text: z.string().max(1_000_000, 'The message is too long'),
  /** Link the new thread to this client. */
  clientId: z.uuid().optional(),
});
export type SendMessageInput = z.infer<typeof sendMessageInput>;

export const replyMessageInput = z.strictObject({
  /** The message replied to. */
  messageId: z.uuid({ message: 'Not a message id' }),
  replyAll: z.boolean().default(false),
  text: z.string().min(1, 'Write the reply first').max(1_000_000, 'The message is too long'),
  cc: recipients.default([]),
});
export type ReplyMessageInput = z.infer<typeof replyMessageInput>;

/** Forward a message (with its attachments) to new recipients, with an optional note above it. */
export const forwardMessageInput = z.strictObject({
  messageId: z.uuid({ message: 'Not a message id' }),
  to: recipients.min(1, 'Add at least one recipient'),
  cc: recipients.default([]),
  text: z.string().max(1_000_000, 'The message is too long').default(''),
});
export type ForwardMessageInput = z.infer<typeof forwardMessageInput>;

export const messageIdInput = z.object({ id: z.uuid({ message: 'Not a message id' }) });

// ---------------------------------------------------------------- DTOs

export const emailAccountDto = z.object({
  id: z.uuid(),
  connectionId: z.uuid(),
  ownerUserId: z.uuid(),
  provider: z.enum(['imap', 'gmail', 'graph']),
  emailAddress: z.string(),
  displayName: z.string().nullable(),
  imap: z.object({ host: z.string(), port: z.number(), tls: z.boolean() }),
  smtp: z.object({ host: z.string(), port: z.number(), security: z.enum(['tls', 'starttls', 'none']) }),
  username: z.string(),
  pollIntervalSeconds: z.number(),
  status: z.string(),
  lastSyncedAt: z.date().nullable(),
  lastSyncError: z.string().nullable(),
  reconciledAt: z.date().nullable(),
  reconcile: z
    .object({
      deletedOnServer: z.number(),
      missingLocally: z.number(),
      folders: z.array(
        z.object({ path: z.string(), deletedOnServer: z.number(), missingLocally: z.number(), serverCount: z.number(), storedCount: z.number() }),
      ),
    })
    .nullable(),
  folders: z.array(
    z.object({
      path: z.string(),
      uidValidity: z.string().nullable(),
      highestUid: z.string(),
      highestModseq: z.string().nullable(),
      lastSyncedAt: z.date().nullable(),
      lastError: z.string().nullable(),
    }),
  ),
  createdAt: z.date(),
  disconnectedAt: z.date().nullable(),
});
export type EmailAccountDto = z.infer<typeof emailAccountDto>;

export const threadSummaryDto = z.object({
  id: z.uuid(),
  accountId: z.uuid(),
  ownerUserId: z.uuid(),
  subject: z.string(),
  snippet: z.string(),
  participants: z.array(z.string()),
  messageCount: z.number(),
  lastMessageAt: z.date(),
  clientIds: z.array(z.uuid()),
  internal: z.boolean(),
});
export type ThreadSummaryDto = z.infer<typeof threadSummaryDto>;

export const threadListDto = z.object({ items: z.array(threadSummaryDto), nextCursor: z.string().nullable() });

export const attachmentDto = z.object({
  id: z.uuid(),
  filename: z.string(),
  contentType: z.string(),
  size: z.number(),
  inline: z.boolean(),
  url: z.string().nullable(),
});

export const messageDto = z.object({
  id: z.uuid(),
  direction: z.enum(['inbound', 'outbound']),
  messageIdHeader: z.string().nullable(),
  inReplyTo: z.string().nullable(),
  references: z.array(z.string()),
  subject: z.string(),
  from: z.object({ address: z.string(), name: z.string().nullable() }).nullable(),
  to: z.array(z.string()),
  cc: z.array(z.string()),
  sentAt: z.date(),
  text: z.string(),
  /** Sanitised; remote images held back unless asked for. */
  html: z.string().nullable(),
  remoteImages: z.number(),
  sendStatus: z.enum(['queued', 'sent', 'failed']).nullable(),
  sendError: z.string().nullable(),
  deletedOnServer: z.boolean(),
  attachments: z.array(attachmentDto),
});
export type MessageDto = z.infer<typeof messageDto>;

export const threadDto = threadSummaryDto.extend({
  links: z.array(z.object({ clientId: z.uuid(), source: z.enum(['auto', 'manual']) })),
  messages: z.array(messageDto),
  /** Whether the caller owns the mailbox (may reply, link and unlink). */
  mine: z.boolean(),
});
export type ThreadDto = z.infer<typeof threadDto>;

export const linkResultDto = z.object({ threadId: z.uuid(), clientIds: z.array(z.uuid()) });

export const sendResultDto = z.object({ messageId: z.uuid(), threadId: z.uuid(), status: z.enum(['queued', 'sent', 'failed']) });
