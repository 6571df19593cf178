export { searchModule } from './module.ts';
export { searchRouter } from './router.ts';
export { indexDocuments, searchSubscriptions } from './handlers.ts';
export { applyEvent, indexedEventTypes } from './indexer.ts';
export { rebuildFromOutbox } from './service.ts';
