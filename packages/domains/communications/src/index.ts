export { communicationsModule } from './module.ts';
export { communicationsRouter } from './router.ts';
