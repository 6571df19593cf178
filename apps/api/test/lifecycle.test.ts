import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, publicProcedure, router } from '@ubos/platform';
import { createTestDatabase, testConfig, testRedisUrl, type TestDatabase } from '@ubos/platform/testing';
import { startApp } from '../src/app.ts';
import { createShutdownHandler } from '../src/shutdown.ts';

/** Process lifecycle against a real database: roles, listening, graceful drain, shutdown timing. */

const silent = createLogger({ level: process.env.DEBUG_LIFECYCLE ? 'debug' : 'silent' });
let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase();
});

afterAll(async () => {
  await testDb?.drop();
});

function configFor(overrides: Parameters<typeof testConfig>[0] = {}) {
  return testConfig({
    DATABASE_URL: testDb.ownerUrl,
    DATABASE_APP_URL: testDb.appUrl,
    HOST: '127.0.0.1',
    PORT: 0,
    WEB_DIST_DIR: '/nonexistent/ubos-web-dist',
    SHUTDOWN_TIMEOUT_MS: 5_000,
    ...overrides,
  });
}

describe('startApp', () => {
  it('serves, then drains an in-flight request before closing pools on stop()', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered: () => void = () => undefined;
    const inFlight = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const slowRouter = router({
      slow: publicProcedure.query(async () => {
        entered();
        await gate;
        return 'finished';
      }),
    });
    const app = await startApp({ config: configFor(), log: silent, router: slowRouter });
    expect(app.role).toBe('all');
    expect(app.embedded).toBe(false);
    const base = app.address ?? '';
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const slow = fetch(`${base}/trpc/slow`).then(async (response) => ({ status: response.status, body: await response.text() }));
    await inFlight;
    const stopping = app.stop();
    // Stop waits for the request: let it finish now.
    await new Promise((resolve) => setTimeout(resolve, 100));
    release();
    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('finished');
    await stopping;

    await expect(fetch(`${base}/health`)).rejects.toThrow();
    expect(app.db.pool.ended).toBe(true);
    // Idempotent.
    await app.stop();
  });

  it('serves only probes and metrics in a worker process', async () => {
    const app = await startApp({ config: configFor({ MIGRATE_ON_START: false }), log: silent, role: 'worker' });
    try {
      expect(app.role).toBe('worker');
      const base = app.address ?? '';
      expect((await fetch(`${base}/health`)).status).toBe(200);
      expect((await fetch(`${base}/ready`)).status).toBe(200);
      expect((await fetch(`${base}/metrics`)).status).toBe(200);
      expect(app.opsAddress).toBe(app.address);
      expect((await fetch(`${base}/trpc/identity.auth.me`)).status).toBe(404);
      const result = await app.db.pool.query<{ user: string }>('select current_user as user');
      expect(result.rows[0]?.user).toBe('ubos_app');
    } finally {
      await app.stop();
    }
  });

  it('fails to start when the database is unreachable', async () => {
    const config = configFor({ DATABASE_URL: 'postgres://ubos_owner@127.0.0.1:1/ubos', DATABASE_APP_URL: 'postgres://ubos_app@127.0.0.1:1/ubos' });
    await expect(startApp({ config, log: silent })).rejects.toThrow();
  });
});

describe('shutdown handler', () => {
  it('exits 0 after a clean stop', async () => {
    const codes: number[] = [];
    const done = new Promise<void>((resolve) => {
      const handler = createShutdownHandler({
        log: silent,
        timeoutMs: 1_000,
        stop: async () => undefined,
        exit: (code) => {
          codes.push(code);
          resolve();
        },
      });
      handler('SIGTERM');
    });
    await done;
    expect(codes).toEqual([0]);
  });

  it('forces exit 1 when stop outlives the timeout', async () => {
    const codes: number[] = [];
    const started = Date.now();
    await new Promise<void>((resolve) => {
      createShutdownHandler({
        log: silent,
        timeoutMs: 200,
        stop: () => new Promise<void>(() => undefined),
        exit: (code) => {
          codes.push(code);
          resolve();
        },
      })('SIGTERM');
    });
    expect(codes).toEqual([1]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('ignores a duplicate signal within a second but honours a later one', () => {
    let clock = 1_000;
    const codes: number[] = [];
    const handler = createShutdownHandler({
      log: silent,
      timeoutMs: 60_000,
      stop: () => new Promise<void>(() => undefined),
      exit: (code) => codes.push(code),
      now: () => clock,
    });
    handler('SIGINT');
    clock += 200;
    handler('SIGTERM');
    expect(codes).toEqual([]);
    clock += 2_000;
    handler('SIGINT');
    expect(codes).toEqual([1]);
  });
});

describe('startApp with Redis', () => {
  it('fails clearly when REDIS_URL does not answer', async () => {
    const config = configFor({ MIGRATE_ON_START: false, REDIS_URL: 'redis://127.0.0.1:1' });
    await expect(startApp({ config, log: silent })).rejects.toThrow(/Redis at REDIS_URL did not answer/);
  });

  it('uses Redis for readiness when REDIS_URL answers', async () => {
    const app = await startApp({ config: configFor({ MIGRATE_ON_START: false, REDIS_URL: testRedisUrl() }), log: silent });
    try {
      const response = await fetch(`${app.opsAddress ?? ''}/ready`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { checks: Record<string, { ok: boolean }> };
      expect(Object.keys(body.checks).sort()).toEqual(['pgBoss', 'postgres', 'redis']);
    } finally {
      await app.stop();
    }
  });
});
