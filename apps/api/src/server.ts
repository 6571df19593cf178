import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import Fastify, {
  LogController,
  type FastifyError,
  type FastifyInstance,
  type FastifyRequest,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
  type preHandlerAsyncHookHandler,
} from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyCors from '@fastify/cors';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import { fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import type { Redis } from 'ioredis';
import {
  DomainError,
  MemoryCache,
  MemoryRateLimiter,
  RedisCache,
  blobOrigins,
  RedisRateLimiter,
  SpanKind,
  startSpan,
  tracingEnabled,
  createDomainRuntime,
  isSecureCookie,
  LocalBlobStore,
  uuidv7,
  type AnyRouter,
  type Cache,
  type Config,
  type Database,
  type DomainModule,
  type DomainRuntime,
  type KernelServices,
  type Logger,
  type OpenSpan,
  type RateLimiter,
  type WebhookTargetResolver,
} from '@ubos/platform';
import { assertBootable } from './boot-checks.ts';
import { modules as allModules } from './modules.ts';
import { appRouter } from './router.ts';
import { createContextFactory, isWellFormedId } from './context.ts';
import { observePool, renderMetrics } from './metrics.ts';
import { checkReadiness, readinessChecks, type BossHandle } from './readiness.ts';
import { resolveFromRoot } from './paths.ts';
import { trpcHttpPlugin, type TrpcHttpOptions } from './trpc-http.ts';
import { oauthCallbackRoutes } from './routes/oauth-callback.ts';
import { registryWebhookTargets, webhookRoutes } from './routes/webhooks.ts';
import { blobRoutes } from './routes/blobs.ts';
import { openApiDocument, referencePage } from './openapi.ts';

/** Batched tRPC calls and document uploads can be large; everything else stays at Fastify's 1 MiB. */
export const TRPC_BODY_LIMIT = 32 * 1024 * 1024;
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** Browser features the app never uses, switched off for every page it serves. */
const PERMISSIONS_POLICY = 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), interest-cohort=()';

/** Paths that never fall back to the SPA's index.html. */
const API_PREFIXES = ['/trpc', '/health', '/ready', '/metrics', '/api', '/blobs', '/webhooks'];

export interface ServerDeps {
  config: Config;
  log: Logger;
  /** Runtime pool, connected as ubos_app. */
  db: Database;
  redis: Redis | null;
  /** null when this process runs no pg-boss (the /ready check is then skipped). */
  boss: BossHandle | null;
  /** Defaults to the composed appRouter; tests pass their own. */
  router?: AnyRouter;
  /** The modules the host composes (default: the one module list in modules.ts). */
  modules?: readonly DomainModule[];
  /**
   * What every request's Context carries (permission catalog, action registry, event admin), built
   * once by the host from the module list (app.ts, with this process's pg-boss). Omitted (tests):
   * built here from `modules` without event admin (events: null).
   */
  runtime?: DomainRuntime;
  /** The kernel services of the runtime built here when `runtime` is omitted (tests: a LocalBlobStore in a temp dir). */
  services?: KernelServices;
  /** Only probes (no tRPC, no web app): the operations server. */
  probesOnly?: boolean;
  /**
   * Serve /ready and /metrics (they expose queue stats, versions and per-procedure counts): only
   * the internal operations server does (buildOpsServer, METRICS_HOST:METRICS_PORT); the public
   * port keeps /health alone.
   */
  opsRoutes?: boolean;
  /**
   * The pool /ready checks Postgres through: its own single connection in the host (app.ts), so a
   * saturated runtime pool does not make the probe wait behind requests (default: `db`).
   */
  readinessDb?: Database;
  cache?: Cache;
  rateLimiter?: RateLimiter;
  /**
   * 'native' (default): plain JSON calls through trpc-http.ts, the rest through tRPC's fetch adapter.
   * 'official': every call through @trpc/server's fastifyTRPCPlugin (the comparison test's reference).
   */
  trpcAdapter?: 'native' | 'official';
  /** Who a webhook URL's connection is (default: the connections registry; null: webhooks answer 404). */
  webhookTargets?: WebhookTargetResolver | null;
}

