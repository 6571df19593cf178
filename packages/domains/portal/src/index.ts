export { portalModule } from './module.ts';
export { portalRouter, type PortalRouter } from './router.ts';
export { portalCookieName, portalSessionFromCookie, resolvePortalSession } from './sessions.ts';
export { portalMailbox, type SentPortalMail } from './service-mail.ts';
export * from './contracts.ts';
