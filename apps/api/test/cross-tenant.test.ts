import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallerFactory, sql, uuidv7, withTenant } from '@ubos/platform';
import { createTestDatabase, testContext, testSession, type TestDatabase } from '@ubos/platform/testing';
import { appRouter } from '../src/router.ts';

/**
 * Table-driven tenant isolation: every procedure of the crm, projects and search routers is
 * called by tenant B with tenant A's ids. It must answer NOT_FOUND (or an empty result for
 * lists and search), write nothing for B, and leave A's records untouched. A procedure
 * without a case fails, so a new procedure must bring its case.
 */
const DOMAINS = /^(crm|projects|search)\./;
const createCaller = createCallerFactory(appRouter);
type Caller = ReturnType<typeof createCaller>;

interface Fixture {
  client: string;
  client2: string;
  contact: string;
  contact2: string;
  note: string;
  customField: string;
  stage: string;
  deal: string;
  engagement: string;
  import: string;
  project: string;
  column: string;
  milestone: string;
  task: string;
  checklistItem: string;
  template: string;
  rebuild: string;
}

type Expectation =
  /** NOT_FOUND, nothing written for B. */
  | 'not_found'
  /** An empty list / search result (B has no records at all), nothing written for B. */
  | 'empty'
  /**
   * A call that only concerns the caller's own tenant (no id of A in it, or a plain cross-domain
   * reference): A stays untouched. Made by a third tenant C so B's lists stay empty.
   */
  | 'own';

interface Case {
  expect: Expectation;
  call(b: Caller, a: Fixture): Promise<unknown>;
}

