import { createHash, randomBytes } from 'node:crypto';
import type { Config } from '../config.ts';
import { withTenant, type Database } from '../db/database.ts';
import { createDomainContext, type DomainContext } from '../domain/context.ts';
import { DomainError, NotFoundError } from '../errors.ts';
import { uuidv7 } from '../ids.ts';
import type { Logger } from '../logger.ts';
import type { SessionInfo } from '../trpc/context.ts';
import {
  oauthProviderSchema,
  oauthProviders,
  oauthStarted,
  providerLabels,
  type ConnectionDto,
  type OAuthProviderDto,
  type OAuthProviderId,
  type StartOAuthDto,
  type StartOAuthInput,
} from './contracts.ts';
import type { IntegrationsDB, StoredCredentials } from './db.ts';
import type { AccessTokenSource, ConnectionRef } from './ports.ts';
import { createConnectionHealthStore, markNeedsReauth, saveOAuthConnection } from './registry.ts';
import { createConnectionSecretStore } from './secrets.ts';
import type { ConnectionServices } from '../domain/services.ts';
import { VaultUnavailableError, vaultFromConfig, type Vault } from './vault.ts';

/**
 * OAuth 2.0 connect (§7, §10): authorization code + PKCE S256 with a `state` of 256 random bits,
 * stored hashed with the staff session, single use, 10 minutes; the callback exchanges the code
 * and stores the tokens in the vault. Refresh is serialised per connection by a row lock and
 * rotation-safe; `invalid_grant` moves the connection to needs_reauth once, without retrying.
 */

export const MANAGE_PERMISSION = 'platform.integrations.manage';
export const STATE_TTL_MS = 10 * 60 * 1000;
/** A token this close to expiry is refreshed before use. */
const EXPIRY_SKEW_MS = 60 * 1000;
const TOKEN_TIMEOUT_MS = 15_000;

// ---------------------------------------------------------------- provider endpoints

export interface OAuthProviderConfig {
  provider: OAuthProviderId;
  clientId: string;
  clientSecret: string;
  authorizeUrl: string;
  tokenUrl: string;
  scopes: readonly string[];
  extraAuthorizeParams: Readonly<Record<string, string>>;
  /** How the client authenticates at the token endpoint. */
  clientAuth: 'basic' | 'post';
}

type ProviderDefaults = Omit<OAuthProviderConfig, 'provider' | 'clientId' | 'clientSecret'>;

/** The providers' documented endpoints and the scopes the domains' adapters need. */
const defaults: Record<OAuthProviderId, ProviderDefaults> = {
  google: {
    authorizeUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
    tokenUrl: 'https://oauth2.googleapis.com/token',
    scopes: ['openid', 'email', 'https://www.googleapis.com/auth/gmail.modify', 'https://www.googleapis.com/auth/calendar'],
    // Google issues a refresh token only with offline access, and again only with consent.
    extraAuthorizeParams: { access_type: 'offline', prompt: 'consent' },
    clientAuth: 'post',
  },
  microsoft: {
    authorizeUrl: 'https://login.microsoftonline.com/common/oauth2/v2.0/authorize',
    tokenUrl: 'https://login.microsoftonline.com/common/oauth2/v2.0/token',
    scopes: ['openid', 'email', 'offline_access', 'User.Read', 'Mail.ReadWrite', 'Mail.Send', 'Calendars.ReadWrite'],
    extraAuthorizeParams: {},
    clientAuth: 'post',
  },
  quickbooks: {
    authorizeUrl: 'https://appcenter.intuit.com/connect/oauth2',
    tokenUrl: 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer',
    scopes: ['com.intuit.quickbooks.accounting', 'openid', 'email'],
    extraAuthorizeParams: {},
    clientAuth: 'basic',
  },
  xero: {
    authorizeUrl: 'https://login.xero.com/identity/connect/authorize',
    tokenUrl: 'https://identity.xero.com/connect/token',
    scopes: ['openid', 'profile', 'email', 'offline_access', 'accounting.transactions', 'accounting.contacts'],
    extraAuthorizeParams: {},
    clientAuth: 'basic',
  },
  docusign: {
    authorizeUrl: 'https://account.docusign.com/oauth/auth',
    tokenUrl: 'https://account.docusign.com/oauth/token',
    scopes: ['signature', 'extended'],
    extraAuthorizeParams: {},
    clientAuth: 'basic',
  },
  dropbox_sign: {
    authorizeUrl: 'https://app.hellosign.com/oauth/authorize',
    tokenUrl: 'https://app.hellosign.com/oauth/token',
    scopes: ['basic_account_info', 'request_signature'],
    extraAuthorizeParams: {},
    clientAuth: 'post',
  },
  pandadoc: {
    authorizeUrl: 'https://app.pandadoc.com/oauth2/authorize',
    tokenUrl: 'https://api.pandadoc.com/oauth2/access_token',
    scopes: ['read+write'],
    extraAuthorizeParams: {},
    clientAuth: 'post',
  },
};

