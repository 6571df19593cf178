import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ROLE, OWNER_ROLE, ensureDatabase, ensureRoles, withCredentials } from '@ubos/platform';
import { repoRoot } from '../src/paths.ts';

/**
 * A Postgres restart under load (issue 21): the host (API and worker in one process) keeps running,
 * answers 503 in words while the database is away (`/ready` too), serves again within seconds
 * after it is back, and no event is lost or applied twice. The test owns its Postgres: a throw-away
 * cluster of Debian's PostgreSQL binaries on a free port, restarted with `pg_ctl restart -m fast`.
 */

const run = promisify(execFile);
const BIN = ['/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/17/bin'].find((dir) => existsSync(path.join(dir, 'pg_ctl')));
const APP_PASSWORD = 'restart_test_password';
let dataDir = '';
let port = 0;
let host: ChildProcess | null = null;
let hostOutput = '';
let hostPort = 0;
let opsPort = 0;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const free = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(free));
    });
  });
}

/** Runs a PostgreSQL binary as the postgres user (initdb and the server refuse root). */
async function asPostgres(binary: string, args: readonly string[]): Promise<void> {
  if (!BIN) throw new Error('PostgreSQL binaries not found');
  await run('runuser', ['-u', 'postgres', '--', path.join(BIN, binary), ...args], { timeout: 60_000 });
}

async function pgCtl(action: 'start' | 'restart' | 'stop'): Promise<void> {
  const options = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dataDir} -c fsync=off`;
  await asPostgres('pg_ctl', ['-D', path.join(dataDir, 'cluster'), '-w', '-m', 'fast', '-o', options, '-l', path.join(dataDir, 'postgres.log'), action]);
}

const superuserUrl = () => `postgres://postgres@127.0.0.1:${port}/postgres`;
const databaseUrl = (role: string, password?: string) => withCredentials(`postgres://postgres@127.0.0.1:${port}/ubos`, role, password);

async function admin<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl('postgres') });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

const skip = !BIN || process.getuid?.() !== 0;

