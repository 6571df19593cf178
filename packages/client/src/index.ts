import { createTRPCClient, httpBatchLink, TRPCClientError, type TRPCClient } from '@trpc/client';
import type { AppRouter } from '@ubos/api/router';

export type { AppRouter };
export { TRPCClientError };

export interface UbosClientOptions {
  /** Base URL of a UBOS host, e.g. http://localhost:3000 */
  baseUrl: string;
  /**
   * An API key (Settings → API keys), `ubos_…`: sent as `Authorization: Bearer <key>`. Every call
   * then runs as the key's service principal in its organization, with the key's permissions.
   */
  apiKey?: string;
  /** A staff session cookie value (`ubos_session`), for tools that already hold one. Prefer `apiKey`. */
  sessionToken?: string;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

export type UbosClient = TRPCClient<AppRouter>;

/** The typed tRPC client internal teams use to call UBOS. */
export function createUbosClient(options: UbosClientOptions): UbosClient {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${options.baseUrl.replace(/\/$/, '')}/trpc`,
        ...(options.fetch ? { fetch: options.fetch } : {}),
        headers() {
          const headers: Record<string, string> = { ...(options.headers ?? {}) };
          if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
          if (options.sessionToken) headers.cookie = `ubos_session=${options.sessionToken}`;
          return headers;
        },
      }),
    ],
  });
}

/** One problem with one input field: where (`path`), what (`message`, a sentence), and a machine code. */
export interface UbosFieldIssue {
  path: (string | number)[];
  message: string;
  code?: string;
}

/** What every failed call carries (the host's error shape), whatever the procedure. */
export interface UbosError {
  /** tRPC code: BAD_REQUEST, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, CONFLICT, TOO_MANY_REQUESTS, … */
  code: string;
  httpStatus: number;
  /** A sentence a person understands. */
  message: string;
  /** The procedure, e.g. `crm.clients.create`. */
  path: string | null;
  /** The field-level problems of bad input (empty otherwise). */
  issues: UbosFieldIssue[];
}

interface ErrorData {
  code?: unknown;
  httpStatus?: unknown;
  path?: unknown;
  zodIssues?: unknown;
}

/** The typed error of a failed call, or null when `error` is not a UBOS error (a network failure, a bug). */
export function ubosErrorOf(error: unknown): UbosError | null {
  if (!(error instanceof TRPCClientError)) return null;
  const data = (error.data ?? {}) as ErrorData;
  const issues = Array.isArray(data.zodIssues) ? (data.zodIssues as UbosFieldIssue[]) : [];
  return {
    code: typeof data.code === 'string' ? data.code : 'INTERNAL_SERVER_ERROR',
    httpStatus: typeof data.httpStatus === 'number' ? data.httpStatus : 500,
    // The host says refused input in words (its issues summed up), so the message is shown as it is.
    message: error.message,
    path: typeof data.path === 'string' ? data.path : null,
    issues,
  };
}
