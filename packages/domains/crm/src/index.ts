export { crmModule } from './module.ts';
export { crmRouter } from './router.ts';
