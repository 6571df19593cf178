import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';

export type DomainErrorCode = 'BAD_REQUEST' | 'UNAUTHORIZED' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT' | 'PRECONDITION_FAILED' | 'TOO_MANY_REQUESTS';

export interface FieldIssue {
  path: (string | number)[];
  message: string;
  code?: string;
}

/** A business-rule failure a service throws; the tRPC layer turns it into the matching error code. */
export class DomainError extends Error {
  readonly code: DomainErrorCode;
  readonly issues: FieldIssue[] | undefined;
  /** For TOO_MANY_REQUESTS: when the caller may try again (the host sends it as `Retry-After`). */
  readonly retryAfterMs: number | undefined;
  constructor(code: DomainErrorCode, message: string, issues?: FieldIssue[], options: { retryAfterMs?: number } = {}) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.issues = issues;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export class NotFoundError extends DomainError {
  constructor(entity: string, id?: string) {
    super('NOT_FOUND', id ? `${entity} ${id} was not found` : `${entity} was not found`);
    this.name = 'NotFoundError';
  }
}

interface PgErrorLike {
  code: string;
  constraint?: string;
  detail?: string;
  message: string;
}

function isPgError(value: unknown): value is PgErrorLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    /^[0-9A-Z]{5}$/.test((value as { code: string }).code) &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

interface IssueCarrier {
  issues: { path: PropertyKey[]; message: string; code?: string }[];
}

function hasIssues(value: unknown): value is IssueCarrier {
  return typeof value === 'object' && value !== null && Array.isArray((value as { issues?: unknown }).issues);
}

/** Normalises zod / standard-schema issues to a plain, serialisable list. */
export function issuesOf(value: unknown): FieldIssue[] | null {
  if (value instanceof DomainError) return value.issues ?? null;
  if (!hasIssues(value)) return null;
  return value.issues.map((issue) => ({
    path: issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment))),
    message: issue.message,
    ...(issue.code ? { code: issue.code } : {}),
  }));
}

function describeIssues(issues: FieldIssue[]): string {
  return issues
    .slice(0, 10)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

function camelCase(column: string): string {
  return column.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}

/**
 * A unique violation in words, naming the field and never the constraint: Postgres's detail
 * `Key (tenant_id, lower(name::text))=(…, x) already exists.` names the columns; tenant_id is
 * implied and dropped, the last remaining column is the field the person typed.
 */
export function uniqueConflictOf(detail: string | undefined): { message: string; issues: FieldIssue[] } {
  const match = detail ? /^Key \((.+?)\)=/.exec(detail) : null;
  const columns = (match?.[1] ?? '')
    .split(',')
    .map((part) => /([a-z_][a-z0-9_]*)(?:::[a-z ]+)?\)*\s*$/i.exec(part.trim().replace(/::[a-z ]+/gi, ''))?.[1] ?? '')
    .filter((column) => column.length > 0 && column !== 'tenant_id');
  const field = columns.at(-1);
  if (!field) return { message: 'This record already exists', issues: [] };
  const words = field.replace(/_id$/, '').replace(/_/g, ' ');
  const message = `Another record already uses this ${words}`;
  return { message, issues: [{ path: [camelCase(field)], message: `This ${words} is already taken`, code: 'conflict' }] };
}

function trpcError(code: TRPC_ERROR_CODE_KEY, message: string, cause?: unknown): TRPCError {
  return new TRPCError({ code, message, ...(cause instanceof Error ? { cause } : {}) });
}

/** Postgres codes of a lost or refused server: shutdown, crash, starting up, connection failures. */
const UNAVAILABLE_PG_CODES = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006']);
const UNAVAILABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);
const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
];

/**
 * True when `error` (or one of its causes) says the database could not be reached or went away
 * mid-request (a restart, a failover): the request failed cleanly and may be retried.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 5) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_PG_CODES.has(code) || UNAVAILABLE_ERRNO.has(code))) return true;
  if (UNAVAILABLE_MESSAGES.some((message) => error.message.includes(message))) return true;
  if (error instanceof AggregateError && error.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))) return true;
  return isDatabaseUnavailable((error as { cause?: unknown }).cause, depth + 1);
}

export const DATABASE_UNAVAILABLE_MESSAGE = 'The database is unavailable right now: nothing was saved, try again in a moment';

/**
 * Maps anything a resolver throws to a TRPCError with a client-safe message.
 * Unknown errors become INTERNAL_SERVER_ERROR with a generic message (the cause is logged, never sent).
 */
export function toTRPCError(error: unknown): TRPCError {
  const root = error instanceof TRPCError && error.code === 'INTERNAL_SERVER_ERROR' && error.cause ? error.cause : error;
  if (root instanceof TRPCError) return root;
  if (root instanceof DomainError) return trpcError(root.code, root.message, root);
  if (hasIssues(root)) {
    const issues = issuesOf(root) ?? [];
    return trpcError('BAD_REQUEST', `Invalid input: ${describeIssues(issues)}`, root as unknown as Error);
  }
  if (isPgError(root)) {
    switch (root.code) {
      case '23505': {
        const conflict = uniqueConflictOf(root.detail);
        return new TRPCError({ code: 'CONFLICT', message: conflict.message, cause: new DomainError('CONFLICT', conflict.message, conflict.issues) });
      }
      case '23503':
        return trpcError('NOT_FOUND', 'A referenced record was not found', root as unknown as Error);
      case '22021':
      case '22P05':
        // A NUL character or an invalid byte sequence (the tRPC layer refuses NULs before this).
        return trpcError('BAD_REQUEST', 'Text contains a character that cannot be stored', root as unknown as Error);
      case '22P02':
      case '22007':
      case '22008':
      case '22003':
      case '23502':
      case '23514':
        return trpcError('BAD_REQUEST', 'Invalid value', root as unknown as Error);
      case '42501':
        // Row-level security rejected the row: to the caller it does not exist.
        return trpcError('NOT_FOUND', 'Not found', root as unknown as Error);
      case '40001':
      case '40P01':
        return trpcError('CONFLICT', 'Concurrent update, please retry', root as unknown as Error);
      default:
        break;
    }
  }
  if (isDatabaseUnavailable(root)) return trpcError('SERVICE_UNAVAILABLE', DATABASE_UNAVAILABLE_MESSAGE, root);
  return trpcError('INTERNAL_SERVER_ERROR', 'Internal server error', root);
}
