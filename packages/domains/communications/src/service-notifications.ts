import {
  createDomainContext,
  DomainError,
  getSystemMail,
  listSystemMail,
  resolveAppLinks,
  sendSystemMail,
  uuidv7,
  withSystem,
  withTenant,
  type Database,
  type DomainContext,
  type Logger,
  type UntypedDB,
} from '@ubos/platform';
import type { z } from 'zod';
import {
  notificationCreated,
  notificationPreferencesUpdated,
  notificationsRead,
  systemEmailQueued,
  type ListNotificationsInput,
  type NotificationDto,
  type PreferencesDto,
  type UpdatePreferencesInput,
  type listOutgoingInput,
  type notificationPageDto,
  type outgoingMailDetailDto,
  type outgoingPageDto,
  type sendEmailActionInput,
  type sendEmailActionOutput,
} from './contracts-notifications.ts';
import type { NotificationKind } from './db-notifications.ts';
import * as repo from './repository-notifications.ts';

function actor(ctx: DomainContext): string {
  if (!ctx.actorId) throw new DomainError('UNAUTHORIZED', 'Sign in to see your notifications');
  return ctx.actorId;
}

function toDto(row: repo.NotificationRow): NotificationDto {
  return {
    id: row.id,
    kind: row.kind,
    title: row.title,
    body: row.body,
    link: row.link,
    readAt: row.read_at ? new Date(row.read_at).toISOString() : null,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

/** Only a path inside the app survives as a notification's link. */
function appPath(link: string | null | undefined): string | null {
  if (!link) return null;
  const trimmed = link.trim();
  return /^\/[^/\\]/.test(trimmed) && trimmed.length <= 2000 ? trimmed : null;
}

export interface NotifyInput {
  userId: string;
  kind: NotificationKind;
  title: string;
  body?: string | null;
  link?: string | null;
  /** The cause (an event id, a workflow step key): a repeat for the same user and cause changes nothing. */
  sourceKey: string;
}

/**
 * Delivers one notification through the user's channels: the bell (in-app), an email now, or the
 * next daily digest. Stored once per (user, cause): a redelivered event or a retried step is a no-op.
 */
export async function notify(ctx: DomainContext, input: NotifyInput): Promise<{ id: string; created: boolean } | null> {
  const prefs = await repo.findPreferences(ctx, input.userId);
  const recipient = prefs.email === 'off' ? null : await repo.findStaffEmail(ctx, input.userId);
  const emailNow = prefs.email === 'immediately' && recipient !== null;
  const title = input.title.trim().slice(0, 300) || 'Notification';
  const body = (input.body ?? '').slice(0, 5000);
  const link = appPath(input.link);
  const id = await repo.insertNotification(ctx, {
    id: uuidv7(),
    userId: input.userId,
    kind: input.kind,
    title,
    body,
    link,
    sourceKey: input.sourceKey.slice(0, 300),
    inApp: prefs.in_app,
    emailed: emailNow,
  });
  if (!id) return null;
  if (emailNow && recipient) {
    await sendSystemMail(ctx, { to: { email: recipient.email, name: recipient.name }, template: 'notification', data: { title, body, url: link } });
  }
  const channels: ('in_app' | 'email' | 'digest')[] = [];
  if (prefs.in_app) channels.push('in_app');
  if (emailNow) channels.push('email');
  if (prefs.email === 'daily_digest' && recipient) channels.push('digest');
  await ctx.emit(notificationCreated, { notification_id: id, user_id: input.userId, kind: input.kind, title, link, channels }, { aggregateId: id });
  return { id, created: true };
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    if (typeof createdAt === 'string' && typeof id === 'string' && !Number.isNaN(Date.parse(createdAt))) return { createdAt, id };
  } catch {
    // fall through
  }
  throw new DomainError('BAD_REQUEST', 'The page cursor is not one this list gave out.', [{ path: ['cursor'], message: 'Unknown cursor' }]);
}

export async function listNotifications(ctx: DomainContext, input: ListNotificationsInput): Promise<z.infer<typeof notificationPageDto>> {
  const userId = actor(ctx);
  const rows = await repo.listNotifications(ctx, userId, {
    limit: input.limit + 1,
    before: input.cursor ? decodeCursor(input.cursor) : null,
    unreadOnly: input.unreadOnly,
  });
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  const nextCursor =
    rows.length > input.limit && last ? Buffer.from(JSON.stringify([new Date(last.created_at).toISOString(), last.id])).toString('base64url') : null;
  return { items: page.map(toDto), nextCursor, unread: await repo.countUnread(ctx, userId) };
}

async function markAndEmit(ctx: DomainContext, ids: readonly string[] | null): Promise<{ marked: number; unread: number }> {
  const userId = actor(ctx);
  const marked = await repo.markRead(ctx, userId, ids);
  if (marked.length > 0) await ctx.emit(notificationsRead, { user_id: userId, notification_ids: marked, all: ids === null }, { aggregateId: userId });
  return { marked: marked.length, unread: await repo.countUnread(ctx, userId) };
}

export const markRead = (ctx: DomainContext, ids: readonly string[]) => markAndEmit(ctx, ids);
export const markAllRead = (ctx: DomainContext) => markAndEmit(ctx, null);

export async function getPreferences(ctx: DomainContext): Promise<PreferencesDto> {
  const userId = actor(ctx);
  const [prefs, recipient] = await Promise.all([repo.findPreferences(ctx, userId), repo.findStaffEmail(ctx, userId)]);
  return { inApp: prefs.in_app, email: prefs.email, digestHour: prefs.digest_hour, emailAddress: recipient?.email ?? null };
}

export async function updatePreferences(ctx: DomainContext, input: UpdatePreferencesInput): Promise<PreferencesDto> {
  const userId = actor(ctx);
  const current = await repo.findPreferences(ctx, userId);
  const next = { in_app: input.inApp ?? current.in_app, email: input.email ?? current.email, digest_hour: input.digestHour ?? current.digest_hour };
  await repo.upsertPreferences(ctx, userId, next);
  await ctx.emit(
    notificationPreferencesUpdated,
    { user_id: userId, in_app: next.in_app, email: next.email, digest_hour: next.digest_hour },
    { aggregateId: userId },
  );
  return getPreferences(ctx);
}

// ---------------------------------------------------------------- Sent by UBOS (the system-mail log)

export async function listOutgoing(ctx: DomainContext, input: z.infer<typeof listOutgoingInput>): Promise<z.infer<typeof outgoingPageDto>> {
  return listSystemMail(ctx, { limit: input.limit, cursor: input.cursor ?? null, status: input.status ?? null, to: input.to || null });
}

/** One message with its HTML and text, links resolved against the app's address as delivery does. */
export async function getOutgoing(ctx: DomainContext, id: string, appUrl: string): Promise<z.infer<typeof outgoingMailDetailDto>> {
  const mail = await getSystemMail(ctx, id);
  return { ...mail, html: resolveAppLinks(mail.html, appUrl), text: resolveAppLinks(mail.text, appUrl) };
}

// ---------------------------------------------------------------- workflow: communications.sendEmail

export async function sendTemplatedEmail(
  ctx: DomainContext,
  input: z.infer<typeof sendEmailActionInput>,
  runId: string | null,
): Promise<z.infer<typeof sendEmailActionOutput>> {
  let to: { email: string; name: string | null };
  let recipient: 'user' | 'contact' | 'address';
  let recipientId: string | null = null;
  if ('userId' in input.to) {
    const staff = await repo.findStaffEmail(ctx, input.to.userId);
    if (!staff) throw new DomainError('NOT_FOUND', 'UBOS knows no email address for this user in this organization');
    to = staff;
    recipient = 'user';
    recipientId = input.to.userId;
  } else if ('contactId' in input.to) {
    const email = await repo.findContactEmail(ctx, input.to.contactId);
    if (!email) throw new DomainError('NOT_FOUND', 'This contact has no email address');
    to = { email, name: null };
    recipient = 'contact';
    recipientId = input.to.contactId;
  } else {
    to = { email: input.to.email, name: input.to.name ?? null };
    recipient = 'address';
  }
  const queued = await sendSystemMail(ctx, {
    to,
    template: 'message',
    data: { subject: input.subject, body: input.body, url: input.link ?? null, urlLabel: input.linkLabel ?? null },
  });
  await ctx.emit(
    systemEmailQueued,
    { mail_id: queued.id, template: 'message', subject: queued.subject, recipient, recipient_id: recipientId, run_id: runId },
    { aggregateId: queued.id },
  );
  return { mailId: queued.id, to: to.email };
}

// ---------------------------------------------------------------- the daily digest

export interface DigestResult {
  due: number;
  sent: number;
}

/**
 * One digest pass for `hour` (UTC): every user who chose the daily digest for this hour and has not
 * had one in 20 hours gets one email listing what arrived since (nothing new: no email). Each user is
 * claimed with a conditional UPDATE, so overlapping runs never send twice.
 */
export async function runDigests(db: Database, log: Logger, options: { hour: number; batch?: number }): Promise<DigestResult> {
  const due = await withSystem<UntypedDB, { tenant_id: string; user_id: string }[]>(db, (trx) => repo.dueDigests(trx, options.hour, options.batch ?? 500));
  let sent = 0;
  for (const entry of due) {
    const didSend = await withTenant<UntypedDB, boolean>(db, { tenantId: entry.tenant_id }, async (trx) => {
      const ctx = createDomainContext({ trx, tenantId: entry.tenant_id, actorId: null, correlationId: uuidv7(), log });
      const { claimed } = await repo.claimDigest(ctx, entry.user_id);
      if (!claimed) return false;
      const recipient = await repo.findStaffEmail(ctx, entry.user_id);
      const items = await repo.undigested(ctx, entry.user_id, 50);
      if (!recipient || items.length === 0) return false;
      await sendSystemMail(ctx, {
        to: recipient,
        template: 'notification_digest',
        data: {
          recipientName: recipient.name,
          date: new Date().toISOString().slice(0, 10),
          items: items.map((item) => ({ title: item.title, body: item.body || null, url: item.link, at: new Date(item.created_at).toISOString() })),
          preferencesUrl: '/settings?tab=notifications',
        },
      });
      await repo.markDigested(
        ctx,
        items.map((item) => item.id),
      );
      return true;
    });
    if (didSend) sent += 1;
  }
  if (due.length > 0) log.info({ hour: options.hour, due: due.length, sent }, 'notification digests');
  return { due: due.length, sent };
}
