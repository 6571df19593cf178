import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { OutboundBlockedError, type SsrfGuard, type VettedHost } from './ssrf.ts';

/** One HTTP exchange as the client sends it (one attempt; retries live in client.ts). */
export interface TransportRequest {
  method: string;
  url: URL;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body?: Buffer;
  signal?: AbortSignal;
}

export interface TransportResponse {
  status: number;
  /** Lower-case header names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
  /** The URL that answered (after redirects). */
  url: URL;
}

/** Sends one request. The default is node's fetch; tenant-configured URLs use the guarded transport. */
export type HttpTransport = (request: TransportRequest) => Promise<TransportResponse>;

/** Responses larger than this are refused (a provider page is far smaller). */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

function headersOf(headers: Headers): Record<string, string> {
  const result: Record<string, string> = {};
  headers.forEach((value, name) => {
    result[name] = value;
  });
  return result;
}

/** node's fetch (undici) for fixed provider endpoints; redirects followed by fetch itself. */
export const fetchTransport: HttpTransport = async (request) => {
  const response = await fetch(request.url, {
    method: request.method,
    headers: request.headers,
    ...(request.body ? { body: new Uint8Array(request.body) } : {}),
    ...(request.signal ? { signal: request.signal } : {}),
  });
  const body = Buffer.from(await response.arrayBuffer());
  if (body.length > MAX_RESPONSE_BYTES) throw new Error(`The response of ${request.url.host} is larger than ${MAX_RESPONSE_BYTES} bytes`);
  return { status: response.status, headers: headersOf(response.headers), body, url: new URL(response.url || request.url) };
};

/** What the guarded transport asks the connector to dial: always the vetted address, never a name. */
export interface DialTarget {
  /** The configured host name (Host header, TLS SNI and certificate check). */
  hostname: string;
  /** The vetted IP address to connect to. */
  address: string;
  family: 4 | 6;
  port: number;
  tls: boolean;
}

/** Opens the socket for one request. Tests inject one that records the target instead of dialling. */
export type Connector = (target: DialTarget) => Duplex;

export const defaultConnector: Connector = (target) => {
  if (!target.tls) return net.connect({ host: target.address, port: target.port, family: target.family });
  return tls.connect({
    host: target.address,
    port: target.port,
    // SNI and the certificate check name the configured host, not the address dialled.
    ...(net.isIP(target.hostname) ? {} : { servername: target.hostname }),
    checkServerIdentity: (_host, certificate) => tls.checkServerIdentity(target.hostname, certificate),
    ALPNProtocols: ['http/1.1'],
  });
};

export interface GuardedTransportOptions {
  guard: SsrfGuard;
  connector?: Connector;
  /** Redirect hops followed (each one vetted again); default 5. */
  maxRedirects?: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function sendOnce(vetted: VettedHost, request: TransportRequest, connector: Connector): Promise<TransportResponse> {
  const url = request.url;
  const isTls = url.protocol === 'https:';
  const port = url.port ? Number(url.port) : isTls ? 443 : 80;
  const target: DialTarget = { hostname: vetted.hostname, address: vetted.address, family: vetted.family, port, tls: isTls };
  return new Promise((resolve, reject) => {
    const outgoing = http.request({
      method: request.method,
      host: vetted.hostname,
      port,
      path: `${url.pathname}${url.search}`,
      headers: { ...request.headers, host: url.host, ...(request.body ? { 'content-length': String(request.body.length) } : {}) },
      // No agent: every request gets the socket the connector opened to the vetted address.
      createConnection: () => connector(target),
      ...(request.signal ? { signal: request.signal } : {}),
    });
    outgoing.on('error', reject);
    outgoing.on('response', (incoming) => {
      const chunks: Buffer[] = [];
      let size = 0;
      incoming.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) {
          incoming.destroy(new Error(`The response of ${url.host} is larger than ${MAX_RESPONSE_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      incoming.on('error', reject);
      incoming.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(incoming.headers)) {
          if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
        }
        resolve({ status: incoming.statusCode ?? 0, headers, body: Buffer.concat(chunks), url });
      });
    });
    outgoing.end(request.body);
  });
}

/**
 * The transport for tenant-configured URLs: every hop's host is vetted by the SSRF guard and the
 * socket is opened to the vetted address (the connector never sees a name to resolve), redirects
 * are followed by hand (at most `maxRedirects`), each Location vetted again before anything is
 * dialled; credentials are dropped when a redirect leaves the origin.
 */
export function guardedTransport(options: GuardedTransportOptions): HttpTransport {
  const connector = options.connector ?? defaultConnector;
  const maxRedirects = options.maxRedirects ?? 5;
  return async (initial) => {
    let request = initial;
    for (let hop = 0; ; hop += 1) {
      const vetted = await options.guard.vetUrl(request.url);
      const response = await sendOnce(vetted, request, connector);
      const location = response.headers.location;
      if (!REDIRECTS.has(response.status) || !location) return response;
      if (hop >= maxRedirects) throw new OutboundBlockedError(request.url.host, null, `more than ${maxRedirects} redirects`);
      const next = new URL(location, request.url);
      const headers = { ...request.headers };
      if (next.origin !== request.url.origin) {
        delete headers.authorization;
        delete headers.cookie;
      }
      const keepsBody = response.status === 307 || response.status === 308;
      if (!keepsBody) {
        delete headers['content-type'];
        delete headers['content-length'];
      }
      request = {
        method: keepsBody || request.method === 'HEAD' ? request.method : 'GET',
        url: next,
        headers,
        ...(keepsBody && request.body ? { body: request.body } : {}),
        ...(request.signal ? { signal: request.signal } : {}),
      };
    }
  };
}
