// My account: the signed-in user's own sessions (list, end one, end all others). Sessions are
// global rows keyed by the SHA-256 of their token; every query here is bound to the caller's user id,
// so one user never sees or ends another's (users are global, not tenant rows).
import { DomainError } from '@ubos/platform';
import { sha256 } from '@oslojs/crypto/sha2';
import { encodeHexLowerCase } from '@oslojs/encoding';
import { sessionEnded, type AccountSessionDto } from './contracts.ts';
import * as repo from './repository.ts';
import { type AuthedContext, domainContextOf, inScope } from './service.ts';
import { evictSessions } from './sessions.ts';

/** The handle the account page names a session by: derived from the session id, never the id itself. */
export function sessionHandle(sessionId: string): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(`ubos-session-handle:${sessionId}`))).slice(0, 32);
}

const browsers: [RegExp, string][] = [
  [/Edg(e|A|iOS)?\//, 'Edge'],
  [/OPR\/|Opera/, 'Opera'],
  [/Firefox\/|FxiOS/, 'Firefox'],
  [/HeadlessChrome/, 'Headless Chrome'],
  [/Chrome\/|CriOS/, 'Chrome'],
  [/Version\/[\d.]+.*Safari\//, 'Safari'],
];
const systems: [RegExp, string][] = [
  [/iPhone/, 'iPhone'],
  [/iPad/, 'iPad'],
  [/Android/, 'Android'],
  [/CrOS/, 'ChromeOS'],
  [/Windows/, 'Windows'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/Linux/, 'Linux'],
];

/** The device in words from a user agent: "Chrome on macOS", "Safari on iPhone", or what is known of it. */
export function describeUserAgent(userAgent: string | null): string {
  if (!userAgent?.trim()) return 'Unknown device';
  const browser = browsers.find(([pattern]) => pattern.test(userAgent))?.[1];
  const system = systems.find(([pattern]) => pattern.test(userAgent))?.[1];
  if (browser && system) return `${browser} on ${system}`;
  if (browser) return browser;
  if (system) return `A browser on ${system}`;
  const program = /^([A-Za-z][\w.-]*)\//.exec(userAgent)?.[1];
  return program ? `A program (${program})` : 'Unknown device';
}

export async function listSessions(ctx: AuthedContext): Promise<AccountSessionDto[]> {
  const { session } = ctx;
  const rows = await inScope(ctx.db, session.tenantId, session.userId, (trx) => repo.listSessionsOfUser(trx, session.userId));
  return rows.map((row) => ({
    id: sessionHandle(row.id),
    current: row.id === session.sessionId,
    device: describeUserAgent(row.user_agent),
    ip: row.ip,
    createdAt: row.created_at.toISOString(),
    lastSeenAt: (row.last_seen_at ?? row.created_at).toISOString(),
    expiresAt: row.expires_at.toISOString(),
  }));
}

/** Ends one of the caller's other sessions (this one ends with "Log out"). NOT_FOUND for any other handle. */
export async function endSession(ctx: AuthedContext, handle: string): Promise<{ ended: number }> {
  const { session } = ctx;
  if (handle === sessionHandle(session.sessionId)) {
    throw new DomainError('BAD_REQUEST', 'This is the session you are using; log out to end it', [{ path: ['id'], message: 'Use “Log out” for this session' }]);
  }
  const ended = await inScope(ctx.db, session.tenantId, session.userId, async (trx) => {
    const rows = await repo.listSessionsOfUser(trx, session.userId);
    const target = rows.find((row) => sessionHandle(row.id) === handle);
    if (!target) throw new DomainError('NOT_FOUND', 'That session has already ended');
    const deleted = await repo.deleteSession(trx, target.id);
    if (deleted && session.tenantId) {
      await domainContextOf(ctx, trx, session.tenantId, session.userId).emit(
        sessionEnded,
        { user_id: session.userId, reason: 'logout' },
        { aggregateId: session.userId },
      );
    }
    return deleted ? [target.id] : [];
  });
  await evictSessions(ctx.cache, ended);
  return { ended: ended.length };
}

/** Signs out everywhere else: every session of the caller but this one. */
export async function endOtherSessions(ctx: AuthedContext): Promise<{ ended: number }> {
  const { session } = ctx;
  const ended = await inScope(ctx.db, session.tenantId, session.userId, async (trx) => {
    const ids = await repo.deleteOtherSessionsOfUser(trx, session.userId, session.sessionId);
    if (ids.length > 0 && session.tenantId) {
      await domainContextOf(ctx, trx, session.tenantId, session.userId).emit(
        sessionEnded,
        { user_id: session.userId, reason: 'logout' },
        { aggregateId: session.userId },
      );
    }
    return ids;
  });
  await evictSessions(ctx.cache, ended);
  return { ended: ended.length };
}