type OAuthKey<Suffix extends string> = `OAUTH_${Uppercase<OAuthProviderId>}_${Suffix}`;

/** The provider's OAuth client from config, or null when no client id and secret are configured. */
export function oauthProviderConfig(config: Config, provider: OAuthProviderId): OAuthProviderConfig | null {
  const upper = provider.toUpperCase() as Uppercase<OAuthProviderId>;
  const setting = <Suffix extends string>(suffix: Suffix): string | undefined =>
    (config as unknown as Record<OAuthKey<Suffix>, string | undefined>)[`OAUTH_${upper}_${suffix}`];
  const clientId = setting('CLIENT_ID');
  const clientSecret = setting('CLIENT_SECRET');
  if (!clientId || !clientSecret) return null;
  const base = defaults[provider];
  return {
    provider,
    clientId,
    clientSecret,
    ...base,
    authorizeUrl: setting('AUTHORIZE_URL') ?? base.authorizeUrl,
    tokenUrl: setting('TOKEN_URL') ?? base.tokenUrl,
  };
}

export function listOAuthProviders(config: Config): OAuthProviderDto[] {
  return oauthProviders.map((provider) => ({ provider, label: providerLabels[provider], configured: oauthProviderConfig(config, provider) !== null }));
}

function requireProvider(config: Config, provider: OAuthProviderId): OAuthProviderConfig {
  const found = oauthProviderConfig(config, provider);
  if (!found) {
    const upper = provider.toUpperCase();
    throw new DomainError(
      'PRECONDITION_FAILED',
      `${providerLabels[provider]} is not set up on this server yet: an administrator sets OAUTH_${upper}_CLIENT_ID and OAUTH_${upper}_CLIENT_SECRET`,
    );
  }
  return found;
}

/** The vault, or a sentence saying why integrations cannot be connected. */
export function requireVault(config: Config): Vault {
  try {
    return vaultFromConfig(config);
  } catch (error) {
    if (error instanceof VaultUnavailableError) throw new DomainError('PRECONDITION_FAILED', error.message);
    throw error;
  }
}

// ---------------------------------------------------------------- the token endpoint

export type FetchLike = (input: string, init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal }) => Promise<Response>;

interface TokenResponse {
  access_token: string;
  refresh_token?: string;
  expires_in?: number;
  token_type?: string;
  scope?: string;
  id_token?: string;
  [key: string]: unknown;
}

type TokenResult = { ok: true; tokens: TokenResponse } | { ok: false; error: string; description: string | null; status: number };

/** One call to the provider's token endpoint. The result never carries a request secret. */
async function callTokenEndpoint(provider: OAuthProviderConfig, params: Record<string, string>, fetchImpl: FetchLike): Promise<TokenResult> {
  const body = new URLSearchParams(params);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (provider.clientAuth === 'basic') {
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(provider.clientId)}:${encodeURIComponent(provider.clientSecret)}`).toString('base64')}`;
  } else {
    body.set('client_id', provider.clientId);
    body.set('client_secret', provider.clientSecret);
  }
  let response: Response;
  try {
    response = await fetchImpl(provider.tokenUrl, { method: 'POST', headers, body: body.toString(), signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS) });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    return { ok: false, error: timedOut ? 'timeout' : 'network_error', description: null, status: 0 };
  }
  let json: unknown = null;
  try {
    json = await response.json();
  } catch {
    json = null;
  }
  const record = json && typeof json === 'object' ? (json as Record<string, unknown>) : {};
  if (response.ok && typeof record.access_token === 'string') return { ok: true, tokens: record as TokenResponse };
  // A provider may echo what it was sent: scrub every secret of the request from what we keep.
  const sent = [provider.clientSecret, ...Object.values(params)].filter((value) => value.length >= 6);
  const scrub = (text: string) => sent.reduce((result, secret) => result.split(secret).join('[redacted]'), text);
  const error = typeof record.error === 'string' ? scrub(record.error).slice(0, 100) : `http_${response.status}`;
  const description = typeof record.error_description === 'string' ? scrub(record.error_description).slice(0, 300) : null;
  return { ok: false, error, description, status: response.status };
}