export { UndeclaredProceduresError, UndeclaredSubscriptionsError } from './boot-checks.ts';

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function contentSecurityPolicy(config: Config): Record<string, string[] | null> {
  // An S3 store's presigned URLs: uploads (XHR) and previews (img, iframe) go there directly.
  const blobs = blobOrigins(config);
  return {
    defaultSrc: ["'self'"],
    baseUri: ["'self'"],
    connectSrc: ["'self'", ...blobs],
    fontSrc: ["'self'", 'data:'],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    frameSrc: ["'self'", ...blobs],
    imgSrc: ["'self'", 'data:', 'blob:', ...blobs],
    objectSrc: ["'none'"],
    scriptSrc: ["'self'"],
    scriptSrcAttr: ["'none'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    // Only behind TLS: on plain http (embedded default on a LAN) it would break every asset.
    upgradeInsecureRequests: isSecureCookie(config) ? [] : null,
  };
}

/**
 * State-changing tRPC calls (POST) from a browser must come from the app itself (§7): an `Origin`
 * that is neither this host nor a configured CORS origin, or `Sec-Fetch-Site: cross-site` without
 * an allowed Origin, is refused, and the body must be JSON (a form post cannot send it cross-site
 * without a preflight). A caller that sends neither Origin nor Sec-Fetch-Site is not a browser
 * (the typed client, scripts): it carries no ambient browser authority, so there is nothing to forge.
 */
export function crossSiteGuard(config: Config): (request: FastifyRequest) => { status: number; error: string; message: string } | null {
  const allowed = new Set(config.CORS_ORIGINS);
  return (request) => {
    if (request.method !== 'POST') return null;
    const origin = headerValue(request.headers.origin);
    const fetchSite = headerValue(request.headers['sec-fetch-site']);
    const forbidden = { status: 403, error: 'Forbidden', message: 'This request came from another site and was refused. Use the app at its own address.' };
    if (origin !== undefined) {
      if (!allowed.has(origin) && !sameHost(origin, request.host)) return forbidden;
    } else if (fetchSite === 'cross-site' || fetchSite === 'same-site') {
      return forbidden;
    }
    const contentType = headerValue(request.headers['content-type'])?.split(';')[0]?.trim().toLowerCase();
    if (contentType !== 'application/json') {
      return { status: 415, error: 'Unsupported Media Type', message: 'Send the request body as JSON (Content-Type: application/json).' };
    }
    return null;
  };
}

function sameHost(origin: string, host: string): boolean {
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/** Fastify typed with the kernel's pino logger. */
export type Server = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, Logger>;

function createFastify(deps: ServerDeps): Server {
  return Fastify({
    loggerInstance: deps.log,
    // Per-request lines are debug-level (the onResponse hook in buildServer): at info a terminal
    // filled with two JSON lines per request.
    logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: true }),
    requestIdHeader: false,
    genReqId(request) {
      const incoming = headerValue(request.headers['x-request-id']);
      return incoming && isWellFormedId(incoming) ? incoming : uuidv7();
    },
    childLoggerFactory(logger, bindings, options, rawRequest) {
      const incoming = headerValue(rawRequest.headers['x-correlation-id']);
      const correlationId = incoming && isWellFormedId(incoming) ? incoming : bindings.requestId;
      // Fastify passes {} when the route sets no log level or serializers; pino's child() takes a
      // cheaper path without an options object.
      return logger.child({ ...bindings, correlationId }, Object.keys(options).length > 0 ? options : undefined);
    },
    // Batched tRPC calls put every procedure path in one URL segment.
    routerOptions: { maxParamLength: 5000 },
    bodyLimit: DEFAULT_BODY_LIMIT,
    trustProxy: deps.config.TRUST_PROXY,
  });
}

/**
 * Builds the HTTP host: security plugins, tRPC at /trpc, health/readiness/metrics and the SPA.
 * It does not listen; the caller decides (listen() in main, inject() in tests).
 */
