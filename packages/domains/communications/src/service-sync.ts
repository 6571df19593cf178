import {
  createDomainContext,
  requireService,
  sql,
  withTenant,
  type Database,
  type DomainContext,
  type KernelServices,
  type Logger,
  type UntypedDB,
  type Transaction,
} from '@ubos/platform';
import type { ImapFlow } from 'imapflow';
import { accountReconciled } from './contracts-email.ts';
import type { AccountRow, EmailDB, FolderRow, ReconcileReport } from './db-email.ts';
import { closeImap, openImap } from './imap-client.ts';
import { parseEmail } from './mime.ts';
import * as repo from './repository-threads.ts';
import { storeMessages, uploadAttachments, type IncomingMessage } from './service-store.ts';

/**
 * IMAP sync, one folder at a time (a pg-boss job per folder, jobs.ts). The cursor is the folder's
 * UIDVALIDITY + highest stored UID (+ HIGHESTMODSEQ when the server offers CONDSTORE), written in
 * the same transaction as the chunk of messages it covers: a worker killed mid-sync resumes after
 * the last committed chunk, and (folder, UIDVALIDITY, UID) being unique means a replayed chunk
 * stores nothing twice. A changed UIDVALIDITY drops the folder's old locations and fetches it
 * again; messages already stored (same Message-ID) are found, not copied.
 */

export interface SyncDeps {
  db: Database;
  log: Logger;
  services: KernelServices;
  /** Messages per transaction (default 200). */
  chunkSize?: number;
  /** Called after each committed chunk (tests kill the worker here, the bench counts). */
  onChunk?: (stored: number) => void | Promise<void>;
}

export interface FolderRef {
  tenantId: string;
  folderId: string;
}

export interface SyncResult {
  fetched: number;
  created: number;
  fullResync: boolean;
  uidValidity: number;
  highestUid: number;
  /** Messages whose flags changed since the stored HIGHESTMODSEQ (CONDSTORE). */
  flagsChanged: number;
}

function context(trx: Transaction<UntypedDB>, tenantId: string, deps: SyncDeps, correlationId: string): DomainContext {
  return createDomainContext({ trx, tenantId, actorId: null, correlationId, log: deps.log, services: deps.services });
}

interface Loaded {
  account: AccountRow;
  folder: FolderRow;
  password: string;
}

async function load(deps: SyncDeps, tenantId: string, folderId: string): Promise<Loaded | null> {
  return withTenant<UntypedDB, Loaded | null>(deps.db, { tenantId }, async (trx) => {
    const ctx = context(trx, tenantId, deps, `sync:${folderId}`);
    const db = ctx.db<EmailDB>();
    const folder = await db.selectFrom('communications.email_folders').selectAll().where('id', '=', folderId).executeTakeFirst();
    if (!folder) return null;
    const account = await repo.findAccount(db, folder.account_id);
    if (!account || account.disconnected_at) return null;
    const secret = await requireService(deps.services, 'connections').secrets?.read(ctx, account.connection_id);
    if (!secret?.password) return null;
    return { account, folder, password: secret.password };
  });
}

async function recordHealth(deps: SyncDeps, tenantId: string, connectionId: string, error: unknown): Promise<void> {
  const health = deps.services.connections?.health;
  if (!health) return;
  const ref = { tenantId, connectionId };
  try {
    const breaker = await health.breaker(ref);
    if (error === null) await health.record(ref, { outcome: 'success' }, { ...breaker, consecutiveFailures: 0, state: 'closed', openedAt: null });
    else {
      const message = error instanceof Error ? error.message : String(error);
      await health.record(ref, { outcome: 'failure', message: message.slice(0, 500) }, { ...breaker, consecutiveFailures: breaker.consecutiveFailures + 1 });
    }
  } catch (healthError) {
    deps.log.warn({ err: healthError }, 'could not record the connection health');
  }
}

async function fetchChunk(client: ImapFlow, uids: readonly number[]) {
  const first = uids[0] as number;
  const last = uids.at(-1) as number;
  const wanted = new Set(uids);
  const messages = await client.fetchAll(
    `${first}:${last}`,
    { uid: true, flags: true, source: true, internalDate: true, size: true, threadId: true },
    { uid: true },
  );
  return messages.filter((message) => wanted.has(message.uid));
}

