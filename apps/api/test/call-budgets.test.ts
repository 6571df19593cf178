import { randomBytes, randomInt } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '@ubos/platform';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { SESSION_COOKIE_NAME } from '@ubos/identity';
import type { Server } from '../src/server.ts';
import { setCookies, testRedis, testServer } from './helpers.ts';

/**
 * Procedure-call budgets (issue 21): every call of a batch is charged on its own, per IP, per user
 * and per tenant, mutations and expensive calls weigh more, and a 429 carries Retry-After.
 */

let testDb: TestDatabase;
let redis: Redis;
const servers: Server[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
  redis = testRedis();
});

afterAll(async () => {
  for (const server of servers) await server.close();
  redis?.disconnect();
  await testDb?.drop();
});

/** A documentation address (TEST-NET-3) of its own per test, so budgets of other tests never mix in. */
function someIp(): string {
  return `203.0.113.${randomInt(1, 255)}`;
}

async function hostWith(budgets: Partial<Config>, options: { redis?: boolean } = {}): Promise<Server> {
  const server = await testServer({ db: testDb.db, boss: null, redis: options.redis ? redis : null, config: budgets });
  servers.push(server);
  return server;
}

async function signUp(server: Server, ip: string): Promise<string> {
  const response = await server.inject({
    method: 'POST',
    url: '/trpc/identity.auth.signUp',
    remoteAddress: ip,
    payload: {
      email: `owner-${randomBytes(5).toString('hex')}@example.test`,
      password: 'correct horse battery staple',
      name: 'Ada Owner',
      organizationName: 'Budget Org',
    },
  });
  expect(response.statusCode).toBe(200);
  return setCookies(response.headers['set-cookie']).get(SESSION_COOKIE_NAME)?.value ?? '';
}

interface BatchItem {
  result?: unknown;
  error?: { message: string; data: { code: string; httpStatus: number } };
}

/** One GET batch of `count` calls of identity.auth.me. */
async function meBatch(server: Server, ip: string, cookie: string, count: number) {
  const paths = Array.from({ length: count }, () => 'identity.auth.me').join(',');
  const input = encodeURIComponent(JSON.stringify(Object.fromEntries(Array.from({ length: count }, (_, index) => [index, {}]))));
  const response = await server.inject({
    method: 'GET',
    url: `/trpc/${paths}?batch=1&input=${input}`,
    remoteAddress: ip,
    cookies: { [SESSION_COOKIE_NAME]: cookie },
  });
  const items = response.json<BatchItem[]>();
  return {
    status: response.statusCode,
    retryAfter: response.headers['retry-after'],
    ok: items.filter((item) => item.result !== undefined).length,
    refused: items.filter((item) => item.error?.data.code === 'TOO_MANY_REQUESTS'),
  };
}

async function call(server: Server, ip: string, cookie: string, path: string, input: Record<string, unknown> = {}, type: 'query' | 'mutation' = 'query') {
  const response =
    type === 'query'
      ? await server.inject({
          method: 'GET',
          url: `/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`,
          remoteAddress: ip,
          cookies: { [SESSION_COOKIE_NAME]: cookie },
        })
      : await server.inject({ method: 'POST', url: `/trpc/${path}`, payload: input, remoteAddress: ip, cookies: { [SESSION_COOKIE_NAME]: cookie } });
  return { status: response.statusCode, retryAfter: response.headers['retry-after'], body: response.json<{ error?: { message: string } }>() };
}

/** A budget of 60 units a minute: a bucket of 50 (the minimum: one expensive call) refilled by 1 a second. */
const SMALL = 60;

/** Refilled while the calls run: a batch may get one or two units more than the bucket held. */
function about(value: number, expected: number): void {
  expect(value).toBeGreaterThanOrEqual(expected);
  expect(value).toBeLessThanOrEqual(expected + 2);
}

