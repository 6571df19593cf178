import { sql } from 'kysely';
import type { DomainContext } from '../domain/context.ts';
import { DomainError, NotFoundError } from '../errors.ts';
import { uuidv7 } from '../ids.ts';
import { renderSystemMail, safeUrl, type MailBrand, type SystemMailData, type SystemMailTemplate } from './templates.ts';
import type { MailDB, SystemMailAttachment, SystemMailDetail, SystemMailRecord, SystemMailRow, SystemMailStatus } from './types.ts';

export interface SystemMailMessage<T extends SystemMailTemplate = SystemMailTemplate> {
  to: { email: string; name?: string | null };
  template: T;
  data: SystemMailData[T];
  attachments?: SystemMailAttachment[];
  /** Overrides the tenant's stored brand (name, logo). */
  brand?: MailBrand;
}

export interface QueuedSystemMail {
  id: string;
  status: SystemMailStatus;
  subject: string;
}

const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;
const MAX_ATTACHMENT_BYTES = 1024 * 1024;

function invalid(message: string, path: string): DomainError {
  return new DomainError('BAD_REQUEST', message, [{ path: [path], message }]);
}

/** The tenant's name and logo for system mail, as identity last stored them (fallback "UBOS"). */
export async function readMailBrand(ctx: DomainContext): Promise<MailBrand> {
  const row = await ctx.db<MailDB>().selectFrom('platform.mail_branding').select(['name', 'logo_url']).where('tenant_id', '=', ctx.tenantId).executeTakeFirst();
  return row ? { name: row.name, logoUrl: row.logo_url } : { name: 'UBOS', logoUrl: null };
}

/** Stores the tenant's name (and logo) that system mail shows; identity calls it when an organization is created or renamed. */
export async function setMailBranding(ctx: DomainContext, brand: MailBrand): Promise<void> {
  const name = brand.name.trim().slice(0, 200);
  if (!name) throw invalid('The organization name shown in emails cannot be empty.', 'name');
  const logoUrl = safeUrl(brand.logoUrl);
  await ctx
    .db<MailDB>()
    .insertInto('platform.mail_branding')
    .values({ tenant_id: ctx.tenantId, name, logo_url: logoUrl })
    .onConflict((conflict) => conflict.column('tenant_id').doUpdateSet({ name, logo_url: logoUrl, updated_at: sql<Date>`now()` }))
    .execute();
}

/**
 * Renders a system message and records it in the tenant's outgoing-mail log in ctx's transaction:
 * it is sent exactly when the caller's work commits (the mail relay hands committed rows to the
 * `platform.system-mail` queue, which delivers with retries and a dead letter). Returns the row's id.
 */
export async function sendSystemMail<T extends SystemMailTemplate>(ctx: DomainContext, message: SystemMailMessage<T>): Promise<QueuedSystemMail> {
  const email = message.to.email.trim();
  if (!EMAIL.test(email) || email.length > 320) throw invalid(`"${email}" is not an email address UBOS can send to.`, 'to');
  const attachments = message.attachments ?? [];
  let total = 0;
  for (const attachment of attachments) {
    if (!attachment.filename.trim() || /[\\/\r\n]/.test(attachment.filename))
      throw invalid(`The attachment name "${attachment.filename}" is not a plain file name.`, 'attachments');
    if (!/^[\w.+-]+\/[\w.+-]+(;.*)?$/.test(attachment.contentType)) throw invalid(`"${attachment.contentType}" is not a content type.`, 'attachments');
    total += Buffer.byteLength(attachment.content, 'utf8');
  }
  if (total > MAX_ATTACHMENT_BYTES) throw invalid('Attachments of a system email may total at most 1 MB.', 'attachments');
  const brand = message.brand ?? (await readMailBrand(ctx));
  const rendered = renderSystemMail(message.template, message.data, brand);
  const id = uuidv7();
  await ctx
    .db<MailDB>()
    .insertInto('platform.system_mail')
    .values({
      id,
      tenant_id: ctx.tenantId,
      to_email: email,
      to_name: message.to.name?.trim().slice(0, 300) || null,
      template: message.template,
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      attachments: JSON.stringify(attachments),
      status: 'queued',
      actor_id: ctx.actorId,
      correlation_id: ctx.correlationId,
    })
    .execute();
  return { id, status: 'queued', subject: rendered.subject };
}

type ListedRow = Omit<SystemMailRow, 'html' | 'text' | 'attachments' | 'tenant_id' | 'actor_id' | 'correlation_id' | 'enqueued_at'> & {
  attachments: SystemMailAttachment[];
};

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

function toRecord(row: ListedRow): SystemMailRecord {
  return {
    id: row.id,
    to: { email: row.to_email, name: row.to_name },
    template: row.template,
    subject: row.subject,
    status: row.status,
    attempts: row.attempts,
    lastError: row.last_error,
    providerMessageId: row.provider_message_id,
    createdAt: iso(row.created_at) as string,
    updatedAt: iso(row.updated_at) as string,
    sentAt: iso(row.sent_at),
    attachments: (row.attachments ?? []).map((attachment) => ({
      filename: attachment.filename,
      contentType: attachment.contentType,
      size: Buffer.byteLength(attachment.content, 'utf8'),
    })),
  };
}

const listColumns = [
  'id',
  'to_email',
  'to_name',
  'template',
  'subject',
  'status',
  'attempts',
  'last_error',
  'provider_message_id',
  'created_at',
  'updated_at',
  'sent_at',
  'attachments',
] as const;

export interface SystemMailListOptions {
  limit: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string | null;
  status?: SystemMailStatus | null;
  /** Only mail to this address. */
  to?: string | null;
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    if (typeof createdAt !== 'string' || typeof id !== 'string' || Number.isNaN(Date.parse(createdAt))) throw new Error('shape');
    return { createdAt, id };
  } catch {
    throw invalid('The page cursor is not one this list gave out.', 'cursor');
  }
}

/** The tenant's outgoing-mail log, newest first, keyset-paginated. */
export async function listSystemMail(ctx: DomainContext, options: SystemMailListOptions): Promise<{ items: SystemMailRecord[]; nextCursor: string | null }> {
  const limit = Math.max(1, Math.min(100, Math.trunc(options.limit)));
  let query = ctx.db<MailDB>().selectFrom('platform.system_mail').select(listColumns).where('tenant_id', '=', ctx.tenantId);
  if (options.status) query = query.where('status', '=', options.status);
  if (options.to) query = query.where(sql<boolean>`lower(to_email) = lower(${options.to.trim()})`);
  if (options.cursor) {
    const { createdAt, id } = decodeCursor(options.cursor);
    query = query.where(sql<boolean>`(created_at, id) < (${createdAt}::timestamptz, ${id}::uuid)`);
  }
  const rows = (await query
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute()) as ListedRow[];
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const nextCursor = rows.length > limit && last ? Buffer.from(JSON.stringify([iso(last.created_at), last.id])).toString('base64url') : null;
  return { items: page.map(toRecord), nextCursor };
}

/** One message of the log with its rendered HTML and text. */
export async function getSystemMail(ctx: DomainContext, id: string): Promise<SystemMailDetail> {
  const row = await ctx
    .db<MailDB>()
    .selectFrom('platform.system_mail')
    .select([...listColumns, 'html', 'text'])
    .where('tenant_id', '=', ctx.tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('Email', id);
  return { ...toRecord(row as ListedRow), html: row.html, text: row.text };
}
