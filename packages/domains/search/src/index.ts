export { searchModule } from './module.ts';
export { searchRouter } from './router.ts';
