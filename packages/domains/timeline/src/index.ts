export { timelineModule } from './module.ts';
export { timelineRouter } from './router.ts';