describe('procedure-call budgets', () => {
  it('charges each call of a 250-call batch: the calls past the budget are refused, in words, and a refused batch says when to retry', async () => {
    const server = await hostWith({ RATE_LIMIT_UNITS_PER_USER: SMALL });
    const ip = someIp();
    const cookie = await signUp(server, ip);
    const batch = await meBatch(server, ip, cookie, 250);
    about(batch.ok, 50);
    expect(batch.ok + batch.refused.length).toBe(250);
    expect(batch.status).toBe(207);
    expect(batch.refused[0]?.error?.message).toMatch(/^You are sending requests too quickly: try again in \d+ seconds?$/);
    expect(batch.refused[0]?.error?.data.httpStatus).toBe(429);

    const again = await meBatch(server, ip, cookie, 10);
    expect(again.status).toBe(429);
    const seconds = Number(again.retryAfter);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(60);
  });

  it('gives each user behind one address a budget of their own, under a larger one for the address', async () => {
    const server = await hostWith({ RATE_LIMIT_UNITS_PER_USER: SMALL, RATE_LIMIT_UNITS_PER_IP: 6000 });
    const office = someIp();
    const first = await signUp(server, office);
    const second = await signUp(server, office);
    about((await meBatch(server, office, first, 70)).ok, 50);
    expect((await meBatch(server, office, second, 40)).ok).toBe(40);

    const narrow = await hostWith({ RATE_LIMIT_UNITS_PER_USER: 6000, RATE_LIMIT_UNITS_PER_IP: SMALL });
    const shared = someIp();
    const third = await signUp(narrow, shared); // a mutation: 5 of the address's 50
    const batch = await meBatch(narrow, shared, third, 70);
    about(batch.ok, 45);
    expect(batch.refused[0]?.error?.message).toMatch(/^Too many requests from your network/);
  });

  it("stops a tenant at its own budget and leaves another tenant's untouched", async () => {
    const server = await hostWith({ RATE_LIMIT_UNITS_PER_USER: 6000, RATE_LIMIT_UNITS_PER_TENANT: SMALL });
    const noisy = await signUp(server, someIp());
    const quiet = await signUp(server, someIp());
    const burst = await meBatch(server, someIp(), noisy, 80);
    about(burst.ok, 50);
    expect(burst.refused[0]?.error?.message).toMatch(/^Your organization is sending too many requests: try again in/);
    expect((await meBatch(server, someIp(), quiet, 50)).ok).toBe(50);
  });

  it('weighs a mutation 5 and an expensive call (an index rebuild) 50 against a query 1, and a refused call costs nothing', async () => {
    const server = await hostWith({ RATE_LIMIT_UNITS_PER_USER: SMALL });
    const ip = someIp();
    const writer = await signUp(server, ip);
    for (let index = 0; index < 10; index += 1) {
      expect((await call(server, ip, writer, 'crm.clients.create', { name: `Client ${index}` }, 'mutation')).status).toBe(200);
    }
    const eleventh = await call(server, ip, writer, 'crm.clients.create', { name: 'Client 11' }, 'mutation');
    expect(eleventh.status).toBe(429);
    expect(Number(eleventh.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(eleventh.retryAfter)).toBeLessThanOrEqual(5);

    const admin = await signUp(server, ip);
    expect((await call(server, ip, admin, 'search.index.rebuild', {}, 'mutation')).status).toBe(200);
    const second = await call(server, ip, admin, 'search.index.rebuild', {}, 'mutation');
    expect(second.status).toBe(429);
    expect(second.body.error?.message).toMatch(/too quickly: try again in \d+ seconds/);
    // The bucket refills by 1 a second: a second rebuild waits for 50 units, a query for 1.
    expect(Number(second.retryAfter)).toBeGreaterThanOrEqual(40);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await call(server, ip, admin, 'identity.auth.me')).status).toBe(200);
  });

  it('shares one budget across replicas through Redis', async () => {
    const budgets = { RATE_LIMIT_UNITS_PER_USER: SMALL };
    const first = await hostWith(budgets, { redis: true });
    const second = await hostWith(budgets, { redis: true });
    const ip = someIp();
    const cookie = await signUp(first, ip);
    expect((await meBatch(first, ip, cookie, 30)).ok).toBe(30);
    const rest = await meBatch(second, ip, cookie, 40);
    about(rest.ok, 20);
    expect(rest.refused.length).toBe(40 - rest.ok);
  });
});
