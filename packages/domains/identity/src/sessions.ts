/**
 * Sessions, following the Lucia guide (lucia-auth.com; ARCHITECTURE.md §10). One file, so it can
 * be audited in one read.
 *
 * - Token: 32 random bytes (256 bits) from the platform CSPRNG, base32 lowercase, no padding (52 characters).
 *   Only the client holds it (HttpOnly cookie `ubos_session`).
 * - Session id: SHA-256 hex of the token. The database (and the cache, and logs) only ever see
 *   the hash, so a leaked database dump cannot be replayed as cookies.
 * - Expiry: `ttl_seconds` (SESSION_TTL_DAYS at creation) with sliding renewal: when less than
 *   half the lifetime remains, the expiry moves to now + ttl and the caller re-sets the cookie.
 * - Invalidation: logout deletes the row; password change deletes every session of the user
 *   (the caller then gets a fresh one); disabling a user deletes all of theirs. A session older
 *   than the user's last password change, or of a disabled user, is rejected even if a row survived.
 * - Cache: resolved sessions are cached (Cache port: Redis or memory) for at most 30 s, keyed by
 *   the session id; every invalidation and every role/permission change evicts the keys, so a
 *   killed session is dead immediately. Evict AFTER the writing transaction commits; a stale
 *   marker closes the race with a lookup that read the database just before the commit.
 */
import { sha256 } from '@oslojs/crypto/sha2';
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';
import {
  isRole,
  isSecureCookie,
  withTenant,
  type Cache,
  type Config,
  type CookieJar,
  type CookieOptions,
  type Database,
  type Kysely,
  type Permission,
  type PermissionCatalog,
  type Role,
  type SessionInfo,
} from '@ubos/platform';
import { z } from 'zod';
import { effectivePermissions } from './access.ts';
import type { IdentityDB } from './db.ts';
import {
  deleteSession,
  deleteSessionsOfUser,
  extendSession,
  findMembership,
  findSessionWithUser,
  insertSession,
  listOverrides,
  touchSession,
} from './repository.ts';

export const SESSION_COOKIE_NAME = 'ubos_session';

/**
 * The cookie's name: `__Host-ubos_session` when cookies are Secure (production), so the browser
 * insists on Secure, Path=/ and no Domain and no subdomain can set or shadow the session.
 */
export function sessionCookieName(config: Config): string {
  return isSecureCookie(config) ? `__Host-${SESSION_COOKIE_NAME}` : SESSION_COOKIE_NAME;
}
/** How long a resolved session may be served from the cache. */
export const SESSION_CACHE_TTL_MS = 30_000;

const TOKEN_BYTES = 32;
// 52 characters today; 32 for tokens issued before the switch to 256 bits, valid until they expire.
const TOKEN_PATTERN = /^(?:[a-z2-7]{52}|[a-z2-7]{32})$/;
const DAY_SECONDS = 86_400;

// ---------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------

/** A fresh secret token (sessions and invitations): 32 CSPRNG bytes (256 bits), base32 lowercase, no padding. */
export function generateToken(): string {
  const bytes = new Uint8Array(TOKEN_BYTES);
  crypto.getRandomValues(bytes);
  return encodeBase32LowerCaseNoPadding(bytes);
}

/** What is stored instead of a token: SHA-256 of the token, hex. */
export function hashToken(token: string): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(token)));
}

