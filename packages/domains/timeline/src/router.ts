import { router, tenantProcedure } from '@ubos/platform';
import { activityPageDto, timelineListInput } from './contracts.ts';
import * as service from './service.ts';

/** The timeline domain's procedures (read-only: rows come from events). */
export const timelineRouter = router({
  list: tenantProcedure
    .meta({ permission: 'timeline.read' })
    .input(timelineListInput)
    .output(activityPageDto)
    .query(({ ctx, input }) => service.list(ctx.domain, input)),
});
