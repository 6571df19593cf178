import { router, tenantProcedure } from '@ubos/platform';
import { list } from './procedures/list.ts';
import { listInput, listOutput } from './procedures/list.schema.ts';

/** The timeline domain's procedures (read-only: rows come from events). */
export const timelineRouter = router({
  list: tenantProcedure
    .meta({ permission: 'timeline.read' })
    .input(listInput)
    .output(listOutput)
    .query(({ ctx, input }) => list(ctx, input)),
});
