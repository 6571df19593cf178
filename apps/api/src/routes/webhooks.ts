import { webhookVerifiers } from '@ubos/integrations';
import {
  createWebhookTargetResolver,
  providers,
  storeWebhookDelivery,
  vaultFromConfig,
  VaultUnavailableError,
  type Config,
  type Database,
  type Logger,
  type ProviderId,
  type WebhookRequest,
  type WebhookTargetResolver,
  type WebhookVerifier,
} from '@ubos/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Server } from '../server.ts';

/** Provider webhooks are small JSON or form posts; anything larger is refused before it is read. */
export const WEBHOOK_BODY_LIMIT = 1024 * 1024;
/** Deliveries per connection per minute: far above what a provider sends, low enough to blunt a flood. */
export const WEBHOOK_RATE_LIMIT_PER_CONNECTION = 600;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface WebhookRouteDeps {
  db: Database;
  /** Finds the connection (and its active secrets) by the URL's ids; null = webhooks are not served. */
  targets: WebhookTargetResolver | null;
  /** Default: every provider's verifier from @ubos/integrations. */
  verifiers?: Partial<Record<ProviderId, WebhookVerifier>>;
  rateLimitPerConnection?: number;
}

type WebhookParams = { provider: string; connectionId: string };

function firstValues(record: unknown): Record<string, string | undefined> {
  const result: Record<string, string | undefined> = {};
  if (!record || typeof record !== 'object') return result;
  for (const [key, value] of Object.entries(record as Record<string, unknown>)) {
    if (typeof value === 'string') result[key] = value;
    else if (Array.isArray(value) && typeof value[0] === 'string') result[key] = value[0];
  }
  return result;
}

function headerValues(request: FastifyRequest): Record<string, string | undefined> {
  const result: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(request.headers)) result[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  return result;
}

/** A refusal names no reason (the reason is logged): Xero's intent-to-receive wants an empty body. */
function refuse(reply: FastifyReply, provider: ProviderId, status: number) {
  if (provider === 'xero') return reply.status(status).type('text/plain').send('');
  return reply.status(status).send({ error: status === 401 ? 'Unauthorized' : 'Bad Request', message: 'The webhook could not be verified' });
}

/**
 * Webhook ingress (§7, §10): `POST /webhooks/:provider/:connectionId` (GET too, for validation
 * handshakes such as Graph's `validationToken`). No session: the provider's signature is the
 * credential. The raw body is kept as bytes for every content type (signatures cover the bytes),
 * the connection's secrets come from the resolver, the provider's verifier checks them in constant
 * time; a refusal stores nothing and answers 401. A verified delivery is stored once per provider
 * event id with its `platform.integrations.webhook.received` event in the same transaction, and the
 * provider gets its answer (200, or the exact reply it requires) only after the commit; processing
 * happens in the subscribers' jobs.
 */
export function webhookRoutes(deps: WebhookRouteDeps) {
  const verifiers = deps.verifiers ?? webhookVerifiers;
  return async function register(scope: Server): Promise<void> {
    // This scope only: every content type arrives as the untouched Buffer.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_request, body, done) => done(null, body));

    scope.route<{ Params: WebhookParams }>({
      method: ['GET', 'POST'],
      url: '/webhooks/:provider/:connectionId',
      bodyLimit: WEBHOOK_BODY_LIMIT,
      config: {
        rateLimit: {
          max: deps.rateLimitPerConnection ?? WEBHOOK_RATE_LIMIT_PER_CONNECTION,
          timeWindow: 60_000,
          keyGenerator: (request: FastifyRequest) => {
            const params = request.params as Partial<WebhookParams>;
            return `webhook:${params.provider ?? ''}:${params.connectionId ?? ''}`;
          },
        },
      },
      handler: async (request, reply) => {
        reply.header('cache-control', 'no-store');
        const { provider: providerParam, connectionId } = request.params;
        const provider = (providers as readonly string[]).includes(providerParam) ? (providerParam as ProviderId) : null;
        const verifier = provider ? verifiers[provider] : undefined;
        if (!provider || !verifier || !UUID.test(connectionId) || !deps.targets) {
          return reply.status(404).send({ error: 'Not Found', message: 'No webhook is served at this address' });
        }
        const target = await deps.targets.resolve(provider, connectionId.toLowerCase());
        if (!target || target.provider !== provider) return reply.status(404).send({ error: 'Not Found', message: 'No webhook is served at this address' });

        const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const webhookRequest: WebhookRequest = { method: request.method, headers: headerValues(request), query: firstValues(request.query), rawBody };
        const verification = verifier.verify(webhookRequest, target.secrets);
        if (!verification.ok) {
          request.log.warn({ provider, connectionId: target.connectionId, reason: verification.reason }, 'webhook refused');
          return refuse(reply, provider, verification.status ?? 401);
        }
        const stored = await storeWebhookDelivery(deps.db, {
          target,
          events: verification.events,
          rawBody,
          headers: webhookRequest.headers,
          correlationId: request.id,
        });
        request.log.info({ provider, connectionId: target.connectionId, events: verification.events.length, stored: stored.length }, 'webhook received');
        // Answered after the commit above, so a provider never sees success for a delivery we lost.
        if (verification.reply) return reply.status(verification.reply.status).type(verification.reply.contentType).send(verification.reply.body);
        return reply.status(200).send({ received: verification.events.length });
      },
    });
  };
}

/**
 * The registry's resolver (connections and their vaulted secrets), built on the first delivery: a
 * deployment without a vault key still boots, and its webhooks answer 404 until one is configured.
 */
export function registryWebhookTargets(deps: { db: Database; config: Config; log: Logger }): WebhookTargetResolver {
  let resolver: WebhookTargetResolver | null = null;
  return {
    async resolve(provider, connectionId) {
      if (!resolver) {
        try {
          resolver = createWebhookTargetResolver({ db: deps.db, vault: vaultFromConfig(deps.config), log: deps.log });
        } catch (error) {
          if (error instanceof VaultUnavailableError) {
            deps.log.warn({ provider }, 'webhook refused: no credential vault key is configured');
            return null;
          }
          throw error;
        }
      }
      return resolver.resolve(provider, connectionId);
    },
  };
}
