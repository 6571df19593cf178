import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../src/paths.ts';

/** `pnpm start` with no DATABASE_URL, for real: a child process running the host on embedded Postgres. */

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

interface Host {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();

function startHost(env: Record<string, string>, options: { ownGroup?: boolean } = {}): Host {
  const inherited = { ...process.env };
  for (const key of ['DATABASE_URL', 'DATABASE_APP_URL', 'REDIS_URL', 'PORT', 'HOST', 'PROCESS_ROLE', 'MIGRATE_ON_START']) {
    delete inherited[key];
  }
  const child = spawn(process.execPath, ['apps/api/src/main.ts'], {
    cwd: repoRoot,
    env: { ...inherited, NODE_ENV: 'development', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, like a terminal's foreground job: a Ctrl-C reaches every process in it.
    detached: options.ownGroup === true,
  });
  running.add(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  return { child, output: () => output, exited };
}

async function waitFor(url: string, host: Host, timeoutMs: number): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (host.child.exitCode !== null) throw new Error(`host exited early (${host.child.exitCode}):\n${host.output()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (response.status === 200) return response;
      last = `${response.status} ${await response.text()}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (last: ${last}):\n${host.output().slice(-4000)}`);
}

function logLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

let dataDir: string;
let port: number;
let metricsPort: number;
let pgPort: number;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'ubos-embedded-'));
  // Postgres runs as the `postgres` system user: it must be able to enter DATA_DIR.
  await chmod(dataDir, 0o755);
  port = await freePort();
  metricsPort = await freePort();
  pgPort = await freePort();
});

afterAll(async () => {
  for (const child of running) child.kill('SIGKILL');
  // A host killed hard leaves its cluster running: stop it through its pid file.
  const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');
  if (existsSync(pidFile)) {
    const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
    if (Number.isInteger(pid) && pid > 0) {
      try {
        process.kill(pid, 'SIGINT');
      } catch {
        // already gone
      }
    }
  }
  await rm(dataDir, { recursive: true, force: true });
}, 60_000);

describe('embedded start (no DATABASE_URL)', () => {
  const env = (): Record<string, string> => ({
    DATA_DIR: dataDir,
    PORT: String(port),
    METRICS_PORT: String(metricsPort),
    HOST: '127.0.0.1',
    EMBEDDED_PG_PORT: String(pgPort),
    WEB_DIST_DIR: path.join(dataDir, 'no-web-build'),
    SHUTDOWN_TIMEOUT_MS: '15000',
  });

  it('initialises Postgres, migrates, serves /health and /ready, and exits cleanly on SIGTERM', async () => {
    const host = startHost(env());
    await waitFor(`http://127.0.0.1:${port}/health`, host, 180_000);
    const ready = await waitFor(`http://127.0.0.1:${metricsPort}/ready`, host, 60_000);
    // The public port keeps /ready and /metrics to itself: they are on the operations port only.
    expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
    const body = (await ready.json()) as { checks: Record<string, { ok: boolean }> };
    expect(body.checks.postgres?.ok).toBe(true);
    expect(body.checks.pgBoss?.ok).toBe(true);

    host.child.kill('SIGTERM');
    expect(await host.exited).toEqual({ code: 0, signal: null });

    const lines = logLines(host.output());
    expect(lines.some((line) => line.msg === 'initialising embedded Postgres (first start)')).toBe(true);
    const migrated = lines.find((line) => line.msg === 'migrations up to date');
    expect(Number(migrated?.applied)).toBeGreaterThan(0);
    expect(lines.some((line) => line.msg === 'embedded Postgres stopped')).toBe(true);
    expect(lines.some((line) => line.msg === 'shutdown complete')).toBe(true);
    // The cluster is down: nothing listens on its port any more.
    expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
    // The generated superuser password is readable by its owner only.
    const secrets = await stat(path.join(dataDir, 'postgres-secrets.json'));
    expect(secrets.mode & 0o777).toBe(0o600);
  }, 300_000);

  it('reuses the data directory on a second start', async () => {
    const host = startHost(env());
    await waitFor(`http://127.0.0.1:${metricsPort}/ready`, host, 180_000);
    // The operations CLI finds the running embedded Postgres through DATA_DIR.
    const inherited = { ...process.env };
    for (const key of ['DATABASE_URL', 'DATABASE_APP_URL']) delete inherited[key];
    const tenantId = '0190a000-0000-7000-8000-000000000001';
    const cli = await promisify(execFile)(process.execPath, ['apps/api/src/cli/ubos.ts', 'search:rebuild', '--tenant', tenantId], {
      cwd: repoRoot,
      env: { ...inherited, DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(pgPort) },
    });
    expect(cli.stdout).toContain(`Rebuilt the search index of tenant ${tenantId}: 0 event(s) replayed, 0 document(s)`);
    host.child.kill('SIGINT');
    expect(await host.exited).toEqual({ code: 0, signal: null });

    const lines = logLines(host.output());
    expect(lines.some((line) => line.msg === 'initialising embedded Postgres (first start)')).toBe(false);
    const migrated = lines.find((line) => line.msg === 'migrations up to date');
    expect(migrated?.applied).toBe(0);
    expect(Number(migrated?.skipped)).toBeGreaterThan(0);
  }, 300_000);

  it('stops on Ctrl-C (SIGINT to the whole group, embedded Postgres included) with exit 0 and one info line per step', async () => {
    const host = startHost(env(), { ownGroup: true });
    await waitFor(`http://127.0.0.1:${port}/health`, host, 180_000);
    for (let i = 0; i < 5; i += 1) await fetch(`http://127.0.0.1:${port}/trpc/identity.auth.me`);
    const pid = host.child.pid ?? 0;
    process.kill(-pid, 'SIGINT');
    expect(await host.exited).toEqual({ code: 0, signal: null });
    const lines = logLines(host.output());
    // Postgres got the SIGINT too: its "terminating connection" is expected, not an error.
    expect(lines.filter((line) => Number(line.level) >= 40).map((line) => line.msg)).toEqual([]);
    const steps = lines.filter((line) => line.msg === 'stopped').map((line) => line.step);
    expect(steps).toEqual(expect.arrayContaining(['http server', 'workers', 'pg-boss', 'database pool', 'embedded postgres']));
    expect(lines.filter((line) => line.msg === 'stopped' && line.level !== 30)).toEqual([]);
    // Requests are not logged at info.
    expect(lines.some((line) => line.msg === 'request completed' || line.msg === 'incoming request')).toBe(false);
    expect(lines.some((line) => line.msg === 'shutdown complete')).toBe(true);
  }, 300_000);

  it('says in one plain line that the embedded Postgres port is taken, naming EMBEDDED_PG_PORT', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(pgPort, '127.0.0.1', () => resolve()));
    try {
      const host = startHost(env());
      expect((await host.exited).code).toBe(1);
      const plain = host
        .output()
        .split('\n')
        .filter((line) => line.startsWith('UBOS did not start:'));
      expect(plain).toEqual([
        `UBOS did not start: Port ${pgPort} for the embedded Postgres is already in use (another UBOS or Postgres on this machine?). Start this one with another port: EMBEDDED_PG_PORT=${pgPort + 1} pnpm start`,
      ]);
      expect(host.output()).not.toContain('"level":60');
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  }, 120_000);

