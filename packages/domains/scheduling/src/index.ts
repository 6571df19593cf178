export { schedulingModule } from './module.ts';
export { schedulingRouter, type SchedulingRouter } from './router.ts';
export * from './contracts.ts';
