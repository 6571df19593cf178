export { revenueModule } from './module.ts';
export { revenueRouter, type RevenueRouter } from './router.ts';
export * from './contracts.ts';
