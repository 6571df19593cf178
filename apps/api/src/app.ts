import { Redis } from 'ioredis';
import {
  collectSubscriptions,
  createBlobServices,
  createConnectionServices,
  createBoss,
  createDomainRuntime,
  createDatabase,
  migrateDatabase,
  PermissionCatalog,
  startTracing,
  type AnyRouter,
  type Config,
  type Database,
  type DomainModule,
  type Logger,
} from '@ubos/platform';
import { ssrfGuardFromConfig } from '@ubos/integrations';
import { assertBootable } from './boot-checks.ts';
import { modules as allModules } from './modules.ts';
import { appRouter } from './router.ts';
import { buildOpsServer, buildServer, type Server } from './server.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.ts';
import { configuredDatabaseUrls, redactUrl } from './database-urls.ts';
import { resolveFromRoot } from './paths.ts';
import { trackBoss } from './readiness.ts';
import { startWorkers, type Workers } from './workers.ts';

export type ProcessRole = Config['PROCESS_ROLE'];

export interface StartOptions {
  config: Config;
  log: Logger;
  role?: ProcessRole;
  modules?: readonly DomainModule[];
  router?: AnyRouter;
  /** Listen on config.HOST:config.PORT (default true). */
  listen?: boolean;
}

export interface RunningApp {
  role: ProcessRole;
  /** The HTTP server (probes and metrics only in a worker process). */
  server: Server;
  /** Where the server listens, e.g. http://127.0.0.1:3000 (a worker: its operations port). */
  address: string | null;
  /** Where /ready and /metrics are served (METRICS_HOST:METRICS_PORT); null when not listening. */
  opsAddress: string | null;
  db: Database;
  embedded: boolean;
  /** Graceful stop: HTTP drain, workers, pg-boss, pools, Redis, embedded Postgres. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Listens on METRICS_HOST:METRICS_PORT. Outside production a port already in use (a second local
 * instance) is a warning, not a failed start: that process then serves no /ready or /metrics.
 */
async function listenOps(ops: Server, config: Config, log: Logger): Promise<string | null> {
  try {
    const address = await ops.listen({ host: config.METRICS_HOST, port: config.METRICS_PORT });
    log.info({ address }, 'operations port: /ready and /metrics');
    return address;
  } catch (error) {
    const inUse = (error as { code?: string }).code === 'EADDRINUSE';
    if (!inUse || config.NODE_ENV === 'production') {
      throw new Error(`METRICS_PORT ${config.METRICS_PORT} on ${config.METRICS_HOST} could not be opened: ${(error as Error).message}`, { cause: error });
    }
    log.warn({ port: config.METRICS_PORT }, 'METRICS_PORT is in use: this process serves no /ready or /metrics (set METRICS_PORT to another port)');
    return null;
  }
}

/** A stack of cleanups run in reverse order, each one logged and never aborting the rest. */
class Cleanup {
  private readonly steps: { name: string; run: () => Promise<void> }[] = [];
  private readonly log: Logger;
  constructor(log: Logger) {
    this.log = log;
  }
  push(name: string, run: () => Promise<void>): void {
    this.steps.push({ name, run });
  }
  async runAll(): Promise<void> {
    while (this.steps.length > 0) {
      const step = this.steps.pop();
      if (!step) break;
      try {
        await step.run();
        this.log.info({ step: step.name }, 'stopped');
      } catch (error) {
        this.log.error({ err: error, step: step.name }, 'error while stopping');
      }
    }
  }
}

/**
 * Starts the process: database (configured or embedded), migrations, pools, Redis, pg-boss,
 * workers (role worker|all) and the HTTP server (the API for api|all, probes only for worker).
 */
export async function startApp(options: StartOptions): Promise<RunningApp> {
  const { config, log } = options;
  const role = options.role ?? config.PROCESS_ROLE;
  const modules: readonly DomainModule[] = options.modules ?? allModules;
  // Refuse to boot before touching a database: a procedure without a declared permission, or a
  // subscription to an event type no module publishes, is a build error.
  assertBootable({ router: options.router ?? appRouter, modules, permissions: new PermissionCatalog(modules) });
  const cleanup = new Cleanup(log);
  try {
    // Off (and free) unless OTEL_EXPORTER_OTLP_ENDPOINT is set. Pushed first, so it is shut down last.
    const tracing = startTracing({ serviceName: `ubos-${role}`, endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
    if (tracing) {
      cleanup.push('tracing', () => tracing.shutdown());
      log.info({ endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT }, 'tracing: spans exported over OTLP');
    }
    let embedded: EmbeddedPostgres | null = null;
    let urls = configuredDatabaseUrls(config);
    if (!urls) {
      log.info('no DATABASE_URL: starting embedded Postgres');
      embedded = await startEmbeddedPostgres({
        dataDir: resolveFromRoot(config.DATA_DIR),
        port: config.EMBEDDED_PG_PORT,
        log,
      });
      const started = embedded;
      cleanup.push('embedded postgres', () => started.stop());
      urls = { ownerUrl: embedded.ownerUrl, appUrl: embedded.appUrl };
    }
    log.info({ database: redactUrl(urls.appUrl) }, 'database');

    if (config.MIGRATE_ON_START) {
      const result = await migrateDatabase(urls.ownerUrl, modules);
      log.info({ applied: result.applied.length, skipped: result.skipped }, 'migrations up to date');
    }

    const db = createDatabase({ connectionString: urls.appUrl, max: config.DATABASE_POOL_MAX, applicationName: `ubos-${role}` });
    cleanup.push('database pool', () => db.close());

    let redis: Redis | null = null;
    if (config.REDIS_URL) {
      const client = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true });
      client.on('error', (error: Error) => log.warn({ err: error }, 'redis error'));
      try {
        await client.connect();
      } catch (error) {
        client.disconnect();
        throw new Error(`Redis at REDIS_URL did not answer: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      cleanup.push('redis', async () => {
        await client.quit();
      });
      redis = client;
    }

    // Workers fetch and settle jobs through pg-boss's own pool: give a worker process room for them.
    const boss = createBoss({ connectionString: urls.appUrl, max: role === 'api' ? 3 : 10, supervise: role !== 'api', schedule: role !== 'api' });
    boss.on('error', (error: Error) => log.error({ err: error }, 'pg-boss error'));
    const bossHandle = trackBoss(boss);
    await boss.start();
    bossHandle.markStarted();
    cleanup.push('pg-boss', () => boss.stop({ graceful: true, close: true, timeout: Math.max(1000, config.SHUTDOWN_TIMEOUT_MS - 1000) }));
    // The one runtime of this process, injected into every request and into the workers: the
    // permission catalog, the action registry (workflow definitions are validated against it, also
    // in an api-only process; the engine runs its actions) and the dead-letter/replay procedures'
    // pg-boss and subscriptions.
    // The kernel services from config (§7): the blob store (local disk under DATA_DIR by default, or
    // S3) and the virus scanner when ClamAV is configured.
    const blobServices = await createBlobServices(config, { dataDir: resolveFromRoot(config.DATA_DIR) });
    cleanup.push('blob store', () => blobServices.close());
    log.info({ blobStore: blobServices.services.blobs?.kind, scanner: blobServices.services.scanner?.name ?? null }, 'blob storage');
    // …and the connections registry's ports for provider adapters (access tokens, breaker health).
    // …the SSRF guard IMAP/SMTP clients vet tenant-configured hosts with, and the module job queue.
    const outbound = ssrfGuardFromConfig(config);
    const jobs = {
      send: (name: string, data: Record<string, unknown>, options: { singletonKey?: string; startAfterSeconds?: number } = {}) =>
        boss.send(name, data, {
          ...(options.singletonKey ? { singletonKey: options.singletonKey } : {}),
          ...(options.startAfterSeconds ? { startAfter: options.startAfterSeconds } : {}),
        }),
    };
    const services = { ...blobServices.services, connections: createConnectionServices({ db, config, log }), outbound, jobs };
    const runtime = createDomainRuntime(modules, { boss, subscriptions: collectSubscriptions(modules) }, services);

    if (role !== 'api') {
      const workers: Workers = await startWorkers({ db, boss, modules, runtime, log, config });
      cleanup.push('workers', () => workers.stop());
    }

    const listen = options.listen ?? true;
    const serverDeps = { config, log, db, redis, boss: bossHandle, modules, runtime, ...(options.router ? { router: options.router } : {}) };
    // /ready and /metrics live on the internal operations port only; a worker serves nothing else.
    // /ready checks Postgres on a connection of its own: a saturated runtime pool must not make it flap.
    const readinessDb = createDatabase({ connectionString: urls.appUrl, max: 1, applicationName: `ubos-${role}-probe` });
    cleanup.push('readiness pool', () => readinessDb.close());
    const ops = await buildOpsServer({ ...serverDeps, readinessDb });
    cleanup.push('operations server', () => ops.close());
    const opsAddress = listen ? await listenOps(ops, config, log) : null;
    let server = ops;
    let address = opsAddress;
    if (role !== 'worker') {
      server = await buildServer(serverDeps);
      // Closing Fastify stops accepting, answers 503 to new requests and waits for in-flight ones.
      cleanup.push('http server', () => server.close());
      address = listen ? await server.listen({ host: config.HOST, port: config.PORT }) : null;
    }

    let stopping: Promise<void> | null = null;
    return {
      role,
      server,
      address,
      opsAddress,
      db,
      embedded: embedded !== null,
      stop() {
        stopping ??= cleanup.runAll();
        return stopping;
      },
    };
  } catch (error) {
    await cleanup.runAll();
    throw error;
  }
}
