import { router } from '@ubos/platform';

/** The search domain's procedures. Empty until the domain is built. */
export const searchRouter = router({});
