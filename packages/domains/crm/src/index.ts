// The package entry (ARCHITECTURE.md §2): the module the host registers, the router's type and the contracts.
export { crmModule } from './module.ts';
export { crmRouter } from './router.ts';
export type CrmRouter = typeof import('./router.ts').crmRouter;
export * from './contracts.ts';
