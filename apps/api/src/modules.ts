import { platformModule, type DomainModule } from '@ubos/platform';
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

/** Every module the host composes, in migration order (platform first). */
export const modules = [
  platformModule,
  identityModule,
  timelineModule,
  crmModule,
  projectsModule,
  searchModule,
  workflowModule,
  filesModule,
  communicationsModule,
  schedulingModule,
  portalModule,
  agreementsModule,
  revenueModule,
] as const satisfies readonly DomainModule[];
