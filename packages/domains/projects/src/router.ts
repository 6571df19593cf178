import { router } from '@ubos/platform';

/** The projects domain's procedures. Empty until the domain is built. */
export const projectsRouter = router({});
