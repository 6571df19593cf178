export { portalModule } from './module.ts';
export { portalRouter } from './router.ts';
