import { router } from '@ubos/platform';

/** The timeline domain's procedures. Empty until the domain is built. */
export const timelineRouter = router({});
