export { agreementsModule } from './module.ts';
export { agreementsRouter } from './router.ts';
