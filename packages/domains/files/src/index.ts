export { filesModule } from './module.ts';
export { filesRouter } from './router.ts';
