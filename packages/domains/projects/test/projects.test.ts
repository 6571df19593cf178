import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCallerFactory,
  createDomainContext,
  createLogger,
  sql,
  uuidv7,
  withTenant,
  type ActionContext,
  type DomainContext,
  type EventEnvelope,
  type Transaction,
  type UntypedDB,
} from '@ubos/platform';
import { createTestDatabase, seedReferences, testContext, testSession, type TestDatabase } from '@ubos/platform/testing';
import {
  completeTaskAction,
  completeTaskActionOutput,
  createFromTemplateAction,
  createFromTemplateActionOutput,
  createTaskAction,
  createTaskActionOutput,
} from '../src/actions.ts';
import { keyBetween, keysAfter } from '../src/fractional-index.ts';
import { followCrmMerges } from '../src/handlers.ts';
import { projectsModule } from '../src/module.ts';
import { projectsRouter } from '../src/router.ts';

let testDb: TestDatabase;
const createCaller = createCallerFactory(projectsRouter);
const log = createLogger({ level: 'silent' });

beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

function callerFor(tenantId: string, userId = uuidv7(), role: 'owner' | 'member' | 'viewer' = 'owner') {
  const modules = [projectsModule];
  return createCaller(testContext({ db: testDb.db, session: testSession({ userId, tenantId, role, modules }), modules }));
}

/** A crm client id known in the tenant (projects checks the ids it stores; crm is not loaded here). */
async function aClient(tenantId: string, id?: string): Promise<string> {
  const [clientId] = await seedReferences(testDb.db, tenantId, [{ kind: 'crm.client', ...(id ? { id } : {}) }]);
  return clientId as string;
}

/** The DomainContext a handler or a workflow step gets, over a tenant transaction the test opened. */
function domainContext(trx: Transaction<UntypedDB>, tenantId: string, correlationId: string, causationId: string | null = null): DomainContext {
  return createDomainContext({ trx, tenantId, actorId: null, correlationId, causationId, log });
}

async function outboxTypes(tenantId: string): Promise<string[]> {
  return withTenant(testDb.db, { tenantId }, async (trx) => {
    const result = await sql<{ type: string }>`SELECT type FROM platform.outbox ORDER BY position`.execute(trx);
    return result.rows.map((row) => row.type);
  });
}

const skeleton = {
  columns: [{ name: 'Backlog' }, { name: 'Doing' }, { name: 'Done', isDone: true }],
  milestones: [
    { key: 'kickoff', name: 'Kick-off', offsetDays: 0 },
    { key: 'delivery', name: 'Delivery', offsetDays: 30 },
  ],
  tasks: [
    { title: 'Collect documents', milestoneKey: 'kickoff', offsetDays: 2, checklist: ['ID', 'Bank statements'] },
    { title: 'Prepare draft', milestoneKey: 'delivery', offsetDays: 20 },
    { title: 'Review with client', milestoneKey: 'delivery', offsetDays: 28 },
  ],
};

describe('fractional index', () => {
  it('always finds a key between two neighbours, in byte order', () => {
    const keys = keysAfter(null, 50);
    expect([...keys].sort()).toEqual(keys);
    let low = keys[0] ?? null;
    const high = keys[1] ?? null;
    for (let i = 0; i < 200; i += 1) {
      const middle = keyBetween(low, high);
      expect(middle > (low ?? '') && (high === null || middle < high)).toBe(true);
      low = middle;
    }
    expect(keyBetween(null, 'a0') < 'a0').toBe(true);
    expect(() => keyBetween('a1', 'a0')).toThrow();
  });
});

