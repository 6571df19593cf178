import { router } from '@ubos/platform';

/** The workflow domain's procedures. Empty until the domain is built. */
export const workflowRouter = router({});
