import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7, withTenant, type ActionDefinition } from '@ubos/platform';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { addTagAction, createClientAction, findOrCreateContactAction, updateClientStatusAction } from '../src/actions.ts';
import { actor, count, outbox, silent } from './helpers.ts';

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

function runAction<I, O>(action: ActionDefinition<I, O>, tenantId: string, key: string, input: I): Promise<O> {
  return withTenant(testDb.db, { tenantId }, (trx) =>
    action.run(action.input.parse(input), {
      trx,
      log: silent,
      tenantId,
      actorId: null,
      idempotencyKey: key,
      eventMeta: { tenantId, actorId: null, correlationId: 'run', causationId: null },
    }),
  );
}

describe('workflow actions', () => {
  it('find-or-create a contact and a client, idempotently per step key', async () => {
    const a = actor(testDb.db);
    const existing = await a.caller.contacts.create({ name: 'Known', email: 'known@x.io' });
    expect(await runAction(findOrCreateContactAction, a.tenantId, 'r1:contact', { email: 'KNOWN+cal@x.io', name: 'K' })).toEqual({ contactId: existing.id, created: false });
    const fresh = await runAction(findOrCreateContactAction, a.tenantId, 'r2:contact', { email: 'new@x.io', name: 'New' });
    expect(fresh.created).toBe(true);
    const client = await runAction(createClientAction, a.tenantId, 'r2:client', { name: 'New Co', primaryContactId: fresh.contactId });
    const again = await runAction(createClientAction, a.tenantId, 'r2:client', { name: 'New Co', primaryContactId: fresh.contactId });
    expect(again).toEqual(client);
    expect(await count(testDb.db, a.tenantId, 'crm.clients')).toBe(1);
    const matched = await runAction(createClientAction, a.tenantId, 'r3:client', { name: 'NEW CO, Inc.' });
    expect(matched).toEqual({ clientId: client.clientId, created: false });
    expect((await a.caller.contacts.get({ id: fresh.contactId })).relationships).toEqual([{ clientId: client.clientId, contactId: fresh.contactId, role: 'primary' }]);
    await runAction(updateClientStatusAction, a.tenantId, 'r4:status', { clientId: client.clientId, status: 'active' });
    expect((await a.caller.clients.get({ id: client.clientId })).status).toBe('active');
    expect(await outbox(testDb.db, a.tenantId, 'crm.client.created')).toHaveLength(1);
    await expect(runAction(updateClientStatusAction, uuidv7(), 'r5:status', { clientId: client.clientId, status: 'past' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('adds a tag once: a repeated step key or an existing tag changes nothing', async () => {
    const a = actor(testDb.db);
    const client = await a.caller.clients.create({ name: 'Tagged Co', tags: ['vip'] });
    expect(await runAction(addTagAction, a.tenantId, 'r1:tag', { clientId: client.id, tag: ' Onboarded ' })).toEqual({ clientId: client.id, tags: ['onboarded', 'vip'] });
    expect(await runAction(addTagAction, a.tenantId, 'r1:tag', { clientId: client.id, tag: 'Onboarded' })).toEqual({ clientId: client.id, tags: ['onboarded', 'vip'] });
    expect(await runAction(addTagAction, a.tenantId, 'r2:tag', { clientId: client.id, tag: 'vip' })).toEqual({ clientId: client.id, tags: ['onboarded', 'vip'] });
    expect((await a.caller.clients.get({ id: client.id })).tags).toEqual(['onboarded', 'vip']);
    expect(await outbox(testDb.db, a.tenantId, 'crm.client.updated')).toHaveLength(1);
    await expect(runAction(addTagAction, uuidv7(), 'r3:tag', { clientId: client.id, tag: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
