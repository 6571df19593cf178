export { projectsModule } from './module.ts';
export { projectsRouter } from './router.ts';
export { followCrmMerges, projectsSubscriptions } from './handlers.ts';
export { projectsActions, createFromTemplateAction, createTaskAction, completeTaskAction } from './actions.ts';