function credentialsOf(tokens: TokenResponse, previousRefreshToken: string | null): StoredCredentials {
  const expiresIn = Number(tokens.expires_in);
  return {
    accessToken: tokens.access_token,
    // A provider that does not rotate answers without a refresh token: keep the one we have.
    refreshToken: typeof tokens.refresh_token === 'string' && tokens.refresh_token.length > 0 ? tokens.refresh_token : previousRefreshToken,
    expiresAt: Number.isFinite(expiresIn) && expiresIn > 0 ? new Date(Date.now() + expiresIn * 1000).toISOString() : null,
    tokenType: typeof tokens.token_type === 'string' ? tokens.token_type : 'Bearer',
  };
}

/** The account's label and id from the OpenID id_token's claims, when the provider sends one (labels only: not a trust decision). */
function accountOf(
  provider: OAuthProviderId,
  tokens: TokenResponse,
  query: Readonly<Record<string, string | undefined>>,
): { label: string; externalId: string | null } {
  let claims: Record<string, unknown> = {};
  if (typeof tokens.id_token === 'string') {
    const [, payload] = tokens.id_token.split('.');
    try {
      const parsed: unknown = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8'));
      if (parsed && typeof parsed === 'object') claims = parsed as Record<string, unknown>;
    } catch {
      claims = {};
    }
  }
  const text = (value: unknown) => (typeof value === 'string' && value.trim().length > 0 ? value.trim().slice(0, 200) : null);
  // QuickBooks names the company in the callback (realmId).
  const realm = provider === 'quickbooks' ? text(query.realmId) : null;
  const subject = text(claims.sub);
  const label =
    text(claims.email) ?? text(claims.preferred_username) ?? text(claims.name) ?? (realm ? `Company ${realm}` : `${providerLabels[provider]} account`);
  const externalId = realm ?? subject;
  return { label, externalId };
}

// ---------------------------------------------------------------- start

const sha256Hex = (value: string) => createHash('sha256').update(value).digest('hex');

function callbackUrl(config: Config, provider: OAuthProviderId, origin: string | undefined): string {
  const base = (config.PUBLIC_URL ?? origin ?? `http://localhost:${config.PORT}`).replace(/\/+$/, '');
  return `${base}/oauth/callback/${provider}`;
}

export interface StartOAuthContext {
  domain: DomainContext;
  config: Config;
  session: Pick<SessionInfo, 'sessionId' | 'userId'>;
}

/** platform.integrations.oauth.start: the authorize URL, with a state bound to this session. */
export async function startOAuth(ctx: StartOAuthContext, input: StartOAuthInput): Promise<StartOAuthDto> {
  const db = ctx.domain.db<IntegrationsDB>();
  if (input.connectionId) {
    const existing = await db
      .selectFrom('platform.integration_connections')
      .select(['provider', 'status'])
      .where('id', '=', input.connectionId)
      .executeTakeFirst();
    if (!existing) throw new NotFoundError('Connection', input.connectionId);
    if (existing.provider !== input.provider) throw new DomainError('BAD_REQUEST', `That connection is a ${providerLabels[existing.provider]} connection`);
  }
  const vault = requireVault(ctx.config);
  const provider = requireProvider(ctx.config, input.provider);
  const state = randomBytes(32).toString('base64url');
  const stateHash = sha256Hex(state);
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const redirectUri = callbackUrl(ctx.config, input.provider, input.origin);
  const expiresAt = new Date(Date.now() + STATE_TTL_MS);
  // Housekeeping: states are useless once expired.
  await db
    .deleteFrom('platform.integration_oauth_states')
    .where('expires_at', '<', new Date(Date.now() - 24 * 3600 * 1000))
    .execute();
  await db
    .insertInto('platform.integration_oauth_states')
    .values({
      state_hash: stateHash,
      tenant_id: ctx.domain.tenantId,
      session_id: sha256Hex(ctx.session.sessionId),
      user_id: ctx.session.userId,
      provider: input.provider,
      connection_id: input.connectionId ?? null,
      redirect_uri: redirectUri,
      code_verifier: vault.encrypt(verifier, { tenantId: ctx.domain.tenantId, subjectId: `oauth_state:${stateHash}` }),
      expires_at: expiresAt,
    })
    .execute();
  const attemptId = uuidv7();
  await ctx.domain.emit(
    oauthStarted,
    { attempt_id: attemptId, provider: input.provider, connection_id: input.connectionId ?? null },
    { aggregateId: input.connectionId ?? attemptId },
  );
  const url = new URL(provider.authorizeUrl);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', provider.clientId);
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('scope', provider.scopes.join(' '));
  url.searchParams.set('state', state);
  url.searchParams.set('code_challenge', challenge);
  url.searchParams.set('code_challenge_method', 'S256');
  for (const [key, value] of Object.entries(provider.extraAuthorizeParams)) url.searchParams.set(key, value);
  return { authorizeUrl: url.toString(), expiresAt: expiresAt.toISOString() };
}

