import { randomBytes, randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, sql, startEventBackbone, withTenant, type EventBackbone, type PgBoss } from '@ubos/platform';
import { createTestDatabase, waitFor, type TestDatabase } from '@ubos/platform/testing';
import { SESSION_COOKIE_NAME } from '@ubos/identity';
import { timelineModule } from '@ubos/timeline';
import type { Server } from '../src/server.ts';
import { setCookies, startTestBoss, testServer } from './helpers.ts';

/**
 * API keys over HTTP (§7): `Authorization: Bearer <key>` makes the request the key's service
 * principal; what it does is acted by the key (outbox actor, timeline "… (API key)"); a bad,
 * revoked or expired key is 401 in words; a key has its own call budget, like a user.
 */

let testDb: TestDatabase;
let boss: PgBoss;
let backbone: EventBackbone;
let server: Server;
let owner: { cookie: string; tenantId: string };

const someIp = (): string => `198.51.100.${randomInt(1, 255)}`;
const inDays = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString();

async function signUp(host: Server): Promise<{ cookie: string; tenantId: string }> {
  const response = await host.inject({
    method: 'POST',
    url: '/trpc/identity.auth.signUp',
    payload: {
      email: `keys-${randomBytes(5).toString('hex')}@example.test`,
      password: 'correct horse battery staple',
      name: 'Ada Owner',
      organizationName: 'Keys Org',
    },
  });
  expect(response.statusCode).toBe(200);
  const body = response.json<{ result: { data: { activeOrganization: { id: string } } } }>();
  return { cookie: setCookies(response.headers['set-cookie']).get(SESSION_COOKIE_NAME)?.value ?? '', tenantId: body.result.data.activeOrganization.id };
}

async function createKey(host: Server, cookie: string, input: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const response = await host.inject({ method: 'POST', url: '/trpc/identity.apiKeys.create', payload: input, cookies: { [SESSION_COOKIE_NAME]: cookie } });
  expect(response.statusCode).toBe(200);
  const body = response.json<{ result: { data: { apiKey: { id: string }; secret: string } } }>();
  return { id: body.result.data.apiKey.id, secret: body.result.data.secret };
}

function bearer(secret: string): Record<string, string> {
  return { authorization: `Bearer ${secret}` };
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  ({ boss } = await startTestBoss(testDb.appUrl));
  backbone = await startEventBackbone({
    db: testDb.db,
    boss,
    modules: [timelineModule],
    log: createLogger({ level: 'silent' }),
    workerPollIntervalSeconds: 0.5,
    dispatchPollIntervalMs: 300,
  });
  server = await testServer({ db: testDb.db, boss: null });
  owner = await signUp(server);
});

afterAll(async () => {
  await server?.close();
  await backbone?.stop();
  await boss?.stop({ graceful: false, close: true });
  await testDb?.drop();
});

