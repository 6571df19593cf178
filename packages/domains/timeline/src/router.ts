import { router, tenantProcedure } from '@ubos/platform';
import { activityPageDto, chainReportDto, timelineListInput } from './contracts.ts';
import * as service from './service.ts';

/** The timeline domain's procedures (read-only: rows come from events). */
export const timelineRouter = router({
  list: tenantProcedure
    .meta({ permission: 'timeline.read' })
    .input(timelineListInput)
    .output(activityPageDto)
    .query(({ ctx, input }) => service.list(ctx.domain, input)),
  /** Walks the tenant's hash chain from its first entry and reports the first broken link. */
  verifyChain: tenantProcedure
    .meta({ permission: 'timeline.audit.verify', cost: 'expensive' })
    .output(chainReportDto)
    .query(({ ctx }) => service.verifyChain(ctx.domain)),
});
