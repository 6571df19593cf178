import { router } from '@ubos/platform';

/** The scheduling domain's procedures. Empty until the domain is built. */
export const schedulingRouter = router({});
