import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countOutbox, sql, withTenant } from '@ubos/platform';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import type { EmailDB } from '../src/db-email.ts';
import { reconcileAccount, syncAccount, syncFolder } from '../src/service-sync.ts';
import { startDovecot, type Dovecot } from './dovecot.ts';
import { actorFor, inTenant, rfc822 } from './email-helpers.ts';
import { emailServices, silent, type EmailServices } from './email-services.ts';

/**
 * IMAP sync against a real Dovecot on 127.0.0.1 (started here, stopped after), messages delivered
 * by IMAP APPEND. Proves: 2,000 messages across 3 folders stored once each after the worker is
 * SIGKILLed mid-sync and restarted, the cursor consistent; a changed UIDVALIDITY resyncs without
 * duplicates; the reconcile reports a message deleted on the server and mail missing locally.
 */

let testDb: TestDatabase;
let dovecot: Dovecot;
let env: EmailServices;
const MAILBOX = 'anna@firm.example';

beforeAll(async () => {
  testDb = await createTestDatabase();
  dovecot = await startDovecot();
  env = await emailServices(testDb.db);
}, 60_000);
afterAll(async () => {
  await dovecot?.stop();
  await env?.close();
  await testDb?.drop();
});

async function deliver(user: string, folder: string, messages: string[]): Promise<void> {
  const client = await dovecot.client(user);
  try {
    await client.mailboxCreate(folder).catch(() => undefined);
    for (let i = 0; i < messages.length; i += 200) await Promise.all(messages.slice(i, i + 200).map((message) => client.append(folder, message, ['\\Seen'])));
  } finally {
    await client.logout();
  }
}

function batch(prefix: string, count: number, from: (i: number) => string, to: string[]): string[] {
  const start = Date.UTC(2026, 0, 1);
  return Array.from({ length: count }, (_, i) =>
    rfc822({
      id: `${prefix}-${i}@mail.example`,
      from: from(i),
      to,
      subject: `${prefix} message ${i}`,
      date: new Date(start + i * 60_000),
      body: `Body of ${prefix} ${i}`,
      ...(i % 3 === 1 ? { inReplyTo: `${prefix}-${i - 1}@mail.example`, references: [`${prefix}-${i - 1}@mail.example`] } : {}),
    }),
  );
}

function connectInput(user: string, folders: string[]) {
  return {
    emailAddress: user,
    imap: { host: '127.0.0.1', port: dovecot.port, tls: false },
    // The connection test checks SMTP too: a real smtp-server on 127.0.0.1 (below) answers it.
    smtp: { host: '127.0.0.1', port: smtpPort, security: 'none' as const },
    username: user,
    password: dovecot.password,
    folders,
  };
}

