export { portalModule } from './module.ts';
export { portalRouter, type PortalRouter } from './router.ts';
export { portalCookieName, portalSessionFromCookie, resolvePortalSession } from './sessions.ts';
export * from './contracts.ts';
