import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7, withTenant, type ActionDefinition } from '@ubos/platform';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { z } from 'zod';
import { addTagAction, createClientAction, findOrCreateContactAction, updateClientStatusAction } from '../src/actions.ts';
import { actor, count, domainContext, outbox } from './helpers.ts';

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

/** Runs an action as a workflow step does: in the step's tenant transaction, with its idempotency key. */
function runAction(action: ActionDefinition, tenantId: string, key: string, input: unknown): Promise<unknown> {
  return withTenant(testDb.db, { tenantId }, (trx) => action.run(input, { ...domainContext(trx, { tenantId, correlationId: 'run' }), idempotencyKey: key }));
}

// The results the test reads fields of (the actions' outputs, which the kit has already validated).
const contactResult = z.object({ contactId: z.uuid(), created: z.boolean() });
const clientResult = z.object({ clientId: z.uuid(), created: z.boolean() });

describe('workflow actions', () => {
  it('find-or-create a contact and a client, idempotently per step key', async () => {
    const a = actor(testDb.db);
    const existing = await a.caller.contacts.create({ name: 'Known', email: 'known@x.io' });
    expect(await runAction(findOrCreateContactAction, a.tenantId, 'r1:contact', { email: 'KNOWN+cal@x.io', name: 'K' })).toEqual({
      contactId: existing.id,
      created: false,
    });
    const fresh = contactResult.parse(await runAction(findOrCreateContactAction, a.tenantId, 'r2:contact', { email: 'new@x.io', name: 'New' }));
    expect(fresh.created).toBe(true);
    const client = clientResult.parse(await runAction(createClientAction, a.tenantId, 'r2:client', { name: 'New Co', primaryContactId: fresh.contactId }));
    const again = await runAction(createClientAction, a.tenantId, 'r2:client', { name: 'New Co', primaryContactId: fresh.contactId });
    expect(again).toEqual(client);
    expect(await count(testDb.db, a.tenantId, 'crm.clients')).toBe(1);
    const matched = await runAction(createClientAction, a.tenantId, 'r3:client', { name: 'NEW CO, Inc.' });
    expect(matched).toEqual({ clientId: client.clientId, created: false });
    expect((await a.caller.contacts.get({ id: fresh.contactId })).relationships).toEqual([
      { clientId: client.clientId, contactId: fresh.contactId, role: 'primary' },
    ]);
    await runAction(updateClientStatusAction, a.tenantId, 'r4:status', { clientId: client.clientId, status: 'active' });
    expect((await a.caller.clients.get({ id: client.clientId })).status).toBe('active');
    expect(await outbox(testDb.db, a.tenantId, 'crm.client.created')).toHaveLength(1);
    await expect(runAction(updateClientStatusAction, uuidv7(), 'r5:status', { clientId: client.clientId, status: 'past' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('adds a tag once: a repeated step key or an existing tag changes nothing', async () => {
    const a = actor(testDb.db);
    const client = await a.caller.clients.create({ name: 'Tagged Co', tags: ['vip'] });
    expect(await runAction(addTagAction, a.tenantId, 'r1:tag', { clientId: client.id, tag: ' Onboarded ' })).toEqual({
      clientId: client.id,
      tags: ['onboarded', 'vip'],
    });
    expect(await runAction(addTagAction, a.tenantId, 'r1:tag', { clientId: client.id, tag: 'Onboarded' })).toEqual({
      clientId: client.id,
      tags: ['onboarded', 'vip'],
    });
    expect(await runAction(addTagAction, a.tenantId, 'r2:tag', { clientId: client.id, tag: 'vip' })).toEqual({
      clientId: client.id,
      tags: ['onboarded', 'vip'],
    });
    expect((await a.caller.clients.get({ id: client.id })).tags).toEqual(['onboarded', 'vip']);
    expect(await outbox(testDb.db, a.tenantId, 'crm.client.updated')).toHaveLength(1);
    await expect(runAction(addTagAction, uuidv7(), 'r3:tag', { clientId: client.id, tag: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
