import { Redis } from 'ioredis';
import { createBoss, createLogger, type AnyRouter, type Config, type Database, type DomainModule, type DomainRuntime, type PgBoss } from '@ubos/platform';
import { testConfig, testRedisUrl } from '@ubos/platform/testing';
import { buildServer, type Server } from '../src/server.ts';
import { trackBoss, type BossHandle } from '../src/readiness.ts';

/** A started pg-boss as ubos_app on a test database (no maintenance, like an api-role process). */
export async function startTestBoss(appUrl: string): Promise<{ boss: PgBoss; handle: BossHandle }> {
  const boss = createBoss({ connectionString: appUrl, supervise: false, schedule: false, max: 2 });
  boss.on('error', () => undefined);
  const handle = trackBoss(boss);
  await boss.start();
  handle.markStarted();
  return { boss, handle };
}

export function testRedis(): Redis {
  return new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
}

export interface TestServerOptions {
  db: Database;
  boss: BossHandle | null;
  redis?: Redis | null;
  router?: AnyRouter;
  /** The host's module list (default: modules.ts) and runtime (default: built from them, no event admin). */
  modules?: readonly DomainModule[];
  runtime?: DomainRuntime;
  config?: Partial<Config>;
  /** Also serve /ready and /metrics (what the operations server does). */
  opsRoutes?: boolean;
}

/** The real host (plugins, tRPC, health) over a test database, driven with inject(). */
export async function testServer(options: TestServerOptions): Promise<Server> {
  const config = testConfig({ RATE_LIMIT_MAX: 10_000, WEB_DIST_DIR: '/nonexistent/ubos-web-dist', ...options.config });
  const server = await buildServer({
    config,
    log: createLogger({ level: 'silent' }),
    db: options.db,
    redis: options.redis ?? null,
    boss: options.boss,
    ...(options.router ? { router: options.router } : {}),
    ...(options.modules ? { modules: options.modules } : {}),
    ...(options.runtime ? { runtime: options.runtime } : {}),
    ...(options.opsRoutes ? { opsRoutes: true } : {}),
  });
  await server.ready();
  return server;
}

/** The cookies of a response, parsed into name -> attribute string (lower-case attribute names). */
export function setCookies(header: string | string[] | number | undefined): Map<string, { value: string; attributes: string[] }> {
  const lines = header === undefined ? [] : Array.isArray(header) ? header : [String(header)];
  const cookies = new Map<string, { value: string; attributes: string[] }>();
  for (const line of lines) {
    const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
    const index = pair.indexOf('=');
    cookies.set(pair.slice(0, index), { value: pair.slice(index + 1), attributes: attributes.map((attribute) => attribute.toLowerCase()) });
  }
  return cookies;
}