beforeAll(async () => {
  if (skip) return;
  dataDir = await mkdtemp(path.join(tmpdir(), 'ubos-pg-restart-'));
  await chown(dataDir, Number((await run('id', ['-u', 'postgres'])).stdout.trim()), Number((await run('id', ['-g', 'postgres'])).stdout.trim()));
  port = await freePort();
  await asPostgres('initdb', ['-D', path.join(dataDir, 'cluster'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  await pgCtl('start');
  const client = new pg.Client({ connectionString: superuserUrl() });
  await client.connect();
  await ensureRoles(client, { appPassword: APP_PASSWORD });
  await ensureDatabase(client, 'ubos');
  await client.end();

  hostPort = await freePort();
  opsPort = await freePort();
  const inherited = { ...process.env };
  for (const key of ['DATABASE_URL', 'DATABASE_APP_URL', 'REDIS_URL', 'PORT', 'HOST', 'PROCESS_ROLE']) delete inherited[key];
  host = spawn(process.execPath, ['apps/api/src/main.ts'], {
    cwd: repoRoot,
    env: {
      ...inherited,
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      DATABASE_URL: databaseUrl(OWNER_ROLE),
      DATABASE_APP_URL: databaseUrl(APP_ROLE, APP_PASSWORD),
      PORT: String(hostPort),
      HOST: '127.0.0.1',
      METRICS_PORT: String(opsPort),
      PROCESS_ROLE: 'all',
      DATA_DIR: path.join(dataDir, 'data'),
      WEB_DIST_DIR: '/nonexistent/ubos-web-dist',
      RATE_LIMIT_MAX: '100000',
      RATE_LIMIT_UNITS_PER_IP: '10000000',
      RATE_LIMIT_UNITS_PER_USER: '10000000',
      RATE_LIMIT_UNITS_PER_TENANT: '10000000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  host.stdout?.on('data', (chunk: Buffer) => (hostOutput += chunk.toString('utf8')));
  host.stderr?.on('data', (chunk: Buffer) => (hostOutput += chunk.toString('utf8')));
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (host.exitCode !== null) throw new Error(`host exited (${host.exitCode}):\n${hostOutput}`);
    const ready = await fetch(`http://127.0.0.1:${opsPort}/ready`).catch(() => null);
    if (ready?.status === 200) break;
    if (Date.now() > deadline) throw new Error(`host not ready:\n${hostOutput}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}, 150_000);

afterAll(async () => {
  if (host && host.exitCode === null) {
    host.kill('SIGTERM');
    await new Promise((resolve) => host?.once('exit', resolve));
  }
  if (dataDir) {
    await pgCtl('stop').catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  }
}, 60_000);

describe.skipIf(skip)('a Postgres restart under load', () => {
  it('keeps the host up, answers 503 in words meanwhile, recovers without a restart and loses or doubles no event', { timeout: 180_000 }, async () => {
    const base = `http://127.0.0.1:${hostPort}`;
    const signUp = await fetch(`${base}/trpc/identity.auth.signUp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'restart@example.test', password: 'correct horse battery staple', name: 'Ada', organizationName: 'Restart Org' }),
    });
    expect(signUp.status).toBe(200);
    const cookie = (signUp.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
    const tenantId = ((await signUp.json()) as { result: { data: { activeOrganization: { id: string } } } }).result.data.activeOrganization.id;

    const statuses = new Map<number, number>();
    const messages = new Set<string>();
    const readiness = new Set<number>();
    let stop = false;
    let created = 0;
    const load = (async () => {
      for (let n = 0; !stop; n += 1) {
        const response = await fetch(`${base}/trpc/crm.clients.create`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie },
          body: JSON.stringify({ name: `Client ${n}` }),
        }).catch(() => null);
        const status = response?.status ?? 0;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status === 200) created += 1;
        else if (response) messages.add(((await response.json()) as { error?: { message: string } }).error?.message ?? '');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const probe = (async () => {
      while (!stop) {
        const ready = await fetch(`http://127.0.0.1:${opsPort}/ready`).catch(() => null);
        readiness.add(ready?.status ?? 0);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const before = created;
    expect(before).toBeGreaterThan(10);
    await pgCtl('stop');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await pgCtl('start');
    const back = Date.now();
    // Serving again within seconds, by the same process.
    const createdAtStart = created;
    while (created === createdAtStart && Date.now() - back < 20_000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const recoveredAfterMs = Date.now() - back;
    const afterRecovery = created;
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    stop = true;
    await Promise.all([load, probe]);

    console.log(
      `[restart test] statuses ${JSON.stringify(Object.fromEntries(statuses))}, readiness ${[...readiness].join(',')}, serving again within ${recoveredAfterMs} ms`,
    );
    expect(host?.exitCode).toBeNull();
    expect(created).toBeGreaterThan(afterRecovery - 1);
    expect(created).toBeGreaterThan(before);
    expect(statuses.get(500) ?? 0).toBe(0);
    expect(statuses.get(429) ?? 0).toBe(0);
    expect(statuses.get(503) ?? 0).toBeGreaterThan(0);
    expect(messages).toContain('The database is unavailable right now: nothing was saved, try again in a moment');
    expect(readiness).toContain(503);
    expect(readiness).toContain(200);

    // Every client row has exactly one timeline entry (nothing lost, nothing doubled), and the chain holds.
    const deadline = Date.now() + 60_000;
    let counts = { clients: -1, entries: -2 };
    while (Date.now() < deadline) {
      const [row] = await admin<{ clients: number; entries: number }>(
        `SELECT (SELECT count(*)::int FROM crm.clients WHERE tenant_id = $1) AS clients,
                (SELECT count(*)::int FROM timeline.activity_events WHERE tenant_id = $1 AND type = 'crm.client.created') AS entries`,
        [tenantId],
      );
      counts = row ?? counts;
      if (counts.clients === counts.entries) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(counts.entries).toBe(counts.clients);
    expect(counts.clients).toBeGreaterThanOrEqual(created);
    const [events] = await admin<{ events: number; undispatched: number }>(
      `SELECT count(*)::int AS events, count(*) FILTER (WHERE dispatched_at IS NULL)::int AS undispatched FROM platform.outbox WHERE tenant_id = $1 AND type = 'crm.client.created'`,
      [tenantId],
    );
    expect(events).toEqual({ events: counts.clients, undispatched: 0 });
    const client = new pg.Client({ connectionString: databaseUrl('postgres') });
    await client.connect();
    try {
      await client.query(`SELECT set_config('app.tenant_id', $1, false)`, [tenantId]);
      const chain = await client.query<{ entries: number; problem: string | null }>('SELECT entries::int, problem FROM timeline.verify_chain()');
      expect(chain.rows[0]?.problem).toBeNull();
      expect(chain.rows[0]?.entries).toBeGreaterThan(counts.clients);
    } finally {
      await client.end();
    }
  });
});
