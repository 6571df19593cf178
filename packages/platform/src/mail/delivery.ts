import type pg from 'pg';
import type { Job, JobInsert, PgBoss } from 'pg-boss';
import { sql } from 'kysely';
import { withTenant, type Database } from '../db/database.ts';
import { Relay } from '../events/relay.ts';
import type { Logger } from '../logger.ts';
import { resolveAppLinks } from './templates.ts';
import { describeSmtpError, isPermanentSmtpError, type MailTransport } from './transport.ts';
import type { MailDB, SystemMailRow } from './types.ts';

export const MAIL_QUEUE = 'platform.system-mail';
export const MAIL_DEAD_QUEUE = 'platform.system-mail.dead';
export const MAIL_CHANNEL = 'ubos_mail';
export const KEPT_IN_LOG_MESSAGE = 'System email kept in the outgoing-mail log (no SMTP_URL): read it in Settings → Email → Sent by UBOS';

export interface MailJobData {
  tenantId: string;
  mailId: string;
}

export interface MailDeliveryOptions {
  db: Database;
  boss: PgBoss;
  transport: MailTransport;
  log: Logger;
  /** The From header (`MAIL_FROM`). */
  from: string;
  /** The app's address (PUBLIC_URL, else the host's): path-only links in messages are resolved against it when sent. */
  appUrl?: string;
  listenConnectionString?: string;
  /** Retries after the first attempt before the job goes to the dead letter and the message shows failed (default 5). */
  retryLimit?: number;
  /** Base of the exponential backoff, seconds (default 30: 30 s, 1 min, 2 min, …). */
  retryDelaySeconds?: number;
  retryDelayMaxSeconds?: number;
  pollIntervalMs?: number;
  batchSize?: number;
}

export interface MailDelivery {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Moves every committed, unqueued message to the queue now (tests, shutdown). */
  flush(): Promise<number>;
}

function isJobData(value: unknown): value is MailJobData {
  const data = value as Partial<MailJobData> | null;
  return typeof data?.tenantId === 'string' && typeof data.mailId === 'string';
}

/**
 * One relay pass: claims committed rows not yet queued (every tenant, system scope), inserts one
 * pg-boss job per row through the same transaction (job id = the row's id) and marks them queued.
 */
