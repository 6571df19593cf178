import { completeOAuthCallback, providerLabels, type ProviderId } from '@ubos/platform';
import { fastifyCookieJar, sessionFromCookie, type ContextDeps } from '../context.ts';
import type { Server } from '../server.ts';

/** Where the staff app shows the result (Settings → Integrations reads `connected` / `error`). */
const SETTINGS = '/settings?tab=integrations';

function querySnapshot(query: unknown): Record<string, string | undefined> {
  const result: Record<string, string | undefined> = {};
  if (!query || typeof query !== 'object') return result;
  for (const [key, value] of Object.entries(query as Record<string, unknown>)) {
    if (typeof value === 'string') result[key] = value.slice(0, 4096);
  }
  return result;
}

/**
 * GET /oauth/callback/:provider (§7): the provider sends the staff member's browser back here
 * with `code` and `state`. The platform checks the state is this session's, exchanges the code
 * and stores the connection; the browser then lands on Settings → Integrations with the result
 * in words. Never a 500, and the URL (which carries the code) is never logged at info.
 */
export function oauthCallbackRoutes(deps: ContextDeps) {
  return async function register(scope: Server): Promise<void> {
    scope.get<{ Params: { provider: string } }>('/oauth/callback/:provider', { logLevel: 'warn' }, async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const provider = request.params.provider;
      let target: string;
      try {
        const session = await sessionFromCookie(deps, fastifyCookieJar(request, reply));
        const result = await completeOAuthCallback({ db: deps.db, config: deps.config, log: request.log }, session, provider, querySnapshot(request.query));
        target = result.ok
          ? `${SETTINGS}&connected=${encodeURIComponent(result.connection.provider)}&connection=${encodeURIComponent(result.connection.id)}`
          : `${SETTINGS}&error=${encodeURIComponent(result.message)}`;
      } catch (error) {
        request.log.error({ err: error instanceof Error ? { name: error.name, message: error.message } : 'unknown', provider }, 'oauth callback failed');
        const label = (providerLabels as Record<string, string>)[provider as ProviderId] ?? 'The provider';
        target = `${SETTINGS}&error=${encodeURIComponent(`${label} could not be connected because of an error on our side. Try again.`)}`;
      }
      return reply.redirect(target, 303);
    });
  };
}
