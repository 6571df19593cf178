// The host's Fastify-native tRPC handler (src/trpc-http.ts) answers exactly like @trpc/server's
// own fastifyTRPCPlugin: two real hosts over one real database, one per adapter, the same
// requests, compared on status, body and the headers a client can see.
import { Writable } from 'node:stream';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger, mergeRouters, publicProcedure, router, type Config } from '@ubos/platform';
import { createTestDatabase, testConfig, type TestDatabase } from '@ubos/platform/testing';
import { appRouter } from '../src/router.ts';
import { buildServer, type Server } from '../src/server.ts';

const probeRouter = mergeRouters(
  appRouter,
  router({
    probe: router({
      echo: publicProcedure
        .input(z.object({ name: z.string().min(2), count: z.number().int() }))
        .mutation(({ input }) => ({ greeting: `hello ${input.name}`, count: input.count })),
      hello: publicProcedure.input(z.object({ name: z.string() }).optional()).query(({ input }) => ({ hello: input?.name ?? 'world' })),
      nothing: publicProcedure.query(() => undefined),
      echoAnything: publicProcedure.input(z.unknown()).mutation(({ input }) => ({ input: input ?? 'none' })),
      explode: publicProcedure.query(() => {
        throw new Error('connection string postgres://secret@db leaked');
      }),
      setCookie: publicProcedure.mutation(({ ctx }) => {
        ctx.cookies.set('probe', 'value', { httpOnly: true, secure: false, sameSite: 'lax', path: '/', maxAgeSeconds: 60 });
        return { ok: true };
      }),
      stream: publicProcedure.query(() => ({ later: Promise.resolve(1) })),
    }),
  }),
);

/** Headers that legitimately differ between two hosts or two framings of the same body. */
const UNCOMPARED = new Set(['date', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'x-ratelimit-remaining', 'x-ratelimit-reset']);

interface Host {
  server: Server;
  logs: Record<string, unknown>[];
}

let testDb: TestDatabase;
let native: Host;
let official: Host;
let cookie = '';

async function host(trpcAdapter: 'native' | 'official', overrides: Partial<Config> = {}): Promise<Host> {
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const server = await buildServer({
    config: testConfig({ RATE_LIMIT_MAX: 10_000, WEB_DIST_DIR: '/nonexistent/ubos-web-dist', ...overrides }),
    log: createLogger({ level: 'info', destination }),
    db: testDb.db,
    redis: null,
    boss: null,
    router: probeRouter,
    trpcAdapter,
  });
  await server.ready();
  return { server, logs };
}

