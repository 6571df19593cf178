import {
  createCallerFactory,
  createDomainContext,
  createLogger,
  handleEvent,
  rowToEnvelope,
  sql,
  subscriptionMatches,
  uuidv7,
  withTenant,
  writeEvent,
  type Database,
  type DomainContext,
  type EventContract,
  type OutboxRow,
  type Role,
  type Subscription,
  type Transaction,
  type UntypedDB,
} from '@ubos/platform';
import { testContext, testSession } from '@ubos/platform/testing';
import { crmModule } from '../src/module.ts';
import { crmRouter } from '../src/router.ts';

export const createCaller = createCallerFactory(crmRouter);

export interface Actor {
  tenantId: string;
  userId: string;
  caller: ReturnType<typeof createCaller>;
}

export function actor(db: Database, role: Role = 'owner', tenantId: string = uuidv7()): Actor {
  const userId = uuidv7();
  const session = testSession({ userId, tenantId, role, modules: [crmModule] });
  return { tenantId, userId, caller: createCaller(testContext({ db, session, modules: [crmModule] })) };
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

/** Another domain's event (e.g. projects.*) written to the outbox through its contract, like a real one. */
export async function emitForeign<Payload extends Record<string, unknown>>(
  db: Database,
  tenantId: string,
  contract: EventContract<string, Payload>,
  payload: Payload,
  aggregateId: string,
): Promise<void> {
  await withTenant(db, { tenantId }, (trx) => writeEvent(trx, contract, payload, { tenantId, actorId: null, correlationId: 'test', aggregateId }));
}

/** The DomainContext a handler or a workflow step gets, over a tenant transaction the test opened. */
export function domainContext(
  trx: Transaction<UntypedDB>,
  meta: { tenantId: string; actorId?: string | null; correlationId?: string; causationId?: string | null },
): DomainContext {
  return createDomainContext({
    trx,
    tenantId: meta.tenantId,
    actorId: meta.actorId ?? null,
    correlationId: meta.correlationId ?? 'test',
    causationId: meta.causationId ?? null,
    log: silent,
  });
}
