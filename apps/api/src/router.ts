import { router } from '@ubos/platform';
import { agreementsModule } from '@ubos/agreements';
import { communicationsModule } from '@ubos/communications';
import { crmModule } from '@ubos/crm';
import { filesModule } from '@ubos/files';
import { identityModule } from '@ubos/identity';
import { portalModule } from '@ubos/portal';
import { projectsModule } from '@ubos/projects';
import { revenueModule } from '@ubos/revenue';
import { schedulingModule } from '@ubos/scheduling';
import { searchModule } from '@ubos/search';
import { timelineModule } from '@ubos/timeline';
import { workflowModule } from '@ubos/workflow';
import { platformModule } from '@ubos/platform';

/** The one appRouter: each domain mounted under its own name. */
export const appRouter = router({
  platform: platformModule.router,
  identity: identityModule.router,
  timeline: timelineModule.router,
  crm: crmModule.router,
  projects: projectsModule.router,
  search: searchModule.router,
  workflow: workflowModule.router,
  files: filesModule.router,
  communications: communicationsModule.router,
  scheduling: schedulingModule.router,
  portal: portalModule.router,
  agreements: agreementsModule.router,
  revenue: revenueModule.router,
});

export type AppRouter = typeof appRouter;
