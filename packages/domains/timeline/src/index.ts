// The package entry (ARCHITECTURE.md §2): the module the host registers, the router and the contracts.
import { withTenant, type Database } from '@ubos/platform';
import type { ChainReportDto } from './contracts.ts';
import type { TimelineDB } from './db.ts';
import { verifyTenantChain } from './service.ts';

export { timelineModule } from './module.ts';
export { timelineRouter } from './router.ts';
export type TimelineRouter = typeof import('./router.ts').timelineRouter;
export * from './contracts.ts';

/** `pnpm ubos audit:verify`: the tenant's chain walked in its own transaction (RLS). */
export function verifyTimelineChain(db: Database, tenantId: string): Promise<ChainReportDto> {
  return withTenant<TimelineDB, ChainReportDto>(db, { tenantId }, (trx) => verifyTenantChain(trx));
}