export async function buildServer(deps: ServerDeps): Promise<Server> {
  const { config } = deps;
  const router = deps.router ?? appRouter;
  const modules = deps.modules ?? allModules;
  const runtime = deps.runtime ?? createDomainRuntime(modules, null, deps.services ?? {});
  // startApp checked before touching the database; a server built directly (tests, tools) is checked here.
  assertBootable({ router, modules, permissions: runtime.permissions });

  const cache = deps.cache ?? (deps.redis ? new RedisCache(deps.redis) : new MemoryCache());
  const rateLimiter = deps.rateLimiter ?? (deps.redis ? new RedisRateLimiter(deps.redis) : new MemoryRateLimiter());

  const app = createFastify(deps);
  const stopObservingPool = observePool('app', deps.db.pool);
  app.addHook('onClose', async () => stopObservingPool());

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    reply.header('permissions-policy', PERMISSIONS_POLICY);
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.debug(
      { method: request.method, url: request.url.split('?')[0], statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request completed',
    );
  });

  // One server span per request when tracing is on: the rest of the request (hooks, procedures, SQL,
  // outbox writes) runs in its context. Nothing is registered when tracing is off.
  if (tracingEnabled()) {
    const spans = new WeakMap<object, OpenSpan>();
    app.addHook('onRequest', (request, _reply, done) => {
      const span = startSpan(
        `HTTP ${request.method}`,
        { 'http.request.method': request.method, 'url.path': request.url.split('?')[0] ?? '', 'ubos.request_id': request.id },
        SpanKind.SERVER,
      );
      if (!span) return done();
      spans.set(request, span);
      span.run(done);
    });
    app.addHook('onResponse', async (request, reply) => {
      const span = spans.get(request);
      if (!span) return;
      span.setAttribute('http.response.status_code', reply.statusCode);
      span.end();
    });
  }

  // While closing, answer in-flight requests with `Connection: close` so keep-alive sockets
  // end with them and close() does not wait for the clients' idle timeouts.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });

  await app.register(fastifyCookie);
  await app.register(fastifyHelmet, {
    // Set by the hook below: @fastify/helmet rebuilds helmet(options) on every request, and
    // building the CSP (parsing and dashifying each directive) was nearly all of that work.
    contentSecurityPolicy: false,
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginEmbedderPolicy: false,
  });
  // @fastify/helmet re-exports helmet's contentSecurityPolicy on its default export (index.js); its
  // .d.ts declares it only on the `fastifyHelmet` named export's type.
  const { contentSecurityPolicy: buildContentSecurityPolicy } = fastifyHelmet as unknown as typeof fastifyHelmet.fastifyHelmet;
  const setContentSecurityPolicy = buildContentSecurityPolicy({ useDefaults: false, directives: contentSecurityPolicy(config) });
  app.addHook('onRequest', (request, reply, done) => {
    setContentSecurityPolicy(request.raw, reply.raw, (error?: Error) => done(error));
  });
  await app.register(fastifyCors, {
    origin: config.CORS_ORIGINS.length > 0 ? config.CORS_ORIGINS : false,
    credentials: true,
    exposedHeaders: ['x-request-id'],
  });
  await app.register(fastifyRateLimit, {
    global: true,
    max: config.RATE_LIMIT_MAX,
    timeWindow: 60_000,
    ...(deps.redis ? { redis: deps.redis, nameSpace: 'ubos:http-rl:' } : {}),
    // A Redis outage must not take the API down with it.
    skipOnError: true,
    keyGenerator: (request) => request.ip,
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.status(status).send({ error: 'Internal Server Error', message: 'Internal server error', requestId: request.id });
    }
    return reply.status(status).send({ error: error.code ?? 'Error', message: error.message, requestId: request.id });
  });

  if (!deps.probesOnly) {
    await app.register(
      async (scope) => {
        const retryAfter = new WeakMap<object, number>();
        const refuseCrossSite = crossSiteGuard(config);
        scope.addHook('onRequest', async (request, reply) => {
          const refusal = refuseCrossSite(request);
          if (refusal) return reply.status(refusal.status).send({ error: refusal.error, message: refusal.message, requestId: request.id });
        });
        scope.addHook('onRoute', (route) => {
          route.bodyLimit = TRPC_BODY_LIMIT;
        });
        const options: TrpcHttpOptions = {
          router,
          createContext: createContextFactory({ config, log: deps.log, db: deps.db, cache, rateLimiter, runtime }),
          onError({ error, path, req }) {
            if (error.code === 'INTERNAL_SERVER_ERROR') req.log.error({ err: error.cause ?? error, path }, 'tRPC request failed');
            const retryAfterMs = error.cause instanceof DomainError ? error.cause.retryAfterMs : undefined;
            if (retryAfterMs !== undefined) retryAfter.set(req, Math.max(retryAfter.get(req) ?? 0, retryAfterMs));
          },
        };
        // A 429 says when to try again: the longest wait any call of the request was given.
        // API answers are never stored by browsers or proxies (they carry session data).
        scope.addHook('onSend', async (request, reply) => {
          reply.header('cache-control', 'no-store');
          const wait = retryAfter.get(request);
          if (wait !== undefined && reply.statusCode === 429) reply.header('retry-after', String(Math.max(1, Math.ceil(wait / 1000))));
        });
        if (deps.trpcAdapter === 'official') await scope.register(fastifyTRPCPlugin, { trpcOptions: options });
        // Fastify-native for plain JSON calls, the official fetch-path adapter for the rest (see trpc-http.ts).
        else await scope.register(trpcHttpPlugin, options);
      },
      { prefix: '/trpc' },
    );
  }

  // The local blob store's signed uploads and downloads (§7); an S3 store is reached directly.
  const blobs = runtime.services.blobs;
  if (!deps.probesOnly && blobs instanceof LocalBlobStore) await app.register(blobRoutes(blobs), { prefix: '/blobs' });
  // The OAuth connect flow's return address (§7).
  if (!deps.probesOnly) await app.register(oauthCallbackRoutes({ config, log: deps.log, db: deps.db, cache, rateLimiter, runtime }));
  if (!deps.probesOnly) {
    const targets = deps.webhookTargets === undefined ? registryWebhookTargets({ db: deps.db, config, log: deps.log }) : deps.webhookTargets;
    await app.register(webhookRoutes({ db: deps.db, targets }));
  }

  // The HTTP form of every procedure (OpenAPI 3.1) and its readable reference page, built once on first ask.
  if (!deps.probesOnly) {
    let document: Record<string, unknown> | null = null;
    let page: string | null = null;
    app.get('/api/openapi.json', async (_request, reply) => {
      document ??= openApiDocument(router, config.PUBLIC_URL ? { serverUrl: config.PUBLIC_URL } : {});
      return reply.header('cache-control', 'no-cache').send(document);
    });
    app.get('/api/docs', async (_request, reply) => {
      page ??= referencePage(router);
      return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(page);
    });
  }

  const startedAt = Date.now();
  // Probes run every few seconds: log them only when something is wrong.
  app.get('/health', { config: { rateLimit: false }, logLevel: 'warn' }, async () => ({
    status: 'ok',
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
  }));

  if (deps.opsRoutes) {
    const checks = readinessChecks({ db: deps.readinessDb ?? deps.db, boss: deps.boss, redis: deps.redis });
    app.get('/ready', { config: { rateLimit: false }, logLevel: 'warn' }, async (request, reply) => {
      const report = await checkReadiness(checks);
      if (!report.ok) request.log.warn({ checks: report.checks }, 'not ready');
      return reply.status(report.ok ? 200 : 503).send({ status: report.ok ? 'ready' : 'unavailable', checks: report.checks });
    });

    app.get('/metrics', { logLevel: 'warn' }, async (_request, reply) => {
      const metrics = await renderMetrics();
      return reply.type(metrics.contentType).send(metrics.body);
    });
  }

  if (deps.probesOnly) {
    app.setNotFoundHandler((_request, reply) =>
      reply.status(404).send({ error: 'Not Found', message: 'This is the operations port: only /health, /ready and /metrics' }),
    );
  } else {
    await registerSpa(app, resolveFromRoot(config.WEB_DIST_DIR), deps.log);
  }
  return app;
}

