import type { Config } from '../config.ts';
import type { Cache } from '../cache.ts';
import type { Database } from '../db/database.ts';
import type { DomainContext } from '../domain/context.ts';
import type { DomainRuntime } from '../domain/runtime.ts';
import type { Logger } from '../logger.ts';
import type { RateLimiter } from '../rate-limit.ts';
import type { Permission, Role } from '../auth/permissions.ts';

/** The authenticated principal of a request, as resolved by the identity domain. */
export interface SessionInfo {
  sessionId: string;
  userId: string;
  email: string;
  name: string;
  /** The organization the session is working in, if any. */
  tenantId: string | null;
  role: Role | null;
  permissions: ReadonlySet<Permission>;
  expiresAt: Date;
  /**
   * Set when the principal is an API key (§7, a service principal of `tenantId`) rather than a
   * person: then `userId` is the key's id (the actor of everything it does), `name` the key's
   * name, `email` empty, and `permissions` the key's scope. Session-scoped procedures (those of a
   * person: me, password, organizations) refuse it.
   */
  apiKey?: { id: string; name: string } | null;
}

/**
 * The client portal principal (§3): a contact of one client of one tenant, signed in through a
 * magic link. A separate principal from staff: it never carries a SessionInfo, and only
 * `portalProcedure`s accept it. Resolved by the portal domain from its own cookie.
 */
export interface PortalSessionInfo {
  sessionId: string;
  portalUserId: string;
  tenantId: string;
  clientId: string;
  contactId: string;
  email: string;
  name: string;
  /** The absolute end of the session (the idle timeout may end it sooner). */
  expiresAt: Date;
}

export interface CookieOptions {
  maxAgeSeconds?: number;
  expires?: Date;
  httpOnly: boolean;
  secure: boolean;
  sameSite: 'lax' | 'strict' | 'none';
  path: string;
}

/** Cookie access without tying the kernel to Fastify. */
export interface CookieJar {
  get(name: string): string | undefined;
  set(name: string, value: string, options: CookieOptions): void;
  clear(name: string, options: Pick<CookieOptions, 'path' | 'secure' | 'sameSite' | 'httpOnly'>): void;
}

export interface Context {
  requestId: string;
  correlationId: string;
  log: Logger;
  config: Config;
  db: Database;
  cache: Cache;
  rateLimiter: RateLimiter;
  cookies: CookieJar;
  ip: string;
  userAgent: string | null;
  session: SessionInfo | null;
  /** The client portal session of the request, if any (never a staff session; §3). */
  portal?: PortalSessionInfo | null;
  /** What the host built from the module list: permission catalog, action registry, event admin. */
  runtime: DomainRuntime;
}

export interface TenantScopeContext {
  tenantId: string;
  userId: string;
  role: Role;
  permissions: ReadonlySet<Permission>;
}

/** What tenant procedures add: the tenant and the DomainContext of its transaction. */
export interface TenantContext extends Context {
  session: SessionInfo;
  tenant: TenantScopeContext;
  /** The tenant transaction as services receive it: typed db, emit, actor and correlation ids. */
  domain: DomainContext;
}

/** What portal procedures add: the portal principal and the DomainContext of its tenant transaction. */
export interface PortalContext extends Context {
  portal: PortalSessionInfo;
  /** The tenant transaction; actorId is the portal user's id. */
  domain: DomainContext;
}