// ---------------------------------------------------------------- callback

export interface OAuthDeps {
  db: Database;
  config: Config;
  log: Logger;
  /** The HTTP client for the token endpoint (default: global fetch). */
  fetch?: FetchLike;
}

export type CallbackResult = { ok: true; connection: ConnectionDto } | { ok: false; message: string };

const fail = (message: string): CallbackResult => ({ ok: false, message });

/**
 * The host's GET /oauth/callback/:provider: verifies the state belongs to this session (and
 * consumes it), exchanges the code, stores the tokens and the connection. Every failure is a
 * sentence for the person, never a secret.
 */
export async function completeOAuthCallback(
  deps: OAuthDeps,
  session: SessionInfo | null,
  providerParam: string,
  query: Readonly<Record<string, string | undefined>>,
): Promise<CallbackResult> {
  const parsedProvider = oauthProviderSchema.safeParse(providerParam);
  if (!parsedProvider.success) return fail('That is not a provider UBOS connects to.');
  const provider = parsedProvider.data;
  const label = providerLabels[provider];
  if (!session) return fail(`Sign in to UBOS first, then connect ${label} again.`);
  if (!session.tenantId) return fail(`Choose an organization first, then connect ${label} again.`);
  if (!session.permissions.has(MANAGE_PERMISSION)) return fail(`Your role does not allow connecting integrations (integrations.manage).`);
  const state = query.state;
  if (!state || state.length > 200) return fail(`${label} did not send back the sign-in state. Start again from Settings → Integrations.`);
  const stateHash = sha256Hex(state);
  const tenantId = session.tenantId;

  // Consume the state first: single use, whatever happens next.
  const consumed = await withTenant<
    IntegrationsDB,
    { row: { session_id: string; provider: string; connection_id: string | null; redirect_uri: string; code_verifier: string; expires_at: Date } | undefined }
  >(deps.db, { tenantId, userId: session.userId }, async (trx) => ({
    row: await trx
      .updateTable('platform.integration_oauth_states')
      .set({ consumed_at: new Date() })
      .where('state_hash', '=', stateHash)
      .where('consumed_at', 'is', null)
      .returning(['session_id', 'provider', 'connection_id', 'redirect_uri', 'code_verifier', 'expires_at'])
      .executeTakeFirst(),
  }));
  const row = consumed.row;
  if (!row) return fail(`This ${label} sign-in link was already used or is not from this organization. Start again from Settings → Integrations.`);
  if (row.session_id !== sha256Hex(session.sessionId))
    return fail(`This ${label} sign-in was started in another session. Start again from Settings → Integrations.`);
  if (row.provider !== provider) return fail(`This sign-in was started for another provider. Start again from Settings → Integrations.`);
  if (row.expires_at.getTime() <= Date.now())
    return fail(`The ${label} sign-in took longer than 10 minutes and expired. Start again from Settings → Integrations.`);
  if (query.error) {
    const reason = query.error === 'access_denied' ? 'access was not granted' : (query.error_description ?? query.error).slice(0, 200);
    return fail(`${label} did not connect: ${reason}.`);
  }
  if (!query.code) return fail(`${label} did not send an authorization code. Start again from Settings → Integrations.`);

  let vault: Vault;
  let providerConfig: OAuthProviderConfig;
  try {
    vault = requireVault(deps.config);
    providerConfig = requireProvider(deps.config, provider);
  } catch (error) {
    return fail(error instanceof DomainError ? error.message : 'Integrations are not available on this server.');
  }
  let verifier: string;
  try {
    verifier = vault.decrypt(row.code_verifier, { tenantId, subjectId: `oauth_state:${stateHash}` });
  } catch {
    return fail(`The ${label} sign-in could not be completed (its key changed). Start again from Settings → Integrations.`);
  }
  const exchanged = await callTokenEndpoint(
    providerConfig,
    { grant_type: 'authorization_code', code: query.code, redirect_uri: row.redirect_uri, code_verifier: verifier },
    deps.fetch ?? fetch,
  );
  if (!exchanged.ok) {
    deps.log.warn({ provider, error: exchanged.error, status: exchanged.status }, 'oauth code exchange failed');
    return fail(
      exchanged.status === 0
        ? `${label} did not answer. Try again in a moment.`
        : `${label} refused the sign-in (${exchanged.error}${exchanged.description ? `: ${exchanged.description}` : ''}). Start again from Settings → Integrations.`,
    );
  }
  const account = accountOf(provider, exchanged.tokens, query);
  const scopes =
    typeof exchanged.tokens.scope === 'string' ? exchanged.tokens.scope.split(/[\s,]+/).filter((scope) => scope.length > 0) : [...providerConfig.scopes];
  try {
    const connection = await withTenant<IntegrationsDB, ConnectionDto>(deps.db, { tenantId, userId: session.userId }, (trx) =>
      saveOAuthConnection(
        createDomainContext({ trx, tenantId, actorId: session.userId, correlationId: `oauth:${provider}:${stateHash.slice(0, 16)}`, log: deps.log }),
        vault,
        {
          provider,
          accountLabel: account.label,
          externalAccountId: account.externalId,
          ownerUserId: session.userId,
          scopes,
          credentials: credentialsOf(exchanged.tokens, null),
          connectionId: row.connection_id,
        },
      ),
    );
    return { ok: true, connection };
  } catch (error) {
    if (error instanceof NotFoundError) return fail(`The connection to reconnect no longer exists. Connect ${label} again.`);
    deps.log.error({ err: error instanceof Error ? { name: error.name, message: error.message } : 'unknown', provider }, 'storing the oauth connection failed');
    return fail(`${label} signed in, but UBOS could not store the connection. Try again.`);
  }
}

