import { createTRPCClient, httpBatchLink, type TRPCClient } from '@trpc/client';
import type { AppRouter } from '@ubos/api/router';

export type { AppRouter };

export interface UbosClientOptions {
  /** Base URL of a UBOS host, e.g. http://localhost:3000 */
  baseUrl: string;
  /** A session cookie value (`ubos_session`) or any extra headers to send. */
  sessionToken?: string;
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

/** The typed tRPC client internal teams use to call UBOS. */
export function createUbosClient(options: UbosClientOptions): TRPCClient<AppRouter> {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${options.baseUrl.replace(/\/$/, '')}/trpc`,
        ...(options.fetch ? { fetch: options.fetch } : {}),
        headers() {
          const headers: Record<string, string> = { ...(options.headers ?? {}) };
          if (options.sessionToken) headers.cookie = `ubos_session=${options.sessionToken}`;
          return headers;
        },
      }),
    ],
  });
}
