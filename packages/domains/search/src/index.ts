export { searchModule } from './module.ts';
export { searchRouter } from './router.ts';
export { indexDocuments, rebuildIndex, searchSubscriptions } from './handlers.ts';
export { applyEvent, indexedEventTypes } from './indexer.ts';
export { runRebuild, REBUILD_CHUNK_EVENTS } from './service-rebuild.ts';