// ---------------------------------------------------------------- access tokens

/** The connection must be connected again by a person (invalid_grant, no refresh token). */
export class ConnectionNeedsReauthError extends DomainError {
  readonly connectionId: string;
  constructor(provider: OAuthProviderId | string, connectionId: string) {
    const label = (providerLabels as Record<string, string>)[provider] ?? provider;
    super('PRECONDITION_FAILED', `${label} needs you to sign in again: reconnect it in Settings → Integrations`);
    this.name = 'ConnectionNeedsReauthError';
    this.connectionId = connectionId;
  }
}

/** The token endpoint failed for a reason that may pass (network, 5xx); the caller may retry later. */
export class TokenRefreshError extends Error {
  readonly providerCode: string;
  constructor(message: string, providerCode: string) {
    super(message);
    this.name = 'TokenRefreshError';
    this.providerCode = providerCode;
  }
}

type RefreshOutcome = { kind: 'token'; accessToken: string } | { kind: 'reauth'; provider: string } | { kind: 'failed'; message: string; code: string };

const isFresh = (expiresAt: Date | null) => expiresAt === null || expiresAt.getTime() - EXPIRY_SKEW_MS > Date.now();

/**
 * A valid access token per connection. A stale token is refreshed in a transaction holding the
 * connection's row lock (so 20 concurrent callers make one refresh call: the others find the
 * fresh token when they get the lock), and the new refresh token is stored in that transaction
 * before the new access token is returned.
 */
