/**
 * A standalone worker process: the event backbone and module jobs, no HTTP. Equivalent to
 * `node src/main.ts --role worker` without the probe server; handy for scripts and tests.
 * Reads the same configuration (DATABASE_APP_URL or DATABASE_URL).
 */
import { ConfigError, collectSubscriptions, createBoss, createDatabase, createDomainRuntime, createLogger, loadConfig } from '@ubos/platform';
import { assertBootable } from './boot-checks.ts';
import { configuredDatabaseUrls } from './database-urls.ts';
import { modules } from './modules.ts';
import { startWorkers } from './workers.ts';

// No tRPC here: only the subscriptions are checked, before connecting anywhere.
assertBootable({ modules });
const config = loadConfig();
const log = createLogger({ level: config.LOG_LEVEL });
const urls = configuredDatabaseUrls(config);
if (!urls) throw new ConfigError(['DATABASE_URL (missing): the standalone worker needs a configured database']);

const db = createDatabase({ connectionString: urls.appUrl, max: config.DATABASE_POOL_MAX, applicationName: 'ubos-worker' });
const boss = createBoss({ connectionString: urls.appUrl });
boss.on('error', (error: Error) => log.error({ err: error }, 'pg-boss error'));
await boss.start();
const runtime = createDomainRuntime(modules, { boss, subscriptions: collectSubscriptions(modules) });
const workers = await startWorkers({ db, boss, modules, runtime, log, config });
log.info('worker ready');

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'worker stopping');
  const timer = setTimeout(() => process.exit(1), config.SHUTDOWN_TIMEOUT_MS).unref();
  await workers.stop();
  await boss.stop({ graceful: true, close: true, timeout: Math.max(1000, config.SHUTDOWN_TIMEOUT_MS - 1000) });
  await db.close();
  clearTimeout(timer);
  process.exit(0);
};
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
