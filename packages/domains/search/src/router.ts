import { router, tenantDb, tenantProcedure } from '@ubos/platform';
import { rebuildDto, rebuildRequestOutput, rebuildStatusInput, searchQueryInput, searchResultSchema } from './contracts.ts';
import type { SearchDB } from './db.ts';
import * as service from './service.ts';
import * as rebuild from './service-rebuild.ts';

/** search.index.*: rebuild the tenant's documents from its retained outbox, as long work. */
const index = router({
  /** Queues a rebuild (or returns the one queued or running); progress through rebuildStatus. */
  rebuild: tenantProcedure
    .meta({ permission: 'search.admin' })
    .output(rebuildRequestOutput)
    .mutation(({ ctx }) => rebuild.requestRebuild(ctx)),
  /** A rebuild by id, or the tenant's latest (null when it never rebuilt). */
  rebuildStatus: tenantProcedure
    .meta({ permission: 'search.admin' })
    .input(rebuildStatusInput)
    .output(rebuildDto.nullable())
    .query(({ ctx, input }) => rebuild.getRebuild(ctx, input.id)),
});

/** The search domain's procedures. */
export const searchRouter = router({
  query: tenantProcedure
    .meta({ permission: 'search.query' })
    .input(searchQueryInput)
    .output(searchResultSchema)
    .query(({ ctx, input }) => service.query(tenantDb<SearchDB>(ctx), ctx.tenant.permissions, input)),
  index,
});
