// The package entry (ARCHITECTURE.md §2): the module the host registers, the router's type and the contracts.
export { projectsModule } from './module.ts';
export { projectsRouter } from './router.ts';
export type ProjectsRouter = typeof import('./router.ts').projectsRouter;
export * from './contracts.ts';
