import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { actor, outbox } from './helpers.ts';

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

describe('duplicates and merge', () => {
  it('detects contacts by normalized email and clients by domain, name and similarity', async () => {
    const a = actor(testDb.db);
    const jane = await a.caller.contacts.create({ name: 'Jane', email: 'Jane@Example.com' });
    const jane2 = await a.caller.contacts.create({ name: 'Jane D.', email: 'jane+crm@example.com' });
    await a.caller.contacts.create({ name: 'Other', email: 'other@example.com' });
    expect(await a.caller.duplicates.list({ kind: 'contact' })).toEqual([
      {
        reason: 'email',
        key: 'jane@example.com',
        score: 1,
        records: [
          { id: jane.id, name: 'Jane', detail: 'Jane@Example.com' },
          { id: jane2.id, name: 'Jane D.', detail: 'jane+crm@example.com' },
        ],
      },
    ]);
    const acme = await a.caller.clients.create({ name: 'Acme Inc', domain: 'acme.com' });
    const acme2 = await a.caller.clients.create({ name: 'ACME Corporation', website: 'https://www.acme.com' });
    const globex = await a.caller.clients.create({ name: 'Globex Consulting' });
    const globex2 = await a.caller.clients.create({ name: 'Globex Consultng' });
    await a.caller.clients.create({ name: 'Initech' });
    const groups = await a.caller.duplicates.list({ kind: 'client' });
    const summary = groups.map(
      (g) =>
        `${g.reason}:${g.records
          .map((r) => r.id)
          .sort()
          .join(',')}`,
    );
    expect(summary).toEqual([
      `domain:${[acme.id, acme2.id].sort().join(',')}`,
      `name:${[acme.id, acme2.id].sort().join(',')}`,
      `similar_name:${[globex.id, globex2.id].sort().join(',')}`,
    ]);
  });

  it('merges two clients: relationships, notes, deals move to the survivor; the loser is soft-deleted', async () => {
    const a = actor(testDb.db);
    const survivor = await a.caller.clients.create({ name: 'Umbrella', tags: ['a'] });
    const loser = await a.caller.clients.create({ name: 'Umbrella Corp', domain: 'umbrella.com', tags: ['b'] });
    const shared = await a.caller.contacts.create({
      name: 'Shared',
      clients: [
        { clientId: survivor.id, role: 'CEO' },
        { clientId: loser.id, role: 'Owner' },
      ],
    });
    const onlyLoser = await a.caller.contacts.create({ name: 'Only loser', clients: [{ clientId: loser.id, role: 'CFO' }] });
    const note = await a.caller.notes.create({ subjectType: 'client', subjectId: loser.id, body: 'Loser note' });
    const deal = await a.caller.deals.create({ clientId: loser.id, title: 'Deal', currency: 'EUR' });

    const merged = await a.caller.clients.merge({ survivorId: survivor.id, mergedId: loser.id });
    expect(merged).toMatchObject({ id: survivor.id, domain: 'umbrella.com', tags: ['a', 'b'] });
    const gone = await a.caller.clients.get({ id: loser.id });
    expect(gone.mergedInto).toBe(survivor.id);
    expect(gone.archivedAt).toBeInstanceOf(Date);
    expect((await a.caller.contacts.list({ clientId: survivor.id })).items.map((c) => c.id).sort()).toEqual([shared.id, onlyLoser.id].sort());
    expect((await a.caller.contacts.list({ clientId: loser.id })).items).toEqual([]);
    expect((await a.caller.contacts.get({ id: shared.id })).relationships).toEqual([{ clientId: survivor.id, contactId: shared.id, role: 'CEO' }]);
    expect((await a.caller.contacts.get({ id: onlyLoser.id })).relationships).toEqual([{ clientId: survivor.id, contactId: onlyLoser.id, role: 'CFO' }]);
    expect((await a.caller.notes.list({ subjectType: 'client', subjectId: survivor.id })).items.map((n) => n.id)).toEqual([note.id]);
    expect(await a.caller.deals.get({ id: deal.id })).toMatchObject({ clientId: survivor.id });
    const events = await outbox(testDb.db, a.tenantId, 'crm.client.merged');
    expect(events.map((e) => e.payload)).toEqual([{ survivor_id: survivor.id, merged_id: loser.id, client_id: survivor.id }]);
    await expect(a.caller.clients.merge({ survivorId: survivor.id, mergedId: loser.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(a.caller.clients.restore({ id: loser.id })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    await expect(a.caller.clients.merge({ survivorId: survivor.id, mergedId: survivor.id })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('merges two contacts and needs the merge permission', async () => {
    const a = actor(testDb.db);
    const client = await a.caller.clients.create({ name: 'Host' });
    const survivor = await a.caller.contacts.create({ name: 'Bob', email: 'bob@x.io' });
    const loser = await a.caller.contacts.create({ name: 'Bobby', email: 'BOB@x.io', phone: '+1 555', clients: [{ clientId: client.id, role: 'CTO' }] });
    const member = actor(testDb.db, 'member', a.tenantId);
    await expect(member.caller.contacts.merge({ survivorId: survivor.id, mergedId: loser.id })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const merged = await a.caller.contacts.merge({ survivorId: survivor.id, mergedId: loser.id });
    expect(merged).toMatchObject({ id: survivor.id, phone: '+1 555', relationships: [{ clientId: client.id, contactId: survivor.id, role: 'CTO' }] });
    const events = await outbox(testDb.db, a.tenantId, 'crm.contact.merged');
    expect(events.map((e) => e.payload)).toEqual([
      { survivor_id: survivor.id, merged_id: loser.id, contact_id: survivor.id, client_id: client.id, client_ids: [client.id] },
    ]);
    expect(await a.caller.duplicates.list({ kind: 'contact' })).toEqual([]);
  });
});
