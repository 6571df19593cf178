import { randomUUID } from 'node:crypto';
import { OAuth2Server, type MutableResponse, type MutableToken, type TokenRequestIncomingMessage } from 'oauth2-mock-server';

/**
 * An OAuth 2.0 provider on 127.0.0.1 for tests, on oauth2-mock-server: GET /authorize answers at
 * once with a code (PKCE S256 checked at /token), POST /token issues access and refresh tokens,
 * rotates the refresh token on every refresh (QuickBooks, Xero) unless told not to (Google),
 * answers `invalid_grant` for an unknown, used or revoked refresh token, and counts calls.
 */

export interface FakeOAuthProviderOptions {
  /** Seconds the issued access tokens live (default 3600). */
  accessTokenTtlSeconds?: number;
  /** Issue a new refresh token on each refresh and retire the old one (default true). */
  rotateRefreshTokens?: boolean;
  /** How long a rotated-away refresh token still works (Xero keeps it for 30 minutes); default 0. */
  rotationGraceMs?: number;
  /** The signed-in account's email in the id_token (default owner@example.test). */
  accountEmail?: string;
  /** The account's subject in the id_token (default the email). */
  accountSubject?: string;
  /** Delay of each token response, to widen race windows (default 0). */
  tokenDelayMs?: number;
}

export interface TokenCall {
  grantType: string;
  refreshToken: string | null;
  /** What the fake answered: 'ok' or the OAuth error code. */
  result: string;
}

export interface FakeOAuthProvider {
  /** e.g. http://127.0.0.1:54321 */
  readonly url: string;
  readonly authorizeUrl: string;
  readonly tokenUrl: string;
  /** Every POST /token, in order. */
  readonly calls: readonly TokenCall[];
  /** How many refresh_token grants were answered (successfully or not). */
  refreshCalls(): number;
  /** How many authorization codes were exchanged. */
  codeExchanges(): number;
  /** Refresh tokens the fake currently accepts. */
  validRefreshTokens(): string[];
  /** The user revoked access: every refresh token now answers invalid_grant. */
  revokeAll(): void;
  /** Alias of revokeAll, for tests that read better with it. */
  forceInvalidGrant(): void;
  /** Settings for tokens issued from now on. */
  configure(options: Partial<FakeOAuthProviderOptions>): void;
  stop(): Promise<void>;
}

interface RefreshTokenState {
  /** When the token stops working (null = until used or revoked). */
  expiresAt: number | null;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function startFakeOAuthProvider(initial: FakeOAuthProviderOptions = {}): Promise<FakeOAuthProvider> {
  const options: Required<FakeOAuthProviderOptions> = {
    accessTokenTtlSeconds: 3600,
    rotateRefreshTokens: true,
    rotationGraceMs: 0,
    accountEmail: 'owner@example.test',
    accountSubject: '',
    tokenDelayMs: 0,
    ...initial,
  };
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  const refreshTokens = new Map<string, RefreshTokenState>();
  const calls: TokenCall[] = [];

  const bodyOf = (req: TokenRequestIncomingMessage): Record<string, unknown> => req.body as unknown as Record<string, unknown>;

  server.service.on('beforeTokenSigning', (token: MutableToken) => {
    token.payload.email = options.accountEmail;
    token.payload.sub = options.accountSubject || options.accountEmail;
    // Real providers never hand out the same access token twice; without a unique claim two tokens
    // signed in the same second are byte-identical, and a refresh would look like no refresh.
    token.payload.jti = randomUUID();
  });

  server.service.on('beforeResponse', (response: MutableResponse, req: TokenRequestIncomingMessage) => {
    const body = bodyOf(req);
    const grantType = String(body.grant_type ?? '');
    const presented = typeof body.refresh_token === 'string' ? body.refresh_token : null;
    const reject = (error: string, description: string) => {
      response.statusCode = 400;
      response.body = { error, error_description: description };
      calls.push({ grantType, refreshToken: presented, result: error });
    };
    if (response.statusCode !== 200 || typeof response.body !== 'object') {
      calls.push({ grantType, refreshToken: presented, result: `http_${response.statusCode}` });
      return;
    }
    if (grantType === 'refresh_token') {
      const state = presented ? refreshTokens.get(presented) : undefined;
      if (!presented || !state || (state.expiresAt !== null && state.expiresAt <= Date.now())) {
        reject('invalid_grant', 'The refresh token is invalid, expired or revoked');
        return;
      }
      if (options.rotateRefreshTokens) {
        // The old token keeps working only for the grace period (Xero: 30 minutes).
        if (options.rotationGraceMs > 0) state.expiresAt = Math.min(state.expiresAt ?? Number.POSITIVE_INFINITY, Date.now() + options.rotationGraceMs);
        else refreshTokens.delete(presented);
      } else {
        delete response.body.refresh_token;
      }
    }
    response.body.expires_in = options.accessTokenTtlSeconds;
    const issued = response.body.refresh_token;
    if (typeof issued === 'string') refreshTokens.set(issued, { expiresAt: null });
    calls.push({ grantType, refreshToken: presented, result: 'ok' });
  });

  // Delay token answers when asked (a slow provider widens the refresh race).
  const handler = server.service.requestHandler;
  const { createServer } = await import('node:http');
  const http = createServer((req, res) => {
    const delay = req.method === 'POST' && req.url?.startsWith('/token') ? options.tokenDelayMs : 0;
    if (delay > 0) void sleep(delay).then(() => handler(req, res));
    else handler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(0, '127.0.0.1', () => resolve());
  });
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  server.issuer.url = url;

  return {
    url,
    authorizeUrl: `${url}/authorize`,
    tokenUrl: `${url}/token`,
    calls,
    refreshCalls: () => calls.filter((call) => call.grantType === 'refresh_token').length,
    codeExchanges: () => calls.filter((call) => call.grantType === 'authorization_code').length,
    validRefreshTokens: () =>
      [...refreshTokens.entries()].filter(([, state]) => state.expiresAt === null || state.expiresAt > Date.now()).map(([token]) => token),
    revokeAll() {
      refreshTokens.clear();
    },
    forceInvalidGrant() {
      refreshTokens.clear();
    },
    configure(next) {
      Object.assign(options, next);
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        http.closeAllConnections();
        http.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
