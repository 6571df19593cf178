import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The base of every provider fake: a tiny router on 127.0.0.1 (port 0) with in-memory state, a
 * bearer-token check, a log of every request it received and injectable faults (the next N requests
 * answer 503/429 with a Retry-After, before the handler runs), so client tests can assert what
 * arrived at the provider on each attempt.
 */

export interface FakeRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Lower-case header names. */
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text(): string;
  json<T = Record<string, unknown>>(): T;
}

export interface FakeReply {
  status?: number;
  json?: unknown;
  text?: string;
  headers?: Record<string, string>;
  /** The handler's work is done but the reply is lost: the connection is destroyed unanswered. */
  drop?: boolean;
}

export type FakeHandler = (request: FakeRequest) => FakeReply | Promise<FakeReply>;

export interface FakeRoute {
  method: string;
  /** `/v3/company/:realmId/customer/:id`; params are decoded. */
  path: string;
  handler: FakeHandler;
  /** Skip the bearer check (webhook validation endpoints, token endpoints). */
  public?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The status the fake answered. */
  status: number;
}

export interface Fault {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
}

export interface FakeServer {
  url: string;
  requests: RecordedRequest[];
  /** Bearer tokens accepted (mutable: tests rotate or revoke them). */
  tokens: Set<string>;
  /** The next `count` requests (matching `path`, if given) answer `fault` without reaching the handler. */
  failNext(count: number, fault: Fault, path?: RegExp): void;
  stop(): Promise<void>;
}

export interface FakeServerOptions {
  routes: readonly FakeRoute[];
  tokens?: readonly string[];
  /** The provider's own 401 body. */
  unauthorized?: FakeReply;
  /** Extra credential schemes the provider takes besides `Bearer <token>` (e.g. PandaDoc's `API-Key`). */
  acceptsAuthorization?: (authorization: string) => boolean;
}

export const FAKE_ACCESS_TOKEN = 'fake-access-token';

function compile(path: string): { regex: RegExp; names: string[] } {
  const names: string[] = [];
  const source = path
    .split('/')
    .map((segment) => {
      if (segment.startsWith(':')) {
        names.push(segment.slice(1));
        return '([^/]+)';
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { regex: new RegExp(`^${source}$`), names };
}

function send(response: http.ServerResponse, reply: FakeReply): number {
  if (reply.drop) {
    response.socket?.destroy();
    return 0;
  }
  const status = reply.status ?? 200;
  const headers = { ...reply.headers };
  let body = '';
  if (reply.json !== undefined) {
    body = JSON.stringify(reply.json);
    headers['content-type'] ??= 'application/json';
  } else if (reply.text !== undefined) {
    body = reply.text;
    headers['content-type'] ??= 'text/plain';
  }
  response.writeHead(status, headers).end(body);
  return status;
}

export async function startFakeServer(options: FakeServerOptions): Promise<FakeServer> {
  const routes = options.routes.map((route) => ({ ...route, ...compile(route.path) }));
  const tokens = new Set(options.tokens ?? [FAKE_ACCESS_TOKEN]);
  const requests: RecordedRequest[] = [];
  const faults: { remaining: number; fault: Fault; path?: RegExp }[] = [];

  const server = http.createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const url = new URL(incoming.url ?? '/', 'http://127.0.0.1');
      const body = Buffer.concat(chunks);
      const record: RecordedRequest = {
        method: incoming.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: incoming.headers,
        body: body.toString('utf8'),
        status: 0,
      };
      requests.push(record);
      void (async () => {
        const faultIndex = faults.findIndex((entry) => entry.remaining > 0 && (!entry.path || entry.path.test(url.pathname)));
        const pending = faults[faultIndex];
        if (pending) {
          pending.remaining -= 1;
          if (pending.remaining === 0) faults.splice(faultIndex, 1);
          record.status = send(response, {
            status: pending.fault.status,
            json: pending.fault.json ?? { error: 'injected fault' },
            headers: pending.fault.headers ?? {},
          });
          return;
        }
        for (const route of routes) {
          if (route.method !== record.method) continue;
          const match = route.regex.exec(url.pathname);
          if (!match) continue;
          if (!route.public) {
            const authorization = incoming.headers.authorization ?? '';
            const bearer = authorization.startsWith('Bearer ') ? authorization.slice(7) : null;
            const accepted = (bearer !== null && tokens.has(bearer)) || (options.acceptsAuthorization?.(authorization) ?? false);
            if (!accepted) {
              record.status = send(response, options.unauthorized ?? { status: 401, json: { error: 'invalid_token' } });
              return;
            }
          }
          const params = Object.fromEntries(route.names.map((name, index) => [name, decodeURIComponent(match[index + 1] ?? '')]));
          const request: FakeRequest = {
            method: record.method,
            path: url.pathname,
            params,
            query: url.searchParams,
            headers: incoming.headers,
            body,
            text: () => body.toString('utf8'),
            json: <T>() => JSON.parse(body.toString('utf8') || '{}') as T,
          };
          try {
            record.status = send(response, await route.handler(request));
          } catch (error) {
            record.status = send(response, { status: 500, json: { error: error instanceof Error ? error.message : String(error) } });
          }
          return;
        }
        record.status = send(response, { status: 404, json: { error: `no route ${record.method} ${url.pathname}` } });
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    tokens,
    failNext(count, fault, path) {
      faults.push({ remaining: count, fault, ...(path ? { path } : {}) });
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Posts a signed delivery to a webhook URL (on 127.0.0.1 in tests) and returns the answer. */
export async function postWebhook(
  url: string,
  delivery: { headers: Record<string, string>; body: string | Buffer },
): Promise<{ status: number; body: string; contentType: string | null }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: delivery.headers,
    body: typeof delivery.body === 'string' ? delivery.body : new Uint8Array(delivery.body),
  });
  return { status: response.status, body: await response.text(), contentType: response.headers.get('content-type') };
}

let sequence = 0;
/** A provider-looking id: a prefix and a counter unique in the process. */
export function fakeId(prefix = ''): string {
  sequence += 1;
  return `${prefix}${Date.now().toString(36)}${sequence.toString(36).padStart(4, '0')}`;
}