const cases: Record<string, Case> = {
  // ---------------------------------------------------------------- crm
  'crm.clients.create': { expect: 'own', call: (b) => b.crm.clients.create({ name: 'B own client' }) },
  'crm.clients.update': { expect: 'not_found', call: (b, a) => b.crm.clients.update({ id: a.client, name: 'Hijacked' }) },
  'crm.clients.get': { expect: 'not_found', call: (b, a) => b.crm.clients.get({ id: a.client }) },
  'crm.clients.list': { expect: 'empty', call: (b) => b.crm.clients.list({}) },
  'crm.clients.archive': { expect: 'not_found', call: (b, a) => b.crm.clients.archive({ id: a.client }) },
  'crm.clients.restore': { expect: 'not_found', call: (b, a) => b.crm.clients.restore({ id: a.client }) },
  'crm.clients.merge': { expect: 'not_found', call: (b, a) => b.crm.clients.merge({ survivorId: a.client, mergedId: a.client2 }) },
  'crm.clients.profile': { expect: 'not_found', call: (b, a) => b.crm.clients.profile({ id: a.client }) },
  'crm.clients.export': { expect: 'own', call: (b) => b.crm.clients.export({}) },
  'crm.contacts.create': {
    expect: 'not_found',
    call: (b, a) => b.crm.contacts.create({ name: 'Linked to A', clients: [{ clientId: a.client }] }),
  },
  'crm.contacts.update': { expect: 'not_found', call: (b, a) => b.crm.contacts.update({ id: a.contact, name: 'Hijacked' }) },
  'crm.contacts.get': { expect: 'not_found', call: (b, a) => b.crm.contacts.get({ id: a.contact }) },
  'crm.contacts.list': { expect: 'not_found', call: (b, a) => b.crm.contacts.list({ clientId: a.client }) },
  'crm.contacts.archive': { expect: 'not_found', call: (b, a) => b.crm.contacts.archive({ id: a.contact }) },
  'crm.contacts.restore': { expect: 'not_found', call: (b, a) => b.crm.contacts.restore({ id: a.contact }) },
  'crm.contacts.merge': { expect: 'not_found', call: (b, a) => b.crm.contacts.merge({ survivorId: a.contact, mergedId: a.contact2 }) },
  'crm.contacts.export': { expect: 'own', call: (b) => b.crm.contacts.export({}) },
  'crm.contacts.linkClient': { expect: 'not_found', call: (b, a) => b.crm.contacts.linkClient({ contactId: a.contact, clientId: a.client2 }) },
  'crm.contacts.unlinkClient': { expect: 'not_found', call: (b, a) => b.crm.contacts.unlinkClient({ contactId: a.contact, clientId: a.client }) },
  'crm.notes.create': {
    expect: 'not_found',
    call: (b, a) => b.crm.notes.create({ subjectType: 'client', subjectId: a.client, body: 'Planted note' }),
  },
  'crm.notes.update': { expect: 'not_found', call: (b, a) => b.crm.notes.update({ id: a.note, body: 'Hijacked' }) },
  'crm.notes.archive': { expect: 'not_found', call: (b, a) => b.crm.notes.archive({ id: a.note }) },
  'crm.notes.list': { expect: 'not_found', call: (b, a) => b.crm.notes.list({ subjectType: 'client', subjectId: a.client }) },
  'crm.customFields.list': { expect: 'empty', call: (b) => b.crm.customFields.list({}) },
  'crm.customFields.create': {
    expect: 'own',
    call: (b) => b.crm.customFields.create({ entity: 'client', key: 'b_only', label: 'B only', type: 'text' }),
  },
  'crm.customFields.update': { expect: 'not_found', call: (b, a) => b.crm.customFields.update({ id: a.customField, label: 'Hijacked' }) },
  'crm.customFields.archive': { expect: 'not_found', call: (b, a) => b.crm.customFields.archive({ id: a.customField }) },
  'crm.tags.list': { expect: 'empty', call: (b) => b.crm.tags.list() },
  'crm.pipelines.getDefault': { expect: 'own', call: (b) => b.crm.pipelines.getDefault() },
  'crm.pipelines.updateStages': {
    expect: 'not_found',
    call: (b, a) =>
      b.crm.pipelines.updateStages({ stages: [{ id: a.stage, name: 'Hijacked', kind: 'open' }, { name: 'W', kind: 'won' }, { name: 'L', kind: 'lost' }] }),
  },
  'crm.deals.create': { expect: 'not_found', call: (b, a) => b.crm.deals.create({ clientId: a.client, title: 'Planted deal', currency: 'EUR' }) },
  'crm.deals.update': { expect: 'not_found', call: (b, a) => b.crm.deals.update({ id: a.deal, title: 'Hijacked' }) },
  'crm.deals.get': { expect: 'not_found', call: (b, a) => b.crm.deals.get({ id: a.deal }) },
  'crm.deals.list': { expect: 'not_found', call: (b, a) => b.crm.deals.list({ clientId: a.client }) },
  'crm.deals.board': {
    expect: 'own',
    call: async (b) => {
      const board = await b.crm.deals.board();
      expect(board.columns.flatMap((column) => column.deals)).toEqual([]);
      return board;
    },
  },
  'crm.deals.moveStage': { expect: 'not_found', call: (b, a) => b.crm.deals.moveStage({ id: a.deal, stageId: a.stage }) },
  'crm.deals.markWon': { expect: 'not_found', call: (b, a) => b.crm.deals.markWon({ id: a.deal }) },
  'crm.deals.markLost': { expect: 'not_found', call: (b, a) => b.crm.deals.markLost({ id: a.deal, reason: 'Hijacked' }) },
  'crm.deals.archive': { expect: 'not_found', call: (b, a) => b.crm.deals.archive({ id: a.deal }) },
  'crm.engagements.create': { expect: 'not_found', call: (b, a) => b.crm.engagements.create({ clientId: a.client }) },
  'crm.engagements.get': { expect: 'not_found', call: (b, a) => b.crm.engagements.get({ id: a.engagement }) },
  'crm.engagements.list': { expect: 'not_found', call: (b, a) => b.crm.engagements.list({ clientId: a.client }) },
  'crm.duplicates.list': { expect: 'empty', call: (b) => b.crm.duplicates.list({ kind: 'client' }) },
  'crm.imports.create': {
    expect: 'own',
    call: (b) => b.crm.imports.create({ kind: 'clients', csv: 'name\nB Imported\n', mapping: { name: 'name' } }),
  },
  'crm.imports.get': { expect: 'not_found', call: (b, a) => b.crm.imports.get({ id: a.import }) },
  'crm.imports.list': { expect: 'empty', call: (b) => b.crm.imports.list() },

  // ---------------------------------------------------------------- projects
  // clientId is a cross-domain reference (no foreign key across schemas): B may file its own project under any id.
  'projects.projects.create': { expect: 'own', call: (b, a) => b.projects.projects.create({ name: 'B own project', clientId: a.client }) },
  'projects.projects.createFromTemplate': {
    expect: 'not_found',
    call: (b, a) => b.projects.projects.createFromTemplate({ templateId: a.template, name: 'From A template' }),
  },
  'projects.projects.get': { expect: 'not_found', call: (b, a) => b.projects.projects.get({ id: a.project }) },
  'projects.projects.board': { expect: 'not_found', call: (b, a) => b.projects.projects.board({ id: a.project }) },
  'projects.projects.list': { expect: 'empty', call: (b, a) => b.projects.projects.list({ clientId: a.client }) },
  'projects.projects.update': { expect: 'not_found', call: (b, a) => b.projects.projects.update({ id: a.project, name: 'Hijacked' }) },
  'projects.projects.complete': { expect: 'not_found', call: (b, a) => b.projects.projects.complete({ id: a.project }) },
  'projects.columns.create': { expect: 'not_found', call: (b, a) => b.projects.columns.create({ projectId: a.project, name: 'Planted' }) },
  'projects.milestones.create': { expect: 'not_found', call: (b, a) => b.projects.milestones.create({ projectId: a.project, name: 'Planted' }) },
  'projects.milestones.list': { expect: 'not_found', call: (b, a) => b.projects.milestones.list({ projectId: a.project }) },
  'projects.milestones.reach': { expect: 'not_found', call: (b, a) => b.projects.milestones.reach({ id: a.milestone }) },
  'projects.tasks.create': { expect: 'not_found', call: (b, a) => b.projects.tasks.create({ projectId: a.project, title: 'Planted' }) },
  'projects.tasks.get': { expect: 'not_found', call: (b, a) => b.projects.tasks.get({ id: a.task }) },
  'projects.tasks.list': { expect: 'not_found', call: (b, a) => b.projects.tasks.list({ projectId: a.project }) },
  'projects.tasks.mine': { expect: 'empty', call: (b) => b.projects.tasks.mine() },
  'projects.tasks.update': { expect: 'not_found', call: (b, a) => b.projects.tasks.update({ id: a.task, title: 'Hijacked' }) },
  'projects.tasks.assign': { expect: 'not_found', call: (b, a) => b.projects.tasks.assign({ id: a.task, assigneeId: uuidv7() }) },
  'projects.tasks.move': { expect: 'not_found', call: (b, a) => b.projects.tasks.move({ id: a.task, columnId: a.column }) },
  'projects.tasks.complete': { expect: 'not_found', call: (b, a) => b.projects.tasks.complete({ id: a.task }) },
  'projects.tasks.addChecklistItem': { expect: 'not_found', call: (b, a) => b.projects.tasks.addChecklistItem({ id: a.task, text: 'Planted' }) },
  'projects.tasks.toggleChecklistItem': {
    expect: 'not_found',
    call: (b, a) => b.projects.tasks.toggleChecklistItem({ id: a.task, itemId: a.checklistItem }),
  },
  'projects.templates.create': { expect: 'own', call: (b) => b.projects.templates.create({ name: 'B own template', skeleton: {} }) },
  'projects.templates.update': { expect: 'not_found', call: (b, a) => b.projects.templates.update({ id: a.template, name: 'Hijacked' }) },
  'projects.templates.get': { expect: 'not_found', call: (b, a) => b.projects.templates.get({ id: a.template }) },
  'projects.templates.list': { expect: 'empty', call: (b) => b.projects.templates.list() },

  // ---------------------------------------------------------------- search
  'search.query': { expect: 'empty', call: (b) => b.search.query({ q: 'Isolation' }) },
  'search.index.rebuild': { expect: 'own', call: (b) => b.search.index.rebuild() },
  'search.index.rebuildStatus': { expect: 'not_found', call: (b, a) => b.search.index.rebuildStatus({ id: a.rebuild }) },
};

