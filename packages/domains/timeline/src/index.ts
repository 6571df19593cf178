// The package entry (ARCHITECTURE.md §2): the module the host registers, the router and the contracts.
export { timelineModule } from './module.ts';
export { timelineRouter } from './router.ts';
export type TimelineRouter = typeof import('./router.ts').timelineRouter;
export * from './contracts.ts';
