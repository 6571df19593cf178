import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConnectionNeedsReauthError,
  createAccessTokenSource,
  createLogger,
  sql,
  vaultFromConfig,
  withTenant,
  type Config,
  type StoredCredentials,
} from '@ubos/platform';
import { createTestDatabase, testConfig, type TestDatabase } from '@ubos/platform/testing';
import { SESSION_COOKIE_NAME } from '@ubos/identity';
import { startFakeOAuthProvider, type FakeOAuthProvider } from '@ubos/integrations/testing';
import type { Server } from '../src/server.ts';
import { setCookies, testServer } from './helpers.ts';

/**
 * The OAuth connect flow end to end over HTTP (§7): platform.integrations.oauth.start, the
 * provider fake's authorize redirect, the host's GET /oauth/callback/:provider with the staff
 * cookie, then refreshes against the fake: serialised, rotation-safe, invalid_grant → needs_reauth.
 */

let testDb: TestDatabase;
let fake: FakeOAuthProvider;
let server: Server;
let config: Config;
let cookie = '';
let tenantId = '';

async function signUp(): Promise<{ cookie: string; tenantId: string }> {
  const response = await server.inject({
    method: 'POST',
    url: '/trpc/identity.auth.signUp',
    payload: {
      email: `owner-${randomBytes(4).toString('hex')}@example.test`,
      password: 'correct horse battery staple',
      name: 'Ada Owner',
      organizationName: 'Oauth Org',
    },
  });
  expect(response.statusCode).toBe(200);
  const token = setCookies(response.headers['set-cookie']).get(SESSION_COOKIE_NAME)?.value ?? '';
  const body = response.json() as { result: { data: { activeOrganization: { id: string } } } };
  return { cookie: token, tenantId: body.result.data.activeOrganization.id };
}

async function trpc<T>(path: string, input: unknown, sessionCookie = cookie): Promise<{ status: number; data: T; error?: { message: string } }> {
  const query = /\.(list|get)$/.test(path);
  const response = await server.inject({
    method: query ? 'GET' : 'POST',
    url: query ? `/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}` : `/trpc/${path}`,
    ...(query ? {} : { payload: input as Record<string, unknown> }),
    cookies: { [SESSION_COOKIE_NAME]: sessionCookie },
  });
  const body = response.json() as { result?: { data: T }; error?: { message: string } };
  return { status: response.statusCode, data: body.result?.data as T, ...(body.error ? { error: body.error } : {}) };
}

/** Starts the flow, lets the fake authorize, returns the callback path the browser would open. */
async function authorize(connectionId?: string, sessionCookie = cookie): Promise<string> {
  const started = await trpc<{ authorizeUrl: string }>(
    'platform.integrations.oauth.start',
    { provider: 'google', ...(connectionId ? { connectionId } : {}) },
    sessionCookie,
  );
  expect(started.status).toBe(200);
  const redirect = await fetch(started.data.authorizeUrl, { redirect: 'manual' });
  expect(redirect.status).toBe(302);
  const location = new URL(redirect.headers.get('location') ?? '');
  expect(location.pathname).toBe('/oauth/callback/google');
  return `${location.pathname}${location.search}`;
}

async function callback(path: string, sessionCookie: string | null = cookie): Promise<URL> {
  const response = await server.inject({ method: 'GET', url: path, ...(sessionCookie ? { cookies: { [SESSION_COOKIE_NAME]: sessionCookie } } : {}) });
  expect(response.statusCode).toBe(303);
  return new URL(String(response.headers.location), 'http://host.test');
}

async function connectionRow(id: string): Promise<{ status: string; credentials: string | null; token_expires_at: Date | null }> {
  return withTenant(testDb.db, { tenantId }, async (trx) => {
    const result = await sql<{ status: string; credentials: string | null; token_expires_at: Date | null }>`
      SELECT status, credentials, token_expires_at FROM platform.integration_connections WHERE id = ${id}`.execute(trx);
    const row = result.rows[0];
    if (!row) throw new Error('connection missing');
    return row;
  });
}

async function expireToken(id: string): Promise<void> {
  await withTenant(testDb.db, { tenantId }, (trx) =>
    sql`UPDATE platform.integration_connections SET token_expires_at = now() - interval '1 minute' WHERE id = ${id}`.execute(trx),
  );
}

function credentialsOf(id: string, ciphertext: string | null): StoredCredentials {
  return JSON.parse(vaultFromConfig(config).decrypt(ciphertext ?? '', { tenantId, subjectId: id })) as StoredCredentials;
}

async function eventsOf(type: string, connectionId: string): Promise<Record<string, unknown>[]> {
  return withTenant(testDb.db, { tenantId }, async (trx) => {
    const result = await sql<{ payload: Record<string, unknown> }>`
      SELECT payload FROM platform.outbox WHERE type = ${type} AND aggregate_id = ${connectionId} ORDER BY position`.execute(trx);
    return result.rows.map((row) => row.payload);
  });
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  fake = await startFakeOAuthProvider({ accountEmail: 'ada@northwind.example', tokenDelayMs: 150 });
  const settings: Partial<Config> = {
    VAULT_KEY: randomBytes(32).toString('hex'),
    PUBLIC_URL: 'http://ubos.test',
    OAUTH_GOOGLE_CLIENT_ID: 'ubos-test-client',
    OAUTH_GOOGLE_CLIENT_SECRET: 'ubos-test-secret',
    OAUTH_GOOGLE_AUTHORIZE_URL: fake.authorizeUrl,
    OAUTH_GOOGLE_TOKEN_URL: fake.tokenUrl,
  };
  config = testConfig(settings);
  server = await testServer({ db: testDb.db, boss: null, config: settings });
  ({ cookie, tenantId } = await signUp());
}, 60_000);

