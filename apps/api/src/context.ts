import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CreateFastifyContextOptions } from '@trpc/server/adapters/fastify';
import { TRPCError } from '@trpc/server';
import {
  DATABASE_UNAVAILABLE_MESSAGE,
  isDatabaseUnavailable,
  type Cache,
  type Config,
  type Context,
  type CookieJar,
  type CookieOptions,
  type Database,
  type DomainRuntime,
  type Logger,
  type RateLimiter,
  type PortalSessionInfo,
  type SessionInfo,
} from '@ubos/platform';
import { resolveApiKey, resolveSession, sessionCookieName, setSessionCookie } from '@ubos/identity';
import { portalSessionFromCookie } from '@ubos/portal';

/** A CookieJar over @fastify/cookie: what the kernel's procedures see of cookies. */
export function fastifyCookieJar(request: FastifyRequest, reply: FastifyReply): CookieJar {
  return {
    get(name) {
      return request.cookies[name];
    },
    set(name, value, options: CookieOptions) {
      reply.setCookie(name, value, {
        httpOnly: options.httpOnly,
        secure: options.secure,
        sameSite: options.sameSite,
        path: options.path,
        ...(options.maxAgeSeconds !== undefined ? { maxAge: options.maxAgeSeconds } : {}),
        ...(options.expires !== undefined ? { expires: options.expires } : {}),
      });
    },
    clear(name, options) {
      reply.clearCookie(name, {
        path: options.path,
        secure: options.secure,
        sameSite: options.sameSite,
        httpOnly: options.httpOnly,
      });
    },
  };
}

export interface ContextDeps {
  config: Config;
  /** The process logger (the Fastify host's): each request logs through its child with the request and correlation ids. */
  log: Logger;
  db: Database;
  cache: Cache;
  rateLimiter: RateLimiter;
  /**
   * What the host built from the module list once (permission catalog, action registry, event
   * admin): every request's Context carries it. Identity resolves a session's effective
   * permissions against `runtime.permissions`.
   */
  runtime: DomainRuntime;
}

/** Reads the session cookie, resolves it through identity and re-sets the cookie when identity slid its expiry. */
export async function sessionFromCookie(deps: ContextDeps, cookies: CookieJar): Promise<SessionInfo | null> {
  const token = cookies.get(sessionCookieName(deps.config));
  if (!token) return null;
  const resolved = await resolveSession({ db: deps.db, cache: deps.cache, permissions: deps.runtime.permissions }, token);
  if (!resolved) return null;
  // Identity owns the cookie's name and flags (HttpOnly, SameSite=Lax, Path=/, Secure per config).
  if (resolved.renewed) setSessionCookie(cookies, deps.config, token, resolved.session.expiresAt);
  return resolved.session;
}

/**
 * The bearer credential of `Authorization: Bearer <key>`, if the request carries one ('' for a
 * Bearer header without a usable value). Other schemes (a proxy's Basic) are not UBOS's: ignored.
 */
export function bearerOf(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header || !/^Bearer(\s|$)/i.test(header)) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? '';
}

/**
 * An API key's service principal (§7). A request that sends a bearer credential is judged by it
 * alone (no cookie stands in for a bad key): unknown, revoked or expired is UNAUTHORIZED, in words.
 */
export async function sessionFromBearer(deps: ContextDeps, secret: string): Promise<SessionInfo> {
  const principal = await resolveApiKey({ db: deps.db, permissions: deps.runtime.permissions }, secret);
  if (!principal) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'This API key is not valid: it is unknown, expired or revoked' });
  return principal;
}

export function correlationIdOf(request: FastifyRequest): string {
  const header = request.headers['x-correlation-id'];
  const value = Array.isArray(header) ? header[0] : header;
  return value && isWellFormedId(value) ? value : request.id;
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Request and correlation ids taken from headers land in logs and in every event's envelope:
 * only a uuid is accepted (any other value is replaced by a fresh one).
 */
export function isWellFormedId(value: string): boolean {
  return UUID_PATTERN.test(value);
}

/** The tRPC createContext: the kernel's Context for one HTTP request. */
export function createContextFactory(deps: ContextDeps): (options: CreateFastifyContextOptions) => Promise<Context> {
  return async ({ req, res }) => {
    const cookies = fastifyCookieJar(req, res);
    // Two principals, two cookies (§3): staff's session and the client portal's. Neither stands
    // for the other: tenant procedures read only `session`, portal procedures only `portal`.
    let session: SessionInfo | null;
    let portal: PortalSessionInfo | null;
    const bearer = bearerOf(req);
    try {
      if (bearer !== null) {
        session = await sessionFromBearer(deps, bearer);
        portal = null;
      } else {
        [session, portal] = await Promise.all([sessionFromCookie(deps, cookies), portalSessionFromCookie(deps.db, deps.config, cookies)]);
      }
    } catch (error) {
      // Sessions live in Postgres: while it is unreachable every call answers 503, in words.
      if (isDatabaseUnavailable(error)) throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: DATABASE_UNAVAILABLE_MESSAGE, cause: error });
      throw error;
    }
    const userAgent = req.headers['user-agent'];
    const correlationId = correlationIdOf(req);
    return {
      requestId: req.id,
      correlationId,
      // Fastify's request logger already is that child (server.ts childLoggerFactory binds the same
      // requestId and correlationId): a second redacting pino child cost ~10 µs per request.
      log: req.log as Logger,
      config: deps.config,
      db: deps.db,
      cache: deps.cache,
      rateLimiter: deps.rateLimiter,
      cookies,
      ip: req.ip,
      userAgent: userAgent ?? null,
      session,
      portal,
      runtime: deps.runtime,
    };
  };
}