function isEmptyResult(result: unknown): boolean {
  if (Array.isArray(result)) return result.length === 0;
  if (result && typeof result === 'object') {
    const record = result as Record<string, unknown>;
    if (Array.isArray(record.items)) return record.items.length === 0;
    if (Array.isArray(record.groups)) return record.groups.length === 0;
  }
  return false;
}

const procedurePaths = Object.keys(appRouter._def.procedures as Record<string, unknown>).filter((path) => DOMAINS.test(path)).sort();

let testDb: TestDatabase;
let a: Caller;
let b: Caller;
let c: Caller;
let fixture: Fixture;
const tenantA = uuidv7();
const tenantB = uuidv7();
const tenantC = uuidv7();

async function outboxCount(tenantId: string): Promise<number> {
  return withTenant(testDb.db, { tenantId }, async (trx) => {
    const result = await sql<{ n: number }>`SELECT count(*)::int AS n FROM platform.outbox`.execute(trx);
    return result.rows[0]?.n ?? -1;
  });
}

/** Everything tenant A can see of its fixture, to prove a B call changed none of it. */
async function snapshotOfA(): Promise<string> {
  const f = fixture;
  const state = {
    outbox: await outboxCount(tenantA),
    clients: [await a.crm.clients.get({ id: f.client }), await a.crm.clients.get({ id: f.client2 })],
    contact: await a.crm.contacts.get({ id: f.contact }),
    notes: await a.crm.notes.list({ subjectType: 'client', subjectId: f.client }),
    customFields: await a.crm.customFields.list({}),
    deal: await a.crm.deals.get({ id: f.deal }),
    engagement: await a.crm.engagements.get({ id: f.engagement }),
    board: await a.projects.projects.board({ id: f.project }),
    template: await a.projects.templates.get({ id: f.template }),
    projects: await a.projects.projects.list({}),
    templates: await a.projects.templates.list(),
    rebuild: await a.search.index.rebuildStatus({ id: f.rebuild }),
  };
  return JSON.stringify(state);
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  const caller = (tenantId: string) => createCaller(testContext({ db: testDb.db, session: testSession({ userId: uuidv7(), tenantId, role: 'owner' }) }));
  a = caller(tenantA);
  b = caller(tenantB);
  c = caller(tenantC);
  const client = await a.crm.clients.create({ name: 'Isolation Client', tags: ['vip'] });
  const client2 = await a.crm.clients.create({ name: 'Isolation Client Two' });
  const contact = await a.crm.contacts.create({ name: 'Isolation Contact', email: 'iso@example.test', clients: [{ clientId: client.id }] });
  const contact2 = await a.crm.contacts.create({ name: 'Isolation Contact Two', email: 'iso2@example.test' });
  const note = await a.crm.notes.create({ subjectType: 'client', subjectId: client.id, body: 'A private note' });
  const customField = await a.crm.customFields.create({ entity: 'client', key: 'tier', label: 'Tier', type: 'text' });
  const pipeline = await a.crm.pipelines.getDefault();
  const stage = pipeline.stages.at(-1)?.id ?? pipeline.stages[0]?.id ?? '';
  const deal = await a.crm.deals.create({ clientId: client.id, title: 'Isolation Deal', currency: 'EUR' });
  const engagement = await a.crm.engagements.create({ clientId: client.id, dealId: deal.id });
  const imported = await a.crm.imports.create({ kind: 'clients', csv: 'name\nImported A\n', mapping: { name: 'name' } });
  const template = await a.projects.templates.create({ name: 'Isolation Template', skeleton: { milestones: [{ key: 'm', name: 'M' }], tasks: [{ title: 'T', milestone_key: 'm' }] } });
  const board = await a.projects.projects.createFromTemplate({ templateId: template.id, name: 'Isolation Project', clientId: client.id });
  const task = await a.projects.tasks.create({ projectId: board.project.id, title: 'Isolation Task', checklist: ['one'] });
  const rebuild = await a.search.index.rebuild();
  fixture = {
    client: client.id,
    client2: client2.id,
    contact: contact.id,
    contact2: contact2.id,
    note: note.id,
    customField: customField.id,
    stage,
    deal: deal.id,
    engagement: engagement.id,
    import: imported.id,
    project: board.project.id,
    column: board.columns[1]?.id ?? '',
    milestone: board.milestones[0]?.id ?? '',
    task: task.id,
    checklistItem: task.checklist[0]?.id ?? '',
    template: template.id,
    rebuild: rebuild.rebuild.id,
  };
});

afterAll(async () => {
  await testDb?.drop();
});

describe('cross-tenant isolation of every crm, projects and search procedure', () => {
  it('enumerates the routers and finds every procedure covered (and no stale case)', () => {
    expect(procedurePaths.length).toBeGreaterThan(40);
    expect(procedurePaths.filter((path) => !cases[path])).toEqual([]);
    expect(Object.keys(cases).filter((path) => !procedurePaths.includes(path))).toEqual([]);
  });

  for (const path of procedurePaths) {
    it(`${path} as another tenant`, async () => {
      const testCase = cases[path];
      if (!testCase) throw new Error(`No cross-tenant case for ${path}: add one to apps/api/test/cross-tenant.test.ts`);
      const before = await snapshotOfA();
      const outboxB = await outboxCount(tenantB);
      if (testCase.expect === 'not_found') {
        await expect(testCase.call(b, fixture)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      } else {
        const result = await testCase.call(testCase.expect === 'own' ? c : b, fixture);
        if (testCase.expect === 'empty') expect(isEmptyResult(result), `${path} returned ${JSON.stringify(result)}`).toBe(true);
      }
      expect(await outboxCount(tenantB)).toBe(outboxB);
      expect(await snapshotOfA()).toBe(before);
    });
  }
});
