export { workflowModule } from './module.ts';
export { workflowRouter } from './router.ts';
