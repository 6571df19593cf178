import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, uuidv7, withTenant } from '@ubos/platform';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { crmRouter } from '../src/router.ts';
import { importSubscription } from '../src/handlers.ts';
import { actor, deliverAll, type Actor } from './helpers.ts';

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

const tables = [
  'crm.clients',
  'crm.contacts',
  'crm.relationships',
  'crm.notes',
  'crm.custom_fields',
  'crm.pipelines',
  'crm.pipeline_stages',
  'crm.deals',
  'crm.engagements',
  'crm.client_profiles',
  'crm.imports',
  'crm.import_files',
  'crm.import_errors',
  'platform.outbox',
];

/** Every row count and the latest updated_at of both tenants: any write shows up here. */
async function fingerprint(tenantIds: string[]): Promise<string> {
  const parts: string[] = [];
  for (const tenantId of tenantIds) {
    await withTenant(testDb.db, { tenantId }, async (trx) => {
      for (const table of tables) {
        const hasUpdated = !['crm.relationships', 'crm.pipelines', 'crm.pipeline_stages', 'crm.import_files', 'crm.import_errors', 'platform.outbox'].includes(
          table,
        );
        const result = await sql<{ n: number; u: string | null }>`
          SELECT count(*)::int AS n, ${hasUpdated ? sql`max(updated_at)::text` : sql`NULL::text`} AS u FROM ${sql.table(table)}`.execute(trx);
        parts.push(`${tenantId}:${table}:${result.rows[0]?.n}:${result.rows[0]?.u}`);
      }
    });
  }
  return parts.join('\n');
}

interface World {
  a: Actor;
  b: Actor;
  ids: {
    client: string;
    archivedClient: string;
    contact: string;
    note: string;
    deal: string;
    stage: string;
    engagement: string;
    field: string;
    import: string;
  };
  mine: { client: string; contact: string; deal: string; stage: string };
}

type ForeignCase = { foreign: ((w: World) => Promise<unknown>)[] };
type NoIdCase = { noIdInput: (w: World) => Promise<unknown> };
type Case = ForeignCase | NoIdCase;

const notMine = (w: World, ids: string[]) => {
  const foreign = new Set(Object.values(w.ids));
  expect(ids.filter((id) => foreign.has(id))).toEqual([]);
};

