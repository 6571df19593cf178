import { DomainError, sendSystemMail, withTenant, withUser, type Context } from '@ubos/platform';
import type { z } from 'zod';
import {
  passwordReset,
  passwordResetRequested,
  sessionEnded,
  type RequestPasswordResetInput,
  type ResetPasswordInput,
  type passwordResetPreviewDto,
  type passwordResetRequestedDto,
} from './contracts.ts';
import type { IdentityDB } from './db.ts';
import { hashPassword } from './passwords.ts';
import * as repo from './repository.ts';
import { domainContextOf, inScope } from './service.ts';
import { evictSessions, generateToken, hashToken } from './sessions.ts';

/** Reset links live 30 minutes and work once (§7). */
export const PASSWORD_RESET_TTL_SECONDS = 30 * 60;
const RESET_WINDOW_MS = 60 * 60_000;
/** Reset emails per account per hour; more requests get the same answer and no email. */
const RESETS_PER_ACCOUNT = 3;
const INVALID_LINK = 'This reset link is invalid, has expired or was already used. Ask for a new one.';
export const RESET_REQUESTED_MESSAGE = 'If an account uses this email, we have sent it a link to choose a new password. The link works for 30 minutes.';

/** The absolute origin links in emails use: PUBLIC_URL, else the host's own address (never a caller-supplied origin). */
export function publicBase(config: Context['config']): string {
  return (config.PUBLIC_URL ?? `http://localhost:${config.PORT}`).replace(/\/+$/, '');
}

export function passwordResetUrl(config: Context['config'], token: string): string {
  // In the fragment: never sent to a server by opening the page, never in a Referer or an access log.
  return `${publicBase(config)}/reset-password#token=${token}`;
}

/**
 * Forgot password. The answer is the same sentence whether the email belongs to an account, a
 * disabled one, or none, and whether or not the per-account budget let an email go out; only the
 * per-IP limit answers 429 (it says nothing about the account). The email is recorded in the
 * user's first organization's outgoing-mail log (users are global; system mail is per tenant).
 */
export async function requestPasswordReset(ctx: Context, input: RequestPasswordResetInput): Promise<z.infer<typeof passwordResetRequestedDto>> {
  const perIp = await ctx.rateLimiter.hit(`identity:reset:ip:${ctx.ip}`, ctx.config.LOGIN_RATE_LIMIT_PER_IP, RESET_WINDOW_MS);
  if (!perIp.allowed)
    throw new DomainError('TOO_MANY_REQUESTS', 'Too many reset requests from this address. Try again later.', undefined, { retryAfterMs: perIp.retryAfterMs });
  const answer = { ok: true as const, message: RESET_REQUESTED_MESSAGE };

  // The lookup, the link and the email happen after the answer, so a known address takes no longer
  // to answer than an unknown one (no timing oracle). Failures are logged, never shown.
  void sendResetLink(ctx, input.email).catch((error: unknown) => ctx.log.error({ err: error }, 'password reset email could not be queued'));
  return answer;
}

/** Records a reset link for the account with this email (if any, enabled, within its budget) and emails it. */
export async function sendResetLink(ctx: Context, email: string): Promise<boolean> {
  const user = await repo.findUserByEmail(ctx.db.as<IdentityDB>(), email);
  if (!user || user.disabled_at !== null) return false;
  const perAccount = await ctx.rateLimiter.hit(`identity:reset:account:${user.id}`, RESETS_PER_ACCOUNT, RESET_WINDOW_MS);
  if (!perAccount.allowed) {
    ctx.log.warn({ userId: user.id }, 'password reset not sent: per-account limit reached');
    return false;
  }
  const organizations = await withUser<IdentityDB, { id: string; name: string }[]>(ctx.db, user.id, (trx) => repo.listOrganizationsOfUser(trx, user.id));
  const organization = organizations[0];
  if (!organization) {
    ctx.log.warn({ userId: user.id }, 'password reset not sent: the user belongs to no organization, so no outgoing-mail log can hold it');
    return false;
  }
  const token = generateToken();
  await withTenant<IdentityDB, void>(ctx.db, { tenantId: organization.id, userId: user.id }, async (trx) => {
    const expiresAt = await repo.insertPasswordReset(trx, { tokenHash: hashToken(token), userId: user.id, ttlSeconds: PASSWORD_RESET_TTL_SECONDS, ip: ctx.ip });
    const domain = domainContextOf(ctx, trx, organization.id, null);
    await sendSystemMail(domain, {
      to: { email: user.email, name: user.name },
      template: 'password_reset',
      data: { recipientName: user.name, resetUrl: passwordResetUrl(ctx.config, token), expiresInMinutes: PASSWORD_RESET_TTL_SECONDS / 60 },
      brand: { name: organization.name },
    });
    await domain.emit(passwordResetRequested, { user_id: user.id, expires_at: expiresAt.toISOString() }, { aggregateId: user.id });
  });
  return true;
}

/** The reset page's check when it opens: read-only, the link stays usable. */
export async function previewPasswordReset(ctx: Context, token: string): Promise<z.infer<typeof passwordResetPreviewDto>> {
  const found = await repo.findUsablePasswordReset(ctx.db.as<IdentityDB>(), hashToken(token));
  return found ? { valid: true, expiresAt: found.expires_at.toISOString() } : { valid: false, expiresAt: null };
}

/**
 * Submitting the reset form: consumes the link (conditional UPDATE, single use), sets the new
 * password and ends every session of the user, in one transaction. The user then signs in.
 */
export async function resetPassword(ctx: Context, input: ResetPasswordInput): Promise<{ ok: true }> {
  const perIp = await ctx.rateLimiter.hit(`identity:reset-submit:ip:${ctx.ip}`, ctx.config.LOGIN_RATE_LIMIT_PER_IP, RESET_WINDOW_MS);
  if (!perIp.allowed)
    throw new DomainError('TOO_MANY_REQUESTS', 'Too many attempts from this address. Try again later.', undefined, { retryAfterMs: perIp.retryAfterMs });
  const tokenHash = hashToken(input.token);
  const pending = await repo.findUsablePasswordReset(ctx.db.as<IdentityDB>(), tokenHash);
  if (!pending) throw new DomainError('NOT_FOUND', INVALID_LINK);
  // Hash before the transaction: Argon2 takes a while and must not hold row locks.
  const passwordHash = await hashPassword(input.password);
  const organizations = await withUser<IdentityDB, { id: string }[]>(ctx.db, pending.user_id, (trx) => repo.listOrganizationsOfUser(trx, pending.user_id));
  const tenantId = organizations[0]?.id ?? null;
  const ended = await inScope(ctx.db, tenantId, pending.user_id, async (trx) => {
    const userId = await repo.consumePasswordReset(trx, tokenHash);
    if (userId !== pending.user_id) throw new DomainError('NOT_FOUND', INVALID_LINK);
    await repo.updatePasswordHash(trx, userId, passwordHash);
    const endedIds = await repo.deleteSessionsOfUser(trx, userId);
    if (tenantId) {
      const domain = domainContextOf(ctx, trx, tenantId, userId);
      await domain.emit(passwordReset, { user_id: userId, sessions_ended: endedIds.length }, { aggregateId: userId });
      await domain.emit(sessionEnded, { user_id: userId, reason: 'password_reset' }, { aggregateId: userId });
    }
    return endedIds;
  });
  await evictSessions(ctx.cache, ended);
  return { ok: true };
}
