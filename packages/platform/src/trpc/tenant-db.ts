import type { Transaction } from 'kysely';
import type { TenantContext } from './context.ts';

/** The tenant transaction of a tenant procedure, typed with the calling domain's own schema. */
export function tenantDb<DB>(ctx: Pick<TenantContext, 'trx'>): Transaction<DB> {
  return ctx.trx as unknown as Transaction<DB>;
}
