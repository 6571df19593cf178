import { router } from '@ubos/platform';

/** The communications domain's procedures. Empty until the domain is built. */
export const communicationsRouter = router({});