afterAll(async () => {
  await server?.close();
  await fake?.stop();
  await testDb?.drop();
});

describe('OAuth connect through the host (§7)', () => {
  let connectionId = '';

  it('connects Google through the fake: PKCE code exchange, tokens in the vault, a connected event, the settings page in words', async () => {
    const path = await authorize();
    const landed = await callback(path);
    expect(landed.pathname).toBe('/settings');
    expect(landed.searchParams.get('tab')).toBe('integrations');
    expect(landed.searchParams.get('connected')).toBe('google');
    connectionId = landed.searchParams.get('connection') ?? '';
    expect(fake.codeExchanges()).toBe(1);
    expect(fake.calls.at(-1)?.result).toBe('ok');

    const listed = await trpc<{ items: { id: string; accountLabel: string; status: string }[] }>('platform.integrations.connections.list', {});
    expect(listed.data.items).toEqual([expect.objectContaining({ id: connectionId, accountLabel: 'ada@northwind.example', status: 'connected' })]);
    const row = await connectionRow(connectionId);
    const stored = credentialsOf(connectionId, row.credentials);
    expect(fake.validRefreshTokens()).toEqual([stored.refreshToken]);
    expect(JSON.stringify(listed)).not.toContain(stored.refreshToken ?? 'missing');
    expect(await eventsOf('platform.integrations.connection.connected', connectionId)).toEqual([
      expect.objectContaining({ provider: 'google', account_label: 'ada@northwind.example', reconnected: false }),
    ]);

    // The same callback again: the state was single use.
    const replay = await callback(path);
    expect(replay.searchParams.get('error')).toMatch(/already used/);
    expect(fake.codeExchanges()).toBe(1);
  });

  it("refuses a state opened by another staff member's session, without a session, or made up, in words and never a 500", async () => {
    const other = await signUp();
    const path = await authorize();
    const foreign = await callback(path, other.cookie);
    expect(foreign.searchParams.get('error')).toMatch(/Start again from Settings/);
    expect((await callback(path, null)).searchParams.get('error')).toMatch(/Sign in to UBOS first/);
    expect((await callback('/oauth/callback/google?state=made-up&code=x')).searchParams.get('error')).toMatch(/already used or is not from this organization/);
    expect((await callback('/oauth/callback/myspace?state=x&code=x')).searchParams.get('error')).toMatch(/not a provider/);
    expect((await callback('/oauth/callback/google')).searchParams.get('error')).toMatch(/did not send back the sign-in state/);
    expect(fake.codeExchanges()).toBe(1);
  });

  it('20 concurrent callers needing a refresh make exactly one refresh call; the rotated refresh token is stored', async () => {
    const tokens = createAccessTokenSource({ db: testDb.db, config, log: createLogger({ level: 'silent' }) });
    const before = credentialsOf(connectionId, (await connectionRow(connectionId)).credentials);
    await expireToken(connectionId);
    const refreshesBefore = fake.refreshCalls();
    const results = await Promise.all(Array.from({ length: 20 }, () => tokens.accessToken({ tenantId, connectionId })));
    expect(fake.refreshCalls() - refreshesBefore).toBe(1);
    expect(new Set(results).size).toBe(1);
    const after = credentialsOf(connectionId, (await connectionRow(connectionId)).credentials);
    expect(results[0]).toBe(after.accessToken);
    expect(after.accessToken).not.toBe(before.accessToken);
    // Rotation: the fake retired the old refresh token and accepts only the one we stored.
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(fake.validRefreshTokens()).toEqual([after.refreshToken]);
    // A fresh token needs no call.
    await tokens.accessToken({ tenantId, connectionId });
    expect(fake.refreshCalls() - refreshesBefore).toBe(1);
  });

  it('invalid_grant moves the connection to needs_reauth with one event and no retry; Reconnect brings it back', async () => {
    const tokens = createAccessTokenSource({ db: testDb.db, config, log: createLogger({ level: 'silent' }) });
    fake.forceInvalidGrant();
    await expireToken(connectionId);
    const refreshesBefore = fake.refreshCalls();
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => tokens.accessToken({ tenantId, connectionId })));
    expect(results.every((result) => result.status === 'rejected' && result.reason instanceof ConnectionNeedsReauthError)).toBe(true);
    expect(fake.refreshCalls() - refreshesBefore).toBe(1);
    expect(fake.calls.at(-1)?.result).toBe('invalid_grant');
    await expect(tokens.accessToken({ tenantId, connectionId })).rejects.toBeInstanceOf(ConnectionNeedsReauthError);
    expect(fake.refreshCalls() - refreshesBefore).toBe(1);
    const got = await trpc<{ status: string; lastError: { code: string } }>('platform.integrations.connections.get', { id: connectionId });
    expect(got.data).toMatchObject({ status: 'needs_reauth', lastError: { code: 'invalid_grant' } });
    expect(await eventsOf('platform.integrations.connection.needs_reauth', connectionId)).toHaveLength(1);

    const landed = await callback(await authorize(connectionId));
    expect(landed.searchParams.get('connection')).toBe(connectionId);
    const back = await trpc<{ status: string }>('platform.integrations.connections.get', { id: connectionId });
    expect(back.data.status).toBe('connected');
    expect((await eventsOf('platform.integrations.connection.connected', connectionId)).at(-1)).toMatchObject({ reconnected: true });
    expect(await tokens.accessToken({ tenantId, connectionId })).toBe(credentialsOf(connectionId, (await connectionRow(connectionId)).credentials).accessToken);
  });
});
