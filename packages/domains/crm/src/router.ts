import { router } from '@ubos/platform';

/** The crm domain's procedures. Empty until the domain is built. */
export const crmRouter = router({});
