import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClamAvScanner, ScanError } from '../src/blobs/clamav.ts';
import { createBlobServices } from '../src/blobs/from-config.ts';
import { testConfig } from '../src/testing/index.ts';

/**
 * The ClamAV adapter against Debian's real clamd, offline: a temporary clamd.conf and a one-line
 * signature database (`.hdb`: md5:size:name) for the EICAR test file, no freshclam.
 */
const CLAMD = '/usr/sbin/clamd';
// Assembled at run time so this source file is not itself the test signature.
const EICAR = Buffer.from(['X5O!P%@AP[4\\PZX54(P^)7CC)7}', '$EICAR-STANDARD-ANTIVIRUS', '-TEST-FILE!$H+H*'].join(''));

let dir: string;
let clamd: ChildProcess | null = null;
let port: number;
let socketPath: string;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  if (!existsSync(CLAMD)) throw new Error(`${CLAMD} is missing: install clamav-daemon (apt-get install clamav-daemon)`);
  dir = await mkdtemp(path.join(tmpdir(), 'ubos-clamd-'));
  await mkdir(path.join(dir, 'db'));
  const md5 = createHash('md5').update(EICAR).digest('hex');
  await writeFile(path.join(dir, 'db', 'ubos-test.hdb'), `${md5}:${EICAR.length}:Ubos-Test-EICAR\n`);
  port = await freePort();
  socketPath = path.join(dir, 'clamd.sock');
  const lines = [
    `TCPSocket ${port}`,
    'TCPAddr 127.0.0.1',
    `LocalSocket ${socketPath}`,
    `DatabaseDirectory ${path.join(dir, 'db')}`,
    'Foreground yes',
    `LogFile ${path.join(dir, 'clamd.log')}`,
    `PidFile ${path.join(dir, 'clamd.pid')}`,
    'StreamMaxLength 1M',
    // As root clamd would switch to the clamav user, who cannot read this temp dir: stay who we are.
    `User ${userInfo().username}`,
  ];
  await writeFile(path.join(dir, 'clamd.conf'), `${lines.join('\n')}\n`);
  clamd = spawn(CLAMD, ['-c', path.join(dir, 'clamd.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  clamd.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const scanner = new ClamAvScanner({ host: '127.0.0.1', port, timeoutMs: 2000 });
  try {
    await waitFor(() => scanner.ping(), 120_000, 'clamd to answer PING');
  } catch (error) {
    const log = await readFile(path.join(dir, 'clamd.log'), 'utf8').catch(() => '');
    throw new Error(`clamd did not start: ${stderr}\n${log}`, { cause: error });
  }
}, 180_000);

afterAll(async () => {
  if (clamd && clamd.exitCode === null) {
    const exited = new Promise((resolve) => clamd?.once('exit', resolve));
    clamd.kill('SIGTERM');
    await exited;
  }
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

describe('ClamAvScanner against clamd', () => {
  it('finds EICAR and passes a clean file over TCP', async () => {
    const scanner = new ClamAvScanner({ host: '127.0.0.1', port, timeoutMs: 30_000 });
    await expect(scanner.scan(Readable.from([EICAR]))).resolves.toEqual({ clean: false, signature: 'Ubos-Test-EICAR.UNOFFICIAL' });
    await expect(scanner.scan(Readable.from([Buffer.from('an invoice, nothing else\n')]))).resolves.toEqual({ clean: true });
    // Many chunks (the scanner splits into 64 KiB INSTREAM chunks), the signature at the end.
    const big = Readable.from([Buffer.alloc(300 * 1024, 32), Buffer.alloc(10, 10)]);
    await expect(scanner.scan(big)).resolves.toEqual({ clean: true });
  }, 60_000);

  it('scans over the unix socket, as config builds it', async () => {
    const { services } = await createBlobServices(testConfig({ CLAMAV_SOCKET: socketPath }), { dataDir: dir });
    expect(services.scanner?.name).toBe('clamav');
    await expect(services.scanner?.scan(Readable.from([EICAR]))).resolves.toMatchObject({ clean: false });
  }, 60_000);

  it('refuses to call a file clean past clamd’s stream limit or the scanner’s own', async () => {
    const scanner = new ClamAvScanner({ host: '127.0.0.1', port, timeoutMs: 30_000 });
    await expect(scanner.scan(Readable.from([Buffer.alloc(2 * 1024 * 1024, 65)]))).rejects.toBeInstanceOf(ScanError);
    const capped = new ClamAvScanner({ host: '127.0.0.1', port, timeoutMs: 30_000, maxBytes: 1000 });
    await expect(capped.scan(Readable.from([Buffer.alloc(1001)]))).rejects.toThrow(/larger than the scanner's limit/);
  }, 60_000);

  it('fails with ScanError when clamd is not there', async () => {
    const scanner = new ClamAvScanner({ host: '127.0.0.1', port: await freePort(), timeoutMs: 5000 });
    await expect(scanner.scan(Readable.from([Buffer.from('x')]))).rejects.toBeInstanceOf(ScanError);
    expect(await scanner.ping()).toBe(false);
  });
});

describe('createBlobServices without ClamAV', () => {
  it('has no scanner, so files go straight to ready', async () => {
    const { services } = await createBlobServices(testConfig(), { dataDir: path.join(tmpdir(), `ubos-noscan-${process.pid}`) });
    expect(services.scanner).toBeUndefined();
    expect(services.blobs?.kind).toBe('local');
    await rm(path.join(tmpdir(), `ubos-noscan-${process.pid}`), { recursive: true, force: true });
  });
});