let smtpPort = 0;
beforeAll(async () => {
  const { SMTPServer } = await import('smtp-server');
  const server = new SMTPServer({
    authOptional: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    onAuth: (_auth, _session, callback) => callback(null, { user: 'ok' }),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.server.address();
  smtpPort = typeof address === 'object' && address ? address.port : 0;
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
});

async function counts(tenantId: string, accountId: string) {
  return withTenant<EmailDB, { messages: number; distinctKeys: number; locations: number; threads: number }>(testDb.db, { tenantId }, async (trx) => {
    const row = await sql<{ messages: number; distinct_keys: number; locations: number; threads: number }>`
      SELECT (SELECT count(*)::int FROM communications.email_messages WHERE account_id = ${accountId}) AS messages,
             (SELECT count(DISTINCT dedupe_key)::int FROM communications.email_messages WHERE account_id = ${accountId}) AS distinct_keys,
             (SELECT count(*)::int FROM communications.email_locations l JOIN communications.email_folders f ON f.id = l.folder_id WHERE f.account_id = ${accountId} AND l.removed_at IS NULL) AS locations,
             (SELECT count(*)::int FROM communications.email_threads WHERE account_id = ${accountId} AND merged_into IS NULL) AS threads
    `.execute(trx);
    const r = row.rows[0] as { messages: number; distinct_keys: number; locations: number; threads: number };
    return { messages: r.messages, distinctKeys: r.distinct_keys, locations: r.locations, threads: r.threads };
  });
}

function folders(tenantId: string, accountId: string) {
  return withTenant<EmailDB, { id: string; path: string; uidvalidity: number | null; highest_uid: number; full_resyncs: number }[]>(
    testDb.db,
    { tenantId },
    (trx) =>
      trx
        .selectFrom('communications.email_folders')
        .select(['id', 'path', 'uidvalidity', 'highest_uid', 'full_resyncs'])
        .where('account_id', '=', accountId)
        .orderBy('path')
        .execute(),
  );
}

/** Runs the sync in a child process and SIGKILLs it after `killAfterChunks` committed chunks (or lets it finish). */
function runWorker(
  tenantId: string,
  accountId: string,
  options: { killAfterChunks?: number; chunkSize: number },
): Promise<{ chunks: number; killed: boolean; done: boolean }> {
  const script = fileURLToPath(new URL('./sync-worker.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, testDb.appUrl, tenantId, accountId, String(options.chunkSize)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let chunks = 0;
    let done = false;
    let killed = false;
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => {
      stderr += data.toString();
    });
    child.stdout.on('data', (data: Buffer) => {
      for (const line of data.toString().split('\n')) {
        if (line.startsWith('chunk ')) chunks += 1;
        if (line === 'done') done = true;
        // Killed while the next chunk is being fetched, parsed or written: any point will do.
        if (options.killAfterChunks !== undefined && chunks >= options.killAfterChunks && !killed) {
          killed = true;
          setTimeout(() => child.kill('SIGKILL'), 15);
        }
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' || code === 0) resolve({ chunks, killed, done });
      else reject(new Error(`sync worker exited with ${code}: ${stderr}`));
    });
  });
}

describe('IMAP sync against dovecot', () => {
  it('refuses a wrong password and a private address not on the allow-list, storing nothing', async () => {
    const a = actorFor(testDb.db, env.services);
    const wrong = { ...connectInput('nobody@firm.example', ['INBOX']), password: 'wrong' };
    await expect(a.caller.accounts.connectImap(wrong)).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'The IMAP server refused the user name or password',
    });
    const strict = await emailServices(testDb.db, { allowLoopback: false });
    const b = actorFor(testDb.db, strict.services, { tenantId: a.tenantId });
    await expect(b.caller.accounts.connectImap(connectInput('nobody@firm.example', ['INBOX']))).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('UBOS will not connect to 127.0.0.1'),
    });
    await strict.close();
    expect(await a.caller.accounts.list()).toEqual({ items: [] });
  });

  it('syncs 2,000 messages across 3 folders once each, though the worker is killed mid-sync', async () => {
    const a = actorFor(testDb.db, env.services);
    const customer = (i: number) => `client${i % 40}@customer.example`;
    await deliver(MAILBOX, 'INBOX', batch('inbox', 1000, customer, [MAILBOX]));
    await deliver(
      MAILBOX,
      'Sent',
      batch('sent', 500, () => MAILBOX, ['client1@customer.example']),
    );
    // The archive holds 500 of its own plus 20 also in INBOX (the same message in two folders).
    const archive = batch('archive', 480, customer, [MAILBOX]);
    const inboxCopies = batch('inbox', 20, customer, [MAILBOX]);
    await deliver(MAILBOX, 'Archive', [...archive, ...inboxCopies]);

    const account = await a.caller.accounts.connectImap(connectInput(MAILBOX, ['Archive', 'INBOX', 'Sent']));
    expect(account).toMatchObject({ emailAddress: MAILBOX, status: 'connected', folders: [{ path: 'Archive' }, { path: 'INBOX' }, { path: 'Sent' }] });
    expect(JSON.stringify(account)).not.toContain(dovecot.password);

    const first = await runWorker(a.tenantId, account.id, { chunkSize: 100, killAfterChunks: 7 });
    expect(first).toMatchObject({ killed: true, done: false });
    const midway = await counts(a.tenantId, account.id);
    expect(midway.messages).toBeGreaterThanOrEqual(600);
    expect(midway.messages).toBeLessThan(2000);
    // What committed is consistent: the cursor never runs ahead of stored locations.
    for (const folder of await folders(a.tenantId, account.id)) {
      const stored = await withTenant<EmailDB, number>(testDb.db, { tenantId: a.tenantId }, async (trx) => {
        const row = await trx
          .selectFrom('communications.email_locations')
          .select(sql<number>`coalesce(max(uid), 0)::int`.as('max'))
          .where('folder_id', '=', folder.id)
          .executeTakeFirstOrThrow();
        return row.max;
      });
      expect(Number(folder.highest_uid)).toBe(stored);
    }

    const second = await runWorker(a.tenantId, account.id, { chunkSize: 100 });
    expect(second.done).toBe(true);
    const after = await counts(a.tenantId, account.id);
    expect(after).toMatchObject({ messages: 1980, distinctKeys: 1980, locations: 2000 });
    expect(Object.fromEntries((await folders(a.tenantId, account.id)).map((f) => [f.path, Number(f.highest_uid)]))).toEqual({
      Archive: 500,
      INBOX: 1000,
      Sent: 500,
    });
    // Replies joined their parents: every third message answers the one before it.
    expect(after.threads).toBeLessThan(1980);

    // Nothing new: a further sync fetches and stores nothing.
    const again = await syncAccount({ db: testDb.db, log: silent, services: env.services }, a.tenantId, account.id);
    expect(again.map((r) => r.fetched)).toEqual([0, 0, 0]);
    expect(await counts(a.tenantId, account.id)).toEqual(after);

    const received = await withTenant(testDb.db, { tenantId: a.tenantId }, (trx) => countOutbox(trx, { types: ['communications.email.received'] }));
    // One event per stored message, none twice across the kill; mail from the mailbox itself (Sent) is outbound, not received.
    expect(received).toBe(1480);

    // Two syncs of one folder at once (a second worker) store nothing twice.
    await deliver(MAILBOX, 'INBOX', batch('late', 30, customer, [MAILBOX]));
    const inbox = (await folders(a.tenantId, account.id)).find((f) => f.path === 'INBOX');
    const deps = { db: testDb.db, log: silent, services: env.services, chunkSize: 10 };
    const raced = await Promise.allSettled([
      syncFolder(deps, { tenantId: a.tenantId, folderId: inbox?.id ?? '' }),
      syncFolder(deps, { tenantId: a.tenantId, folderId: inbox?.id ?? '' }),
    ]);
    expect(raced.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []))).toEqual([]);
    expect(await counts(a.tenantId, account.id)).toMatchObject({ messages: 2010, distinctKeys: 2010, locations: 2030 });
  }, 240_000);

  it('resyncs a folder whose UIDVALIDITY changed, without duplicates', async () => {
    const user = 'ben@firm.example';
    const a = actorFor(testDb.db, env.services);
    const messages = batch('renumbered', 40, (i) => `c${i}@customer.example`, [user]);
    await deliver(user, 'Projects', messages);
    const account = await a.caller.accounts.connectImap(connectInput(user, ['Projects']));
    const deps = { db: testDb.db, log: silent, services: env.services };
    await syncAccount(deps, a.tenantId, account.id);
    const [before] = await folders(a.tenantId, account.id);
    expect(await counts(a.tenantId, account.id)).toMatchObject({ messages: 40, locations: 40 });

    // The folder is deleted and made again (a restore, a server migration): new UIDVALIDITY, new UIDs.
    const client = await dovecot.client(user);
    await client.mailboxDelete('Projects');
    await client.logout();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await deliver(user, 'Projects', [...messages.slice(5), ...batch('fresh', 3, () => 'new@customer.example', [user])]);

    const [result] = await syncAccount(deps, a.tenantId, account.id);
    expect(result).toMatchObject({ fullResync: true, fetched: 38 });
    const [after] = await folders(a.tenantId, account.id);
    expect(after?.uidvalidity).not.toBe(before?.uidvalidity);
    expect(after).toMatchObject({ full_resyncs: 1, highest_uid: 38 });
    // 40 old + 3 new messages, each once; only the 38 the server holds now have a location.
    expect(await counts(a.tenantId, account.id)).toMatchObject({ messages: 43, distinctKeys: 43, locations: 38 });
  }, 60_000);

  it('reconcile reports a message deleted on the server and mail missing locally, then the sync restores it', async () => {
    const user = 'cleo@firm.example';
    const a = actorFor(testDb.db, env.services);
    await deliver(
      user,
      'INBOX',
      batch('recon', 12, (i) => `r${i}@customer.example`, [user]),
    );
    const account = await a.caller.accounts.connectImap(connectInput(user, ['INBOX']));
    const deps = { db: testDb.db, log: silent, services: env.services };
    await syncAccount(deps, a.tenantId, account.id);
    expect((await reconcileAccount(deps, a.tenantId, account.id))?.deletedOnServer).toBe(0);

    // Read elsewhere → unread again: CONDSTORE reports the change since the stored HIGHESTMODSEQ.
    const flagger = await dovecot.client(user);
    await flagger.mailboxOpen('INBOX');
    await flagger.messageFlagsRemove('5', ['\\Seen'], { uid: true });
    await flagger.logout();
    const [flagSync] = await syncAccount(deps, a.tenantId, account.id);
    expect(flagSync).toMatchObject({ fetched: 0, flagsChanged: 1 });
    const seen = await withTenant<EmailDB, { uid: number; seen: boolean }[]>(testDb.db, { tenantId: a.tenantId }, (trx) =>
      trx.selectFrom('communications.email_locations').select(['uid', 'seen']).where('seen', '=', false).execute(),
    );
    expect(seen).toEqual([{ uid: 5, seen: false }]);

    const client = await dovecot.client(user);
    await client.mailboxOpen('INBOX');
    await client.messageDelete('3', { uid: true });
    await client.logout();
    // A stored location lost locally (the case the reconcile exists for: mail silently missing).
    await withTenant<EmailDB, void>(testDb.db, { tenantId: a.tenantId }, async (trx) => {
      await trx.deleteFrom('communications.email_locations').where('uid', '=', 7).execute();
    });

    const report = await reconcileAccount(deps, a.tenantId, account.id);
    expect(report).toMatchObject({
      deletedOnServer: 1,
      missingLocally: 1,
      folders: [{ path: 'INBOX', deletedOnServer: 1, missingLocally: 1, serverCount: 11 }],
    });
    const [listed] = (await a.caller.accounts.list()).items;
    expect(listed?.reconcile).toMatchObject({ deletedOnServer: 1, missingLocally: 1 });
    const deleted = await withTenant<EmailDB, { n: number }>(testDb.db, { tenantId: a.tenantId }, (trx) =>
      trx
        .selectFrom('communications.email_messages')
        .select(sql<number>`count(*)::int`.as('n'))
        .where('deleted_on_server_at', 'is not', null)
        .where('account_id', '=', account.id)
        .executeTakeFirstOrThrow(),
    );
    expect(deleted.n).toBe(1);
    // The connection shows it: the missing mail is a failure in its health.
    const connection = await inTenant(
      testDb.db,
      a.tenantId,
      (ctx) => env.services.connections?.secrets?.get(ctx, account.connectionId) ?? Promise.reject(new Error('no registry')),
    );
    expect(connection.lastError?.message).toContain('1 messages on the server were not stored');

    await syncAccount(deps, a.tenantId, account.id);
    expect((await reconcileAccount(deps, a.tenantId, account.id))?.missingLocally).toBe(0);
    expect(await counts(a.tenantId, account.id)).toMatchObject({ messages: 12, locations: 11 });
  }, 60_000);
});
