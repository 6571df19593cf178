import { router, routersOf } from '@ubos/platform';
import { modules } from './modules.ts';

/** The one appRouter: each module of the one module list mounted under its own name. */
export const appRouter = router(routersOf(modules));

export type AppRouter = typeof appRouter;
