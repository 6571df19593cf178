import { router } from '@ubos/platform';

/** The files domain's procedures. Empty until the domain is built. */
export const filesRouter = router({});
