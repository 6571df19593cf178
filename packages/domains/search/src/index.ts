// The package entry (ARCHITECTURE.md §2): the module the host registers, the router, the contracts,
// and what the host's operations CLI drives (the synchronous rebuild) or replays (the indexer).
export { searchModule } from './module.ts';
export { searchRouter } from './router.ts';
export type SearchRouter = typeof import('./router.ts').searchRouter;
export { indexDocuments } from './handlers.ts';
export { runRebuild } from './service-rebuild.ts';
export * from './contracts.ts';
