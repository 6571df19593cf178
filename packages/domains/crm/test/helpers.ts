import {
  createCallerFactory,
  createLogger,
  defineEvent,
  handleEvent,
  rowToEnvelope,
  sql,
  subscriptionMatches,
  uuidv7,
  withTenant,
  writeEvent,
  type Database,
  type OutboxRow,
  type Role,
  type Subscription,
} from '@ubos/platform';
import { z } from 'zod';
import { testContext, testSession } from '@ubos/platform/testing';
import { crmRouter } from '../src/router.ts';

export const createCaller = createCallerFactory(crmRouter);

export interface Actor {
  tenantId: string;
  userId: string;
  caller: ReturnType<typeof createCaller>;
}

export function actor(db: Database, role: Role = 'owner', tenantId: string = uuidv7()): Actor {
  const userId = uuidv7();
  return { tenantId, userId, caller: createCaller(testContext({ db, session: testSession({ userId, tenantId, role }) })) };
}

export interface OutboxEvent {
  id: string;
  type: string;
  aggregate_id: string;
  payload: Record<string, unknown>;
}

export async function outbox(db: Database, tenantId: string, type?: string): Promise<OutboxEvent[]> {
  return withTenant(db, { tenantId }, async (trx) => {
    const result = await sql<OutboxEvent>`
      SELECT id, type, aggregate_id, payload FROM platform.outbox
      ${type ? sql`WHERE type = ${type}` : sql``} ORDER BY position`.execute(trx);
    return result.rows;
  });
}

export async function count(db: Database, tenantId: string, table: string): Promise<number> {
  return withTenant(db, { tenantId }, async (trx) => {
    const result = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(trx);
    return result.rows[0]?.n ?? 0;
  });
}

/** Delivers every outbox event of the tenant the subscription wants, as the runner would, until none is left. */
export async function deliverAll(db: Database, tenantId: string, subscription: Subscription, seen: Set<string> = new Set()): Promise<number> {
  let delivered = 0;
  for (;;) {
    const rows = await withTenant(db, { tenantId }, async (trx) => (await sql<OutboxRow>`SELECT * FROM platform.outbox ORDER BY position`.execute(trx)).rows);
    const pending = rows.filter((row) => !seen.has(row.id) && subscriptionMatches(subscription, row.type));
    if (pending.length === 0) return delivered;
    for (const row of pending) {
      seen.add(row.id);
      await handleEvent(db, subscription, rowToEnvelope(row), { log: silent });
      delivered += 1;
    }
  }
}

export const silent = createLogger({ level: 'silent' });

/** A hand-made envelope of another domain's event (e.g. projects.*), written to the outbox like a real one. */
export async function emitForeign(db: Database, tenantId: string, type: string, payload: Record<string, unknown>): Promise<void> {
  const contract = defineEvent({ type, version: 1, aggregateType: type.split('.')[1] ?? 'x', payload: z.record(z.string(), z.unknown()) });
  await withTenant(db, { tenantId }, (trx) => writeEvent(trx, contract, payload, { tenantId, actorId: null, correlationId: 'test', aggregateId: String(payload.project_id ?? payload.task_id ?? 'x') }));
}
