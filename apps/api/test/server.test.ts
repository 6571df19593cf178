import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initTRPC } from '@trpc/server';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createDatabase, createLogger, mergeRouters, publicProcedure, router, type PgBoss } from '@ubos/platform';
import { createTestDatabase, testConfig, testRedisUrl, type TestDatabase } from '@ubos/platform/testing';
import { appRouter } from '../src/router.ts';
import { buildOpsServer, buildServer, UndeclaredProceduresError, type Server } from '../src/server.ts';
import type { BossHandle } from '../src/readiness.ts';
import { startTestBoss, testRedis, testServer } from './helpers.ts';

/** The real app router plus two probe procedures the host tests call. */
const probeRouter = mergeRouters(
  appRouter,
  router({
    hostProbe: router({
      echo: publicProcedure
        .input(z.object({ name: z.string().min(2), count: z.number().int() }))
        .mutation(({ input }) => ({ greeting: `hello ${input.name}`, count: input.count })),
      explode: publicProcedure.query(() => {
        throw new Error('connection string postgres://secret@db leaked');
      }),
    }),
  }),
);

let testDb: TestDatabase;
let boss: PgBoss;
let bossHandle: BossHandle;
let server: Server;

beforeAll(async () => {
  testDb = await createTestDatabase();
  ({ boss, handle: bossHandle } = await startTestBoss(testDb.appUrl));
  server = await testServer({ db: testDb.db, boss: bossHandle, router: probeRouter, opsRoutes: true });
});

afterAll(async () => {
  await server?.close();
  await boss?.stop({ graceful: false, close: true });
  await testDb?.drop();
});