export function createAccessTokenSource(deps: OAuthDeps): AccessTokenSource & { refresh(ref: ConnectionRef, rejectedToken?: string): Promise<string> } {
  const fetchImpl = deps.fetch ?? fetch;

  /** Refreshes unless, once the lock is held, the stored token is fresh and not the one the provider rejected. */
  async function refresh(ref: ConnectionRef, rejectedToken?: string): Promise<string> {
    const vault = vaultFromConfig(deps.config);
    const outcome = await withTenant<IntegrationsDB, RefreshOutcome>(deps.db, { tenantId: ref.tenantId }, async (trx) => {
      const row = await trx
        .selectFrom('platform.integration_connections')
        .select(['id', 'provider', 'status', 'credentials', 'token_expires_at'])
        .where('id', '=', ref.connectionId)
        .forUpdate()
        .executeTakeFirst();
      if (!row) throw new NotFoundError('Connection', ref.connectionId);
      if (row.status === 'needs_reauth' || row.status === 'disconnected' || !row.credentials) return { kind: 'reauth', provider: row.provider };
      const subject = { tenantId: ref.tenantId, subjectId: row.id };
      const stored = JSON.parse(vault.decrypt(row.credentials, subject)) as StoredCredentials;
      // Another caller refreshed while we waited for the lock.
      if (isFresh(row.token_expires_at) && stored.accessToken !== rejectedToken) return { kind: 'token', accessToken: stored.accessToken };
      const ctx = createDomainContext({ trx, tenantId: ref.tenantId, actorId: null, correlationId: `integrations:refresh:${row.id}`, log: deps.log });
      const provider = oauthProviderSchema.safeParse(row.provider);
      if (!provider.success) throw new DomainError('BAD_REQUEST', `${row.provider} connections have no OAuth tokens`);
      const config = oauthProviderConfig(deps.config, provider.data);
      if (!config) return { kind: 'failed', message: `${providerLabels[provider.data]} is not set up on this server`, code: 'not_configured' };
      if (!stored.refreshToken) {
        await markNeedsReauth(ctx, row.id, `${providerLabels[provider.data]} gave no refresh token: sign in again`, 'no_refresh_token');
        return { kind: 'reauth', provider: row.provider };
      }
      const result = await callTokenEndpoint(config, { grant_type: 'refresh_token', refresh_token: stored.refreshToken }, fetchImpl);
      if (!result.ok) {
        if (result.error === 'invalid_grant') {
          await markNeedsReauth(ctx, row.id, `${providerLabels[provider.data]} no longer accepts this connection's sign-in: reconnect it`, 'invalid_grant');
          return { kind: 'reauth', provider: row.provider };
        }
        return { kind: 'failed', message: `${providerLabels[provider.data]} did not refresh the access token (${result.error})`, code: result.error };
      }
      const next = credentialsOf(result.tokens, stored.refreshToken);
      await trx
        .updateTable('platform.integration_connections')
        .set({
          credentials: vault.encrypt(JSON.stringify(next), subject),
          token_expires_at: next.expiresAt,
          last_success_at: new Date(),
          updated_at: new Date(),
        })
        .where('id', '=', row.id)
        .execute();
      return { kind: 'token', accessToken: next.accessToken };
    });
    if (outcome.kind === 'token') return outcome.accessToken;
    if (outcome.kind === 'reauth') {
      deps.log.info({ connectionId: ref.connectionId, provider: outcome.provider }, 'connection needs reauthorization');
      throw new ConnectionNeedsReauthError(outcome.provider, ref.connectionId);
    }
    deps.log.warn({ connectionId: ref.connectionId, code: outcome.code }, 'access token refresh failed');
    throw new TokenRefreshError(outcome.message, outcome.code);
  }

  return {
    refresh,
    async accessToken(ref: ConnectionRef, options?: { rejectedToken?: string }): Promise<string> {
      const rejectedToken = options?.rejectedToken;
      const row = await withTenant<IntegrationsDB, { provider: string; status: string; credentials: string | null; token_expires_at: Date | null } | undefined>(
        deps.db,
        { tenantId: ref.tenantId },
        (trx) =>
          trx
            .selectFrom('platform.integration_connections')
            .select(['provider', 'status', 'credentials', 'token_expires_at'])
            .where('id', '=', ref.connectionId)
            .executeTakeFirst(),
      );
      if (!row) throw new NotFoundError('Connection', ref.connectionId);
      if (row.status === 'needs_reauth' || row.status === 'disconnected' || !row.credentials)
        throw new ConnectionNeedsReauthError(row.provider, ref.connectionId);
      if (isFresh(row.token_expires_at)) {
        const stored = JSON.parse(
          vaultFromConfig(deps.config).decrypt(row.credentials, { tenantId: ref.tenantId, subjectId: ref.connectionId }),
        ) as StoredCredentials;
        // A 401 on this very token: refresh (the lock makes concurrent 401s one refresh).
        if (stored.accessToken !== rejectedToken) return stored.accessToken;
      }
      return refresh(ref, rejectedToken);
    },
  };
}

/** The registry's ports as the host hands them to domains (`ctx.services.connections`, §7). */
export function createConnectionServices(deps: OAuthDeps): ConnectionServices {
  return {
    accessTokens: createAccessTokenSource(deps),
    health: createConnectionHealthStore({ db: deps.db, log: deps.log }),
    secrets: createConnectionSecretStore({ config: deps.config }),
  };
}