describe('API keys over HTTP', () => {
  it("a bearer key's calls are the key's: the outbox names it as actor and the timeline names it", async () => {
    const key = await createKey(server, owner.cookie, { name: 'Nightly import', role: 'member', expiresAt: inDays(30) });
    const created = await server.inject({ method: 'POST', url: '/trpc/crm.clients.create', payload: { name: 'Made by a key' }, headers: bearer(key.secret) });
    expect(created.statusCode).toBe(200);
    const clientId = created.json<{ result: { data: { id: string } } }>().result.data.id;
    const listed = await server.inject({ method: 'GET', url: `/trpc/crm.clients.list?input=${encodeURIComponent('{}')}`, headers: bearer(key.secret) });
    expect(listed.statusCode).toBe(200);
    expect(JSON.stringify(listed.json())).toContain('Made by a key');

    const actors = await withTenant(
      testDb.db,
      { tenantId: owner.tenantId },
      async (trx) =>
        (await sql<{ actor_id: string }>`SELECT actor_id FROM platform.outbox WHERE type = 'crm.client.created' AND aggregate_id = ${clientId}`.execute(trx))
          .rows,
    );
    expect(actors).toEqual([{ actor_id: key.id }]);

    type Page = { result: { data: { items: { type: string; actorId: string | null; actorName: string | null; entityId: string | null }[] } } };
    const timeline = async () => {
      const response = await server.inject({
        method: 'GET',
        url: `/trpc/timeline.list?input=${encodeURIComponent(JSON.stringify({ types: ['crm.client.created'] }))}`,
        cookies: { [SESSION_COOKIE_NAME]: owner.cookie },
      });
      return response.json<Page>().result.data.items;
    };
    await waitFor(async () => (await timeline()).some((item) => item.entityId === clientId), 20_000, "the key's client on the timeline");
    expect((await timeline()).find((item) => item.entityId === clientId)).toMatchObject({ actorId: key.id, actorName: 'Nightly import (API key)' });
  });

  it('an unknown, malformed, revoked or expired key is 401 in words, and no cookie stands in for it', async () => {
    const unknown = await server.inject({ method: 'GET', url: '/trpc/crm.clients.list?input=%7B%7D', headers: bearer(`ubos_${'a'.repeat(52)}`) });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json<{ error: { message: string } }>().error.message).toBe('This API key is not valid: it is unknown, expired or revoked');
    const withCookie = await server.inject({
      method: 'GET',
      url: '/trpc/crm.clients.list?input=%7B%7D',
      headers: bearer('nonsense'),
      cookies: { [SESSION_COOKIE_NAME]: owner.cookie },
    });
    expect(withCookie.statusCode).toBe(401);
    // Another scheme (a proxy's Basic credentials) is not a UBOS credential: the cookie decides.
    const basic = await server.inject({
      method: 'GET',
      url: '/trpc/crm.clients.list?input=%7B%7D',
      headers: { authorization: 'Basic dXNlcjpwYXNz' },
      cookies: { [SESSION_COOKIE_NAME]: owner.cookie },
    });
    expect(basic.statusCode).toBe(200);

    const key = await createKey(server, owner.cookie, { name: 'Short', permissions: ['crm.client.read'], expiresAt: inDays(1) });
    expect((await server.inject({ method: 'GET', url: '/trpc/crm.clients.list?input=%7B%7D', headers: bearer(key.secret) })).statusCode).toBe(200);
    // Its scope: reading clients only.
    const write = await server.inject({ method: 'POST', url: '/trpc/crm.clients.create', payload: { name: 'Not allowed' }, headers: bearer(key.secret) });
    expect(write.statusCode).toBe(403);
    const revoke = await server.inject({
      method: 'POST',
      url: '/trpc/identity.apiKeys.revoke',
      payload: { apiKeyId: key.id },
      cookies: { [SESSION_COOKIE_NAME]: owner.cookie },
    });
    expect(revoke.statusCode).toBe(200);
    expect((await server.inject({ method: 'GET', url: '/trpc/crm.clients.list?input=%7B%7D', headers: bearer(key.secret) })).statusCode).toBe(401);
  });

  it('a key spends a call budget of its own, as a user does', async () => {
    const small = await testServer({ db: testDb.db, boss: null, config: { RATE_LIMIT_UNITS_PER_USER: 60 } });
    try {
      const org = await signUp(small);
      const key = await createKey(small, org.cookie, { name: 'Chatty', role: 'viewer', expiresAt: inDays(3) });
      const ip = someIp();
      const count = 60;
      const paths = Array.from({ length: count }, () => 'crm.clients.list').join(',');
      const input = encodeURIComponent(JSON.stringify(Object.fromEntries(Array.from({ length: count }, (_, index) => [index, {}]))));
      const batch = await small.inject({ method: 'GET', url: `/trpc/${paths}?batch=1&input=${input}`, headers: bearer(key.secret), remoteAddress: ip });
      const items = batch.json<{ result?: unknown; error?: { message: string; data: { code: string } } }[]>();
      const refused = items.filter((item) => item.error?.data.code === 'TOO_MANY_REQUESTS');
      expect(refused.length).toBeGreaterThan(0);
      expect(refused[0]?.error?.message).toMatch(/^You are sending requests too quickly/);
      // The owner, from the same address, still has a budget of their own.
      const mine = await small.inject({
        method: 'GET',
        url: '/trpc/crm.clients.list?input=%7B%7D',
        cookies: { [SESSION_COOKIE_NAME]: org.cookie },
        remoteAddress: ip,
      });
      expect(mine.statusCode).toBe(200);
    } finally {
      await small.close();
    }
  });
});
