export { projectsModule } from './module.ts';
export { projectsRouter } from './router.ts';
