export { __name__Module } from './module.ts';
export { __name__Router, type __Name__Router } from './router.ts';
export * from './contracts.ts';
