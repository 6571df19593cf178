export { revenueModule } from './module.ts';
export { revenueRouter } from './router.ts';
