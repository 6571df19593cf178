import { router } from '@ubos/platform';

/** The portal domain's procedures. Empty until the domain is built. */
export const portalRouter = router({});
