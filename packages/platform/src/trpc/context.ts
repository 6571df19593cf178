import type { Config } from '../config.ts';
import type { Cache } from '../cache.ts';
import type { Database, UntypedDB, Transaction } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import type { RateLimiter } from '../rate-limit.ts';
import type { Permission, Role } from '../auth/permissions.ts';
import type { EventMeta } from '../events/outbox.ts';

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
}

export interface TenantScopeContext {
  tenantId: string;
  userId: string;
  role: Role;
  permissions: ReadonlySet<Permission>;
}

/** What tenant procedures add: the tenant transaction and the metadata every event needs. */
export interface TenantContext extends Context {
  session: SessionInfo;
  tenant: TenantScopeContext;
  trx: Transaction<UntypedDB>;
  eventMeta: EventMeta;
  /**
   * Runs `task` after the tenant transaction COMMITS (never on rollback), e.g. cache eviction
   * that must not race the commit. Failures are logged, not thrown. Optional so hand-built
   * contexts in tests stay valid; tenantProcedure always sets it.
   */
  afterCommit?: (task: () => Promise<void>) => void;
}
