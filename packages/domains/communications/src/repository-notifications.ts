import { sql, type DomainContext, type Transaction, type UntypedDB } from '@ubos/platform';
import type { EmailPreference, NotificationKind, NotificationsDB } from './db-notifications.ts';

type Trx = Transaction<NotificationsDB>;
const db = (ctx: DomainContext): Trx => ctx.db<NotificationsDB>();

export interface NotificationRow {
  id: string;
  kind: NotificationKind;
  title: string;
  body: string;
  link: string | null;
  read_at: Date | null;
  created_at: Date;
}

const columns = ['id', 'kind', 'title', 'body', 'link', 'read_at', 'created_at'] as const;

export interface PreferencesRow {
  in_app: boolean;
  email: EmailPreference;
  digest_hour: number;
  last_digest_at: Date | null;
}

export const defaultPreferences: PreferencesRow = { in_app: true, email: 'off', digest_hour: 8, last_digest_at: null };

export async function findPreferences(ctx: DomainContext, userId: string): Promise<PreferencesRow> {
  const row = await db(ctx)
    .selectFrom('communications.notification_preferences')
    .select(['in_app', 'email', 'digest_hour', 'last_digest_at'])
    .where('tenant_id', '=', ctx.tenantId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row ?? defaultPreferences;
}

export async function upsertPreferences(ctx: DomainContext, userId: string, prefs: Omit<PreferencesRow, 'last_digest_at'>): Promise<void> {
  await db(ctx)
    .insertInto('communications.notification_preferences')
    .values({ tenant_id: ctx.tenantId, user_id: userId, in_app: prefs.in_app, email: prefs.email, digest_hour: prefs.digest_hour })
    .onConflict((conflict) =>
      conflict
        .columns(['tenant_id', 'user_id'])
        .doUpdateSet({ in_app: prefs.in_app, email: prefs.email, digest_hour: prefs.digest_hour, updated_at: sql<Date>`now()` }),
    )
    .execute();
}

/** Inserts one notification per (user, cause); returns null when that cause already notified the user. */
export async function insertNotification(
  ctx: DomainContext,
  row: {
    id: string;
    userId: string;
    kind: NotificationKind;
    title: string;
    body: string;
    link: string | null;
    sourceKey: string;
    inApp: boolean;
    emailed: boolean;
  },
): Promise<string | null> {
  const inserted = await db(ctx)
    .insertInto('communications.notifications')
    .values({
      id: row.id,
      tenant_id: ctx.tenantId,
      user_id: row.userId,
      kind: row.kind,
      title: row.title,
      body: row.body,
      link: row.link,
      source_key: row.sourceKey,
      in_app: row.inApp,
      emailed_at: row.emailed ? sql<Date>`now()` : null,
    })
    .onConflict((conflict) => conflict.columns(['tenant_id', 'user_id', 'source_key']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted?.id ?? null;
}

export async function listNotifications(
  ctx: DomainContext,
  userId: string,
  options: { limit: number; before: { createdAt: string; id: string } | null; unreadOnly: boolean },
): Promise<NotificationRow[]> {
  let query = db(ctx)
    .selectFrom('communications.notifications')
    .select(columns)
    .where('tenant_id', '=', ctx.tenantId)
    .where('user_id', '=', userId)
    .where('in_app', '=', true);
  if (options.unreadOnly) query = query.where('read_at', 'is', null);
  if (options.before) query = query.where(sql<boolean>`(created_at, id) < (${options.before.createdAt}::timestamptz, ${options.before.id}::uuid)`);
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
}

export async function countUnread(ctx: DomainContext, userId: string): Promise<number> {
  const row = await db(ctx)
    .selectFrom('communications.notifications')
    .select(sql<string>`count(*)`.as('n'))
    .where('tenant_id', '=', ctx.tenantId)
    .where('user_id', '=', userId)
    .where('in_app', '=', true)
    .where('read_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Marks the user's own unread notifications read (others' ids simply match nothing); returns those it changed. */
export async function markRead(ctx: DomainContext, userId: string, ids: readonly string[] | null): Promise<string[]> {
  let query = db(ctx)
    .updateTable('communications.notifications')
    .set({ read_at: sql<Date>`now()` })
    .where('tenant_id', '=', ctx.tenantId)
    .where('user_id', '=', userId)
    .where('read_at', 'is', null);
  if (ids) query = query.where('id', 'in', [...ids]);
  const rows = await query.returning('id').execute();
  return rows.map((row) => row.id);
}

export async function findStaffEmail(ctx: DomainContext, userId: string): Promise<{ email: string; name: string | null } | null> {
  const row = await db(ctx)
    .selectFrom('communications.staff_directory')
    .select(['email', 'name'])
    .where('tenant_id', '=', ctx.tenantId)
    .where('user_id', '=', userId)
    .where('active', '=', true)
    .executeTakeFirst();
  return row ?? null;
}

export async function findContactEmail(ctx: DomainContext, contactId: string): Promise<string | null> {
  const row = await db(ctx)
    .selectFrom('communications.contact_emails')
    .select('email')
    .where('tenant_id', '=', ctx.tenantId)
    .where('contact_id', '=', contactId)
    .where('active', '=', true)
    .executeTakeFirst();
  return row?.email ?? null;
}

export async function upsertStaff(ctx: DomainContext, entry: { userId: string; email: string; name: string | null }): Promise<void> {
  const email = entry.email.toLowerCase();
  await db(ctx)
    .insertInto('communications.staff_directory')
    .values({ tenant_id: ctx.tenantId, user_id: entry.userId, email, name: entry.name })
    .onConflict((conflict) =>
      conflict.columns(['tenant_id', 'user_id']).doUpdateSet({
        email,
        name: sql<string | null>`coalesce(excluded.name, communications.staff_directory.name)`,
        active: true,
        updated_at: sql<Date>`now()`,
      }),
    )
    .execute();
}

export async function deactivateStaff(ctx: DomainContext, userId: string): Promise<void> {
  await db(ctx)
    .updateTable('communications.staff_directory')
    .set({ active: false, updated_at: sql<Date>`now()` })
    .where('tenant_id', '=', ctx.tenantId)
    .where('user_id', '=', userId)
    .execute();
}

export async function rememberInvitationEmail(ctx: DomainContext, invitationId: string, email: string): Promise<void> {
  await db(ctx)
    .insertInto('communications.invitation_emails')
    .values({ tenant_id: ctx.tenantId, invitation_id: invitationId, email: email.toLowerCase() })
    .onConflict((conflict) => conflict.columns(['tenant_id', 'invitation_id']).doNothing())
    .execute();
}

export async function invitationEmail(ctx: DomainContext, invitationId: string): Promise<string | null> {
  const row = await db(ctx)
    .selectFrom('communications.invitation_emails')
    .select('email')
    .where('tenant_id', '=', ctx.tenantId)
    .where('invitation_id', '=', invitationId)
    .executeTakeFirst();
  return row?.email ?? null;
}

/** The digest job's list of who is due this hour, across tenants (SECURITY DEFINER, as files.expired_uploads). */
export async function dueDigests(trx: Transaction<UntypedDB>, hour: number, limit: number): Promise<{ tenant_id: string; user_id: string }[]> {
  const result = await sql<{ tenant_id: string; user_id: string }>`SELECT tenant_id, user_id FROM communications.due_digests(${hour}, ${limit})`.execute(trx);
  return result.rows;
}

/**
 * Claims today's digest for the user: a conditional UPDATE, so of two concurrent runs exactly one
 * sends it (the other gets false). Returns the previous digest time.
 */
export async function claimDigest(ctx: DomainContext, userId: string): Promise<{ claimed: boolean; since: Date | null }> {
  const previous = await db(ctx)
    .selectFrom('communications.notification_preferences')
    .select('last_digest_at')
    .where('tenant_id', '=', ctx.tenantId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  const row = await db(ctx)
    .updateTable('communications.notification_preferences')
    .set({ last_digest_at: sql<Date>`now()` })
    .where('tenant_id', '=', ctx.tenantId)
    .where('user_id', '=', userId)
    .where('email', '=', 'daily_digest')
    .where(sql<boolean>`(last_digest_at IS NULL OR last_digest_at < now() - interval '20 hours')`)
    .returning('user_id')
    .executeTakeFirst();
  return { claimed: !!row, since: previous?.last_digest_at ?? null };
}

export async function undigested(ctx: DomainContext, userId: string, limit: number): Promise<(NotificationRow & { id: string })[]> {
  return db(ctx)
    .selectFrom('communications.notifications')
    .select(columns)
    .where('tenant_id', '=', ctx.tenantId)
    .where('user_id', '=', userId)
    .where('digested_at', 'is', null)
    .where('emailed_at', 'is', null)
    .orderBy('created_at', 'asc')
    .limit(limit)
    .execute();
}

export async function markDigested(ctx: DomainContext, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db(ctx)
    .updateTable('communications.notifications')
    .set({ digested_at: sql<Date>`now()` })
    .where('tenant_id', '=', ctx.tenantId)
    .where('id', 'in', [...ids])
    .execute();
}