async function enqueueBatch(db: Database, boss: PgBoss, batchSize: number): Promise<number> {
  const client = await db.pool.connect();
  let discard: Error | undefined;
  try {
    const results = (await client.query(`begin; select set_config('app.system', 'on', true);
      UPDATE platform.system_mail m SET enqueued_at = now()
        FROM (SELECT id FROM platform.system_mail WHERE enqueued_at IS NULL ORDER BY created_at LIMIT ${batchSize} FOR UPDATE SKIP LOCKED) claimed
       WHERE m.id = claimed.id
      RETURNING m.id, m.tenant_id`)) as unknown as pg.QueryResult<{ id: string; tenant_id: string }>[];
    const rows = results[2]?.rows ?? [];
    if (rows.length > 0) {
      const executor = {
        async executeSql(text: string, values?: unknown[]) {
          const result = await client.query(text, values);
          return { rows: result.rows };
        },
      };
      const jobs: JobInsert<MailJobData>[] = rows.map((row) => ({ id: row.id, data: { tenantId: row.tenant_id, mailId: row.id } }));
      await boss.insert(MAIL_QUEUE, jobs, { db: executor });
    }
    await client.query('commit');
    return rows.length;
  } catch (error) {
    await client.query('rollback').catch((rollbackError: unknown) => {
      discard = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    throw error;
  } finally {
    client.release(discard);
  }
}

/**
 * Delivers system mail (§7 "Mail port"): the kernel's Relay moves committed log rows to the
 * `platform.system-mail` queue; a worker sends each through the transport and records the outcome on
 * the row. A 5xx reply fails the message at once; anything else is retried with backoff and, after
 * the last retry, the message shows failed and the job lands in `platform.system-mail.dead`.
 * Delivery is at-least-once: a crash between the SMTP reply and the row update sends it again.
 */
export function createMailDelivery(options: MailDeliveryOptions): MailDelivery {
  const { db, boss, transport, from } = options;
  const log = options.log.child({ component: 'system-mail' });
  const retryLimit = options.retryLimit ?? 5;
  const batchSize = options.batchSize ?? 100;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new Error(`Invalid mail batch size ${batchSize}`);
  const relay = new Relay({
    name: 'ubos-mail',
    channel: MAIL_CHANNEL,
    connection: options.listenConnectionString ? { connectionString: options.listenConnectionString } : { ...db.pool.options },
    batchSize,
    pollIntervalMs: options.pollIntervalMs ?? 2000,
    log,
    pass: () => enqueueBatch(db, boss, batchSize),
  });

  async function deliver(job: Job<unknown>): Promise<void> {
    if (!isJobData(job.data)) {
      log.error({ jobId: job.id }, 'malformed system mail job');
      return;
    }
    const { tenantId, mailId } = job.data;
    const row = await withTenant<MailDB, SystemMailRow | undefined>(db, { tenantId }, (trx) =>
      trx.selectFrom('platform.system_mail').selectAll().where('id', '=', mailId).executeTakeFirst(),
    );
    if (row?.status !== 'queued') return;
    if (transport.kind === 'log') {
      await withTenant<MailDB, unknown>(db, { tenantId }, (trx) =>
        trx
          .updateTable('platform.system_mail')
          .set({ status: 'kept_in_log', attempts: sql<number>`attempts + 1`, sent_at: sql<Date>`now()`, updated_at: sql<Date>`now()`, last_error: null })
          .where('id', '=', mailId)
          .where('status', '=', 'queued')
          .execute(),
      );
      log.info({ mailId, tenantId, template: row.template }, KEPT_IN_LOG_MESSAGE);
      return;
    }
    try {
      const info = await transport.send({
        from,
        to: { email: row.to_email, name: row.to_name },
        subject: row.subject,
        html: options.appUrl ? resolveAppLinks(row.html, options.appUrl) : row.html,
        text: options.appUrl ? resolveAppLinks(row.text, options.appUrl) : row.text,
        attachments: row.attachments ?? [],
        mailId,
      });
      await withTenant<MailDB, unknown>(db, { tenantId }, (trx) =>
        trx
          .updateTable('platform.system_mail')
          .set({
            status: 'sent',
            attempts: sql<number>`attempts + 1`,
            provider_message_id: info.messageId,
            sent_at: sql<Date>`now()`,
            updated_at: sql<Date>`now()`,
            last_error: null,
          })
          .where('id', '=', mailId)
          .where('status', '=', 'queued')
          .execute(),
      );
      log.info({ mailId, tenantId, template: row.template, messageId: info.messageId }, 'system email sent');
    } catch (error) {
      const permanent = isPermanentSmtpError(error);
      const exhausted = job.retryCount >= retryLimit;
      const reason = describeSmtpError(error);
      await withTenant<MailDB, unknown>(db, { tenantId }, (trx) =>
        trx
          .updateTable('platform.system_mail')
          .set({ status: permanent || exhausted ? 'failed' : 'queued', attempts: sql<number>`attempts + 1`, last_error: reason, updated_at: sql<Date>`now()` })
          .where('id', '=', mailId)
          .where('status', '=', 'queued')
          .execute(),
      );
      log.warn(
        { mailId, tenantId, template: row.template, attempt: job.retryCount + 1, permanent, reason },
        permanent || exhausted ? 'system email failed' : 'system email will be retried',
      );
      // A final refusal is recorded, not retried; anything else goes back to pg-boss (retry, then the dead letter).
      if (!permanent) throw error;
    }
  }

  let started = false;
  return {
    async start() {
      if (started) return;
      started = true;
      if (!(await boss.getQueue(MAIL_DEAD_QUEUE))) await boss.createQueue(MAIL_DEAD_QUEUE, { retentionSeconds: 14 * 24 * 3600 });
      const queue = {
        retryLimit,
        retryDelay: options.retryDelaySeconds ?? 30,
        retryBackoff: true,
        retryDelayMax: options.retryDelayMaxSeconds ?? 3600,
        deadLetter: MAIL_DEAD_QUEUE,
        expireInSeconds: 300,
        deleteAfterSeconds: 3600,
      };
      if (!(await boss.getQueue(MAIL_QUEUE))) await boss.createQueue(MAIL_QUEUE, queue);
      else await boss.updateQueue(MAIL_QUEUE, queue);
      await boss.work<unknown>(MAIL_QUEUE, { batchSize: 1, localConcurrency: 2, pollingIntervalSeconds: 1 }, async (jobs) => {
        for (const job of jobs) await deliver(job);
      });
      await relay.start();
      log.info({ transport: transport.kind }, 'system mail delivery started');
    },
    async stop() {
      if (!started) return;
      started = false;
      await relay.stop();
      await boss.offWork(MAIL_QUEUE, { wait: true });
    },
    flush: () => relay.drain(),
  };
}
