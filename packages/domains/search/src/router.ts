import { router, tenantDb, tenantProcedure } from '@ubos/platform';
import { searchQueryInput, searchResultSchema } from './contracts.ts';
import type { SearchDB } from './db.ts';
import * as service from './service.ts';

/** The search domain's procedures. */
export const searchRouter = router({
  query: tenantProcedure
    .meta({ permission: 'search.query' })
    .input(searchQueryInput)
    .output(searchResultSchema)
    .query(({ ctx, input }) => service.query(tenantDb<SearchDB>(ctx), ctx.tenant.permissions, input)),
});
