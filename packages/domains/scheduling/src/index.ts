export { schedulingModule } from './module.ts';
export { schedulingRouter } from './router.ts';
