export { portalModule } from './module.ts';
export { portalRouter, type PortalRouter } from './router.ts';
export * from './contracts.ts';
