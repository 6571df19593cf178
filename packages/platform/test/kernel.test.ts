import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createCallerFactory,
  DomainError,
  findUndeclaredProcedures,
  publicProcedure,
  router,
  sql,
  tenantProcedure,
  TRPCError,
  uuidv7,
  withTenant,
  writeEvent,
  defineEvent,
  defineDomain,
  grants,
  PermissionCatalog,
} from '../src/index.ts';
import { createTestDatabase, testContext, testSession, type TestDatabase } from '../src/testing/index.ts';

let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase();
});

afterAll(async () => {
  await testDb?.drop();
});

const sampleEvent = defineEvent({
  type: 'platform.sample.created',
  version: 1,
  aggregateType: 'sample',
  payload: z.object({ name: z.string().min(1) }),
});

describe('withTenant and RLS on platform tables', () => {
  it('connects as ubos_app, which is neither superuser nor BYPASSRLS', async () => {
    const result = await sql<{ current_user: string; rolsuper: boolean; rolbypassrls: boolean }>`
      SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user`.execute(testDb.db.kysely);
    expect(result.rows[0]).toEqual({ current_user: 'ubos_app', rolsuper: false, rolbypassrls: false });
  });

  it('shows a tenant only its own outbox rows and rejects writes for another tenant', async () => {
    const tenantA = uuidv7();
    const tenantB = uuidv7();
    for (const tenantId of [tenantA, tenantB]) {
      await withTenant(testDb.db, { tenantId }, (trx) =>
        writeEvent(trx, sampleEvent, { name: 'x' }, { tenantId, actorId: null, correlationId: 'c1', aggregateId: 'a1' }),
      );
    }
    const seenByA = await withTenant(testDb.db, { tenantId: tenantA }, async (trx) =>
      sql<{ tenant_id: string }>`SELECT tenant_id FROM platform.outbox`.execute(trx),
    );
    expect(seenByA.rows.map((row) => row.tenant_id)).toEqual([tenantA]);
    const noTenant = await sql`SELECT count(*)::int AS n FROM platform.outbox`.execute(testDb.db.kysely);
    expect(noTenant.rows[0]).toEqual({ n: 0 });
    await expect(
      withTenant(testDb.db, { tenantId: tenantA }, (trx) =>
        writeEvent(trx, sampleEvent, { name: 'x' }, { tenantId: tenantB, actorId: null, correlationId: 'c', aggregateId: 'a' }),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it('rolls the event back with the transaction that wrote it', async () => {
    const tenantId = uuidv7();
    await expect(
      withTenant(testDb.db, { tenantId }, async (trx) => {
        await writeEvent(trx, sampleEvent, { name: 'kept?' }, { tenantId, actorId: null, correlationId: 'c', aggregateId: 'a' });
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');
    const rows = await withTenant(testDb.db, { tenantId }, (trx) => sql`SELECT 1 FROM platform.outbox`.execute(trx));
    expect(rows.rows).toHaveLength(0);
  });

  it('sets the scope with BEGIN in one round trip, and scopes only that transaction', async () => {
    const tenantId = uuidv7();
    const userId = uuidv7();
    const sent: string[] = [];
    const clients = new Set<{ query: (...args: never[]) => unknown }>();
    testDb.db.pool.on('acquire', (client) => {
      if (clients.has(client)) return;
      clients.add(client);
      const original = client.query.bind(client) as (...args: unknown[]) => unknown;
      client.query = ((...args: unknown[]) => {
        const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string }).text;
        if (text) sent.push(text);
        return original(...args);
      }) as typeof client.query;
    });
    const seen = await withTenant(testDb.db, { tenantId, userId }, async (trx) => {
      const inside = await sql<{ tenant: string; user: string }>`
        SELECT current_setting('app.tenant_id') AS tenant, current_setting('app.user_id') AS user`.execute(trx);
      // A transaction opened meanwhile on another pooled connection does not inherit the scope.
      const other = await testDb.db.kysely
        .transaction()
        .execute((other) => sql<{ tenant: string | null }>`SELECT current_setting('app.tenant_id', true) AS tenant`.execute(other));
      return { inside: inside.rows[0], other: other.rows[0]?.tenant ?? '' };
    });
    testDb.db.pool.removeAllListeners('acquire');
    expect(seen).toEqual({ inside: { tenant: tenantId, user: userId }, other: '' });
    const begin = sent.find((text) => text.startsWith('begin'));
    expect(begin).toBe(`begin; select set_config('app.tenant_id', '${tenantId}', true), set_config('app.user_id', '${userId}', true)`);
    // After commit the pooled connection carries no tenant into its next use.
    const after = await sql<{ tenant: string | null }>`SELECT current_setting('app.tenant_id', true) AS tenant`.execute(testDb.db.kysely);
    expect(after.rows[0]?.tenant ?? '').toBe('');
    await expect(withTenant(testDb.db, { tenantId: "x'; drop table platform.outbox; --" }, async () => 1)).rejects.toThrow();
  });

  it('refuses an event whose payload breaks its contract', async () => {
    const tenantId = uuidv7();
    await expect(
      withTenant(testDb.db, { tenantId }, (trx) =>
        writeEvent(trx, sampleEvent, { name: '' }, { tenantId, actorId: null, correlationId: 'c', aggregateId: 'a' }),
      ),
    ).rejects.toThrow();
  });
});

describe('procedure builders', () => {
  const sampleRouter = router({
    ping: publicProcedure.query(() => 'pong'),
    echo: tenantProcedure
      .meta({ permission: 'sample.item.write' })
      .input(z.object({ name: z.string().min(2, 'Name needs at least 2 characters') }))
      .mutation(async ({ input, ctx }) => {
        await ctx.domain.emit(sampleEvent, { name: input.name }, { aggregateId: 'x' });
        if (input.name === 'boom') throw new Error('kaput');
        if (input.name === 'gone') throw new DomainError('NOT_FOUND', 'Client gone was not found');
        return input.name;
      }),
    undeclared: tenantProcedure.query(() => 'should never run'),
  });
  const createCaller = createCallerFactory(sampleRouter);
  const sampleModule = defineDomain({ name: 'sample', router: sampleRouter, migrations: [], permissions: { 'sample.item.write': grants.staff } });
  const modules = [sampleModule];

  it('finds procedures that declare no permission', () => {
    expect(findUndeclaredProcedures(sampleRouter, new PermissionCatalog(modules))).toEqual([{ path: 'undeclared', reason: 'no permission declared' }]);
  });

  it('keeps the public default when a procedure adds other meta', () => {
    const procedures = sampleRouter._def.procedures as Record<string, { _def: { meta?: { permission?: string } } }>;
    expect(procedures.ping?._def.meta?.permission).toBe('public');
    expect(procedures.echo?._def.meta?.permission).toBe('sample.item.write');
  });

  it('rejects an undeclared tenant procedure at call time', async () => {
    const tenantId = uuidv7();
    const caller = createCaller(testContext({ db: testDb.db, modules, session: testSession({ userId: uuidv7(), tenantId, role: 'owner', modules }) }));
    await expect(caller.undeclared()).rejects.toMatchObject({ code: 'INTERNAL_SERVER_ERROR' });
  });

  it('maps zod failures to BAD_REQUEST with the issue list', async () => {
    const tenantId = uuidv7();
    const caller = createCaller(testContext({ db: testDb.db, modules, session: testSession({ userId: uuidv7(), tenantId, role: 'member', modules }) }));
    const error = await caller.echo({ name: 'a' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TRPCError);
    expect((error as TRPCError).code).toBe('BAD_REQUEST');
  });

  it('enforces the permission matrix and needs a session', async () => {
    const tenantId = uuidv7();
    const viewer = createCaller(testContext({ db: testDb.db, modules, session: testSession({ userId: uuidv7(), tenantId, role: 'viewer', modules }) }));
    await expect(viewer.echo({ name: 'hello' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const anonymous = createCaller(testContext({ db: testDb.db, modules }));
    await expect(anonymous.echo({ name: 'hello' })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('commits the event with a successful call and rolls it back with a failed one', async () => {
    const tenantId = uuidv7();
    const caller = createCaller(testContext({ db: testDb.db, modules, session: testSession({ userId: uuidv7(), tenantId, role: 'member', modules }) }));
    await expect(caller.echo({ name: 'kept' })).resolves.toBe('kept');
    const failure = await caller.echo({ name: 'boom' }).catch((caught: unknown) => caught);
    expect(failure).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' });
    await expect(caller.echo({ name: 'gone' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const names = await withTenant(testDb.db, { tenantId }, (trx) =>
      sql<{ name: string }>`SELECT payload->>'name' AS name FROM platform.outbox ORDER BY position`.execute(trx),
    );
    expect(names.rows.map((row) => row.name)).toEqual(['kept']);
  });
});
