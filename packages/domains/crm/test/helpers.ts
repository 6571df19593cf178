import { createCallerFactory, sql, uuidv7, withTenant, type Database, type Role } from '@ubos/platform';
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
