import { DomainError, NotFoundError, requireService, uuidv7, type DomainContext } from '@ubos/platform';
import { accountConnected, accountDisconnected, type ConnectImapInput, type EmailAccountDto } from './contracts-email.ts';
import type { AccountRow, EmailDB, FolderRow } from './db-email.ts';
import { closeImap, defaultFolders, openImap } from './imap-client.ts';
import * as repo from './repository-threads.ts';
import { verifySmtp } from './smtp-client.ts';

/** Email accounts of staff users (IMAP + SMTP): connect with a connection test, list, disconnect. */

export const SYNC_FOLDER_JOB = 'communications.sync-folder';

function toDto(row: AccountRow, folders: FolderRow[], status: string): EmailAccountDto {
  return {
    id: row.id,
    connectionId: row.connection_id,
    ownerUserId: row.owner_user_id,
    provider: row.provider,
    emailAddress: row.email_address,
    displayName: row.display_name,
    imap: { host: row.imap_host, port: row.imap_port, tls: row.imap_tls },
    smtp: { host: row.smtp_host, port: row.smtp_port, security: row.smtp_security },
    username: row.username,
    pollIntervalSeconds: row.poll_interval_seconds,
    status,
    lastSyncedAt: row.last_synced_at,
    lastSyncError: row.last_sync_error,
    reconciledAt: row.reconciled_at,
    reconcile: row.reconcile_report,
    folders: folders.map((folder) => ({
      path: folder.path,
      uidValidity: folder.uidvalidity === null ? null : String(folder.uidvalidity),
      highestUid: String(folder.highest_uid),
      highestModseq: folder.highest_modseq,
      lastSyncedAt: folder.last_synced_at,
      lastError: folder.last_error,
    })),
    createdAt: row.created_at,
    disconnectedAt: row.disconnected_at,
  };
}

function actor(ctx: DomainContext): string {
  if (!ctx.actorId) throw new DomainError('FORBIDDEN', 'Only a signed-in person connects a mailbox');
  return ctx.actorId;
}

async function dto(ctx: DomainContext, row: AccountRow): Promise<EmailAccountDto> {
  const db = ctx.db<EmailDB>();
  const folders = await db.selectFrom('communications.email_folders').selectAll().where('account_id', '=', row.id).orderBy('path').execute();
  let status = row.disconnected_at ? 'disconnected' : 'connected';
  const secrets = ctx.services.connections?.secrets;
  if (secrets && !row.disconnected_at) status = (await secrets.get(ctx, row.connection_id)).status;
  return toDto(row, folders, status);
}

/**
 * Tests IMAP (login, folder list) and SMTP (EHLO + AUTH) with what was typed before anything is
 * stored; then the connection (password in the vault), the account and its folders, one event,
 * and the first sync of each folder queued after the commit.
 */