/** Syncs one folder from its cursor to the server's newest message. */
export async function syncFolder(deps: SyncDeps, ref: FolderRef): Promise<SyncResult | null> {
  const loaded = await load(deps, ref.tenantId, ref.folderId);
  if (!loaded) return null;
  const { account, folder } = loaded;
  const chunkSize = deps.chunkSize ?? 200;
  let client: ImapFlow | null = null;
  try {
    client = await openImap(deps.services, {
      host: account.imap_host,
      port: account.imap_port,
      tls: account.imap_tls,
      username: account.username,
      password: loaded.password,
    });
    const box = await client.mailboxOpen(folder.path, { readOnly: true });
    const uidValidity = Number(box.uidValidity);
    const modseq = box.highestModseq !== undefined ? box.highestModseq.toString() : null;
    const fullResync = folder.uidvalidity !== null && folder.uidvalidity !== uidValidity;
    let highest = fullResync ? 0 : folder.highest_uid;
    if (fullResync || folder.uidvalidity === null) {
      await withTenant<EmailDB, void>(deps.db, { tenantId: ref.tenantId }, async (trx) => {
        const locked = await trx
          .selectFrom('communications.email_folders')
          .select(['uidvalidity'])
          .where('id', '=', folder.id)
          .forUpdate()
          .executeTakeFirstOrThrow();
        if (locked.uidvalidity === uidValidity) return;
        // The server renumbered the folder: its old UIDs mean nothing now. Messages stay (their
        // Message-IDs find them again); only where they sat is forgotten.
        await trx.deleteFrom('communications.email_locations').where('folder_id', '=', folder.id).execute();
        await trx
          .updateTable('communications.email_folders')
          .set({
            uidvalidity: uidValidity,
            highest_uid: 0,
            highest_modseq: null,
            ...(locked.uidvalidity !== null ? { full_resyncs: sql<number>`full_resyncs + 1` } : {}),
          })
          .where('id', '=', folder.id)
          .execute();
      });
      highest = 0;
    }
    // CONDSTORE: flags changed on messages we already hold since the stored HIGHESTMODSEQ (read/unread elsewhere).
    let flagsChanged = 0;
    if (!fullResync && folder.highest_modseq !== null && modseq !== null && BigInt(modseq) > BigInt(folder.highest_modseq) && highest > 0) {
      const changed = await client.fetchAll(`1:${highest}`, { uid: true, flags: true }, { uid: true, changedSince: BigInt(folder.highest_modseq) });
      const seen = changed.filter((m) => m.flags?.has('\\Seen')).map((m) => m.uid);
      const unseen = changed.filter((m) => m.flags && !m.flags.has('\\Seen')).map((m) => m.uid);
      await withTenant<EmailDB, void>(deps.db, { tenantId: ref.tenantId }, async (trx) => {
        for (const [value, uids] of [
          [true, seen],
          [false, unseen],
        ] as const) {
          if (uids.length === 0) continue;
          await trx
            .updateTable('communications.email_locations')
            .set({ seen: value })
            .where('folder_id', '=', folder.id)
            .where('uidvalidity', '=', uidValidity)
            .where('uid', 'in', [...uids])
            .execute();
        }
      });
      flagsChanged = changed.length;
    }
    const found = box.exists > 0 ? await client.search({ uid: `${highest + 1}:*` }, { uid: true }) : [];
    const uids = (found || []).filter((uid) => uid > highest).sort((a, b) => a - b);
    let created = 0;
    for (let start = 0; start < uids.length; start += chunkSize) {
      const chunk = uids.slice(start, start + chunkSize);
      const fetched = await fetchChunk(client, chunk);
      const items: (IncomingMessage & { uid: number; seen: boolean })[] = [];
      for (const message of fetched) {
        if (!message.source) continue;
        const internalDate = message.internalDate ? new Date(message.internalDate) : undefined;
        const parsed = await parseEmail(message.source, internalDate);
        if (!parsed.providerThreadId && message.threadId) parsed.providerThreadId = message.threadId;
        const fromSelf = parsed.from?.address === account.email_address;
        items.push({
          uid: message.uid,
          seen: message.flags?.has('\\Seen') ?? false,
          parsed,
          direction: fromSelf ? 'outbound' : 'inbound',
          size: message.size ?? message.source.length,
          attachmentKeys: await uploadAttachments(deps.services.blobs, ref.tenantId, parsed),
        });
      }
      const chunkMax = chunk.at(-1) as number;
      const isLast = start + chunkSize >= uids.length;
      created += await withTenant<UntypedDB, number>(deps.db, { tenantId: ref.tenantId }, async (trx) => {
        const ctx = context(trx, ref.tenantId, deps, `sync:${folder.id}`);
        const db = ctx.db<EmailDB>();
        // One writer per account at a time: messages are unique per account across folders.
        await repo.findAccount(db, account.id, { forUpdate: true });
        const current = await db.selectFrom('communications.email_folders').selectAll().where('id', '=', folder.id).forUpdate().executeTakeFirstOrThrow();
        if (current.uidvalidity !== uidValidity) throw new Error('The folder was renumbered while it synced; the next run starts over');
        const fresh = items.filter((item) => item.uid > current.highest_uid);
        // Outbound copies (the Sent folder) of mail UBOS sent are the same message: found by dedupe key.
        const stored = await storeMessages(
          ctx,
          account,
          fresh.map((item) => (item.direction === 'outbound' ? { ...item, send: undefined } : item)),
        );
        if (fresh.length > 0) {
          await db
            .insertInto('communications.email_locations')
            .values(
              fresh.map((item, index) => ({
                tenant_id: ref.tenantId,
                folder_id: folder.id,
                uidvalidity: uidValidity,
                uid: item.uid,
                message_id: (stored[index] as { messageId: string }).messageId,
                seen: item.seen,
              })),
            )
            .onConflict((conflict) => conflict.columns(['folder_id', 'uidvalidity', 'uid']).doNothing())
            .execute();
        }
        await db
          .updateTable('communications.email_folders')
          .set({
            highest_uid: sql<number>`GREATEST(highest_uid, ${chunkMax})`,
            ...(isLast && modseq !== null ? { highest_modseq: modseq } : {}),
            last_synced_at: new Date(),
            last_error: null,
          })
          .where('id', '=', folder.id)
          .execute();
        return stored.filter((item) => item.created).length;
      });
      await deps.onChunk?.(chunk.length);
    }
    const after = await withTenant<EmailDB, FolderRow>(deps.db, { tenantId: ref.tenantId }, async (trx) => {
      // Locks in the chunks' order (account, then folder): two syncs of one account never deadlock.
      await trx.updateTable('communications.email_accounts').set({ last_synced_at: new Date(), last_sync_error: null }).where('id', '=', account.id).execute();
      const row = await trx
        .updateTable('communications.email_folders')
        .set({
          server_count: box.exists,
          last_synced_at: new Date(),
          last_error: null,
          ...(modseq !== null ? { highest_modseq: modseq } : {}),
          next_sync_at: new Date(Date.now() + account.poll_interval_seconds * 1000),
        })
        .where('id', '=', folder.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return row;
    });
    await recordHealth(deps, ref.tenantId, account.connection_id, null);
    return { fetched: uids.length, created, fullResync, uidValidity, highestUid: after.highest_uid, flagsChanged };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await withTenant<EmailDB, void>(deps.db, { tenantId: ref.tenantId }, async (trx) => {
      await trx
        .updateTable('communications.email_accounts')
        .set({ last_sync_error: message.slice(0, 500) })
        .where('id', '=', account.id)
        .execute();
      await trx
        .updateTable('communications.email_folders')
        .set({ last_error: message.slice(0, 500), next_sync_at: new Date(Date.now() + 60_000) })
        .where('id', '=', folder.id)
        .execute();
    });
    await recordHealth(deps, ref.tenantId, account.connection_id, error);
    throw error;
  } finally {
    if (client) await closeImap(client);
  }
}

/** Syncs every folder of an account (connect, tests, the bench). */
export async function syncAccount(deps: SyncDeps, tenantId: string, accountId: string): Promise<SyncResult[]> {
  const folders = await withTenant<EmailDB, { id: string }[]>(deps.db, { tenantId }, (trx) =>
    trx.selectFrom('communications.email_folders').select('id').where('account_id', '=', accountId).orderBy('path').execute(),
  );
  const results: SyncResult[] = [];
  for (const folder of folders) {
    const result = await syncFolder(deps, { tenantId, folderId: folder.id });
    if (result) results.push(result);
  }
  return results;
}

/**
 * The nightly reconcile: every UID on the server against what is stored for the current
 * UIDVALIDITY. Stored but gone from the server = deleted there (the location is marked removed;
 * a message in no folder any more is marked deleted on the server). On the server up to the cursor
 * but not stored = silently missing mail: reported on the account and the connection (a failure in
 * its health), and the cursor is moved back so the next sync fetches them.
 */
export async function reconcileAccount(deps: SyncDeps, tenantId: string, accountId: string): Promise<ReconcileReport | null> {
  const folders = await withTenant<EmailDB, FolderRow[]>(deps.db, { tenantId }, (trx) =>
    trx.selectFrom('communications.email_folders').selectAll().where('account_id', '=', accountId).orderBy('path').execute(),
  );
  const first = folders[0];
  if (!first) return null;
  const loaded = await load(deps, tenantId, first.id);
  if (!loaded) return null;
  const { account } = loaded;
  const report: ReconcileReport = { deletedOnServer: 0, missingLocally: 0, folders: [] };
  let client: ImapFlow | null = null;
  try {
    client = await openImap(deps.services, {
      host: account.imap_host,
      port: account.imap_port,
      tls: account.imap_tls,
      username: account.username,
      password: loaded.password,
    });
    for (const folder of folders) {
      if (folder.uidvalidity === null) continue;
      const box = await client.mailboxOpen(folder.path, { readOnly: true });
      if (Number(box.uidValidity) !== folder.uidvalidity) continue; // the next sync resyncs it
      const serverUids = new Set<number>(box.exists > 0 ? (await client.search({ all: true }, { uid: true })) || [] : []);
      const entry = await withTenant<UntypedDB, ReconcileReport['folders'][number]>(deps.db, { tenantId }, async (trx) => {
        const ctx = context(trx, tenantId, deps, `reconcile:${account.id}`);
        const db = ctx.db<EmailDB>();
        const current = await db.selectFrom('communications.email_folders').selectAll().where('id', '=', folder.id).forUpdate().executeTakeFirstOrThrow();
        const stored = await db
          .selectFrom('communications.email_locations')
          .select(['uid', 'message_id'])
          .where('folder_id', '=', folder.id)
          .where('uidvalidity', '=', current.uidvalidity ?? 0)
          .where('removed_at', 'is', null)
          .execute();
        const storedUids = new Set(stored.map((row) => row.uid));
        const gone = stored.filter((row) => !serverUids.has(row.uid));
        const missing = [...serverUids].filter((uid) => uid <= current.highest_uid && !storedUids.has(uid));
        if (gone.length > 0) {
          await db
            .updateTable('communications.email_locations')
            .set({ removed_at: new Date() })
            .where('folder_id', '=', folder.id)
            .where(
              'uid',
              'in',
              gone.map((row) => row.uid),
            )
            .where('uidvalidity', '=', current.uidvalidity ?? 0)
            .execute();
          await sql`
            UPDATE communications.email_messages m SET deleted_on_server_at = now()
             WHERE m.id IN (${sql.join(gone.map((row) => row.message_id))}) AND m.deleted_on_server_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM communications.email_locations l WHERE l.message_id = m.id AND l.removed_at IS NULL)
          `.execute(db);
        }
        if (missing.length > 0) {
          const lowest = Math.min(...missing);
          await db
            .updateTable('communications.email_folders')
            .set({ highest_uid: lowest - 1, next_sync_at: new Date() })
            .where('id', '=', folder.id)
            .execute();
        }
        return {
          path: folder.path,
          deletedOnServer: gone.length,
          missingLocally: missing.length,
          serverCount: serverUids.size,
          storedCount: stored.length - gone.length,
        };
      });
      report.folders.push(entry);
      report.deletedOnServer += entry.deletedOnServer;
      report.missingLocally += entry.missingLocally;
    }
  } catch (error) {
    await recordHealth(deps, tenantId, account.connection_id, error);
    throw error;
  } finally {
    if (client) await closeImap(client);
  }
  await withTenant<UntypedDB, void>(deps.db, { tenantId }, async (trx) => {
    const ctx = context(trx, tenantId, deps, `reconcile:${account.id}`);
    await ctx
      .db<EmailDB>()
      .updateTable('communications.email_accounts')
      .set({ reconciled_at: new Date(), reconcile_report: JSON.stringify(report) })
      .where('id', '=', account.id)
      .execute();
    await ctx.emit(
      accountReconciled,
      {
        account_id: account.id,
        connection_id: account.connection_id,
        owner_user_id: account.owner_user_id,
        email_address: account.email_address,
        deleted_on_server: report.deletedOnServer,
        missing_locally: report.missingLocally,
        folders: report.folders.length,
      },
      { aggregateId: account.id },
    );
  });
  await recordHealth(
    deps,
    tenantId,
    account.connection_id,
    report.missingLocally > 0 ? new Error(`${report.missingLocally} messages on the server were not stored; the next sync fetches them`) : null,
  );
  return report;
}
