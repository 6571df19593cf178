import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  completeOAuthCallback,
  ConnectionNeedsReauthError,
  createAccessTokenSource,
  createCallerFactory,
  createConnectionHealthStore,
  createDomainContext,
  createLogger,
  createWebhookTargetResolver,
  platformModule,
  saveOAuthConnection,
  setWebhookSecrets,
  sql,
  uuidv7,
  vaultFromConfig,
  withTenant,
  type Config,
  type ConnectionDto,
  type FetchLike,
  type SessionInfo,
} from '../src/index.ts';
import { createTestDatabase, testConfig, testContext, testSession, type TestDatabase } from '../src/testing/index.ts';

const createCaller = createCallerFactory(platformModule.router);
const CANARY = `canary-${randomBytes(12).toString('hex')}`;

/** Every log line of the contexts and services below, at trace level. */
const logLines: string[] = [];
const log = createLogger({
  level: 'trace',
  destination: new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString());
      done();
    },
  }),
});

const config: Config = testConfig({
  VAULT_KEY: randomBytes(32).toString('hex'),
  PUBLIC_URL: 'https://ubos.example.test',
  OAUTH_XERO_CLIENT_ID: 'xero-client',
  OAUTH_XERO_CLIENT_SECRET: `${CANARY}-client-secret`,
  OAUTH_XERO_AUTHORIZE_URL: 'https://login.xero.example/authorize',
  OAUTH_XERO_TOKEN_URL: 'https://identity.xero.example/token',
});

let testDb: TestDatabase;
const tenantId = uuidv7();
const otherTenant = uuidv7();
const ownerId = uuidv7();

function session(role: 'owner' | 'member' = 'owner', tenant = tenantId, userId = ownerId): SessionInfo {
  return testSession({ userId, tenantId: tenant, role });
}

function caller(s: SessionInfo = session()) {
  const ctx = testContext({ db: testDb.db, session: s, config });
  return createCaller({ ...ctx, log });
}

/** A connection as the OAuth callback leaves it, with the canary in its tokens. */
async function connect(tenant = tenantId, overrides: { expiresAt?: string | null; refreshToken?: string | null } = {}): Promise<ConnectionDto> {
  return withTenant(testDb.db, { tenantId: tenant }, (trx) =>
    saveOAuthConnection(createDomainContext({ trx, tenantId: tenant, actorId: ownerId, correlationId: 'test', log }), vaultFromConfig(config), {
      provider: 'xero',
      accountLabel: 'Demo Company (NZ)',
      externalAccountId: uuidv7(),
      ownerUserId: ownerId,
      scopes: ['accounting.transactions', 'offline_access'],
      credentials: {
        accessToken: `${CANARY}-access`,
        refreshToken: overrides.refreshToken === undefined ? `${CANARY}-refresh` : overrides.refreshToken,
        expiresAt: overrides.expiresAt === undefined ? new Date(Date.now() + 3600_000).toISOString() : overrides.expiresAt,
        tokenType: 'Bearer',
      },
      connectionId: null,
    }),
  );
}

async function outboxOf(tenant: string): Promise<{ type: string; payload: Record<string, unknown> }[]> {
  return withTenant(testDb.db, { tenantId: tenant }, async (trx) => {
    const result = await sql<{ type: string; payload: Record<string, unknown> }>`SELECT type, payload FROM platform.outbox ORDER BY position`.execute(trx);
    return result.rows;
  });
}

async function rowOf(id: string, tenant = tenantId): Promise<Record<string, unknown>> {
  return withTenant(testDb.db, { tenantId: tenant }, async (trx) => {
    const result = await sql<Record<string, unknown>>`SELECT * FROM platform.integration_connections WHERE id = ${id}`.execute(trx);
    return result.rows[0] ?? {};
  });
}

beforeAll(async () => {
  testDb = await createTestDatabase();
});

afterAll(async () => {
  await testDb?.drop();
});