const cases: Record<string, Case> = {
  'clients.create': {
    noIdInput: async (w) => {
      expect((await w.b.caller.clients.create({ name: 'B new' })).id).not.toBe(w.ids.client);
    },
  },
  'clients.update': { foreign: [(w) => w.b.caller.clients.update({ id: w.ids.client, name: 'hijack' })] },
  'clients.get': { foreign: [(w) => w.b.caller.clients.get({ id: w.ids.client })] },
  'clients.list': {
    noIdInput: async (w) =>
      notMine(
        w,
        (await w.b.caller.clients.list({ archived: false })).items.map((c) => c.id),
      ),
  },
  'clients.archive': { foreign: [(w) => w.b.caller.clients.archive({ id: w.ids.client })] },
  'clients.restore': { foreign: [(w) => w.b.caller.clients.restore({ id: w.ids.archivedClient })] },
  'clients.merge': {
    foreign: [
      (w) => w.b.caller.clients.merge({ survivorId: w.mine.client, mergedId: w.ids.client }),
      (w) => w.b.caller.clients.merge({ survivorId: w.ids.client, mergedId: w.mine.client }),
    ],
  },
  'clients.profile': { foreign: [(w) => w.b.caller.clients.profile({ id: w.ids.client })] },
  'clients.export': { noIdInput: async (w) => expect((await w.b.caller.clients.export({})).content).not.toContain(w.ids.client) },
  'contacts.create': { foreign: [(w) => w.b.caller.contacts.create({ name: 'x', clients: [{ clientId: w.ids.client }] })] },
  'contacts.update': { foreign: [(w) => w.b.caller.contacts.update({ id: w.ids.contact, name: 'x' })] },
  'contacts.get': { foreign: [(w) => w.b.caller.contacts.get({ id: w.ids.contact })] },
  'contacts.list': { foreign: [(w) => w.b.caller.contacts.list({ clientId: w.ids.client })] },
  'contacts.archive': { foreign: [(w) => w.b.caller.contacts.archive({ id: w.ids.contact })] },
  'contacts.restore': { foreign: [(w) => w.b.caller.contacts.restore({ id: w.ids.contact })] },
  'contacts.merge': {
    foreign: [
      (w) => w.b.caller.contacts.merge({ survivorId: w.mine.contact, mergedId: w.ids.contact }),
      (w) => w.b.caller.contacts.merge({ survivorId: w.ids.contact, mergedId: w.mine.contact }),
    ],
  },
  'contacts.linkClient': {
    foreign: [
      (w) => w.b.caller.contacts.linkClient({ contactId: w.mine.contact, clientId: w.ids.client }),
      (w) => w.b.caller.contacts.linkClient({ contactId: w.ids.contact, clientId: w.mine.client }),
    ],
  },
  'contacts.linkSuggestions': {
    noIdInput: async (w) =>
      notMine(
        w,
        (await w.b.caller.contacts.linkSuggestions()).flatMap((s) => [s.contactId, s.clientId]),
      ),
  },
  'contacts.unlinkClient': {
    foreign: [
      (w) => w.b.caller.contacts.unlinkClient({ contactId: w.ids.contact, clientId: w.ids.client }),
      (w) => w.b.caller.contacts.unlinkClient({ contactId: w.mine.contact, clientId: w.ids.client }),
    ],
  },
  'contacts.export': { foreign: [(w) => w.b.caller.contacts.export({ clientId: w.ids.client })] },
  'notes.create': {
    foreign: [
      (w) => w.b.caller.notes.create({ subjectType: 'client', subjectId: w.ids.client, body: 'x' }),
      (w) => w.b.caller.notes.create({ subjectType: 'contact', subjectId: w.ids.contact, body: 'x' }),
      (w) => w.b.caller.notes.create({ subjectType: 'deal', subjectId: w.ids.deal, body: 'x' }),
    ],
  },
  'notes.update': { foreign: [(w) => w.b.caller.notes.update({ id: w.ids.note, body: 'x' })] },
  'notes.archive': { foreign: [(w) => w.b.caller.notes.archive({ id: w.ids.note })] },
  'notes.list': { foreign: [(w) => w.b.caller.notes.list({ subjectType: 'client', subjectId: w.ids.client })] },
  'customFields.list': {
    noIdInput: async (w) =>
      notMine(
        w,
        (await w.b.caller.customFields.list({})).map((f) => f.id),
      ),
  },
  'customFields.create': {
    noIdInput: async (w) => {
      await w.b.caller.customFields.create({ entity: 'client', key: 'tier', label: 'Tier', type: 'text' });
    },
  },
  'customFields.update': { foreign: [(w) => w.b.caller.customFields.update({ id: w.ids.field, label: 'x' })] },
  'customFields.archive': { foreign: [(w) => w.b.caller.customFields.archive({ id: w.ids.field })] },
  'tags.list': { noIdInput: async (w) => expect((await w.b.caller.tags.list()).map((t) => t.tag)).not.toContain('a-secret') },
  'pipelines.updateStages': {
    foreign: [
      (w) =>
        w.b.caller.pipelines.updateStages({
          stages: [
            { id: w.ids.stage, name: 'x', kind: 'open' },
            { name: 'W', kind: 'won' },
            { name: 'L', kind: 'lost' },
          ],
        }),
    ],
  },
  'pipelines.getDefault': {
    noIdInput: async (w) =>
      notMine(
        w,
        (await w.b.caller.pipelines.getDefault()).stages.map((s) => s.id),
      ),
  },
  'deals.create': { foreign: [(w) => w.b.caller.deals.create({ clientId: w.ids.client, title: 'x', currency: 'EUR' })] },
  'deals.update': { foreign: [(w) => w.b.caller.deals.update({ id: w.ids.deal, title: 'x' })] },
  'deals.get': { foreign: [(w) => w.b.caller.deals.get({ id: w.ids.deal })] },
  'deals.list': {
    foreign: [(w) => w.b.caller.deals.list({ clientId: w.ids.client }), (w) => w.b.caller.deals.list({ stageId: w.ids.stage })],
  },
  'deals.board': {
    noIdInput: async (w) =>
      notMine(
        w,
        (await w.b.caller.deals.board()).columns.flatMap((c) => c.deals.map((d) => d.id)),
      ),
  },
  'deals.moveStage': {
    foreign: [
      (w) => w.b.caller.deals.moveStage({ id: w.ids.deal, stageId: w.ids.stage }),
      (w) => w.b.caller.deals.moveStage({ id: w.mine.deal, stageId: w.ids.stage }),
      (w) => w.b.caller.deals.moveStage({ id: w.ids.deal, stageId: w.mine.stage }),
    ],
  },
  'deals.markWon': { foreign: [(w) => w.b.caller.deals.markWon({ id: w.ids.deal })] },
  'deals.markLost': { foreign: [(w) => w.b.caller.deals.markLost({ id: w.ids.deal, reason: 'x' })] },
  'deals.archive': { foreign: [(w) => w.b.caller.deals.archive({ id: w.ids.deal })] },
  'engagements.create': {
    foreign: [
      (w) => w.b.caller.engagements.create({ clientId: w.ids.client, name: 'x' }),
      (w) => w.b.caller.engagements.create({ clientId: w.mine.client, dealId: w.ids.deal }),
    ],
  },
  'engagements.get': { foreign: [(w) => w.b.caller.engagements.get({ id: w.ids.engagement })] },
  'engagements.list': { foreign: [(w) => w.b.caller.engagements.list({ clientId: w.ids.client })] },
  'duplicates.list': {
    noIdInput: async (w) => {
      notMine(
        w,
        (await w.b.caller.duplicates.list({ kind: 'client' })).flatMap((g) => g.records.map((r) => r.id)),
      );
      notMine(
        w,
        (await w.b.caller.duplicates.list({ kind: 'contact' })).flatMap((g) => g.records.map((r) => r.id)),
      );
    },
  },
  'imports.create': {
    noIdInput: async (w) => {
      await w.b.caller.imports.create({ kind: 'clients', csv: 'name\nB only\n', mapping: { name: 'name' } });
    },
  },
  'imports.get': { foreign: [(w) => w.b.caller.imports.get({ id: w.ids.import })] },
  'imports.list': {
    noIdInput: async (w) =>
      notMine(
        w,
        (await w.b.caller.imports.list()).map((i) => i.id),
      ),
  },
};