  it('recovers after the host was killed hard, stopping the cluster it left running', async () => {
    const crashed = startHost(env());
    await waitFor(`http://127.0.0.1:${metricsPort}/ready`, crashed, 180_000);
    crashed.child.kill('SIGKILL');
    expect((await crashed.exited).signal).toBe('SIGKILL');

    const host = startHost(env());
    await waitFor(`http://127.0.0.1:${metricsPort}/ready`, host, 180_000);
    host.child.kill('SIGTERM');
    expect(await host.exited).toEqual({ code: 0, signal: null });
    expect(logLines(host.output()).some((line) => line.msg === 'stopping an embedded Postgres left running by a previous run')).toBe(true);
  }, 400_000);
});

describe('embedded start as root', () => {
  it.runIf(process.getuid?.() === 0)(
    'refuses a DATA_DIR the postgres system user cannot enter, naming the directory',
    async () => {
      const locked = await mkdtemp(path.join(tmpdir(), 'ubos-locked-'));
      // mkdtemp creates 0700: exactly the /root trap.
      try {
        const host = startHost({
          DATA_DIR: path.join(locked, 'data'),
          PORT: String(await freePort()),
          METRICS_PORT: String(await freePort()),
          HOST: '127.0.0.1',
          EMBEDDED_PG_PORT: String(await freePort()),
          WEB_DIST_DIR: path.join(locked, 'no-web-build'),
        });
        const exit = await host.exited;
        expect(exit.code).toBe(1);
        expect(host.output()).toContain(`cannot enter ${locked}`);
        expect(host.output()).toContain('Set DATA_DIR');
      } finally {
        await rm(locked, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
