import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCallerFactory,
  createDomainContext,
  createLogger,
  issuesOf,
  readOutbox,
  TRPCError,
  uuidv7,
  withTenant,
  type ActionContext,
  type Role,
  type Transaction,
  type UntypedDB,
} from '@ubos/platform';
import { createTestDatabase, testContext, testSession, type TestDatabase } from '@ubos/platform/testing';
import { updateSettingsAction } from '../src/actions.ts';
import { defaultSettings, settingsUpdated } from '../src/contracts.ts';
import type { AgreementsDB } from '../src/db.ts';
import { agreementsModule } from '../src/module.ts';
import { agreementsRouter } from '../src/router.ts';
import * as service from '../src/service.ts';

const createCaller = createCallerFactory(agreementsRouter);
const silent = createLogger({ level: 'silent' });

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

function actor(role: Role = 'owner', tenantId: string = uuidv7()) {
  const userId = uuidv7();
  const session = testSession({ userId, tenantId, role, modules: [agreementsModule] });
  return { tenantId, userId, caller: createCaller(testContext({ db: testDb.db, session, modules: [agreementsModule] })) };
}

function domainContext(trx: Transaction<UntypedDB>, tenantId: string, actorId: string | null = null) {
  return createDomainContext({ trx, tenantId, actorId, correlationId: 'test', log: silent });
}

function inTenant<T>(tenantId: string, fn: (trx: Transaction<UntypedDB>) => Promise<T>): Promise<T> {
  return withTenant(testDb.db, { tenantId }, fn);
}

const events = (tenantId: string) => inTenant(tenantId, (trx) => readOutbox(trx, { types: [settingsUpdated.type] }));
function rows(tenantId: string) {
  return inTenant(tenantId, (trx) => {
    const db = domainContext(trx, tenantId).db<AgreementsDB>();
    return db.selectFrom('agreements.settings').selectAll().execute();
  });
}

function runAction(tenantId: string, key: string, input: unknown) {
  return inTenant(tenantId, (trx) => {
    const context: ActionContext = { ...domainContext(trx, tenantId), idempotencyKey: key };
    return updateSettingsAction.run(input, context);
  });
}

describe('agreements settings', () => {
  it('returns the defaults while the tenant changed nothing, to every role', async () => {
    for (const role of ['owner', 'admin', 'member', 'viewer'] as const) {
      expect(await actor(role).caller.settings.get()).toEqual({ settings: defaultSettings, updatedAt: null, updatedBy: null });
    }
  });

  it('writes the row and its event in one transaction, and nothing when nothing changes', async () => {
    const a = actor('admin');
    const updated = await a.caller.settings.update({ label: '  Our area ' });
    expect(updated).toEqual({ settings: { enabled: true, label: 'Our area' }, updatedAt: expect.any(Date), updatedBy: a.userId });
    expect(await a.caller.settings.get()).toEqual(updated);
    expect(await rows(a.tenantId)).toEqual([expect.objectContaining({ tenant_id: a.tenantId, updated_by: a.userId })]);
    const [written] = await events(a.tenantId);
    expect(written?.event).toMatchObject({
      type: 'agreements.settings.updated',
      version: 1,
      aggregate_type: 'agreements.settings',
      aggregate_id: a.tenantId,
      actor_id: a.userId,
      payload: { enabled: true, label: 'Our area', changed_keys: ['label'], updated_by: a.userId },
    });

    // The same values again: no write, no event.
    expect(await a.caller.settings.update({ label: 'Our area', enabled: true })).toEqual(updated);
    expect(await events(a.tenantId)).toHaveLength(1);

    // A second change merges into the stored settings and lists only what it changed.
    expect((await a.caller.settings.update({ enabled: false, label: 'Our area' })).settings).toEqual({ enabled: false, label: 'Our area' });
    expect((await events(a.tenantId)).map((item) => item.event.payload.changed_keys)).toEqual([['label'], ['enabled']]);

    // Rolled back after the update: neither the row change nor the event remains.
    await expect(
      inTenant(a.tenantId, async (trx) => {
        await service.updateSettings(domainContext(trx, a.tenantId, a.userId), { label: null });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect((await a.caller.settings.get()).settings.label).toBe('Our area');
    expect(await events(a.tenantId)).toHaveLength(2);
  });

  it('lets members and viewers read but not change the settings', async () => {
    const owner = actor('owner');
    for (const role of ['member', 'viewer'] as const) {
      const other = actor(role, owner.tenantId);
      await expect(other.caller.settings.update({ enabled: false })).rejects.toMatchObject({ code: 'FORBIDDEN' });
      expect((await other.caller.settings.get()).settings).toEqual(defaultSettings);
    }
    expect(await rows(owner.tenantId)).toEqual([]);
    expect(await events(owner.tenantId)).toEqual([]);
  });

  it('refuses bad input with the zod issues', async () => {
    const a = actor();
    const invalid: [unknown, string[]][] = [
      [{ label: '' }, ['label']],
      [{ label: 'x'.repeat(101) }, ['label']],
      [{ enabled: 'yes' }, ['enabled']],
      [{ colour: 'red' }, []],
      [{}, []],
    ];
    for (const [input, path] of invalid) {
      // @ts-expect-error -- deliberately invalid input
      const error = await a.caller.settings.update(input).then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(error).toMatchObject({ code: 'BAD_REQUEST' });
      const issues = issuesOf(error instanceof TRPCError ? error.cause : error);
      expect(issues?.length).toBeGreaterThan(0);
      expect(issues?.[0]?.path).toEqual(path);
    }
    expect(await rows(a.tenantId)).toEqual([]);
  });

  it('runs the workflow action once per idempotency key', async () => {
    const a = actor();
    expect(await runAction(a.tenantId, 'run-1:settings', { enabled: false })).toEqual({ enabled: false, label: null });
    await a.caller.settings.update({ enabled: true });
    // A retried step returns its stored result and writes nothing again.
    expect(await runAction(a.tenantId, 'run-1:settings', { enabled: false })).toEqual({ enabled: false, label: null });
    expect((await a.caller.settings.get()).settings.enabled).toBe(true);
    expect(await events(a.tenantId)).toHaveLength(2);
    // Another step key is another change.
    expect(await runAction(a.tenantId, 'run-2:settings', { enabled: false })).toEqual({ enabled: false, label: null });
    const last = (await events(a.tenantId)).at(-1)?.event;
    expect(last).toMatchObject({ actor_id: null, payload: { changed_keys: ['enabled'], updated_by: null } });
    await expect(runAction(a.tenantId, 'run-3:settings', { enabled: 'no' })).rejects.toThrow();
  });

  it("keeps each tenant's settings to itself", async () => {
    const a = actor();
    const b = actor();
    await a.caller.settings.update({ enabled: false, label: 'Tenant A' });
    expect((await b.caller.settings.get()).settings).toEqual(defaultSettings);
    expect(await rows(b.tenantId)).toEqual([]);
    expect(await events(b.tenantId)).toEqual([]);
    await b.caller.settings.update({ label: 'Tenant B' });
    expect((await a.caller.settings.get()).settings).toEqual({ enabled: false, label: 'Tenant A' });
    expect((await b.caller.settings.get()).settings).toEqual({ enabled: true, label: 'Tenant B' });
    expect(await events(a.tenantId)).toHaveLength(1);
  });
});
