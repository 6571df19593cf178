/**
 * The seams between the integration kernel pieces (§7): the connections registry and vault
 * (platform/src/integrations) and the provider adapters, webhook verifiers and outbound HTTP
 * client (packages/integrations). Each side implements or consumes these; neither imports the
 * other's internals.
 */

/** The providers UBOS connects to. */
export const providers = ['google', 'microsoft', 'imap', 'smtp', 'caldav', 'docusign', 'dropbox_sign', 'pandadoc', 'quickbooks', 'xero'] as const;
export type ProviderId = (typeof providers)[number];

export const connectionStatuses = ['connected', 'syncing', 'degraded', 'needs_reauth', 'disconnected'] as const;
export type ConnectionStatus = (typeof connectionStatuses)[number];

/** Which connection of which tenant. */
export interface ConnectionRef {
  tenantId: string;
  connectionId: string;
}

// --- webhooks --------------------------------------------------------------------------------

/** What webhook ingress learns about a connection from the URL's ids alone (before any tenant is known). */
export interface WebhookTarget extends ConnectionRef {
  provider: ProviderId;
  /** The connection's active webhook secrets (several during a key rotation); empty = not configured. */
  secrets: readonly string[];
}

export interface WebhookTargetResolver {
  resolve(provider: ProviderId, connectionId: string): Promise<WebhookTarget | null>;
}

/** One inbound delivery as the host received it: the raw body is what signatures cover. */
export interface WebhookRequest {
  method: string;
  /** Lower-case header names. */
  headers: Readonly<Record<string, string | undefined>>;
  query: Readonly<Record<string, string | undefined>>;
  rawBody: Buffer;
}

export interface VerifiedWebhookEvent {
  /** The provider's own id of the event (the dedupe key). */
  providerEventId: string;
  eventType: string;
  payload: unknown;
}

export type WebhookVerification =
  | {
      ok: true;
      events: readonly VerifiedWebhookEvent[];
      /** The exact reply a provider requires (Dropbox Sign's `Hello API Event Received`, validation tokens). */
      reply?: { status: number; body: string; contentType: string };
    }
  /** `status`: what to answer instead of 401 (e.g. 400 for a verified but unreadable body). */
  | { ok: false; reason: string; status?: number };

/** One provider's signature scheme, checked in constant time over the raw body. */
export interface WebhookVerifier {
  readonly provider: ProviderId;
  verify(request: WebhookRequest, secrets: readonly string[]): WebhookVerification;
}

// --- health and the circuit breaker ----------------------------------------------------------

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerSnapshot {
  state: BreakerState;
  consecutiveFailures: number;
  openedAt: Date | null;
}

export type CallOutcome = { outcome: 'success' } | { outcome: 'failure'; message: string; providerCode?: string; retryAt?: Date };

/**
 * Where the outbound client keeps a connection's breaker and reports each call's outcome.
 * The registry implements it on the connection row (status, last success, last error,
 * consecutive failures, next retry, breaker state); tests and tools use an in-memory one.
 */
export interface ConnectionHealthStore {
  breaker(ref: ConnectionRef): Promise<BreakerSnapshot>;
  record(ref: ConnectionRef, outcome: CallOutcome, breaker: BreakerSnapshot): Promise<void>;
  /**
   * Optional: atomically move an open breaker whose cool-down has passed to `half_open` (openedAt =
   * now) and return true for exactly one caller — the single probe; false when another caller holds it
   * or the state changed (e.g. a conditional UPDATE … WHERE breaker_state = 'open' RETURNING). Without
   * it, the client keeps the probe to one call per process.
   */
  claimProbe?(ref: ConnectionRef, expected: BreakerSnapshot, now: Date): Promise<boolean>;
}

// --- credentials -----------------------------------------------------------------------------

/** A valid access token for a connection, refreshed (once at a time per connection) when needed. */
export interface AccessTokenSource {
  /**
   * `rejectedToken`: the provider answered 401 to this token; refresh unless the stored token is
   * already a newer one (so concurrent 401s cause one refresh).
   */
  accessToken(ref: ConnectionRef, options?: { rejectedToken?: string }): Promise<string>;
}
