import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClamAvScanner, sql, type Scanner } from '@ubos/platform';
import { createTestDatabase, waitFor, type TestDatabase } from '@ubos/platform/testing';
import { actor, EICAR, inTenant, openStore, postForm, type Harness } from './helpers.ts';

/**
 * Completing an upload runs the configured scanner: the kernel's ClamAV adapter against Debian's
 * clamd, started offline with a one-line signature database for the EICAR test file.
 */
const CLAMD = '/usr/sbin/clamd';
const eicar = Buffer.from(EICAR);

let testDb: TestDatabase;
let harness: Harness;
let dir: string;
let clamd: ChildProcess | null = null;
let scanner: ClamAvScanner;

beforeAll(async () => {
  if (!existsSync(CLAMD)) throw new Error(`${CLAMD} is missing: install clamav-daemon (apt-get install clamav-daemon)`);
  testDb = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), 'ubos-files-clamd-'));
  await mkdir(path.join(dir, 'db'));
  await writeFile(path.join(dir, 'db', 'files-test.hdb'), `${createHash('md5').update(eicar).digest('hex')}:${eicar.length}:Files-Test-EICAR\n`);
  const socket = path.join(dir, 'clamd.sock');
  const conf = [
    `LocalSocket ${socket}`,
    `DatabaseDirectory ${path.join(dir, 'db')}`,
    'Foreground yes',
    `LogFile ${path.join(dir, 'clamd.log')}`,
    `PidFile ${path.join(dir, 'clamd.pid')}`,
    'StreamMaxLength 1M',
    `User ${userInfo().username}`,
  ];
  await writeFile(path.join(dir, 'clamd.conf'), `${conf.join('\n')}\n`);
  clamd = spawn(CLAMD, ['-c', path.join(dir, 'clamd.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  scanner = new ClamAvScanner({ socket, timeoutMs: 5000 });
  try {
    await waitFor(() => scanner.ping(), 120_000, 'clamd to answer PING', 200);
  } catch (error) {
    const log = await readFile(path.join(dir, 'clamd.log'), 'utf8').catch(() => '');
    throw new Error(`clamd did not start: ${log}`, { cause: error });
  }
  harness = await openStore(scanner);
}, 180_000);

afterAll(async () => {
  if (clamd && clamd.exitCode === null) {
    const exited = new Promise((resolve) => clamd?.once('exit', resolve));
    clamd.kill('SIGTERM');
    await exited;
  }
  await harness?.close();
  await testDb?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

async function send(a: ReturnType<typeof actor>, folderId: string, name: string, bytes: Buffer) {
  const ticket = await a.caller.uploads.create({ folderId, name, contentType: 'text/plain', size: bytes.length });
  await postForm(harness.store, ticket, bytes, 'text/plain');
  return ticket;
}

describe('uploads with the ClamAV scanner on', () => {
  it('rejects EICAR (object removed, reason in words) and lets a clean file through', async () => {
    const a = actor(testDb, harness.services);
    const folder = await a.caller.folders.create({ name: 'Scanned' });
    const infected = await send(a, folder.id, 'notes.txt', eicar);
    expect(await a.caller.uploads.complete({ uploadId: infected.uploadId })).toEqual({
      status: 'rejected',
      reason: 'The file contains malware (Files-Test-EICAR.UNOFFICIAL) and was removed',
    });
    expect(await harness.store.head(infected.fields.key ?? '')).toBeNull();
    const clean = await send(a, folder.id, 'clean.txt', Buffer.from('nothing to see here\n'));
    expect(await a.caller.uploads.complete({ uploadId: clean.uploadId })).toMatchObject({ status: 'ready', file: { name: 'clean.txt' } });
    expect((await a.caller.files.list({ folderId: folder.id })).items.map((file) => file.name)).toEqual(['clean.txt']);
  });

  it('leaves the upload pending when the scanner does not answer, and completes it later', async () => {
    const down: Scanner = {
      name: 'down',
      scan: async () => {
        throw new Error('connect ECONNREFUSED');
      },
    };
    const a = actor(testDb, { blobs: harness.store, scanner: down });
    const folder = await a.caller.folders.create({ name: 'Later' });
    const ticket = await send(a, folder.id, 'later.txt', Buffer.from('fine text\n'));
    await expect(a.caller.uploads.complete({ uploadId: ticket.uploadId })).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringMatching(/scanner did not answer/),
    });
    const state = await inTenant(
      testDb,
      a.tenantId,
      async (trx) => (await sql<{ state: string }>`SELECT state FROM files.blobs WHERE id = ${ticket.uploadId}`.execute(trx)).rows[0]?.state,
    );
    expect(state).toBe('pending');
    const again = actor(testDb, harness.services, 'owner', a.tenantId);
    expect(await again.caller.uploads.complete({ uploadId: ticket.uploadId })).toMatchObject({ status: 'ready' });
  });
});
