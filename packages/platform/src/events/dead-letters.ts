import { fromKysely, type PgBoss } from 'pg-boss';
import { sql, type Kysely, type Transaction, type UntypedDB } from '../db/database.ts';
import { QUEUE_SCHEMA } from '../queue/boss.ts';
import { eventEnvelopeSchema, type EventEnvelope } from './envelope.ts';
import { deadLetterQueueName } from './subscriptions.ts';

/** A job that exhausted its attempts, waiting in its subscription's dead-letter queue. */
export interface DeadLetter {
  /** Id of the job in the dead-letter queue (what redrive takes). */
  id: string;
  subscription: string;
  event: EventEnvelope | null;
  /** The raw job data when it is not a valid envelope. */
  raw: unknown;
  /** The last error the handler threw. */
  error: unknown;
  /** Attempts made before it was dead-lettered. */
  attempts: number;
  deadLetteredAt: Date;
  firstQueuedAt: Date | null;
}

interface DeadLetterRow {
  id: string;
  name: string;
  data: unknown;
  source_name: string | null;
  source_output: unknown;
  source_retry_count: number | null;
  created_on: Date;
  source_created_on: Date | null;
}

export interface DeadLetterFilter {
  /** Subscriptions to look at (every known one when omitted). */
  subscriptions: readonly string[];
  /** Only this tenant's events (tenant admins); null for all tenants (operators, CLI). */
  tenantId: string | null;
  limit?: number;
  /** Keyset cursor: the id of the last dead letter of the previous page. */
  after?: string | null;
}

type Executor = Kysely<UntypedDB> | Transaction<UntypedDB>;

function toDeadLetter(row: DeadLetterRow): DeadLetter {
  const parsed = eventEnvelopeSchema.safeParse(row.data);
  return {
    id: row.id,
    subscription: row.source_name ?? row.name.replace(/\.dead$/, ''),
    event: parsed.success ? parsed.data : null,
    raw: row.data,
    error: row.source_output,
    attempts: (row.source_retry_count ?? 0) + 1,
    deadLetteredAt: row.created_on,
    firstQueuedAt: row.source_created_on,
  };
}

const columns = sql`id, name, data, source_name, source_output, source_retry_count, created_on, source_created_on`;

/** Newest first. Reads pg-boss's job table directly so it can page and filter by tenant. */
export async function listDeadLetters(db: Executor, filter: DeadLetterFilter): Promise<DeadLetter[]> {
  const queues = filter.subscriptions.map(deadLetterQueueName);
  if (queues.length === 0) return [];
  const limit = Math.min(Math.max(filter.limit ?? 50, 1), 500);
  const result = await sql<DeadLetterRow>`
    SELECT ${columns}
      FROM ${sql.table(`${QUEUE_SCHEMA}.job`)} j
     WHERE name = ANY(${queues}::text[])
       AND state = 'created'
       AND (${filter.tenantId}::text IS NULL OR data->>'tenant_id' = ${filter.tenantId}::text)
       AND (${filter.after ?? null}::uuid IS NULL OR (created_on, id) < (
             SELECT created_on, id FROM ${sql.table(`${QUEUE_SCHEMA}.job`)} WHERE id = ${filter.after ?? null}::uuid LIMIT 1))
     ORDER BY created_on DESC, id DESC
     LIMIT ${limit}`.execute(db);
  return result.rows.map(toDeadLetter);
}

export async function getDeadLetter(
  db: Executor,
  id: string,
  scope: { subscriptions: readonly string[]; tenantId: string | null },
): Promise<DeadLetter | null> {
  const queues = scope.subscriptions.map(deadLetterQueueName);
  if (queues.length === 0) return null;
  const result = await sql<DeadLetterRow>`
    SELECT ${columns}
      FROM ${sql.table(`${QUEUE_SCHEMA}.job`)}
     WHERE id = ${id}::uuid AND name = ANY(${queues}::text[]) AND state = 'created'
       AND (${scope.tenantId}::text IS NULL OR data->>'tenant_id' = ${scope.tenantId}::text)`.execute(db);
  const row = result.rows[0];
  return row ? toDeadLetter(row) : null;
}

/**
 * Moves dead letters back to their subscription queue (pg-boss redrive): fresh attempts,
 * same event. The handler's processed_events check keeps a redrive from applying twice.
 * Returns how many jobs moved.
 */
export async function redriveDeadLetters(
  boss: PgBoss,
  options: {
    subscriptions: readonly string[];
    tenantId: string | null;
    ids?: readonly string[];
    /** Run inside this transaction (e.g. the tRPC tenant transaction). */
    trx?: Transaction<UntypedDB>;
  },
): Promise<number> {
  let moved = 0;
  for (const subscription of options.subscriptions) {
    const dead = deadLetterQueueName(subscription);
    // No queue yet (no worker has booted against this database): nothing was dead-lettered.
    if (!(await boss.getQueue(dead))) continue;
    const source = await boss.getQueue(subscription);
    if (source?.policy === 'key_strict_fifo') {
      // Ordered queue: the failed original still holds back its aggregate, so retry it in place
      // (same id and created_on: it stays the head of its key) and drop the dead-letter copy.
      // Only when the original is gone (retention) is the copy redriven as a new job.
      const db = options.trx ? fromKysely(options.trx) : boss.getDb();
      const { rows } = await db.executeSql(
        `SELECT d.id, d.source_id, (o.id IS NOT NULL) AS original
           FROM ${QUEUE_SCHEMA}.job d
           LEFT JOIN ${QUEUE_SCHEMA}.job o ON o.name = $1 AND o.id = d.source_id AND o.state = 'failed'
          WHERE d.name = $2 AND d.state = 'created'
            AND ($3::uuid[] IS NULL OR d.id = ANY($3::uuid[]))
            AND ($4::text IS NULL OR d.data->>'tenant_id' = $4::text)
          ORDER BY d.created_on, d.id`,
        [subscription, dead, options.ids ? [...options.ids] : null, options.tenantId],
      );
      const letters = rows as { id: string; source_id: string | null; original: boolean }[];
      const inPlace = letters.filter((letter) => letter.original && letter.source_id);
      if (inPlace.length > 0) {
        await boss.retry(
          subscription,
          inPlace.map((letter) => letter.source_id as string),
          { db },
        );
        await boss.deleteJob(
          dead,
          inPlace.map((letter) => letter.id),
          { db },
        );
        moved += inPlace.length;
      }
      const orphans = letters.filter((letter) => !letter.original).map((letter) => letter.id);
      if (orphans.length > 0) {
        moved += await boss.redrive(dead, { destination: subscription, ids: orphans, db, limit: orphans.length });
      }
      continue;
    }
    for (;;) {
      const count = await boss.redrive(dead, {
        destination: subscription,
        ...(options.ids ? { ids: [...options.ids] } : {}),
        ...(options.tenantId ? { data: { tenant_id: options.tenantId } } : {}),
        ...(options.trx ? { db: fromKysely(options.trx) } : {}),
        limit: 1000,
      });
      moved += count;
      if (count < 1000 || options.ids) break;
    }
  }
  return moved;
}
