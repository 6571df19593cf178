export { filesModule } from './module.ts';
export { filesRouter, type FilesRouter } from './router.ts';
export * from './contracts.ts';
