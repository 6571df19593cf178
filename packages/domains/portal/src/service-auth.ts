import { createDomainContext, DomainError, uuidv7, withTenant, type Context, type DomainContext, type PortalContext, type Transaction } from '@ubos/platform';
import {
  accessed,
  brandingDto,
  LINK_REQUEST_WINDOW_MS,
  LINK_REQUESTS_PER_ADDRESS,
  LINK_REQUESTS_PER_IP,
  MAGIC_LINK_MINUTES,
  PORTAL_ABSOLUTE_HOURS,
  safePortalRedirect,
  signedOut,
  signInLinkPath,
  type BrandingDto,
  type ConsumeInput,
  type RequestLinkInput,
} from './contracts.ts';
import type { PortalDB, UserRow } from './db.ts';
import * as repo from './repository.ts';
import { brandingOf } from './service.ts';
import { sendPortalMail } from './service-mail.ts';
import { clearPortalCookie, generatePortalToken, hashPortalToken, isWellFormedPortalToken, setPortalCookie } from './sessions.ts';

/**
 * Signing in to the client portal (§3): magic links requested by address, consumed by a POST,
 * sessions ended by the user (here or everywhere) or by staff. The first click never creates an
 * account: only staff create portal users (service-users.ts).
 */

const SAME_ANSWER = {
  sent: true as const,
  message: 'If that address belongs to someone invited to this portal, a sign-in link is on its way. It works once, for 15 minutes.',
};

function domainOf(ctx: Context, trx: Transaction<PortalDB>, tenantId: string, actorId: string | null, afterCommit: (() => Promise<void>)[]): DomainContext {
  return createDomainContext({
    trx,
    tenantId,
    actorId,
    correlationId: ctx.correlationId,
    log: ctx.log,
    services: ctx.runtime.services,
    afterCommit: (task) => {
      afterCommit.push(task);
    },
  });
}

async function runAfterCommit(ctx: Context, tasks: (() => Promise<void>)[]): Promise<void> {
  for (const task of tasks) {
    try {
      await task();
    } catch (error) {
      ctx.log.error({ err: error }, 'portal after-commit task failed');
    }
  }
}

async function limit(ctx: Context, key: string, max: number): Promise<void> {
  const result = await ctx.rateLimiter.hit(key, max, LINK_REQUEST_WINDOW_MS);
  if (!result.allowed) {
    throw new DomainError('TOO_MANY_REQUESTS', 'Too many sign-in links were asked for. Wait a few minutes and try again.', undefined, {
      retryAfterMs: result.retryAfterMs,
    });
  }
}

/** The absolute address of a portal page for an email (PUBLIC_URL when set, else the path alone). */
export function absoluteUrl(publicUrl: string | null | undefined, path: string): string {
  const base = publicUrl?.replace(/\/+$/, '');
  return base ? `${base}${path}` : path;
}

/** Where a sent link points and who asked: the request's origin settings. */
export interface LinkOrigin {
  publicUrl: string | null;
  ip: string | null;
}

export function originOf(ctx: Pick<Context, 'config' | 'ip'>): LinkOrigin {
  return { publicUrl: ctx.config.PUBLIC_URL ?? null, ip: ctx.ip || null };
}

/**
 * Makes a fresh magic link for a live portal user and emails it, in the caller's transaction
 * (the link row and the mail commit together). Only the token's SHA-256 is stored.
 */
export async function issueMagicLink(
  domain: DomainContext,
  origin: LinkOrigin,
  input: { user: UserRow; slug: string; next?: string | null | undefined; organizationName: string },
): Promise<void> {
  const token = generatePortalToken();
  await repo.insertMagicLink(domain.db<PortalDB>(), {
    tenantId: domain.tenantId,
    id: uuidv7(),
    portalUserId: input.user.id,
    tokenHash: hashPortalToken(token),
    minutes: MAGIC_LINK_MINUTES,
    ip: origin.ip,
  });
  const next = input.next ? safePortalRedirect(input.slug, input.next) : null;
  const url = absoluteUrl(origin.publicUrl, signInLinkPath(input.slug, token, next));
  const settings = await repo.findSettings(domain.db<PortalDB>(), domain.tenantId);
  const portalName = typeof settings?.settings.name === 'string' && settings.settings.name ? settings.settings.name : input.organizationName;
  await sendPortalMail(domain, {
    to: input.user.email,
    name: input.user.name,
    template: 'magic_link',
    brandName: portalName,
    url,
    minutes: MAGIC_LINK_MINUTES,
  });
}

/**
 * `portal.auth.requestLink`: the same answer (and no error) whether the portal, the address or
 * the user exists; limited per address and per IP. Never creates a user.
 */