describe('connections registry (§7)', () => {
  it('stores credentials only as vault ciphertext and lists the connection without them', async () => {
    const connection = await connect();
    const row = await rowOf(connection.id);
    expect(String(row.credentials)).toMatch(/^v1:[0-9a-f]{8}:/);
    expect(JSON.stringify(row)).not.toContain(CANARY);
    const listed = await caller().integrations.connections.list();
    expect(listed.items.map((item) => item.id)).toContain(connection.id);
    expect(listed.items.find((item) => item.id === connection.id)).toMatchObject({
      provider: 'xero',
      providerLabel: 'Xero',
      accountLabel: 'Demo Company (NZ)',
      status: 'connected',
      breaker: { state: 'closed', openedAt: null },
      consecutiveFailures: 0,
      webhookConfigured: false,
    });
    expect(await caller().integrations.connections.get({ id: connection.id })).toEqual(listed.items.find((item) => item.id === connection.id));
    expect((await outboxOf(tenantId)).map((event) => event.type)).toContain('platform.integrations.connection.connected');
  });

  it('is closed to members without integrations.manage and to other tenants (RLS: not found)', async () => {
    const connection = await connect();
    await expect(caller(session('member')).integrations.connections.list()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const other = caller(session('owner', otherTenant, uuidv7()));
    await expect(other.integrations.connections.get({ id: connection.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(other.integrations.connections.disconnect({ id: connection.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(other.integrations.connections.retry({ id: connection.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await other.integrations.connections.list()).items).toEqual([]);
    await expect(other.integrations.oauth.start({ provider: 'xero', connectionId: connection.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await outboxOf(otherTenant)).toEqual([]);
    expect((await rowOf(connection.id)).status).toBe('connected');
  });

  it('answers bad input with zod issues in words', async () => {
    await expect(caller().integrations.connections.get({ id: 'nope' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('Not a connection id'),
    });
    await expect(caller().integrations.oauth.start({ provider: 'imap' as 'xero' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('opens the breaker → degraded (+event); success → connected again (+event); retry half-opens it', async () => {
    const connection = await connect();
    const health = createConnectionHealthStore({ db: testDb.db, log });
    const ref = { tenantId, connectionId: connection.id };
    expect(await health.breaker(ref)).toEqual({ state: 'closed', consecutiveFailures: 0, openedAt: null });
    await health.record(
      ref,
      { outcome: 'failure', message: 'Xero answered 503', providerCode: 'http_503' },
      { state: 'closed', consecutiveFailures: 1, openedAt: null },
    );
    expect((await caller().integrations.connections.get({ id: connection.id })).status).toBe('connected');
    const openedAt = new Date();
    const retryAt = new Date(Date.now() + 60_000);
    await health.record(
      ref,
      { outcome: 'failure', message: 'Xero answered 503', providerCode: 'http_503', retryAt },
      { state: 'open', consecutiveFailures: 5, openedAt },
    );
    const degraded = await caller().integrations.connections.get({ id: connection.id });
    expect(degraded).toMatchObject({
      status: 'degraded',
      consecutiveFailures: 5,
      breaker: { state: 'open', openedAt: openedAt.toISOString() },
      lastError: { message: 'Xero answered 503', code: 'http_503' },
      nextRetryAt: retryAt.toISOString(),
    });
    expect(await health.breaker(ref)).toEqual({ state: 'open', consecutiveFailures: 5, openedAt });

    // The half-open probe is claimed by exactly one of many racing callers (across processes: the row).
    const probeAt = new Date(Date.now() + 1000);
    const claims = await Promise.all(Array.from({ length: 6 }, () => health.claimProbe?.(ref, { state: 'open', consecutiveFailures: 5, openedAt }, probeAt)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await health.breaker(ref)).toEqual({ state: 'half_open', consecutiveFailures: 5, openedAt: probeAt });
    expect(await health.claimProbe?.(ref, { state: 'closed', consecutiveFailures: 0, openedAt: null }, new Date())).toBe(false);
    // Back to open (the probe failed), then Retry now.
    await health.record(
      ref,
      { outcome: 'failure', message: 'Xero answered 503', providerCode: 'http_503', retryAt },
      { state: 'open', consecutiveFailures: 6, openedAt },
    );

    const retried = await caller().integrations.connections.retry({ id: connection.id });
    expect(retried).toMatchObject({ status: 'degraded', nextRetryAt: null, breaker: { state: 'half_open' } });
    await health.record(ref, { outcome: 'success' }, { state: 'closed', consecutiveFailures: 0, openedAt: null });
    const recovered = await caller().integrations.connections.get({ id: connection.id });
    expect(recovered).toMatchObject({ status: 'connected', consecutiveFailures: 0, breaker: { state: 'closed', openedAt: null } });
    expect(recovered.lastSuccessAt).not.toBeNull();
    const types = (await outboxOf(tenantId)).map((event) => event.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'platform.integrations.connection.degraded',
        'platform.integrations.connection.retry_requested',
        'platform.integrations.connection.recovered',
      ]),
    );
  });

  it('disconnect erases the secrets, keeps the row as history and emits once', async () => {
    const connection = await connect();
    await withTenant(testDb.db, { tenantId }, (trx) =>
      setWebhookSecrets(createDomainContext({ trx, tenantId, actorId: null, correlationId: 't', log }), vaultFromConfig(config), connection.id, [
        `${CANARY}-hook`,
      ]),
    );
    expect((await caller().integrations.connections.get({ id: connection.id })).webhookConfigured).toBe(true);
    const disconnected = await caller().integrations.connections.disconnect({ id: connection.id });
    expect(disconnected).toMatchObject({ status: 'disconnected', webhookConfigured: false });
    expect(disconnected.disconnectedAt).not.toBeNull();
    const row = await rowOf(connection.id);
    expect(row.credentials).toBeNull();
    expect(row.webhook_secrets).toEqual([]);
    await caller().integrations.connections.disconnect({ id: connection.id });
    const events = (await outboxOf(tenantId)).filter(
      (event) => event.type === 'platform.integrations.connection.disconnected' && event.payload.connection_id === connection.id,
    );
    expect(events).toHaveLength(1);
    expect((await caller().integrations.connections.list()).items.map((item) => item.id)).not.toContain(connection.id);
    expect((await caller().integrations.connections.list({ includeDisconnected: true })).items.map((item) => item.id)).toContain(connection.id);
    await expect(caller().integrations.connections.retry({ id: connection.id })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
  });

  it('resolves a webhook target across tenants by provider + connection id, with the decrypted secrets', async () => {
    const connection = await connect(otherTenant);
    const vault = vaultFromConfig(config);
    await withTenant(testDb.db, { tenantId: otherTenant }, (trx) =>
      setWebhookSecrets(createDomainContext({ trx, tenantId: otherTenant, actorId: null, correlationId: 't', log }), vault, connection.id, [
        'key-one',
        'key-two',
      ]),
    );
    const resolver = createWebhookTargetResolver({ db: testDb.db, vault, log });
    expect(await resolver.resolve('xero', connection.id)).toEqual({
      tenantId: otherTenant,
      connectionId: connection.id,
      provider: 'xero',
      secrets: ['key-one', 'key-two'],
    });
    expect(await resolver.resolve('quickbooks', connection.id)).toBeNull();
    expect(await resolver.resolve('xero', uuidv7())).toBeNull();
    expect(await resolver.resolve('xero', 'not-a-uuid')).toBeNull();
    // The app role still cannot read the table across tenants.
    const direct = await sql`SELECT count(*)::int AS n FROM platform.integration_connections`.execute(testDb.db.kysely);
    expect(direct.rows[0]).toEqual({ n: 0 });
  });
});

describe('OAuth start and callback (§7)', () => {
  it('returns an authorize URL with PKCE S256 and a 256-bit state stored only hashed, expiring in 10 minutes', async () => {
    const s = session();
    const started = await caller(s).integrations.oauth.start({ provider: 'xero' });
    const url = new URL(started.authorizeUrl);
    expect(url.origin + url.pathname).toBe('https://login.xero.example/authorize');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('redirect_uri')).toBe('https://ubos.example.test/oauth/callback/xero');
    const state = url.searchParams.get('state') ?? '';
    expect(Buffer.from(state, 'base64url')).toHaveLength(32);
    const stored = await withTenant(testDb.db, { tenantId }, async (trx) => {
      const result = await sql<Record<string, unknown>>`SELECT * FROM platform.integration_oauth_states`.execute(trx);
      return result.rows;
    });
    expect(JSON.stringify(stored)).not.toContain(state);
    const expires = new Date(started.expiresAt).getTime() - Date.now();
    expect(expires).toBeGreaterThan(9 * 60_000);
    expect(expires).toBeLessThanOrEqual(10 * 60_000);
    await expect(caller(s).integrations.oauth.start({ provider: 'google' })).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringContaining('OAUTH_GOOGLE_CLIENT_ID'),
    });
    const providers = await caller(s).integrations.oauth.providers();
    expect(providers.find((entry) => entry.provider === 'xero')).toEqual({ provider: 'xero', label: 'Xero', configured: true });
    expect(providers.find((entry) => entry.provider === 'google')?.configured).toBe(false);
  });

  it('accepts the state only from the session that started it, once, and says why otherwise', async () => {
    const s = session();
    let exchanged = 0;
    const fetchImpl: FetchLike = async (_url, init) => {
      exchanged += 1;
      const body = new URLSearchParams(init.body);
      expect(body.get('grant_type')).toBe('authorization_code');
      expect(body.get('code_verifier')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(init.headers.authorization).toMatch(/^Basic /);
      return Response.json({
        access_token: `${CANARY}-a2`,
        refresh_token: `${CANARY}-r2`,
        expires_in: 1800,
        token_type: 'Bearer',
        scope: 'accounting.transactions offline_access',
      });
    };
    const deps = { db: testDb.db, config, log, fetch: fetchImpl };
    const state = new URL((await caller(s).integrations.oauth.start({ provider: 'xero' })).authorizeUrl).searchParams.get('state') ?? '';

    const thief = { ...s, sessionId: uuidv7() };
    expect(await completeOAuthCallback(deps, thief, 'xero', { state, code: 'c' })).toEqual({ ok: false, message: expect.stringContaining('another session') });
    // The thief's attempt consumed it: single use even then.
    expect(await completeOAuthCallback(deps, s, 'xero', { state, code: 'c' })).toEqual({ ok: false, message: expect.stringContaining('already used') });
    expect(exchanged).toBe(0);

    const fresh = new URL((await caller(s).integrations.oauth.start({ provider: 'xero' })).authorizeUrl).searchParams.get('state') ?? '';
    expect(await completeOAuthCallback(deps, null, 'xero', { state: fresh, code: 'c' })).toEqual({ ok: false, message: expect.stringContaining('Sign in') });
    expect(await completeOAuthCallback(deps, s, 'nope', { state: fresh, code: 'c' })).toEqual({
      ok: false,
      message: expect.stringContaining('not a provider'),
    });
    const done = await completeOAuthCallback(deps, s, 'xero', { state: fresh, code: 'c' });
    expect(done.ok).toBe(true);
    expect(exchanged).toBe(1);
    if (done.ok) expect(done.connection).toMatchObject({ provider: 'xero', status: 'connected', scopes: ['accounting.transactions', 'offline_access'] });
    expect(await completeOAuthCallback(deps, s, 'xero', { state: fresh, code: 'c' })).toMatchObject({ ok: false });
    expect(exchanged).toBe(1);

    // Two callbacks racing with one state: the conditional UPDATE lets exactly one through.
    const raced = new URL((await caller(s).integrations.oauth.start({ provider: 'xero' })).authorizeUrl).searchParams.get('state') ?? '';
    const exchangedBefore = exchanged;
    const race = await Promise.all(Array.from({ length: 5 }, () => completeOAuthCallback(deps, s, 'xero', { state: raced, code: 'c' })));
    expect(race.filter((result) => result.ok)).toHaveLength(1);
    expect(exchanged - exchangedBefore).toBe(1);

    // An expired state is refused.
    const late = new URL((await caller(s).integrations.oauth.start({ provider: 'xero' })).authorizeUrl).searchParams.get('state') ?? '';
    await withTenant(testDb.db, { tenantId }, (trx) =>
      sql`UPDATE platform.integration_oauth_states SET expires_at = now() - interval '1 second' WHERE consumed_at IS NULL`.execute(trx),
    );
    expect(await completeOAuthCallback(deps, s, 'xero', { state: late, code: 'c' })).toEqual({ ok: false, message: expect.stringContaining('expired') });
    // A denial at the provider is a sentence too.
    const denied = new URL((await caller(s).integrations.oauth.start({ provider: 'xero' })).authorizeUrl).searchParams.get('state') ?? '';
    expect(await completeOAuthCallback(deps, s, 'xero', { state: denied, error: 'access_denied' })).toEqual({
      ok: false,
      message: 'Xero did not connect: access was not granted.',
    });
  });
});

describe('access tokens (§7, §10)', () => {
  it('refreshes a stale token once, stores the rotated refresh token, and moves invalid_grant to needs_reauth + event without retrying', async () => {
    const connection = await connect(tenantId, { expiresAt: new Date(Date.now() - 1000).toISOString() });
    const presented: string[] = [];
    let answer: 'ok' | 'invalid_grant' = 'ok';
    let ttl = 1;
    const fetchImpl: FetchLike = async (_url, init) => {
      presented.push(new URLSearchParams(init.body).get('refresh_token') ?? '');
      if (answer === 'invalid_grant') return Response.json({ error: 'invalid_grant', error_description: `token ${CANARY} revoked` }, { status: 400 });
      return Response.json({
        access_token: `${CANARY}-a${presented.length}`,
        refresh_token: `${CANARY}-r${presented.length}`,
        expires_in: ttl,
        token_type: 'Bearer',
      });
    };
    const tokens = createAccessTokenSource({ db: testDb.db, config, log, fetch: fetchImpl });
    const ref = { tenantId, connectionId: connection.id };
    expect(await tokens.accessToken(ref)).toBe(`${CANARY}-a1`);
    expect(presented).toEqual([`${CANARY}-refresh`]);
    // expires_in 1 s is inside the skew: the next call refreshes with the rotated token.
    expect(await tokens.accessToken(ref)).toBe(`${CANARY}-a2`);
    expect(presented).toEqual([`${CANARY}-refresh`, `${CANARY}-r1`]);

    // A 401 on the current token refreshes once, however many callers saw it; a newer token is not refreshed again.
    ttl = 3600;
    const current = await tokens.accessToken(ref);
    expect(current).toBe(`${CANARY}-a3`);
    expect(await tokens.accessToken(ref)).toBe(current);
    expect(presented).toHaveLength(3);
    const afterReject = await Promise.all(Array.from({ length: 4 }, () => tokens.accessToken(ref, { rejectedToken: current })));
    expect(presented).toHaveLength(4);
    expect(new Set(afterReject)).toEqual(new Set([`${CANARY}-a4`]));

    answer = 'invalid_grant';
    await withTenant(testDb.db, { tenantId }, (trx) =>
      sql`UPDATE platform.integration_connections SET token_expires_at = now() - interval '1 minute' WHERE id = ${connection.id}`.execute(trx),
    );
    const failure = await tokens.accessToken(ref).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConnectionNeedsReauthError);
    expect(String((failure as Error).message)).toMatch(/reconnect it in Settings/);
    expect(presented).toHaveLength(5);
    // No retry loop: the next call fails at once without calling the provider.
    await expect(tokens.accessToken(ref)).rejects.toBeInstanceOf(ConnectionNeedsReauthError);
    expect(presented).toHaveLength(5);
    const dto = await caller().integrations.connections.get({ id: connection.id });
    expect(dto).toMatchObject({ status: 'needs_reauth', lastError: { code: 'invalid_grant' } });
    const reauthEvents = (await outboxOf(tenantId)).filter(
      (event) => event.type === 'platform.integrations.connection.needs_reauth' && event.payload.connection_id === connection.id,
    );
    expect(reauthEvents).toHaveLength(1);
    await expect(caller().integrations.connections.retry({ id: connection.id })).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringContaining('Reconnect'),
    });
  });
});

describe('the canary secret', () => {
  it('appears in no tRPC output, log line, outbox payload, error message or plain column', async () => {
    const outputs: unknown[] = [];
    const errors: string[] = [];
    const s = session();
    const c = caller(s);
    outputs.push(await c.integrations.connections.list({ includeDisconnected: true }));
    for (const item of (await c.integrations.connections.list({ includeDisconnected: true })).items) {
      outputs.push(await c.integrations.connections.get({ id: item.id }));
      outputs.push(await c.integrations.connections.retry({ id: item.id }).catch((error: unknown) => errors.push(String(error))));
    }
    outputs.push(await c.integrations.oauth.providers());
    outputs.push(await c.integrations.oauth.start({ provider: 'xero' }));
    const expired = await connect(tenantId, { expiresAt: new Date(Date.now() - 1000).toISOString() });
    // A provider that echoes what it was sent (refresh token, code, client secret).
    const failing: FetchLike = async (_url, init) =>
      Response.json({ error: 'server_error', error_description: `upstream echoed ${init.body} ${config.OAUTH_XERO_CLIENT_SECRET}` }, { status: 500 });
    const tokens = createAccessTokenSource({ db: testDb.db, config, log, fetch: failing });
    await tokens.accessToken({ tenantId, connectionId: expired.id }).catch((error: unknown) => errors.push(`${String(error)} ${JSON.stringify(error)}`));
    outputs.push(await c.integrations.connections.disconnect({ id: expired.id }));
    const callbackResults = [
      await completeOAuthCallback({ db: testDb.db, config, log, fetch: failing }, s, 'xero', {
        state: new URL((await c.integrations.oauth.start({ provider: 'xero' })).authorizeUrl).searchParams.get('state') ?? '',
        code: 'x',
      }),
    ];
    expect(errors.length).toBeGreaterThan(0);
    const everything = JSON.stringify({
      outputs,
      errors,
      callbackResults,
      logs: logLines,
      outbox: [...(await outboxOf(tenantId)), ...(await outboxOf(otherTenant))],
      rows: await withTenant(testDb.db, { tenantId }, async (trx) => (await sql`SELECT * FROM platform.integration_connections`.execute(trx)).rows),
    });
    expect(logLines.length).toBeGreaterThan(0);
    expect(everything).not.toContain(CANARY);
  });
});
