import { router, tenantProcedure } from '@ubos/platform';
import { rebuildDto, rebuildRequestDto, rebuildStatusInput, searchQueryInput, searchResultDto } from './contracts.ts';
import * as service from './service.ts';
import * as rebuild from './service-rebuild.ts';

/** search.index.*: rebuild the tenant's documents from its retained outbox, as long work. */
const index = router({
  /** Queues a rebuild (or returns the one queued or running); progress through rebuildStatus. */
  rebuild: tenantProcedure
    .meta({ permission: 'search.admin', cost: 'expensive' })
    .output(rebuildRequestDto)
    .mutation(({ ctx }) => rebuild.requestRebuild(ctx.domain)),
  /** A rebuild by id, or the tenant's latest (null when it never rebuilt). */
  rebuildStatus: tenantProcedure
    .meta({ permission: 'search.admin' })
    .input(rebuildStatusInput)
    .output(rebuildDto.nullable())
    .query(({ ctx, input }) => rebuild.getRebuild(ctx.domain, input.id)),
});

/** The search domain's procedures. */
export const searchRouter = router({
  query: tenantProcedure
    .meta({ permission: 'search.query' })
    .input(searchQueryInput)
    .output(searchResultDto)
    .query(({ ctx, input }) => service.query(ctx.domain, ctx.tenant.permissions, input)),
  index,
});