export async function requestLink(ctx: Context, input: RequestLinkInput): Promise<typeof SAME_ANSWER> {
  const email = input.email.trim().toLowerCase();
  await limit(ctx, `portal:link:ip:${ctx.ip}`, LINK_REQUESTS_PER_IP);
  await limit(ctx, `portal:link:address:${input.tenantSlug}:${email}`, LINK_REQUESTS_PER_ADDRESS);
  const tenant = await repo.tenantBySlug(ctx.db.as<PortalDB>(), input.tenantSlug);
  if (!tenant) return SAME_ANSWER;
  const tasks: (() => Promise<void>)[] = [];
  await withTenant<PortalDB, void>(ctx.db, { tenantId: tenant.tenant_id }, async (trx) => {
    const user = await repo.findLiveUserByEmail(trx, email);
    if (!user) return;
    const settings = await repo.findSettings(trx, tenant.tenant_id);
    if (settings && settings.settings.enabled === false) return;
    const domain = domainOf(ctx, trx, tenant.tenant_id, null, tasks);
    await issueMagicLink(domain, originOf(ctx), { user, slug: input.tenantSlug, next: input.next, organizationName: tenant.name });
  });
  await runAfterCommit(ctx, tasks);
  return SAME_ANSWER;
}

const CONSUMES_PER_IP = 300;
const REFUSED = 'This sign-in link has already been used, has expired or is not for this portal. Ask for a new one below.';

/**
 * `portal.auth.consume` (the sign-in page's button, a POST): one conditional UPDATE consumes the
 * link; only the request that got the row back creates a session and sets the cookie.
 */
export async function consume(ctx: Context, input: ConsumeInput): Promise<{ redirectTo: string }> {
  // 256-bit tokens cannot be guessed; the limit only keeps one address from hammering the database.
  await limit(ctx, `portal:consume:ip:${ctx.ip}`, CONSUMES_PER_IP);
  if (!isWellFormedPortalToken(input.token)) throw new DomainError('UNAUTHORIZED', REFUSED);
  const tenant = await repo.tenantBySlug(ctx.db.as<PortalDB>(), input.tenantSlug);
  if (!tenant) throw new DomainError('UNAUTHORIZED', REFUSED);
  const tasks: (() => Promise<void>)[] = [];
  const session = await withTenant<PortalDB, { token: string; expiresAt: Date } | null>(ctx.db, { tenantId: tenant.tenant_id }, async (trx) => {
    const link = await repo.consumeMagicLink(trx, hashPortalToken(input.token), ctx.ip || null);
    if (!link) return null;
    const user = await repo.findUser(trx, link.portal_user_id);
    if (!user) return null;
    const token = generatePortalToken();
    const expiresAt = await repo.insertSession(trx, {
      tenantId: tenant.tenant_id,
      id: hashPortalToken(token),
      portalUserId: user.id,
      magicLinkId: link.id,
      hours: PORTAL_ABSOLUTE_HOURS,
      ip: ctx.ip || null,
      userAgent: ctx.userAgent ? ctx.userAgent.slice(0, 512) : null,
    });
    const domain = domainOf(ctx, trx, tenant.tenant_id, user.id, tasks);
    await domain.emit(
      accessed,
      { portal_user_id: user.id, client_id: user.client_id, contact_id: user.contact_id, name: user.name, email: user.email },
      { aggregateId: user.id },
    );
    return { token, expiresAt };
  });
  if (!session) throw new DomainError('UNAUTHORIZED', REFUSED);
  setPortalCookie(ctx.cookies, ctx.config, session.token, session.expiresAt);
  await runAfterCommit(ctx, tasks);
  return { redirectTo: safePortalRedirect(input.tenantSlug, input.next) };
}

/** `portal.auth.logout`: ends this session, or every session of the portal user. */
export async function logout(ctx: PortalContext, everywhere: boolean): Promise<{ ended: number }> {
  const db = ctx.domain.db<PortalDB>();
  const ended = everywhere ? await repo.endSessionsOfUser(db, ctx.portal.portalUserId) : await repo.endSession(db, ctx.portal.sessionId);
  const user = await repo.findUser(db, ctx.portal.portalUserId);
  if (user) {
    await ctx.domain.emit(
      signedOut,
      {
        portal_user_id: user.id,
        client_id: user.client_id,
        contact_id: user.contact_id,
        name: user.name,
        email: user.email,
        everywhere,
        sessions_ended: ended,
      },
      { aggregateId: user.id },
    );
  }
  clearPortalCookie(ctx.cookies, ctx.config);
  return { ended };
}

/** The sign-in page's branding: public (the name, colour and logo of the firm), nothing else. */
export async function branding(ctx: Context, slug: string): Promise<BrandingDto> {
  const tenant = await repo.tenantBySlug(ctx.db.as<PortalDB>(), slug);
  if (!tenant) throw new DomainError('NOT_FOUND', 'There is no client portal at this address. Check the link you were sent.');
  const result = await withTenant<PortalDB, BrandingDto>(ctx.db, { tenantId: tenant.tenant_id }, (trx) =>
    brandingOf(trx, ctx.runtime.services, tenant.tenant_id, { slug, name: tenant.name }),
  );
  return brandingDto.parse(result);
}