export function isWellFormedToken(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

// ---------------------------------------------------------------------------------------------
// Cookie
// ---------------------------------------------------------------------------------------------

export function sessionCookieOptions(config: Config, expiresAt: Date, now: number = Date.now()): CookieOptions {
  return {
    httpOnly: true,
    secure: isSecureCookie(config),
    sameSite: 'lax',
    path: '/',
    expires: expiresAt,
    maxAgeSeconds: Math.max(0, Math.floor((expiresAt.getTime() - now) / 1000)),
  };
}

/** Sets the session cookie (also what the host calls after resolveSession reports `renewed`). */
export function setSessionCookie(cookies: CookieJar, config: Config, token: string, expiresAt: Date): void {
  cookies.set(sessionCookieName(config), token, sessionCookieOptions(config, expiresAt));
}

export function clearSessionCookie(cookies: CookieJar, config: Config): void {
  cookies.clear(sessionCookieName(config), { httpOnly: true, secure: isSecureCookie(config), sameSite: 'lax', path: '/' });
}

// ---------------------------------------------------------------------------------------------
// Store
// ---------------------------------------------------------------------------------------------

export interface NewSession {
  token: string;
  sessionId: string;
  expiresAt: Date;
}

/** Creates a session row in the caller's transaction and returns the token (shown once, in the cookie). */
export async function createSession(
  db: Kysely<IdentityDB>,
  input: { userId: string; activeTenantId: string | null; config: Pick<Config, 'SESSION_TTL_DAYS'>; ip: string | null; userAgent: string | null },
): Promise<NewSession> {
  const token = generateToken();
  const sessionId = hashToken(token);
  const row = await insertSession(db, {
    id: sessionId,
    userId: input.userId,
    activeTenantId: input.activeTenantId,
    ttlSeconds: input.config.SESSION_TTL_DAYS * DAY_SECONDS,
    ip: input.ip,
    userAgent: input.userAgent ? input.userAgent.slice(0, 512) : null,
  });
  return { token, sessionId, expiresAt: row.expires_at };
}

/** Deletes one session (logout). Evict its cache key after the transaction commits. */
export function invalidateSession(db: Kysely<IdentityDB>, sessionId: string): Promise<boolean> {
  return deleteSession(db, sessionId);
}

/** Deletes every session of a user (password change, disable); returns their ids for eviction. */
export function invalidateUserSessions(db: Kysely<IdentityDB>, userId: string): Promise<string[]> {
  return deleteSessionsOfUser(db, userId);
}

function cacheKey(sessionId: string): string {
  return `identity:session:${sessionId}`;
}

function staleKey(sessionId: string): string {
  return `identity:session-stale:${sessionId}`;
}

/**
 * Evicts cached lookups of these sessions. It first leaves a short-lived "stale" marker: a lookup
 * that read the database before the change but writes the cache after this eviction sees the
 * marker right after its write and removes its entry again (see resolveSession), so no
 * interleaving can leave a killed session or an old role in the cache.
 */
export async function evictSessions(cache: Cache, sessionIds: readonly string[]): Promise<void> {
  await Promise.all(
    sessionIds.map(async (id) => {
      await cache.set(staleKey(id), true, SESSION_CACHE_TTL_MS * 2);
      await cache.delete(cacheKey(id));
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

const cachedSessionSchema = z.object({
  sessionId: z.string(),
  userId: z.string(),
  email: z.string(),
  name: z.string(),
  tenantId: z.string().nullable(),
  role: z.string().nullable(),
  permissions: z.array(z.string()),
  expiresAt: z.string(),
  ttlSeconds: z.number(),
});
type CachedSession = z.infer<typeof cachedSessionSchema>;

function needsRenewal(expiresAtMs: number, ttlSeconds: number, now: number): boolean {
  return expiresAtMs - now < (ttlSeconds * 1000) / 2;
}

function toSessionInfo(cached: CachedSession, catalog: PermissionCatalog): SessionInfo {
  const role = cached.role !== null && isRole(cached.role) ? cached.role : null;
  return {
    sessionId: cached.sessionId,
    userId: cached.userId,
    email: cached.email,
    name: cached.name,
    tenantId: role ? cached.tenantId : null,
    role,
    permissions: new Set(cached.permissions.filter((permission) => catalog.has(permission))),
    expiresAt: new Date(cached.expiresAt),
  };
}

/** The role and effective permissions of a user in a tenant, or null when not a member. */
export async function loadAccess(
  db: Database,
  catalog: PermissionCatalog,
  tenantId: string,
  userId: string,
): Promise<{ role: Role; permissions: Set<Permission> } | null> {
  return withTenant<IdentityDB, { role: Role; permissions: Set<Permission> } | null>(db, { tenantId, userId }, async (trx) => {
    const membership = await findMembership(trx, tenantId, userId);
    if (!membership) return null;
    const overrides = await listOverrides(trx, tenantId, membership.role);
    return { role: membership.role, permissions: effectivePermissions(catalog, membership.role, overrides) };
  });
}

/**
 * Validates a session token: returns the principal (user, active organization, role and effective
 * permissions) or null. `renewed` tells the host to re-set the cookie with `session.expiresAt`.
 */
export async function resolveSession(
  deps: { db: Database; cache: Cache; permissions: PermissionCatalog },
  token: string,
): Promise<{ session: SessionInfo; renewed: boolean } | null> {
  if (!isWellFormedToken(token)) return null;
  const sessionId = hashToken(token);
  const key = cacheKey(sessionId);
  const now = Date.now();

  const hit = cachedSessionSchema.safeParse(await deps.cache.get<unknown>(key));
  if (hit.success) {
    const expiresAtMs = Date.parse(hit.data.expiresAt);
    if (expiresAtMs > now && !needsRenewal(expiresAtMs, hit.data.ttlSeconds, now)) {
      return { session: toSessionInfo(hit.data, deps.permissions), renewed: false };
    }
  }

  const kysely = deps.db.as<IdentityDB>();
  const row = await findSessionWithUser(kysely, sessionId);
  if (!row) {
    await deps.cache.delete(key);
    return null;
  }
  const stale = row.expires_at.getTime() <= now || row.disabled_at !== null || row.created_at.getTime() < row.password_changed_at.getTime();
  if (stale) {
    await invalidateSession(kysely, sessionId);
    await deps.cache.delete(key);
    return null;
  }

  // My account's "last seen": at most one write a minute per session, only on a cache miss.
  if (!row.last_seen_at || now - row.last_seen_at.getTime() > 60_000) await touchSession(kysely, sessionId);

  let expiresAt = row.expires_at;
  let renewed = false;
  if (needsRenewal(expiresAt.getTime(), row.ttl_seconds, now)) {
    const extended = await extendSession(kysely, sessionId);
    if (!extended) return null; // deleted concurrently (logout)
    expiresAt = extended;
    renewed = true;
  }

  const access = row.active_tenant_id ? await loadAccess(deps.db, deps.permissions, row.active_tenant_id, row.user_id) : null;
  const cached: CachedSession = {
    sessionId,
    userId: row.user_id,
    email: row.email,
    name: row.name,
    tenantId: access ? row.active_tenant_id : null,
    role: access?.role ?? null,
    permissions: access ? [...access.permissions] : [],
    expiresAt: expiresAt.toISOString(),
    ttlSeconds: row.ttl_seconds,
  };
  await deps.cache.set(key, cached, Math.min(SESSION_CACHE_TTL_MS, Math.max(1, expiresAt.getTime() - now)));
  // Raced an eviction (logout, password or role change)? Then what was just cached may predate it.
  if ((await deps.cache.get<boolean>(staleKey(sessionId))) !== undefined) await deps.cache.delete(key);
  return { session: toSessionInfo(cached, deps.permissions), renewed };
}
