/**
 * The client portal's sign-in tokens and sessions (ARCHITECTURE.md §3, "The portal principal").
 * One file, so it can be audited in one read.
 *
 * - Tokens (magic links and session cookies): 32 bytes (256 bits) from the platform CSPRNG,
 *   base64url (43 characters). Only SHA-256 (hex) is stored; the link's token is in the email
 *   only, the session's in the HttpOnly cookie only.
 * - Cookie `ubos_portal`, `__Host-ubos_portal` when cookies are Secure (production): a separate
 *   cookie from staff's `ubos_session`, so a browser can hold both and neither stands for the other.
 *   HttpOnly, SameSite=Lax, Path=/, expiring with the session's absolute end.
 * - Expiry: idle 30 minutes (last_seen_at, moved on at most once a minute), absolute 12 hours
 *   (expires_at, a CHECK caps it). Both are decided by the database clock on every request.
 * - No cache: every request reads the session row, so a staff revoke or a sign-out everywhere
 *   ends every session on its next request.
 */
import { hashLinkToken, isSecureCookie, newLinkToken, withTenant, type Config, type CookieJar, type Database, type PortalSessionInfo } from '@ubos/platform';
import { PORTAL_IDLE_MINUTES } from './contracts.ts';
import type { PortalDB } from './db.ts';
import { findLiveSession, sessionTenant, touchSession } from './repository.ts';

export const PORTAL_COOKIE_NAME = 'ubos_portal';
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** `__Host-ubos_portal` when cookies are Secure (production), else `ubos_portal`. */
export function portalCookieName(config: Config): string {
  return isSecureCookie(config) ? `__Host-${PORTAL_COOKIE_NAME}` : PORTAL_COOKIE_NAME;
}

/** A fresh 256-bit secret, base64url without padding. */
export const generatePortalToken = newLinkToken;

/** What is stored instead of a token: SHA-256 hex. */
export const hashPortalToken = hashLinkToken;

export function isWellFormedPortalToken(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

export function setPortalCookie(cookies: CookieJar, config: Config, token: string, expiresAt: Date, now: number = Date.now()): void {
  cookies.set(portalCookieName(config), token, {
    httpOnly: true,
    secure: isSecureCookie(config),
    sameSite: 'lax',
    path: '/',
    expires: expiresAt,
    maxAgeSeconds: Math.max(0, Math.floor((expiresAt.getTime() - now) / 1000)),
  });
}

export function clearPortalCookie(cookies: CookieJar, config: Config): void {
  cookies.clear(portalCookieName(config), { httpOnly: true, secure: isSecureCookie(config), sameSite: 'lax', path: '/' });
}

/**
 * The portal principal of a cookie's token, or null (unknown, ended, idle too long, past its
 * absolute end, or its user revoked). The session's tenant comes from the SECURITY DEFINER
 * lookup; everything else is read under that tenant's RLS.
 */
export async function resolvePortalSession(db: Database, token: string): Promise<PortalSessionInfo | null> {
  if (!isWellFormedPortalToken(token)) return null;
  const sessionId = hashPortalToken(token);
  const tenantId = await sessionTenant(db.as<PortalDB>(), sessionId);
  if (!tenantId) return null;
  return withTenant<PortalDB, PortalSessionInfo | null>(db, { tenantId }, async (trx) => {
    const row = await findLiveSession(trx, sessionId, PORTAL_IDLE_MINUTES);
    if (!row) return null;
    if (row.needs_touch) await touchSession(trx, sessionId);
    return {
      sessionId,
      portalUserId: row.portal_user_id,
      tenantId: row.tenant_id,
      clientId: row.client_id,
      contactId: row.contact_id,
      email: row.email,
      name: row.name,
      expiresAt: row.expires_at,
    };
  });
}

/** What the host calls for every request: the portal cookie's principal, or null. */
export async function portalSessionFromCookie(db: Database, config: Config, cookies: CookieJar): Promise<PortalSessionInfo | null> {
  const token = cookies.get(portalCookieName(config));
  if (!token) return null;
  return resolvePortalSession(db, token);
}
