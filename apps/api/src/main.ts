import { parseArgs } from 'node:util';
import prettyStream from 'pino-pretty';
import { ConfigError, createLogger, loadConfig, type Config } from '@ubos/platform';
import { startApp } from './app.ts';
import { StartupProblem } from './embedded-postgres.ts';
import { installShutdown } from './shutdown.ts';

const roles = ['api', 'worker', 'all'] as const;
type Role = (typeof roles)[number];

function isRole(value: string): value is Role {
  return (roles as readonly string[]).includes(value);
}

function readRole(config: Config): Role {
  const { values } = parseArgs({ options: { role: { type: 'string' } }, strict: true, allowPositionals: false });
  if (values.role === undefined) return config.PROCESS_ROLE;
  if (!isRole(values.role)) throw new ConfigError([`--role (invalid): expected one of ${roles.join(', ')}, got "${values.role}"`]);
  return values.role;
}

async function main(): Promise<void> {
  let config: Config;
  let role: Role;
  try {
    config = loadConfig();
    role = readRole(config);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
  let stopping = false;
  // Readable lines on a terminal outside production (LOG_FORMAT=json keeps JSON); JSON otherwise.
  const pretty = process.stdout.isTTY === true && config.NODE_ENV !== 'production' && process.env.LOG_FORMAT !== 'json';
  const log = createLogger({
    level: config.LOG_LEVEL,
    quietWhile: () => stopping,
    quietGraceMs: 1000,
    ...(pretty ? { destination: prettyStream({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,service' }) } : {}),
  });
  process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled rejection'));

  let stop: (() => Promise<void>) | null = null;
  // Signals during startup (e.g. initdb) still stop whatever has started.
  installShutdown({
    log,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    stop: async () => {
      stopping = true;
      if (stop) await stop();
    },
  });
  try {
    const app = await startApp({ config, log, role });
    stop = app.stop;
    log.info({ role, address: app.address, embeddedPostgres: app.embedded }, 'UBOS is running');
  } catch (error) {
    if (error instanceof StartupProblem) {
      // Something the person at the terminal fixes: one plain line, not a JSON stack.
      process.stderr.write(`UBOS did not start: ${error.message}\n`);
      process.exit(1);
    }
    log.fatal({ err: error }, 'startup failed');
    process.exitCode = 1;
    // Give pino a tick to flush before exiting.
    setImmediate(() => process.exit(1));
  }
}

await main();