export async function connectImap(ctx: DomainContext, input: ConnectImapInput): Promise<EmailAccountDto> {
  const owner = actor(ctx);
  const secrets = requireService(ctx.services, 'connections').secrets;
  if (!secrets) throw new Error('The connections registry offers no secret store in this process');
  const db = ctx.db<EmailDB>();
  const live = await db
    .selectFrom('communications.email_accounts')
    .select('id')
    .where('owner_user_id', '=', owner)
    .where('email_address', '=', input.emailAddress)
    .where('disconnected_at', 'is', null)
    .executeTakeFirst();
  if (live)
    throw new DomainError('CONFLICT', `${input.emailAddress} is already connected: disconnect it first to change its settings`, [
      { path: ['emailAddress'], message: 'Already connected' },
    ]);
  const client = await openImap(ctx.services, {
    host: input.imap.host,
    port: input.imap.port,
    tls: input.imap.tls,
    username: input.username,
    password: input.password,
  });
  let folders: { path: string; specialUse: string | null }[];
  try {
    const all = await client.list();
    if (input.folders && input.folders.length > 0) {
      const known = new Map(all.map((box) => [box.path, box.specialUse ?? null]));
      const unknown = input.folders.filter((path) => !known.has(path));
      if (unknown.length > 0)
        throw new DomainError('BAD_REQUEST', `The server has no folder named ${unknown.join(', ')}`, [{ path: ['folders'], message: 'Unknown folder' }]);
      folders = input.folders.map((path) => ({ path, specialUse: known.get(path) ?? null }));
    } else folders = await defaultFolders(client);
  } finally {
    await closeImap(client);
  }
  await verifySmtp(ctx.services, {
    host: input.smtp.host,
    port: input.smtp.port,
    security: input.smtp.security,
    username: input.username,
    password: input.password,
  });
  const connection = await secrets.save(ctx, {
    provider: 'imap',
    accountLabel: input.emailAddress,
    externalAccountId: `${owner}:${input.emailAddress}`,
    ownerUserId: owner,
    secret: { password: input.password },
  });
  const id = uuidv7();
  const row = await db
    .insertInto('communications.email_accounts')
    .values({
      id,
      tenant_id: ctx.tenantId,
      owner_user_id: owner,
      connection_id: connection.id,
      email_address: input.emailAddress,
      display_name: input.displayName ?? null,
      imap_host: input.imap.host,
      imap_port: input.imap.port,
      imap_tls: input.imap.tls,
      smtp_host: input.smtp.host,
      smtp_port: input.smtp.port,
      smtp_security: input.smtp.security,
      username: input.username,
      ...(input.pollIntervalSeconds ? { poll_interval_seconds: input.pollIntervalSeconds } : {}),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const folderRows = await db
    .insertInto('communications.email_folders')
    .values(folders.map((folder) => ({ id: uuidv7(), tenant_id: ctx.tenantId, account_id: id, path: folder.path, special_use: folder.specialUse })))
    .returningAll()
    .execute();
  await ctx.emit(
    accountConnected,
    { account_id: id, connection_id: connection.id, owner_user_id: owner, email_address: input.emailAddress },
    { aggregateId: id },
  );
  const jobs = ctx.services.jobs;
  if (jobs) {
    const tenantId = ctx.tenantId;
    ctx.afterCommit(async () => {
      for (const folder of folderRows) await jobs.send(SYNC_FOLDER_JOB, { tenantId, folderId: folder.id }, { singletonKey: folder.id });
    });
  }
  return dto(ctx, row);
}

/** My mailboxes (admins see everyone's, for the integrations view). */
export async function listAccounts(ctx: DomainContext, options: { all: boolean }): Promise<{ items: EmailAccountDto[] }> {
  const db = ctx.db<EmailDB>();
  let query = db.selectFrom('communications.email_accounts').selectAll().where('disconnected_at', 'is', null);
  if (!options.all) query = query.where('owner_user_id', '=', actor(ctx));
  const rows = await query.orderBy('created_at').orderBy('id').limit(200).execute();
  return { items: await Promise.all(rows.map((row) => dto(ctx, row))) };
}

/** Disconnects: the password is erased from the vault; stored mail stays; syncing stops. */
export async function disconnectAccount(ctx: DomainContext, id: string, options: { manager: boolean }): Promise<EmailAccountDto> {
  const db = ctx.db<EmailDB>();
  const row = await repo.findAccount(db, id, { forUpdate: true });
  if (!row || (row.owner_user_id !== ctx.actorId && !options.manager)) throw new NotFoundError('Email account', id);
  if (row.disconnected_at) return dto(ctx, row);
  const updated = await db
    .updateTable('communications.email_accounts')
    .set({ disconnected_at: new Date() })
    .where('id', '=', id)
    .where('disconnected_at', 'is', null)
    .returningAll()
    .executeTakeFirstOrThrow();
  await requireService(ctx.services, 'connections').secrets?.disconnect(ctx, row.connection_id);
  await ctx.emit(
    accountDisconnected,
    { account_id: id, connection_id: row.connection_id, owner_user_id: row.owner_user_id, email_address: row.email_address },
    { aggregateId: id },
  );
  return dto(ctx, updated);
}