async function buildWorld(): Promise<World> {
  const a = actor(testDb.db);
  const b = actor(testDb.db);
  await a.caller.customFields.create({ entity: 'client', key: 'secret', label: 'S', type: 'text' });
  const field = (await a.caller.customFields.list({}))[0];
  const client = await a.caller.clients.create({ name: 'A client', domain: 'a.example', tags: ['a-secret'], customFields: { secret: 's' } });
  await a.caller.clients.create({ name: 'A client dup', domain: 'a.example' });
  const archived = await a.caller.clients.create({ name: 'A archived' });
  await a.caller.clients.archive({ id: archived.id });
  const contact = await a.caller.contacts.create({ name: 'A contact', email: 'a@a.example', clients: [{ clientId: client.id }] });
  await a.caller.contacts.create({ name: 'A contact dup', email: 'a@a.example' });
  const note = await a.caller.notes.create({ subjectType: 'client', subjectId: client.id, body: 'A note' });
  const deal = await a.caller.deals.create({ clientId: client.id, title: 'A deal', currency: 'EUR' });
  const stage = (await a.caller.pipelines.getDefault()).stages[1];
  const engagement = await a.caller.engagements.create({ clientId: client.id, name: 'A engagement' });
  const imported = await a.caller.imports.create({ kind: 'contacts', csv: 'name,email\nX,bad\n', mapping: { name: 'name', email: 'email' } });
  await deliverAll(testDb.db, a.tenantId, importSubscription);
  const bClient = await b.caller.clients.create({ name: 'B client' });
  const bContact = await b.caller.contacts.create({ name: 'B contact', clients: [{ clientId: bClient.id }] });
  const bDeal = await b.caller.deals.create({ clientId: bClient.id, title: 'B deal', currency: 'EUR' });
  const bStage = (await b.caller.pipelines.getDefault()).stages[1];
  if (!field || !stage || !bStage) throw new Error('fixture incomplete');
  return {
    a,
    b,
    ids: {
      client: client.id,
      archivedClient: archived.id,
      contact: contact.id,
      note: note.id,
      deal: deal.id,
      stage: stage.id,
      engagement: engagement.id,
      field: field.id,
      import: imported.id,
    },
    mine: { client: bClient.id, contact: bContact.id, deal: bDeal.id, stage: bStage.id },
  };
}

describe('tenant isolation of every crm procedure', () => {
  it('has a case for every procedure of the router', () => {
    expect(Object.keys(cases).sort()).toEqual(Object.keys(crmRouter._def.procedures).sort());
  });

  it("answers NOT_FOUND for another tenant's ids and writes nothing", async () => {
    const world = await buildWorld();
    const tenants = [world.a.tenantId, world.b.tenantId];
    for (const [path, testCase] of Object.entries(cases)) {
      if (!('foreign' in testCase)) continue;
      for (const [index, call] of testCase.foreign.entries()) {
        const before = await fingerprint(tenants);
        const outcome = await call(world).then(
          (value) => ({ ok: true as const, value }),
          (error: unknown) => ({ ok: false as const, error }),
        );
        expect(outcome.ok ? 'resolved' : (outcome.error as { code?: string }).code, `${path} #${index}`).toBe('NOT_FOUND');
        expect(await fingerprint(tenants), `${path} #${index} wrote something`).toBe(before);
      }
    }
    // Procedures that take no id: they only ever see the caller's own tenant.
    for (const [path, testCase] of Object.entries(cases)) {
      if ('noIdInput' in testCase)
        await testCase.noIdInput(world).catch((error: unknown) => {
          throw new Error(`${path}: ${String(error)}`);
        });
    }
    // Tenant A's data is intact.
    expect(await world.a.caller.clients.get({ id: world.ids.client })).toMatchObject({ name: 'A client', archivedAt: null });
    expect(uuidv7()).not.toBe(world.ids.client);
  });
});