describe('templates', () => {
  it('creates the whole skeleton in one call, with events carrying client_id', async () => {
    const tenantId = uuidv7();
    const caller = callerFor(tenantId);
    const template = await caller.templates.create({ name: 'Tax return', description: 'Yearly return', skeleton });
    const clientId = await aClient(tenantId);
    const board = await caller.projects.createFromTemplate({ templateId: template.id, name: 'Tax 2026 — Acme', clientId, startDate: '2026-01-10' });
    expect(board.project).toMatchObject({ name: 'Tax 2026 — Acme', clientId, templateId: template.id, status: 'active' });
    expect(board.columns.map((column) => column.name)).toEqual(['Backlog', 'Doing', 'Done']);
    expect(board.milestones.map((milestone) => [milestone.name, milestone.dueDate])).toEqual([
      ['Kick-off', '2026-01-10'],
      ['Delivery', '2026-02-09'],
    ]);
    const tasks = board.columns[0]?.tasks ?? [];
    expect(tasks.map((task) => [task.title, task.dueDate])).toEqual([
      ['Collect documents', '2026-01-12'],
      ['Prepare draft', '2026-01-30'],
      ['Review with client', '2026-02-07'],
    ]);
    expect(tasks[0]?.checklist.map((item) => item.text)).toEqual(['ID', 'Bank statements']);
    expect(tasks[0]?.milestoneId).toBe(board.milestones[0]?.id);

    const reloaded = await caller.projects.board({ id: board.project.id });
    expect(reloaded.columns.map((column) => column.tasks.map((task) => task.id))).toEqual(board.columns.map((column) => column.tasks.map((task) => task.id)));

    const types = await outboxTypes(tenantId);
    expect(types.filter((type) => type === 'projects.task.created')).toHaveLength(3);
    expect(types).toContain('projects.project.created');
    const payloads = await withTenant(testDb.db, { tenantId }, async (trx) =>
      sql<{
        client_id: string | null;
      }>`SELECT payload->>'client_id' AS client_id FROM platform.outbox WHERE type LIKE 'projects.task.%' OR type LIKE 'projects.project.%'`.execute(trx),
    );
    expect(payloads.rows.every((row) => row.client_id === clientId)).toBe(true);
  });

  it('rejects a skeleton whose task names an unknown milestone, writing nothing', async () => {
    const tenantId = uuidv7();
    const caller = callerFor(tenantId);
    await expect(caller.templates.create({ name: 'Broken', skeleton: { tasks: [{ title: 'x', milestoneKey: 'nope' }] } })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    expect(await outboxTypes(tenantId)).toEqual([]);
  });

  it('keeps the stored skeleton format, so templates saved before the camelCase DTOs still read and instantiate', async () => {
    const tenantId = uuidv7();
    const caller = callerFor(tenantId);
    const saved = await caller.templates.create({ name: 'Stored', skeleton });
    const stored = await withTenant(testDb.db, { tenantId }, async (trx) =>
      sql<{ skeleton: Record<string, { [key: string]: unknown }[]> }>`SELECT skeleton FROM projects.templates WHERE id = ${saved.id}`.execute(trx),
    );
    const row = stored.rows[0]?.skeleton;
    expect(row?.columns?.[2]).toEqual({ name: 'Done', is_done: true });
    expect(row?.tasks?.[0]).toMatchObject({ milestone_key: 'kickoff', offset_days: 2 });

    // A row as the first migration's writers left it: snake_case keys.
    const legacyId = uuidv7();
    const legacy = {
      columns: [
        { name: 'Open', is_done: false },
        { name: 'Closed', is_done: true },
      ],
      milestones: [{ key: 'm1', name: 'First', offset_days: 5 }],
      tasks: [{ title: 'Legacy task', description: null, milestone_key: 'm1', offset_days: 1, checklist: ['one'] }],
    };
    await withTenant(testDb.db, { tenantId }, (trx) =>
      sql`INSERT INTO projects.templates (id, tenant_id, name, description, skeleton) VALUES (${legacyId}, ${tenantId}, 'Legacy', null, ${JSON.stringify(legacy)}::jsonb)`.execute(
        trx,
      ),
    );
    expect((await caller.templates.get({ id: legacyId })).skeleton).toEqual({
      columns: [
        { name: 'Open', isDone: false },
        { name: 'Closed', isDone: true },
      ],
      milestones: [{ key: 'm1', name: 'First', offsetDays: 5 }],
      tasks: [{ title: 'Legacy task', description: null, milestoneKey: 'm1', offsetDays: 1, checklist: ['one'] }],
    });
    const board = await caller.projects.createFromTemplate({ templateId: legacyId, name: 'From legacy', startDate: '2026-01-01' });
    expect(board.columns.map((column) => [column.name, column.isDone])).toEqual([
      ['Open', false],
      ['Closed', true],
    ]);
    expect(board.columns[0]?.tasks.map((task) => [task.title, task.dueDate, task.milestoneId])).toEqual([
      ['Legacy task', '2026-01-02', board.milestones[0]?.id],
    ]);
  });

  it('edits a template, archives it (once, even when two archive at the same time): it leaves the list and makes no new project', async () => {
    const tenantId = uuidv7();
    const caller = callerFor(tenantId);
    const template = await caller.templates.create({
      name: 'Audit',
      skeleton: { columns: [{ name: 'To do' }, { name: 'Done', isDone: true }], tasks: [{ title: 'Plan' }] },
    });
    const edited = await caller.templates.update({
      id: template.id,
      name: 'Annual audit',
      skeleton: { columns: [{ name: 'Open' }], tasks: [{ title: 'Plan' }, { title: 'Fieldwork' }] },
    });
    expect(edited).toMatchObject({ name: 'Annual audit', archivedAt: null });
    expect(edited.skeleton.tasks.map((t) => t.title)).toEqual(['Plan', 'Fieldwork']);
    const made = await caller.projects.createFromTemplate({ templateId: template.id, name: 'Audit 2026' });
    const [one, two] = await Promise.all([caller.templates.archive({ id: template.id }), caller.templates.archive({ id: template.id })]);
    expect(one?.archivedAt).toBeInstanceOf(Date);
    expect(two?.archivedAt).toBeInstanceOf(Date);
    expect((await outboxTypes(tenantId)).filter((type) => type === 'projects.template.archived')).toHaveLength(1);
    expect((await caller.templates.list()).items).toEqual([]);
    expect((await caller.templates.get({ id: template.id })).name).toBe('Annual audit');
    await expect(caller.projects.createFromTemplate({ templateId: template.id, name: 'Audit 2027' })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    await expect(caller.templates.update({ id: template.id, name: 'x' })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    expect((await caller.projects.board({ id: made.project.id })).project.name).toBe('Audit 2026');
    await expect(callerFor(tenantId, uuidv7(), 'member').templates.archive({ id: template.id })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('lets only managers manage templates', async () => {
    const member = callerFor(uuidv7(), uuidv7(), 'member');
    await expect(member.templates.create({ name: 'Nope', skeleton: {} })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('board ordering', () => {
  it('keeps the order of many moves across a reload (fractional keys between neighbours)', async () => {
    const tenantId = uuidv7();
    const caller = callerFor(tenantId);
    const project = await caller.projects.create({ name: 'Board test' });
    const board = await caller.projects.board({ id: project.id });
    const columnIds = board.columns.map((column) => column.id);
    const model = new Map<string, string[]>(columnIds.map((columnId) => [columnId, []]));
    const firstColumn = columnIds[0] ?? '';
    for (let i = 0; i < 12; i += 1) {
      const task = await caller.tasks.create({ projectId: project.id, title: `Task ${i}` });
      model.get(firstColumn)?.push(task.id);
    }
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let move = 0; move < 80; move += 1) {
      const fromColumn = columnIds[random(columnIds.length)] ?? firstColumn;
      const from = model.get(fromColumn) ?? [];
      if (from.length === 0) continue;
      const taskId = from[random(from.length)] ?? '';
      const toColumn = columnIds[random(columnIds.length)] ?? firstColumn;
      from.splice(from.indexOf(taskId), 1);
      const target = model.get(toColumn) ?? [];
      const index = random(target.length + 1);
      const previousTaskId = index > 0 ? (target[index - 1] ?? null) : null;
      const nextTaskId = index < target.length ? (target[index] ?? null) : null;
      // Alternate between giving both neighbours and only one of them.
      const mode = move % 3;
      await caller.tasks.move({
        id: taskId,
        columnId: toColumn,
        previousTaskId: mode === 2 && nextTaskId ? null : previousTaskId,
        nextTaskId: mode === 1 && previousTaskId ? null : nextTaskId,
      });
      target.splice(index, 0, taskId);
    }
    const reloaded = await caller.projects.board({ id: project.id });
    expect(reloaded.columns.map((column) => column.tasks.map((task) => task.id))).toEqual(columnIds.map((columnId) => model.get(columnId)));
    const positions = reloaded.columns.flatMap((column) => column.tasks.map((task) => task.position));
    expect(Math.max(...positions.map((position) => position.length))).toBeLessThan(12);
    expect((await outboxTypes(tenantId)).filter((type) => type === 'projects.task.moved').length).toBeGreaterThan(50);
  });

  it('refuses a neighbour from another column and stale neighbours', async () => {
    const caller = callerFor(uuidv7());
    const project = await caller.projects.create({ name: 'Neighbours' });
    const board = await caller.projects.board({ id: project.id });
    const [todo, doing] = board.columns;
    const a = await caller.tasks.create({ projectId: project.id, title: 'a' });
    const b = await caller.tasks.create({ projectId: project.id, title: 'b' });
    await expect(caller.tasks.move({ id: a.id, columnId: doing?.id ?? '', previousTaskId: b.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const c = await caller.tasks.create({ projectId: project.id, title: 'c' });
    await expect(caller.tasks.move({ id: a.id, columnId: todo?.id ?? '', previousTaskId: c.id, nextTaskId: b.id })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
  });
});

describe('tasks', () => {
  it('assigns, toggles the checklist, lists my open tasks and reaches the milestone on the last completion', async () => {
    const tenantId = uuidv7();
    const me = uuidv7();
    const caller = callerFor(tenantId, me, 'owner');
    const project = await caller.projects.create({ name: 'Tasks', clientId: await aClient(tenantId) });
    const milestone = await caller.milestones.create({ projectId: project.id, name: 'Phase 1' });
    const one = await caller.tasks.create({ projectId: project.id, title: 'One', milestoneId: milestone.id, checklist: ['a', 'b'] });
    const two = await caller.tasks.create({ projectId: project.id, title: 'Two', milestoneId: milestone.id });
    await expect(caller.tasks.assign({ id: one.id, assigneeId: me })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'The assignee given is not a member of this organization',
    });
    await seedReferences(testDb.db, tenantId, [{ kind: 'identity.member', id: me }]);
    await caller.tasks.assign({ id: one.id, assigneeId: me });
    await caller.tasks.assign({ id: two.id, assigneeId: me });
    const toggled = await caller.tasks.toggleChecklistItem({ id: one.id, itemId: one.checklist[0]?.id ?? '' });
    expect(toggled.checklist.map((item) => item.done)).toEqual([true, false]);
    expect((await caller.tasks.mine()).items.map((task) => task.id)).toEqual([one.id, two.id]);

    await caller.tasks.complete({ id: one.id });
    expect((await caller.milestones.list({ projectId: project.id }))[0]?.reachedAt).toBeNull();
    await caller.tasks.complete({ id: two.id });
    await caller.tasks.complete({ id: two.id }); // idempotent: no second event
    expect((await caller.milestones.list({ projectId: project.id }))[0]?.reachedAt).toBeInstanceOf(Date);
    expect((await caller.tasks.mine()).items).toEqual([]);
    const types = await outboxTypes(tenantId);
    expect(types.filter((type) => type === 'projects.task.completed')).toHaveLength(2);
    expect(types.filter((type) => type === 'projects.milestone.reached')).toHaveLength(1);

    const completed = await caller.projects.complete({ id: project.id });
    expect(completed.status).toBe('completed');
    await expect(caller.projects.update({ id: project.id, name: 'x' })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
  });

  it('puts a completed task in the done column, and a move into or out of it completes or reopens it, so counts agree with the board', async () => {
    const tenantId = uuidv7();
    const caller = callerFor(tenantId);
    const project = await caller.projects.create({ name: 'Counts', clientId: await aClient(tenantId) });
    const one = await caller.tasks.create({ projectId: project.id, title: 'One' });
    const two = await caller.tasks.create({ projectId: project.id, title: 'Two' });
    const three = await caller.tasks.create({ projectId: project.id, title: 'Three' });
    /** Per column: its name, done-ness and the tasks in it with their status. */
    const board = async () =>
      (await caller.projects.board({ id: project.id })).columns.map((c) => ({
        name: c.name,
        isDone: c.isDone,
        tasks: c.tasks.map((t) => `${t.title}:${t.status}`),
      }));
    const doneCounts = async () => {
      const columns = (await caller.projects.board({ id: project.id })).columns;
      const all = columns.flatMap((c) => c.tasks);
      return { byStatus: all.filter((t) => t.status === 'done').length, inDoneColumns: columns.filter((c) => c.isDone).flatMap((c) => c.tasks).length };
    };
    const columns = (await caller.projects.board({ id: project.id })).columns;
    const todo = columns[0];
    const done = columns.find((c) => c.isDone);
    if (!todo || !done) throw new Error('default columns missing');

    // "Mark complete" leaves To do for the done column (at its end) and says so with a move event.
    const completed = await caller.tasks.complete({ id: one.id });
    expect(completed).toMatchObject({ status: 'done', columnId: done.id });
    await caller.tasks.complete({ id: two.id });
    expect((await board()).find((c) => c.isDone)?.tasks).toEqual(['One:done', 'Two:done']);
    expect(await doneCounts()).toEqual({ byStatus: 2, inDoneColumns: 2 });
    const types = await outboxTypes(tenantId);
    expect(types.filter((type) => type === 'projects.task.moved')).toHaveLength(2);
    expect(types.filter((type) => type === 'projects.task.completed')).toHaveLength(2);

    // Dragging into the done column completes; dragging out reopens.
    const moved = await caller.tasks.move({ id: three.id, columnId: done.id, previousTaskId: two.id, nextTaskId: null });
    expect(moved.status).toBe('done');
    const reopened = await caller.tasks.move({ id: one.id, columnId: todo.id, previousTaskId: null, nextTaskId: null });
    expect(reopened).toMatchObject({ status: 'open', completedAt: null });
    expect(await doneCounts()).toEqual({ byStatus: 2, inDoneColumns: 2 });
    expect((await board())[0]?.tasks).toEqual(['One:open']);
    const after = await outboxTypes(tenantId);
    expect(after.filter((type) => type === 'projects.task.completed')).toHaveLength(3);
    expect(after.filter((type) => type === 'projects.task.updated')).toHaveLength(1);
  });

  it('pages through projects with a keyset cursor', async () => {
    const caller = callerFor(uuidv7());
    for (let i = 0; i < 5; i += 1) await caller.projects.create({ name: `P${i}` });
    const first = await caller.projects.list({ limit: 2 });
    const second = await caller.projects.list({ limit: 2, cursor: first.nextCursor });
    const third = await caller.projects.list({ limit: 2, cursor: second.nextCursor });
    expect([...first.items, ...second.items, ...third.items].map((project) => project.name)).toEqual(['P4', 'P3', 'P2', 'P1', 'P0']);
    expect(third.nextCursor).toBeNull();
  });
});

function mergedEvent(tenantId: string, survivorId: string, mergedId: string): EventEnvelope {
  return {
    id: uuidv7(),
    tenant_id: tenantId,
    type: 'crm.client.merged',
    version: 1,
    payload: { survivor_id: survivorId, merged_id: mergedId, client_id: survivorId },
    actor_id: null,
    aggregate_type: 'crm.client',
    aggregate_id: survivorId,
    occurred_at: new Date().toISOString(),
    correlation_id: 'merge-test',
    causation_id: null,
  };
}

describe('edits', () => {
  it('records what each update changed, adds checklist items, edits templates and pages through tasks', async () => {
    const tenantId = uuidv7();
    const caller = callerFor(tenantId);
    const firstClient = await aClient(tenantId);
    const project = await caller.projects.create({ name: 'Edits', clientId: firstClient, startDate: '2026-03-01' });
    const secondClient = await aClient(tenantId);
    const updated = await caller.projects.update({ id: project.id, name: 'Edited', clientId: secondClient, dueDate: '2026-04-01' });
    expect(updated).toMatchObject({ name: 'Edited', clientId: secondClient, dueDate: '2026-04-01' });
    await expect(caller.projects.update({ id: project.id, dueDate: '2026-02-01' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const unchanged = await caller.projects.update({ id: project.id, name: 'Edited' });
    expect(unchanged.updatedAt).toEqual(updated.updatedAt);
    const events = await withTenant(testDb.db, { tenantId }, async (trx) =>
      sql<{ payload: { changed: string[]; previous_client_id?: string; client_id: string } }>`
        SELECT payload FROM platform.outbox WHERE type = 'projects.project.updated' ORDER BY position`.execute(trx),
    );
    expect(events.rows.map((row) => row.payload)).toEqual([
      expect.objectContaining({ changed: ['name', 'client_id', 'due_date'], previous_client_id: firstClient, client_id: secondClient }),
    ]);

    const task = await caller.tasks.create({ projectId: project.id, title: 'Checklist' });
    const withItem = await caller.tasks.addChecklistItem({ id: task.id, text: 'First item' });
    const edited = await caller.tasks.update({ id: task.id, title: 'Checklist (edited)', dueDate: '2026-03-15' });
    expect(edited).toMatchObject({ title: 'Checklist (edited)', dueDate: '2026-03-15', checklist: withItem.checklist });
    for (let i = 0; i < 4; i += 1) await caller.tasks.create({ projectId: project.id, title: `More ${i}` });
    const page1 = await caller.tasks.list({ projectId: project.id, limit: 3 });
    const page2 = await caller.tasks.list({ projectId: project.id, limit: 3, cursor: page1.nextCursor });
    expect([...page1.items, ...page2.items].map((item) => item.title)).toEqual(['Checklist (edited)', 'More 0', 'More 1', 'More 2', 'More 3']);
    expect(page2.nextCursor).toBeNull();

    const template = await caller.templates.create({ name: 'Editable', skeleton: { tasks: [{ title: 'One' }] } });
    const renamed = await caller.templates.update({ id: template.id, name: 'Edited template', skeleton: { tasks: [{ title: 'One' }, { title: 'Two' }] } });
    expect(renamed.skeleton.tasks.map((item) => item.title)).toEqual(['One', 'Two']);
    expect((await caller.templates.list()).items.map((item) => item.name)).toEqual(['Edited template']);
  });
});

describe('concurrency', () => {
  it('serialises position allocation: concurrent creates in one column get distinct, ordered keys', async () => {
    const caller = callerFor(uuidv7());
    const project = await caller.projects.create({ name: 'Concurrent' });
    const created = await Promise.all(Array.from({ length: 8 }, (_, i) => caller.tasks.create({ projectId: project.id, title: `C${i}` })));
    const positions = created.map((task) => task.position);
    expect(new Set(positions).size).toBe(8);
    const board = await caller.projects.board({ id: project.id });
    expect(board.columns[0]?.tasks).toHaveLength(8);
  });

  it('runs the same workflow step once even when two attempts race', async () => {
    const tenantId = uuidv7();
    const caller = callerFor(tenantId);
    const template = await caller.templates.create({ name: 'Race', skeleton: { tasks: [{ title: 'Only once' }] } });
    const attempt = () =>
      withTenant(testDb.db, { tenantId }, (trx) =>
        createFromTemplateAction.run(
          { templateId: template.id, name: 'Raced project' },
          { ...domainContext(trx, tenantId, 'race'), idempotencyKey: 'run-race:1' },
        ),
      );
    const [first, second] = await Promise.all([attempt(), attempt()]);
    expect(second).toEqual(first);
    expect((await caller.projects.list({})).items).toHaveLength(1);
  });
});

describe('projects.follow-crm-merges', () => {
  it('re-points projects from the merged client to the survivor, idempotently, inside the tenant only', async () => {
    const tenantId = uuidv7();
    const otherTenant = uuidv7();
    const caller = callerFor(tenantId);
    const survivor = await aClient(tenantId);
    const merged = await aClient(tenantId);
    await aClient(otherTenant, merged);
    const p1 = await caller.projects.create({ name: 'Old client 1', clientId: merged });
    const p2 = await caller.projects.create({ name: 'Old client 2', clientId: merged });
    const untouched = await caller.projects.create({ name: 'Someone else', clientId: await aClient(tenantId) });
    const foreign = await callerFor(otherTenant).projects.create({ name: 'Other tenant', clientId: merged });
    const event = mergedEvent(tenantId, survivor, merged);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      await withTenant(testDb.db, { tenantId }, (trx) => followCrmMerges.handle(event, domainContext(trx, tenantId, event.correlation_id, event.id)));
    }
    expect((await caller.projects.get({ id: p1.id })).clientId).toBe(survivor);
    expect((await caller.projects.get({ id: p2.id })).clientId).toBe(survivor);
    expect((await caller.projects.get({ id: untouched.id })).clientId).toBe(untouched.clientId);
    expect((await callerFor(otherTenant).projects.get({ id: foreign.id })).clientId).toBe(merged);
    expect((await caller.projects.list({ clientId: survivor })).items).toHaveLength(2);
    const updates = await withTenant(testDb.db, { tenantId }, async (trx) =>
      sql<{ n: number }>`SELECT count(*)::int AS n FROM platform.outbox WHERE type = 'projects.project.updated' AND causation_id = ${event.id}`.execute(trx),
    );
    expect(updates.rows[0]?.n).toBe(2);
  });
});

describe('workflow actions', () => {
  function actionContext(trx: Transaction<UntypedDB>, tenantId: string, idempotencyKey: string): ActionContext {
    return { ...domainContext(trx, tenantId, 'run-1'), idempotencyKey };
  }

  it('honour the idempotency key: the same key twice creates one project and returns the same result', async () => {
    const tenantId = uuidv7();
    const caller = callerFor(tenantId);
    const template = await caller.templates.create({ name: 'Onboarding', skeleton });
    const input = { templateId: template.id, name: 'Onboarding Acme', clientId: await aClient(tenantId) };
    const run = async (key: string) =>
      createFromTemplateActionOutput.parse(
        await withTenant(testDb.db, { tenantId }, (trx) => createFromTemplateAction.run(input, actionContext(trx, tenantId, key))),
      );
    const first = await run('run-1:3');
    const second = await run('run-1:3');
    expect(second).toEqual(first);
    expect(first.task_ids).toHaveLength(3);
    expect((await caller.projects.list({})).items).toHaveLength(1);
    const third = await run('run-2:3');
    expect(third.project_id).not.toBe(first.project_id);

    const task1 = createTaskActionOutput.parse(
      await withTenant(testDb.db, { tenantId }, (trx) =>
        createTaskAction.run({ projectId: first.project_id, title: 'Review upload' }, actionContext(trx, tenantId, 'run-3:1')),
      ),
    );
    const task2 = await withTenant(testDb.db, { tenantId }, (trx) =>
      createTaskAction.run({ projectId: first.project_id, title: 'Review upload' }, actionContext(trx, tenantId, 'run-3:1')),
    );
    expect(task2).toEqual(task1);
    const done1 = completeTaskActionOutput.parse(
      await withTenant(testDb.db, { tenantId }, (trx) => completeTaskAction.run({ taskId: task1.task_id }, actionContext(trx, tenantId, 'run-4:1'))),
    );
    const done2 = await withTenant(testDb.db, { tenantId }, (trx) =>
      completeTaskAction.run({ taskId: task1.task_id }, actionContext(trx, tenantId, 'run-4:1')),
    );
    expect(done2).toEqual(done1);
    const types = await outboxTypes(tenantId);
    expect(types.filter((type) => type === 'projects.project.created')).toHaveLength(2);
    expect(types.filter((type) => type === 'projects.task.created')).toHaveLength(7);
    expect(types.filter((type) => type === 'projects.task.completed')).toHaveLength(1);
  });

  it('rolls back the work and the key together when the action fails', async () => {
    const tenantId = uuidv7();
    await expect(
      withTenant(testDb.db, { tenantId }, (trx) =>
        createFromTemplateAction.run({ templateId: uuidv7(), name: 'Missing template' }, actionContext(trx, tenantId, 'run-9:1')),
      ),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const keys = await withTenant(testDb.db, { tenantId }, (trx) => sql`SELECT 1 FROM platform.idempotency_keys`.execute(trx));
    expect(keys.rows).toHaveLength(0);
  });
});

describe('tenant isolation', () => {
  it("answers NOT_FOUND for another tenant's project and writes nothing", async () => {
    const tenantA = uuidv7();
    const tenantB = uuidv7();
    const project = await callerFor(tenantA).projects.create({ name: 'Secret' });
    const b = callerFor(tenantB);
    await expect(b.projects.get({ id: project.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(b.tasks.create({ projectId: project.id, title: 'Sneaky' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await outboxTypes(tenantB)).toEqual([]);
  });
});
