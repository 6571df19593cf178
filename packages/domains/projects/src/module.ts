import { defineDomain, grants } from '@ubos/platform';
import { projectsMigrations } from '../migrations/index.ts';
import { projectsActions } from './actions.ts';
import {
  columnCreated,
  milestoneCreated,
  milestoneReached,
  projectCompleted,
  projectCreated,
  projectUpdated,
  taskCompleted,
  taskCreated,
  taskMoved,
  taskUpdated,
  templateSaved,
  templateArchived,
} from './contracts.ts';
import { projectsSubscriptions } from './handlers.ts';
import { projectsRouter } from './router.ts';

/** The projects domain: projects, boards, tasks, milestones and templates (README.md). */
export const projectsModule = defineDomain({
  name: 'projects',
  router: projectsRouter,
  migrations: projectsMigrations,
  permissions: {
    'projects.project.read': grants.everyone,
    'projects.project.write': grants.staff,
    'projects.task.write': grants.staff,
    'projects.template.manage': grants.managers,
  },
  events: [
    projectCreated,
    projectUpdated,
    projectCompleted,
    columnCreated,
    milestoneCreated,
    milestoneReached,
    taskCreated,
    taskUpdated,
    taskMoved,
    taskCompleted,
    templateSaved,
    templateArchived,
  ],
  subscriptions: projectsSubscriptions,
  actions: projectsActions,
});