/** The internal operations server (METRICS_HOST:METRICS_PORT): /health, /ready and /metrics only. */
export function buildOpsServer(deps: Omit<ServerDeps, 'probesOnly' | 'opsRoutes'>): Promise<Server> {
  return buildServer({ ...deps, probesOnly: true, opsRoutes: true });
}

function isApiPath(url: string): boolean {
  const pathname = url.split('?')[0] ?? url;
  return API_PREFIXES.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));
}

/** Serves the built SPA when WEB_DIST_DIR holds an index.html; unknown non-API GETs get index.html. */
async function registerSpa(app: Server, root: string, log: Logger): Promise<void> {
  const hasSpa = existsSync(path.join(root, 'index.html')) && statSync(root).isDirectory();
  if (hasSpa) {
    await app.register(fastifyStatic, {
      root,
      prefix: '/',
      wildcard: false,
      index: ['index.html'],
      setHeaders(reply, filePath) {
        const immutable = filePath.includes(`${path.sep}assets${path.sep}`);
        reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
    log.info({ root }, 'serving the web app');
  } else {
    log.info({ root }, 'no built web app found; serving the API only');
  }
  // The not-found handler is rate limited too, so scanning for URLs costs the same as calling them.
  const limitNotFound = app.rateLimit() as unknown as preHandlerAsyncHookHandler;
  app.setNotFoundHandler({ preHandler: limitNotFound }, (request, reply) => {
    if (hasSpa && (request.method === 'GET' || request.method === 'HEAD') && !isApiPath(request.url)) {
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    }
    return reply.status(404).send({ error: 'Not Found', message: `Route ${request.method} ${request.url.split('?')[0]} not found` });
  });
}
