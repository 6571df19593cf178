import { router } from '@ubos/platform';

/** The identity domain's procedures. Empty until the domain is built. */
export const identityRouter = router({});
