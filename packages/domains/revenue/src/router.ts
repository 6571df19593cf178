import { router } from '@ubos/platform';

/** The revenue domain's procedures. Empty until the domain is built. */
export const revenueRouter = router({});
