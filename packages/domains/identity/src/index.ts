export { identityModule } from './module.ts';
export { identityRouter, type IdentityRouter } from './router.ts';
export {
  SESSION_COOKIE_NAME,
  sessionCookieName,
  SESSION_CACHE_TTL_MS,
  resolveSession,
  sessionCookieOptions,
  setSessionCookie,
  clearSessionCookie,
} from './sessions.ts';
export { disableUser } from './service.ts';
export { resolveApiKey, isWellFormedApiKey } from './service-api-keys.ts';
