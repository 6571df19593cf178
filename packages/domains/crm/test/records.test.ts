import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRPCError, uuidv7 } from '@ubos/platform';
import { createTestDatabase, seedReferences, type TestDatabase } from '@ubos/platform/testing';
import { actor, count, outbox } from './helpers.ts';

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

describe('clients and contacts', () => {
  it('creates, updates, archives and restores a client, each with its event', async () => {
    const a = actor(testDb.db);
    const created = await a.caller.clients.create({ name: 'Acme, Inc.', website: 'https://www.acme.com/about', tags: ['VIP', 'vip', ' b2b '] });
    expect(created).toMatchObject({ name: 'Acme, Inc.', domain: 'acme.com', status: 'lead', tags: ['b2b', 'vip'] });
    // The owner must be a member of this organization (identity's memberships, through the kernel's
    // reference registry); a member of another organization is refused by name.
    const stranger = actor(testDb.db);
    await seedReferences(testDb.db, stranger.tenantId, [{ kind: 'identity.member', id: stranger.userId }]);
    await expect(a.caller.clients.update({ id: created.id, ownerId: stranger.userId })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'The owner given is not a member of this organization',
    });
    await expect(a.caller.clients.create({ name: 'Owned elsewhere', ownerId: stranger.userId })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await seedReferences(testDb.db, a.tenantId, [{ kind: 'identity.member', id: a.userId }]);
    const updated = await a.caller.clients.update({ id: created.id, status: 'active', ownerId: a.userId });
    expect(updated).toMatchObject({ status: 'active', ownerId: a.userId });
    await a.caller.clients.archive({ id: created.id });
    await expect(a.caller.clients.update({ id: created.id, name: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await a.caller.clients.list({})).items).toHaveLength(0);
    expect((await a.caller.clients.list({ archived: true })).items.map((c) => c.id)).toEqual([created.id]);
    const restored = await a.caller.clients.restore({ id: created.id });
    expect(restored.archivedAt).toBeNull();
    const events = await outbox(testDb.db, a.tenantId);
    expect(events.map((e) => e.type)).toEqual(['crm.client.created', 'crm.client.updated', 'crm.client.archived', 'crm.client.restored']);
    expect(events.every((e) => e.payload.client_id === created.id && e.aggregate_id === created.id)).toBe(true);
    expect(events[1]?.payload).toMatchObject({ status: 'active', owner_id: a.userId });
  });

  it('a failing write leaves neither row nor event', async () => {
    const a = actor(testDb.db);
    const client = await a.caller.clients.create({ name: 'Keep' });
    // The contact insert succeeds, then the link to an unknown client fails: all rolled back.
    await expect(a.caller.contacts.create({ name: 'Ghost', clients: [{ clientId: client.id }, { clientId: uuidv7() }] })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    // Invalid input never reaches the database.
    const bad = await a.caller.clients.create({ name: '' }).catch((error: unknown) => error);
    expect(bad).toBeInstanceOf(TRPCError);
    expect((bad as TRPCError).code).toBe('BAD_REQUEST');
    // A domain that is not one is refused in words; a pasted web address is accepted as its domain.
    await expect(a.caller.clients.create({ name: 'Odd', domain: 'not a domain!!' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      cause: { issues: [expect.objectContaining({ path: ['domain'], message: 'Enter a domain such as acme.com' })] },
    });
    expect(await count(testDb.db, a.tenantId, 'crm.contacts')).toBe(0);
    expect(await count(testDb.db, a.tenantId, 'crm.clients')).toBe(1);
    expect((await outbox(testDb.db, a.tenantId)).map((e) => e.type)).toEqual(['crm.client.created']);
  });

  it('links a contact to several clients with roles and files its events under a client', async () => {
    const a = actor(testDb.db);
    const one = await a.caller.clients.create({ name: 'One' });
    const two = await a.caller.clients.create({ name: 'Two' });
    const contact = await a.caller.contacts.create({ name: 'Jane', email: ' Jane.Doe+news@Example.COM ', clients: [{ clientId: one.id, role: 'CEO' }] });
    expect(contact.relationships).toEqual([{ clientId: one.id, contactId: contact.id, role: 'CEO' }]);
    const linked = await a.caller.contacts.linkClient({ contactId: contact.id, clientId: two.id, role: 'Advisor' });
    expect(linked.relationships.map((r) => r.clientId).sort()).toEqual([one.id, two.id].sort());
    expect((await a.caller.contacts.list({ clientId: two.id })).items.map((c) => c.id)).toEqual([contact.id]);
    await a.caller.contacts.unlinkClient({ contactId: contact.id, clientId: one.id });
    expect((await a.caller.contacts.list({ clientId: one.id })).items).toHaveLength(0);
    const events = await outbox(testDb.db, a.tenantId, 'crm.contact.created');
    expect(events[0]?.payload).toMatchObject({ client_id: one.id, email_normalized: 'jane.doe@example.com' });
    const last = (await outbox(testDb.db, a.tenantId, 'crm.contact.updated')).at(-1);
    expect(last?.payload).toMatchObject({ client_id: two.id, client_ids: [two.id] });
  });

  it('notes attach to clients, contacts and deals and carry the client id', async () => {
    const a = actor(testDb.db);
    const client = await a.caller.clients.create({ name: 'Noted' });
    const note = await a.caller.notes.create({ subjectType: 'client', subjectId: client.id, body: 'Called them' });
    // A brand-new note is not "edited": both times are the same instant until an edit.
    expect(note.updatedAt.getTime()).toBe(note.createdAt.getTime());
    const edited = await a.caller.notes.update({ id: note.id, body: 'Called them twice' });
    expect(edited.updatedAt.getTime()).toBeGreaterThan(edited.createdAt.getTime());
    const second = await a.caller.notes.create({ subjectType: 'client', subjectId: client.id, body: 'Sent offer' });
    const page = await a.caller.notes.list({ subjectType: 'client', subjectId: client.id });
    expect(page.items.map((n) => n.id)).toEqual([second.id, note.id]);
    await a.caller.notes.archive({ id: second.id });
    expect((await a.caller.notes.list({ subjectType: 'client', subjectId: client.id })).items.map((n) => n.body)).toEqual(['Called them twice']);
    const events = await outbox(testDb.db, a.tenantId);
    expect(events.filter((e) => e.type.startsWith('crm.note.')).every((e) => e.payload.client_id === client.id)).toBe(true);
    await expect(a.caller.notes.create({ subjectType: 'contact', subjectId: uuidv7(), body: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a viewer may read but not write', async () => {
    const viewer = actor(testDb.db, 'viewer');
    await expect(viewer.caller.clients.list({})).resolves.toMatchObject({ items: [] });
    await expect(viewer.caller.clients.create({ name: 'Nope' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('custom fields', () => {
  it('validates values against the tenant definitions with the path customFields.<key>', async () => {
    const a = actor(testDb.db);
    await a.caller.customFields.create({ entity: 'client', key: 'tier', label: 'Tier', type: 'select', options: ['gold', 'silver'] });
    await a.caller.customFields.create({ entity: 'client', key: 'seats', label: 'Seats', type: 'number', required: true });
    await a.caller.customFields.create({ entity: 'client', key: 'renewal', label: 'Renewal', type: 'date' });
    await a.caller.customFields.create({ entity: 'client', key: 'areas', label: 'Areas', type: 'multi_select', options: ['tax', 'audit'] });
    await a.caller.customFields.create({ entity: 'client', key: 'budget', label: 'Budget', type: 'currency' });
    const cases: { customFields: Record<string, unknown>; paths: string[] }[] = [
      { customFields: { seats: 3, colour: 'red' }, paths: ['customFields.colour'] },
      { customFields: { seats: 'three' }, paths: ['customFields.seats'] },
      { customFields: { seats: 3, tier: 'bronze' }, paths: ['customFields.tier'] },
      { customFields: { seats: 3, renewal: '2026-13-45' }, paths: ['customFields.renewal'] },
      { customFields: { seats: 3, areas: ['tax', 'law'] }, paths: ['customFields.areas.1'] },
      { customFields: { seats: 3, budget: { amountMinor: 1.5, currency: 'EUR' } }, paths: ['customFields.budget.amountMinor'] },
      { customFields: { tier: 'gold' }, paths: ['customFields.seats'] },
    ];
    for (const testCase of cases) {
      const error = await a.caller.clients.create({ name: 'Typed', customFields: testCase.customFields }).catch((caught: unknown) => caught);
      expect(error, JSON.stringify(testCase.customFields)).toBeInstanceOf(TRPCError);
      expect((error as TRPCError).code).toBe('BAD_REQUEST');
      const issues = (error as TRPCError & { cause: { issues: { path: (string | number)[] }[] } }).cause.issues;
      expect(issues.map((issue) => issue.path.join('.'))).toEqual(testCase.paths);
    }
    expect(await count(testDb.db, a.tenantId, 'crm.clients')).toBe(0);
    const ok = await a.caller.clients.create({
      name: 'Typed',
      customFields: { seats: 3, tier: 'gold', areas: ['audit'], renewal: '2027-01-31', budget: { amountMinor: 150000, currency: 'EUR' } },
    });
    const patched = await a.caller.clients.update({ id: ok.id, customFields: { tier: 'silver', renewal: null } });
    expect(patched.customFields).toEqual({ seats: 3, tier: 'silver', areas: ['audit'], budget: { amountMinor: 150000, currency: 'EUR' } });
    await expect(a.caller.clients.update({ id: ok.id, customFields: { seats: null } })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    // Filterable: equality on a scalar, membership on a multi-select.
    expect((await a.caller.clients.list({ customField: { key: 'tier', value: 'silver' } })).items.map((c) => c.id)).toEqual([ok.id]);
    expect((await a.caller.clients.list({ customField: { key: 'areas', value: 'audit' } })).items.map((c) => c.id)).toEqual([ok.id]);
    expect((await a.caller.clients.list({ customField: { key: 'tier', value: 'gold' } })).items).toHaveLength(0);
  });

  it('only managers define fields; select fields need options', async () => {
    const member = actor(testDb.db, 'member');
    await expect(member.caller.customFields.create({ entity: 'contact', key: 'x', label: 'X', type: 'text' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const owner = actor(testDb.db);
    await expect(owner.caller.customFields.create({ entity: 'contact', key: 'x', label: 'X', type: 'select' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const field = await owner.caller.customFields.create({ entity: 'contact', key: 'x', label: 'X', type: 'text' });
    await expect(owner.caller.customFields.create({ entity: 'contact', key: 'x', label: 'X', type: 'text' })).rejects.toMatchObject({ code: 'CONFLICT' });
    await owner.caller.customFields.archive({ id: field.id });
    expect(await owner.caller.customFields.list({ entity: 'contact' })).toEqual([]);
  });
});

describe('lists', () => {
  it('keyset pagination returns every row exactly once across pages, for every sort', async () => {
    const a = actor(testDb.db);
    const names = ['delta', 'Alpha', 'charlie', 'alpha', 'Bravo', 'echo', 'alpha', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo'];
    const ids = new Set<string>();
    for (const name of names) ids.add((await a.caller.clients.create({ name, tags: name.startsWith('a') ? ['a'] : [] })).id);
    for (const sort of ['name', 'created_at', 'updated_at'] as const) {
      for (const direction of ['asc', 'desc'] as const) {
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await a.caller.clients.list({ sort, direction, limit: 3, ...(cursor ? { cursor } : {}) });
          seen.push(...page.items.map((c) => c.id));
          cursor = page.nextCursor ?? undefined;
          pages += 1;
        } while (cursor);
        expect(seen.length, `${sort} ${direction}`).toBe(names.length);
        expect(new Set(seen)).toEqual(ids);
        expect(pages).toBe(5);
      }
    }
    const byName = await a.caller.clients.list({ sort: 'name', limit: 100 });
    expect(byName.items.map((c) => c.name.toLowerCase())).toEqual([...names].map((n) => n.toLowerCase()).sort());
    expect((await a.caller.clients.list({ q: 'al' })).items).toHaveLength(3);
    // Anywhere in the name, not only its start ("Bravo", "Golf", "Hotel" and "Alpha" x3 hold "l" or "o"...).
    expect((await a.caller.clients.list({ q: 'ph' })).items.map((c) => c.name.toLowerCase())).toEqual(['alpha', 'alpha', 'alpha']);
    expect((await a.caller.clients.list({ q: 'LIE' })).items.map((c) => c.name)).toEqual(['charlie', 'juliet']);
    expect((await a.caller.clients.list({ tag: 'A' })).items).toHaveLength(2);
    await expect(a.caller.clients.list({ cursor: 'garbage' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const nameCursor = (await a.caller.clients.list({ sort: 'name', limit: 2 })).nextCursor ?? '';
    await expect(a.caller.clients.list({ sort: 'created_at', cursor: nameCursor })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(a.caller.clients.list({ limit: 101 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('list filters match anywhere', () => {
  it('finds "cedar" anywhere in client names and domains, and contacts by name or email; % and _ are literal', async () => {
    const a = actor(testDb.db);
    const named = ['Cedar Works', 'Red Cedar Farms', 'The cedar tree', 'Oak & Pine', 'CEDARWOOD Ltd', 'Maple'];
    for (const name of named) await a.caller.clients.create({ name });
    await a.caller.clients.create({ name: 'Timber Co', domain: 'cedar-timber.test' });
    await a.caller.clients.create({ name: '100% Wood' });
    await a.caller.clients.create({ name: 'Wood_Works' });
    await a.caller.clients.create({ name: 'Woodworks' });
    const names = async (q: string) => (await a.caller.clients.list({ q, limit: 100 })).items.map((c) => c.name).sort();
    expect(await names('cedar')).toEqual(['CEDARWOOD Ltd', 'Cedar Works', 'Red Cedar Farms', 'The cedar tree', 'Timber Co']);
    expect(await names('timber.te')).toEqual(['Timber Co']);
    expect(await names('%')).toEqual(['100% Wood']);
    expect(await names('d_w')).toEqual(['Wood_Works']);
    // The same filter drives the export.
    const csv = await a.caller.clients.export({ q: 'cedar' });
    expect(csv.rows).toBe(5);

    await a.caller.contacts.create({ name: 'Jane Cedarholm', email: 'jane@example.test' });
    await a.caller.contacts.create({ name: 'Bob Stone', email: 'bob@cedar-timber.test' });
    await a.caller.contacts.create({ name: 'Ann Other', email: 'ann@example.test' });
    const contacts = async (q: string) => (await a.caller.contacts.list({ q, limit: 100 })).items.map((c) => c.name).sort();
    expect(await contacts('cedar')).toEqual(['Bob Stone', 'Jane Cedarholm']);
    expect(await contacts('STONE')).toEqual(['Bob Stone']);
    // Another tenant's clients never match.
    const b = actor(testDb.db);
    expect((await b.caller.clients.list({ q: 'cedar' })).items).toEqual([]);
  });
});

describe('contact suggestions', () => {
  it('suggests linking an unlinked contact to the one client of their email domain, and flags the same name at the same domain', async () => {
    const a = actor(testDb.db);
    const acme = await a.caller.clients.create({ name: 'Acme Robotics', domain: 'acme.test' });
    await a.caller.clients.create({ name: 'Twin One', domain: 'twins.test' });
    await a.caller.clients.create({ name: 'Twin Two', domain: 'twins.test' });
    const jane = await a.caller.contacts.create({ name: 'Jane Doe', email: 'jane@acme.test' });
    const jane2 = await a.caller.contacts.create({ name: 'jane doe', email: 'j.doe@ACME.test' });
    await a.caller.contacts.create({ name: 'Linked Larry', email: 'larry@acme.test', clients: [{ clientId: acme.id }] });
    await a.caller.contacts.create({ name: 'Tess Twin', email: 'tess@twins.test' });
    await a.caller.contacts.create({ name: 'Nobody', email: 'nobody@elsewhere.test' });
    const suggestions = await a.caller.contacts.linkSuggestions();
    expect(suggestions.map((s) => `${s.contactName} → ${s.clientName}`).sort()).toEqual(['Jane Doe → Acme Robotics', 'jane doe → Acme Robotics']);
    await a.caller.contacts.linkClient({ contactId: jane.id, clientId: acme.id });
    expect((await a.caller.contacts.linkSuggestions()).map((s) => s.contactId)).toEqual([jane2.id]);

    const groups = await a.caller.duplicates.list({ kind: 'contact' });
    expect(groups).toContainEqual(expect.objectContaining({ reason: 'name', key: 'jane doe @ acme.test' }));
    expect(groups.find((g) => g.key === 'jane doe @ acme.test')?.records.map((r) => r.id)).toEqual([jane.id, jane2.id]);
  });
});