describe('the public port and the operations port', () => {
  it('keeps /ready and /metrics off the public port; /health stays public', async () => {
    const publicServer = await testServer({ db: testDb.db, boss: bossHandle });
    try {
      expect((await publicServer.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
      expect((await publicServer.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(404);
      expect((await publicServer.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
    } finally {
      await publicServer.close();
    }
  });

  it('the operations server answers /health, /ready and /metrics and nothing else', async () => {
    const ops = await buildOpsServer({ config: testConfig(), log: createLogger({ level: 'silent' }), db: testDb.db, redis: null, boss: bossHandle });
    try {
      expect((await ops.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
      expect((await ops.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
      expect((await ops.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
      expect((await ops.inject({ method: 'GET', url: '/trpc/identity.auth.me' })).statusCode).toBe(404);
    } finally {
      await ops.close();
    }
  });
});

describe('health and readiness', () => {
  it('/health answers 200 while the process is alive', async () => {
    const response = await server.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: 'ok' });
  });

  it('/ready answers 200 when Postgres (as ubos_app) and pg-boss answer', async () => {
    const response = await server.inject({ method: 'GET', url: '/ready' });
    expect(response.statusCode).toBe(200);
    const body = response.json<{ status: string; checks: Record<string, { ok: boolean }> }>();
    expect(body.status).toBe('ready');
    expect(Object.keys(body.checks).sort()).toEqual(['pgBoss', 'postgres']);
    expect(body.checks.postgres?.ok).toBe(true);
    expect(body.checks.pgBoss?.ok).toBe(true);
  });

  it('/ready also pings Redis when REDIS_URL is configured', async () => {
    const redis = testRedis();
    const withRedis = await testServer({ db: testDb.db, boss: bossHandle, redis, config: { REDIS_URL: testRedisUrl() }, opsRoutes: true });
    try {
      const response = await withRedis.inject({ method: 'GET', url: '/ready' });
      expect(response.statusCode).toBe(200);
      expect(response.json<{ checks: Record<string, { ok: boolean }> }>().checks.redis).toMatchObject({ ok: true });
    } finally {
      await withRedis.close();
      await redis.quit();
    }
  });

  it('/ready answers 503 with details when the database is unreachable', async () => {
    const unreachable = createDatabase({ connectionString: 'postgres://ubos_app:x@127.0.0.1:1/ubos', max: 1 });
    const broken = await testServer({ db: unreachable, boss: bossHandle, opsRoutes: true });
    try {
      const response = await broken.inject({ method: 'GET', url: '/ready' });
      expect(response.statusCode).toBe(503);
      const body = response.json<{ status: string; checks: Record<string, { ok: boolean; error?: string }> }>();
      expect(body.status).toBe('unavailable');
      expect(body.checks.postgres?.ok).toBe(false);
      expect(body.checks.postgres?.error).toBeTruthy();
      expect(body.checks.pgBoss?.ok).toBe(true);
      // Liveness is not readiness: the process is still alive.
      expect((await broken.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    } finally {
      await broken.close();
      await unreachable.close();
    }
  });

  it('/ready checks Postgres on its own connection: a saturated runtime pool does not make it fail', async () => {
    const saturated = createDatabase({ connectionString: testDb.appUrl, max: 1 });
    const readinessDb = createDatabase({ connectionString: testDb.appUrl, max: 1 });
    const held = await saturated.pool.connect();
    const deps = { config: testConfig(), log: createLogger({ level: 'silent' }), db: saturated, redis: null, boss: bossHandle };
    const separate = await buildOpsServer({ ...deps, readinessDb });
    const shared = await buildOpsServer(deps);
    try {
      const answer = await separate.inject({ method: 'GET', url: '/ready' });
      expect(answer.statusCode).toBe(200);
      // The same probe through the saturated pool waits behind it and gives up: what the separate connection avoids.
      const starved = await shared.inject({ method: 'GET', url: '/ready' });
      expect(starved.statusCode).toBe(503);
      expect(starved.json<{ checks: { postgres: { error: string } } }>().checks.postgres.error).toMatch(/did not answer/);
    } finally {
      held.release();
      await separate.close();
      await shared.close();
      await saturated.close();
      await readinessDb.close();
    }
  });

  it('/ready answers 503 once pg-boss has stopped', async () => {
    const second = await startTestBoss(testDb.appUrl);
    const withStoppedBoss = await testServer({ db: testDb.db, boss: second.handle, opsRoutes: true });
    try {
      await second.boss.stop({ graceful: false, close: true });
      const response = await withStoppedBoss.inject({ method: 'GET', url: '/ready' });
      expect(response.statusCode).toBe(503);
      expect(response.json<{ checks: Record<string, { ok: boolean }> }>().checks.pgBoss?.ok).toBe(false);
    } finally {
      await withStoppedBoss.close();
    }
  });
});

describe('tRPC over HTTP', () => {
  it('answers a valid call', async () => {
    const response = await server.inject({
      method: 'POST',
      url: '/trpc/hostProbe.echo',
      payload: { name: 'Ada', count: 2 },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ result: { data: { greeting: 'hello Ada', count: 2 } } });
  });

  it('turns bad input into HTTP 400 with zodIssues naming each field', async () => {
    const response = await server.inject({
      method: 'POST',
      url: '/trpc/hostProbe.echo',
      payload: { name: 'A', count: 'two' },
    });
    expect(response.statusCode).toBe(400);
    const body = response.json<{
      error: { code: string; message: string; data: { code: string; zodIssues: { path: string[]; code: string; message: string }[] } };
    }>();
    expect(body.error.data.code).toBe('BAD_REQUEST');
    expect(body.error.data.zodIssues.map((issue) => issue.path.join('.')).sort()).toEqual(['count', 'name']);
    // In words, for a person, beside the machine-readable path and code (not zod's JSON dump).
    expect(body.error.data.zodIssues.map((issue) => [issue.code, issue.message]).sort()).toEqual([
      ['invalid_type', 'Count must be a number'],
      ['too_small', 'Use at least 2 characters'],
    ]);
    expect(body.error.message).toBe('Name: Use at least 2 characters; Count must be a number.');
  });

  it('answers an unexpected error with a generic 500: no message, no stack', async () => {
    const response = await server.inject({ method: 'GET', url: '/trpc/hostProbe.explode' });
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('secret');
    expect(response.body).not.toContain('stack');
    expect(response.body).not.toMatch(/\.ts:\d+/);
    expect(response.json<{ error: { message: string } }>().error.message).toBe('Internal server error');
  });

  it('answers an unknown procedure with 404', async () => {
    const response = await server.inject({ method: 'GET', url: '/trpc/hostProbe.nothing' });
    expect(response.statusCode).toBe(404);
  });

  it('accepts batched calls with long paths (maxParamLength)', async () => {
    const paths = Array.from({ length: 60 }, () => 'hostProbe.echo').join(',');
    const input: Record<string, { name: string; count: number }> = {};
    for (let index = 0; index < 60; index += 1) input[index] = { name: `n${index}`, count: index };
    const response = await server.inject({ method: 'POST', url: `/trpc/${paths}?batch=1`, payload: input });
    expect(response.statusCode).toBe(200);
    expect(response.json<unknown[]>()).toHaveLength(60);
  });

  it('accepts tRPC bodies above the 1 MiB default (up to 32 MiB) but not other routes', async () => {
    const big = 'x'.repeat(2 * 1024 * 1024);
    const trpc = await server.inject({ method: 'POST', url: '/trpc/hostProbe.echo', payload: { name: big, count: 1 } });
    expect(trpc.statusCode).toBe(200);
    const elsewhere = await server.inject({
      method: 'POST',
      url: '/health',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ big }),
    });
    expect(elsewhere.statusCode).toBe(413);
  });
});

describe('metrics', () => {
  it('exposes per-procedure counters, latency, pool gauges and process metrics', async () => {
    await server.inject({ method: 'POST', url: '/trpc/hostProbe.echo', payload: { name: 'Metrics', count: 1 } });
    const response = await server.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    expect(response.body).toMatch(/ubos_trpc_calls_total\{path="hostProbe\.echo",type="mutation",code="OK"\} [1-9]/);
    expect(response.body).toMatch(/ubos_trpc_duration_seconds_count\{path="hostProbe\.echo",type="mutation"\} [1-9]/);
    expect(response.body).toMatch(/ubos_db_pool_connections_total\{pool="app"\} \d+/);
    expect(response.body).toMatch(/ubos_db_pool_connections_idle\{pool="app"\} \d+/);
    expect(response.body).toMatch(/ubos_db_pool_clients_waiting\{pool="app"\} \d+/);
    expect(response.body).toContain('ubos_process_cpu_seconds_total');
  });
});

describe('HTTP hygiene', () => {
  it('sends helmet headers with a CSP that allows the SPA’s own scripts and styles', async () => {
    const response = await server.inject({ method: 'GET', url: '/health' });
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.headers['strict-transport-security']).toBeDefined();
    expect(response.headers['x-powered-by']).toBeUndefined();
    expect(response.headers['permissions-policy']).toContain('camera=()');
  });

  it('marks every tRPC answer Cache-Control: no-store', async () => {
    const response = await server.inject({ method: 'GET', url: '/trpc/identity.auth.me' });
    expect(response.statusCode).toBe(401);
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('echoes a well-formed (uuid) x-request-id and generates one otherwise', async () => {
    const id = '0190f5a2-7c1e-7d3a-9b2f-1a2b3c4d5e6f';
    const echoed = await server.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': id } });
    expect(echoed.headers['x-request-id']).toBe(id);
    const plain = await server.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'req-abc.123' } });
    expect(plain.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
    const generated = await server.inject({ method: 'GET', url: '/health' });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
    const hostile = await server.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'evil\nid with spaces' } });
    expect(hostile.headers['x-request-id']).not.toContain('evil');
  });

  it('answers CORS preflights only for configured origins, with credentials', async () => {
    const cors = await testServer({ db: testDb.db, boss: bossHandle, config: { CORS_ORIGINS: ['https://app.example.com'] } });
    try {
      const allowed = await cors.inject({
        method: 'OPTIONS',
        url: '/trpc/hostProbe.echo',
        headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
      });
      expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com');
      expect(allowed.headers['access-control-allow-credentials']).toBe('true');
      const other = await cors.inject({
        method: 'OPTIONS',
        url: '/trpc/hostProbe.echo',
        headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' },
      });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await cors.close();
    }
  });

  it('answers unknown API paths with a JSON 404', async () => {
    const response = await server.inject({ method: 'GET', url: '/api/nothing' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: 'Not Found' });
  });
});

describe('rate limiting', () => {
  it('answers 429 past RATE_LIMIT_MAX per minute per IP, exempting /health and /ready (memory store)', async () => {
    const limited = await testServer({ db: testDb.db, boss: bossHandle, router: probeRouter, config: { RATE_LIMIT_MAX: 3 }, opsRoutes: true });
    try {
      const codes: number[] = [];
      for (let index = 0; index < 5; index += 1) {
        codes.push((await limited.inject({ method: 'GET', url: '/metrics', remoteAddress: '10.1.1.1' })).statusCode);
      }
      expect(codes).toEqual([200, 200, 200, 429, 429]);
      // Another client is not affected.
      expect((await limited.inject({ method: 'GET', url: '/metrics', remoteAddress: '10.1.1.2' })).statusCode).toBe(200);
      for (let index = 0; index < 6; index += 1) {
        expect((await limited.inject({ method: 'GET', url: '/health', remoteAddress: '10.1.1.1' })).statusCode).toBe(200);
        expect((await limited.inject({ method: 'GET', url: '/ready', remoteAddress: '10.1.1.1' })).statusCode).toBe(200);
      }
    } finally {
      await limited.close();
    }
  });

  it('keeps the counters in Redis when REDIS_URL is configured', async () => {
    const redis: Redis = testRedis();
    const limited = await testServer({
      db: testDb.db,
      boss: bossHandle,
      redis,
      config: { RATE_LIMIT_MAX: 2, REDIS_URL: testRedisUrl() },
      opsRoutes: true,
    });
    // A unique client address: the Redis server is shared with other test runs.
    const ip = `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
    try {
      const codes: number[] = [];
      for (let index = 0; index < 3; index += 1) {
        codes.push((await limited.inject({ method: 'GET', url: '/metrics', remoteAddress: ip })).statusCode);
      }
      expect(codes).toEqual([200, 200, 429]);
      const keys = await redis.keys(`ubos:http-rl:*${ip}`);
      expect(keys.length).toBeGreaterThan(0);
      await redis.del(...keys);
    } finally {
      await limited.close();
      await redis.quit();
    }
  });
});

describe('boot guard', () => {
  it('refuses to boot when a procedure declares no permission', async () => {
    const t = initTRPC.create();
    const undeclared = t.router({ sneaky: t.procedure.query(() => 'open to all') });
    await expect(testServer({ db: testDb.db, boss: bossHandle, router: undeclared })).rejects.toThrow(UndeclaredProceduresError);
    await expect(testServer({ db: testDb.db, boss: bossHandle, router: undeclared })).rejects.toThrow(/sneaky: no permission declared/);
  });
});

describe('web app', () => {
  let webDir: string;
  let web: Server;

  beforeAll(async () => {
    webDir = await mkdtemp(path.join(tmpdir(), 'ubos-web-'));
    await mkdir(path.join(webDir, 'assets'));
    await writeFile(path.join(webDir, 'index.html'), '<!doctype html><div id="root"></div><script type="module" src="/assets/app-1.js"></script>');
    await writeFile(path.join(webDir, 'assets', 'app-1.js'), 'console.log("ubos")');
    web = await testServer({ db: testDb.db, boss: bossHandle, router: probeRouter, config: { WEB_DIST_DIR: webDir } });
  });

  afterAll(async () => {
    await web?.close();
    await rm(webDir, { recursive: true, force: true });
  });

  it('serves index.html at / and for client-side routes, and hashed assets as immutable', async () => {
    const root = await web.inject({ method: 'GET', url: '/' });
    expect(root.statusCode).toBe(200);
    expect(root.headers['content-type']).toContain('text/html');
    expect(root.body).toContain('<div id="root">');

    const deepLink = await web.inject({ method: 'GET', url: '/clients/123/projects?tab=files' });
    expect(deepLink.statusCode).toBe(200);
    expect(deepLink.body).toContain('<div id="root">');
    expect(deepLink.headers['cache-control']).toBe('no-cache');

    const asset = await web.inject({ method: 'GET', url: '/assets/app-1.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.body).toContain('console.log');
    expect(asset.headers['cache-control']).toContain('immutable');
  });

  it('never answers API paths or non-GET requests with the SPA', async () => {
    const api = await web.inject({ method: 'GET', url: '/trpc/hostProbe.nothing' });
    expect(api.statusCode).toBe(404);
    expect(api.headers['content-type']).toContain('application/json');
    const post = await web.inject({ method: 'POST', url: '/clients' });
    expect(post.statusCode).toBe(404);
    expect(post.body).not.toContain('<div id="root">');
  });
});

describe('correlation ids from headers', () => {
  it('keeps a uuid x-correlation-id and replaces anything else before it reaches logs or events', async () => {
    const lines: { correlationId?: string; msg?: string }[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const logged = await buildServer({
      config: testConfig({ WEB_DIST_DIR: '/nonexistent/ubos-web-dist' }),
      // Per-request lines are debug-level.
      log: createLogger({ level: 'debug', destination: sink }),
      db: testDb.db,
      redis: null,
      boss: bossHandle,
    });
    try {
      const id = '0190f5a2-7c1e-7d3a-9b2f-0000000000aa';
      await logged.inject({ method: 'GET', url: '/api/nothing', headers: { 'x-correlation-id': id } });
      await logged.inject({ method: 'GET', url: '/api/nothing', headers: { 'x-correlation-id': 'forged; drop table' } });
      const ids = lines.map((line) => line.correlationId).filter((value): value is string => typeof value === 'string');
      expect(ids).toContain(id);
      expect(ids.some((value) => value.includes('forged'))).toBe(false);
      for (const value of ids) expect(value).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    } finally {
      await logged.close();
    }
  });
});

describe('cross-site requests to tRPC', () => {
  const signUp = (headers: Record<string, string>, email: string) =>
    server.inject({
      method: 'POST',
      url: '/trpc/identity.auth.signUp',
      headers: { host: 'app.example.test', ...headers },
      payload: { email, password: 'cross site password', name: 'Cross', organizationName: 'Cross Org' },
    });

  it('refuses a POST whose Origin is another site, before it runs', async () => {
    const response = await signUp({ origin: 'http://evil.example' }, 'evil-origin@cross.test');
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ message: expect.stringMatching(/another site/) });
    const users = await server.inject({
      method: 'POST',
      url: '/trpc/identity.auth.login',
      payload: { email: 'evil-origin@cross.test', password: 'cross site password' },
    });
    expect(users.statusCode).toBe(401);
  });

  it('refuses Sec-Fetch-Site cross-site without an Origin, and a non-JSON body (form posts)', async () => {
    expect((await signUp({ 'sec-fetch-site': 'cross-site' }, 'fetch-site@cross.test')).statusCode).toBe(403);
    const form = await server.inject({
      method: 'POST',
      url: '/trpc/identity.auth.logout',
      headers: { host: 'app.example.test', 'content-type': 'multipart/form-data; boundary=x' },
      payload: '--x--',
    });
    expect(form.statusCode).toBe(415);
    const plain = await server.inject({ method: 'POST', url: '/trpc/identity.auth.logout', headers: { 'content-type': 'text/plain' }, payload: '{}' });
    expect(plain.statusCode).toBe(415);
  });

  it('accepts the app itself (same host), a configured CORS origin, and non-browser callers (no Origin, no Sec-Fetch-Site)', async () => {
    expect((await signUp({ origin: 'http://app.example.test', 'sec-fetch-site': 'same-origin' }, 'same@cross.test')).statusCode).toBe(200);
    expect((await signUp({}, 'typed-client@cross.test')).statusCode).toBe(200);
    const cors = await testServer({ db: testDb.db, boss: bossHandle, config: { CORS_ORIGINS: ['https://admin.example.com'] } });
    try {
      const response = await cors.inject({
        method: 'POST',
        url: '/trpc/identity.auth.signUp',
        headers: { origin: 'https://admin.example.com', 'sec-fetch-site': 'cross-site' },
        payload: { email: 'cors@cross.test', password: 'cross site password', name: 'Cors', organizationName: 'Cors Org' },
      });
      expect(response.statusCode).toBe(200);
    } finally {
      await cors.close();
    }
  });
});
