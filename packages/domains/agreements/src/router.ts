import { router } from '@ubos/platform';

/** The agreements domain's procedures. Empty until the domain is built. */
export const agreementsRouter = router({});
