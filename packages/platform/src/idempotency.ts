import { sql, type Kysely, type Transaction } from 'kysely';

export interface IdempotencyScope {
  tenantId: string;
  /** Who owns the key space, e.g. `projects.createFromTemplate` or `workflow.step`. */
  scope: string;
  /** The caller's idempotency key, e.g. `run_id:step_key`. */
  key: string;
}

/** JSON-compatible value: what the idempotency store can hold and give back. */
export type IdempotentResult = string | number | boolean | null | IdempotentResult[] | { [key: string]: IdempotentResult };

function toStored(value: unknown): IdempotentResult {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value)) as IdempotentResult;
}

/**
 * Runs `run()` at most once per (tenant, scope, key) and remembers its result in
 * platform.idempotency_keys, inside the caller's tenant transaction: the result is stored
 * exactly when the caller's writes commit. A repeat returns the stored result (JSON
 * round-tripped) without calling `run()`. Concurrent callers with the same key are serialised
 * by a transaction-scoped advisory lock, so the second waits for the first to commit (and then
 * sees its result) or to roll back (and then runs itself).
 */
export async function withIdempotency<T>(trx: Transaction<unknown> | Kysely<unknown>, scope: IdempotencyScope, run: () => Promise<T>): Promise<T> {
  if (!scope.scope || !scope.key) throw new Error('withIdempotency needs a scope and a key');
  const db = trx as Kysely<unknown>;
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`${scope.tenantId}|${scope.scope}|${scope.key}`}, 7100301))`.execute(db);
  const existing = await sql<{ result: unknown }>`
    SELECT result FROM platform.idempotency_keys
    WHERE tenant_id = ${scope.tenantId} AND scope = ${scope.scope} AND key = ${scope.key}`.execute(db);
  const found = existing.rows[0];
  if (found) return found.result as T;
  const result = toStored(await run());
  await sql`
    INSERT INTO platform.idempotency_keys (tenant_id, scope, key, result)
    VALUES (${scope.tenantId}, ${scope.scope}, ${scope.key}, ${JSON.stringify(result)}::jsonb)`.execute(db);
  return result as T;
}
