import { sql, type JobDefinition } from '@ubos/platform';
import { z } from 'zod';
import { SYNC_FOLDER_JOB } from './service-accounts.ts';
import { runSend, SEND_JOB } from './service-send.ts';
import { reconcileAccount, syncFolder } from './service-sync.ts';

/**
 * Jobs of client email (pg-boss, run by the host's workers): every minute the scheduler queues one
 * sync job per due folder (singleton per folder, so a slow folder is never synced twice at once);
 * the sync job syncs that folder; the nightly reconcile compares every account with its server;
 * the send job sends one queued message.
 */

const folderJob = z.object({ tenantId: z.uuid(), folderId: z.uuid() });
const sendJob = z.object({ tenantId: z.uuid(), messageId: z.uuid() });

export const syncScheduler: JobDefinition = {
  name: 'communications.sync-scheduler',
  cron: '* * * * *',
  async run(_data, { db, log, services }) {
    const due = await sql<{ tenant_id: string; folder_id: string }>`SELECT tenant_id, folder_id FROM communications.due_folders(500)`.execute(db.kysely);
    for (const row of due.rows) {
      if (services.jobs) await services.jobs.send(SYNC_FOLDER_JOB, { tenantId: row.tenant_id, folderId: row.folder_id }, { singletonKey: row.folder_id });
      else
        await syncFolder({ db, log, services }, { tenantId: row.tenant_id, folderId: row.folder_id }).catch((error: unknown) =>
          log.warn({ err: error }, 'folder sync failed'),
        );
    }
  },
};

export const syncFolderJob: JobDefinition = {
  name: SYNC_FOLDER_JOB,
  async run(data, { db, log, services }) {
    const ref = folderJob.parse(data);
    await syncFolder({ db, log: log.child({ folderId: ref.folderId }), services }, ref);
  },
};

export const reconcileJob: JobDefinition = {
  name: 'communications.reconcile',
  cron: '23 3 * * *',
  async run(_data, { db, log, services }) {
    const accounts = await sql<{ tenant_id: string; account_id: string }>`SELECT tenant_id, account_id FROM communications.live_accounts(10000)`.execute(
      db.kysely,
    );
    for (const row of accounts.rows) {
      await reconcileAccount({ db, log, services }, row.tenant_id, row.account_id).catch((error: unknown) =>
        log.warn({ err: error, accountId: row.account_id }, 'reconcile failed'),
      );
    }
  },
};

export const sendMessageJob: JobDefinition = {
  name: SEND_JOB,
  async run(data, { db, log, services }) {
    const ref = sendJob.parse(data);
    const outcome = await runSend({ db, log, services }, ref);
    // pg-boss retries the job (with backoff); the message stays queued with the last error shown.
    if (outcome === 'retry') throw new Error('The SMTP server did not accept the message yet; retrying');
  },
};

export const emailJobs: readonly JobDefinition[] = [syncScheduler, syncFolderJob, reconcileJob, sendMessageJob];
