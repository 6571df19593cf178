export { identityModule } from './module.ts';
export { identityRouter } from './router.ts';