interface Request {
  method: 'GET' | 'POST' | 'HEAD' | 'PUT' | 'OPTIONS';
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

function visibleHeaders(response: LightMyRequestResponse): Record<string, unknown> {
  return Object.fromEntries(Object.entries(response.headers).filter(([name]) => !UNCOMPARED.has(name.toLowerCase())));
}

/** Sends the same request to both hosts and expects the same status, body and headers. */
async function same(request: Request, hosts: [Host, Host] = [native, official]): Promise<LightMyRequestResponse> {
  const send = (target: Host) =>
    target.server.inject({
      method: request.method,
      url: request.url,
      // The same request id on both, so error bodies that carry it compare too.
      headers: { 'x-request-id': '0190f5a2-0000-7000-8000-00000000c0de', ...request.headers },
      ...(request.body !== undefined ? { payload: request.body } : {}),
    });
  const logged = async (target: Host) => {
    const before = target.logs.length;
    const response = await send(target);
    const lines = target.logs.slice(before).map((line) => ({
      level: line.level,
      msg: line.msg,
      path: line.path,
      err: (line.err as { message?: string } | undefined)?.message,
      statusCode: (line.res as { statusCode?: number } | undefined)?.statusCode,
      requestId: line.requestId,
      correlationId: line.correlationId,
    }));
    return { response, lines };
  };
  const ours = await logged(hosts[0]);
  const theirs = await logged(hosts[1]);
  expect({ status: ours.response.statusCode, body: ours.response.body }).toEqual({ status: theirs.response.statusCode, body: theirs.response.body });
  expect(visibleHeaders(ours.response)).toEqual(visibleHeaders(theirs.response));
  expect(ours.lines).toEqual(theirs.lines);
  return ours.response;
}

const json = { 'content-type': 'application/json' };
const input = (value: unknown) => encodeURIComponent(JSON.stringify(value));

beforeAll(async () => {
  testDb = await createTestDatabase();
  native = await host('native');
  official = await host('official');
  const signUp = await native.server.inject({
    method: 'POST',
    url: '/trpc/identity.auth.signUp',
    headers: json,
    payload: JSON.stringify({ email: 'trpc-http@example.com', password: 'correct horse battery staple 42', name: 'Probe', organizationName: 'Probe Org' }),
  });
  expect(signUp.statusCode).toBe(200);
  cookie = (signUp.headers['set-cookie'] as string).split(';')[0] ?? '';
  for (const name of ['Acme', 'Globex', 'Initech']) {
    const created = await native.server.inject({
      method: 'POST',
      url: '/trpc/crm.clients.create',
      headers: { ...json, cookie },
      payload: JSON.stringify({ name }),
    });
    expect(created.statusCode).toBe(200);
  }
});

afterAll(async () => {
  await native?.server.close();
  await official?.server.close();
  await testDb?.drop();
});

describe('the native tRPC handler answers like the official adapter', () => {
  it('single query, with and without input', async () => {
    const list = await same({ method: 'GET', url: `/trpc/crm.clients.list?input=${input({ limit: 50 })}`, headers: { cookie } });
    expect(list.statusCode).toBe(200);
    expect(list.headers['content-type']).toBe('application/json');
    expect(list.headers.vary).toBe('trpc-accept, accept');
    // Proof the two hosts take different paths: the fetch adapter streams its answer (chunked).
    const theirs = await official.server.inject({ method: 'GET', url: `/trpc/crm.clients.list?input=${input({ limit: 50 })}`, headers: { cookie } });
    expect(theirs.headers['transfer-encoding']).toBe('chunked');
    expect(list.headers['transfer-encoding']).toBeUndefined();
    expect(list.headers['content-length']).toBe(String(Buffer.byteLength(list.body)));
    expect(list.json<{ result: { data: { items: unknown[] } } }>().result.data.items).toHaveLength(3);
    await same({ method: 'GET', url: '/trpc/probe.hello' });
    await same({ method: 'GET', url: `/trpc/probe.hello?input=${input({ name: 'x y' })}` });
    await same({ method: 'GET', url: `/trpc/probe.hello?input=` });
    await same({ method: 'GET', url: '/trpc/identity.auth.me', headers: { cookie } });
    await same({ method: 'GET', url: '/trpc/probe.nothing' });
  });

  it('single mutation, and the mutation the benchmark drives (same shape, new row)', async () => {
    expect((await same({ method: 'POST', url: '/trpc/probe.echo', headers: json, body: JSON.stringify({ name: 'Ada', count: 2 }) })).json()).toEqual({
      result: { data: { greeting: 'hello Ada', count: 2 } },
    });
    await same({ method: 'POST', url: '/trpc/probe.echoAnything', headers: json, body: 'null' });
    await same({ method: 'POST', url: '/trpc/probe.echoAnything', headers: { 'content-type': 'application/json; charset=utf-8' }, body: '\ufeff"bom"' });
    const create = (target: Host) =>
      target.server.inject({
        method: 'POST',
        url: '/trpc/crm.clients.create',
        headers: { ...json, cookie, 'x-request-id': '0190f5a2-0000-7000-8000-0000000c4ea7' },
        payload: JSON.stringify({ name: 'Same Shape' }),
      });
    const [ours, theirs] = [await create(native), await create(official)];
    expect(ours.statusCode).toBe(theirs.statusCode);
    expect(visibleHeaders(ours)).toEqual(visibleHeaders(theirs));
    const shape = (response: LightMyRequestResponse) => Object.keys(response.json<{ result: { data: Record<string, unknown> } }>().result.data).sort();
    expect(shape(ours)).toEqual(shape(theirs));
  });

  it('batched queries and mutations, GET and POST', async () => {
    const batch = await same({
      method: 'GET',
      url: `/trpc/crm.clients.list,probe.hello,identity.auth.me?batch=1&input=${input({ 0: { limit: 2 }, 1: { name: 'batch' } })}`,
      headers: { cookie },
    });
    expect(batch.statusCode).toBe(200);
    expect(batch.json<unknown[]>()).toHaveLength(3);
    await same({ method: 'GET', url: '/trpc/probe.hello,probe.hello?batch=1' });
    await same({
      method: 'POST',
      url: '/trpc/probe.echo,probe.echo?batch=1',
      headers: json,
      body: JSON.stringify({ 0: { name: 'one', count: 1 }, 1: { name: 'two', count: 2 } }),
    });
  });

  it('a batch with failures: 207 when statuses differ, the shared status otherwise', async () => {
    const mixed = await same({ method: 'GET', url: `/trpc/probe.hello,probe.missing,crm.clients.list?batch=1&input=${input({ 2: { limit: 1 } })}` });
    expect(mixed.statusCode).toBe(207);
    const allFailed = await same({ method: 'GET', url: '/trpc/crm.clients.list,crm.clients.list?batch=1' });
    expect(allFailed.statusCode).toBe(401);
    await same({
      method: 'POST',
      url: '/trpc/probe.echo,probe.echo?batch=1',
      headers: json,
      body: JSON.stringify({ 0: { name: 'ok', count: 1 }, 1: { name: 'x', count: 0.5 } }),
    });
  });

  it('zod input errors: BAD_REQUEST with zodIssues', async () => {
    const bad = await same({ method: 'POST', url: '/trpc/probe.echo', headers: json, body: JSON.stringify({ name: 'x', count: 1.5 }) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ error: { data: { code: string; zodIssues: unknown[] } } }>().error.data).toMatchObject({ code: 'BAD_REQUEST' });
    expect(bad.json<{ error: { data: { zodIssues: unknown[] } } }>().error.data.zodIssues.length).toBeGreaterThan(0);
    await same({ method: 'POST', url: '/trpc/crm.clients.create', headers: { ...json, cookie }, body: JSON.stringify({ name: '' }) });
    await same({ method: 'POST', url: '/trpc/probe.echo', headers: json, body: '' });
  });

  it('unauthorized and forbidden calls, before and after reading input', async () => {
    expect((await same({ method: 'GET', url: `/trpc/crm.clients.list?input=${input({ limit: 5 })}` })).statusCode).toBe(401);
    // The guard runs before the input is read: bad JSON still answers UNAUTHORIZED.
    expect((await same({ method: 'POST', url: '/trpc/crm.clients.create', headers: json, body: '{nope' })).statusCode).toBe(401);
    await same({ method: 'GET', url: '/trpc/identity.auth.me', headers: { cookie: 'ubos_session=not-a-session' } });
  });

  it('unknown procedures answer NOT_FOUND', async () => {
    expect((await same({ method: 'GET', url: '/trpc/nope.nothing' })).statusCode).toBe(404);
    expect((await same({ method: 'POST', url: '/trpc/crm.clients', headers: json, body: '{}' })).statusCode).toBe(404);
    await same({ method: 'GET', url: '/trpc/probe.missing,nope?batch=1' });
  });

  it('the wrong method answers METHOD_NOT_SUPPORTED', async () => {
    expect((await same({ method: 'GET', url: `/trpc/probe.echo?input=${input({ name: 'Ada', count: 1 })}` })).statusCode).toBe(405);
    expect((await same({ method: 'POST', url: '/trpc/probe.hello', headers: json, body: '{}' })).statusCode).toBe(405);
    await same({ method: 'POST', url: '/trpc/probe.hello,probe.echo?batch=1', headers: json, body: '{}' });
  });

  it('malformed JSON answers BAD_REQUEST, in the query string, the body and a batch', async () => {
    expect((await same({ method: 'GET', url: '/trpc/probe.hello?input=%7Bnope' })).statusCode).toBe(400);
    expect((await same({ method: 'POST', url: '/trpc/probe.echo', headers: json, body: '{"name":' })).statusCode).toBe(400);
    await same({ method: 'POST', url: '/trpc/probe.echo,probe.echo?batch=1', headers: json, body: '[1,2]' });
    await same({ method: 'GET', url: '/trpc/probe.hello?batch=1&input=7' });
  });

  it('unexpected errors: a generic 500, logged once with the path', async () => {
    const explode = await same({ method: 'GET', url: '/trpc/probe.explode' });
    expect(explode.statusCode).toBe(500);
    expect(explode.body).not.toContain('secret');
    const failures = (logs: Record<string, unknown>[]) => logs.filter((line) => line.msg === 'tRPC request failed').map((line) => line.path);
    expect(failures(native.logs)).toEqual(['probe.explode']);
    expect(native.logs.find((line) => line.msg === 'procedure failed')).toMatchObject({
      requestId: '0190f5a2-0000-7000-8000-00000000c0de',
      correlationId: '0190f5a2-0000-7000-8000-00000000c0de',
    });
    expect(failures(official.logs)).toEqual(failures(native.logs));
    // The procedure's own log line (ctx.log) carries the request's ids.
    await same({ method: 'GET', url: '/trpc/probe.explode', headers: { 'x-correlation-id': '0190f5a2-0000-7000-8000-000000000042' } });
    const procedureFailed = native.logs.filter((line) => line.msg === 'procedure failed').at(-1);
    expect(procedureFailed).toMatchObject({
      requestId: '0190f5a2-0000-7000-8000-00000000c0de',
      correlationId: '0190f5a2-0000-7000-8000-000000000042',
      path: 'probe.explode',
    });
    // A stream-like result outside httpBatchStreamLink.
    await same({ method: 'GET', url: '/trpc/probe.stream' });
    await same({ method: 'GET', url: '/trpc/probe.stream,probe.hello?batch=1' });
  });

  it('cookies a procedure sets', async () => {
    const set = await same({ method: 'POST', url: '/trpc/probe.setCookie', headers: json, body: '' });
    expect(set.headers['set-cookie']).toContain('probe=value');
  });

  it('what the fast path leaves to the official adapter still works the official way', async () => {
    // httpBatchStreamLink
    const streamed = await same({
      method: 'GET',
      url: `/trpc/probe.hello,probe.nothing?batch=1&input=${input({ 0: { name: 's' } })}`,
      headers: { 'trpc-accept': 'application/jsonl' },
    });
    expect(streamed.statusCode).toBe(200);
    await same({ method: 'GET', url: '/trpc/probe.hello?batch=1', headers: { accept: 'application/jsonl' } });
    await same({ method: 'HEAD', url: '/trpc/probe.hello' });
    await same({ method: 'PUT', url: '/trpc/probe.echo', headers: json, body: '{}' });
    await same({ method: 'POST', url: '/trpc/probe.echo', body: '{}', headers: {} });
    await same({ method: 'POST', url: '/trpc/probe.echo', headers: { 'content-type': 'application/octet-stream' }, body: 'x' });
    await same({ method: 'POST', url: '/trpc/probe.echo', headers: { 'content-type': 'text/plain' }, body: 'x' });
    await same({ method: 'GET', url: '/trpc/probe.hello', headers: { 'content-type': 'text/plain' } });
    await same({ method: 'GET', url: '/trpc/probe.hello,probe.echo?batch=1' });
    await same({ method: 'GET', url: '/trpc/probe.hello?connectionParams=1' });
    await same({ method: 'GET', url: '/trpc/probe%252Ehello' });
  });

  it('keeps the host around it: helmet, rate-limit and request-id headers, CORS and its Vary', async () => {
    const response = await same({ method: 'GET', url: '/trpc/probe.hello' });
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
    expect(response.headers['x-ratelimit-limit']).toBe('10000');
    expect(response.headers['x-request-id']).toBeTruthy();
    const origin = 'https://app.example.com';
    const corsNative = await host('native', { CORS_ORIGINS: [origin] });
    const corsOfficial = await host('official', { CORS_ORIGINS: [origin] });
    try {
      const cors = await same({ method: 'GET', url: '/trpc/probe.hello', headers: { origin } }, [corsNative, corsOfficial]);
      expect(cors.headers['access-control-allow-origin']).toBe(origin);
      // tRPC's Vary replaces the one @fastify/cors set, in both adapters.
      expect(cors.headers.vary).toBe('trpc-accept, accept');
      await same({ method: 'OPTIONS', url: '/trpc/probe.echo', headers: { origin, 'access-control-request-method': 'POST' } }, [corsNative, corsOfficial]);
    } finally {
      await corsNative.server.close();
      await corsOfficial.server.close();
    }
  });

  it('keeps the 32 MiB body limit for tRPC', async () => {
    const big = 'x'.repeat(2 * 1024 * 1024);
    expect((await same({ method: 'POST', url: '/trpc/probe.echo', headers: json, body: JSON.stringify({ name: big, count: 1 }) })).statusCode).toBe(200);
  });
});
