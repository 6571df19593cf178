import { createCallerFactory } from '@ubos/platform';
import { defineCrossTenantCases } from '@ubos/platform/testing';
import { projectsRouter } from '../src/router.ts';

const createCaller = createCallerFactory(projectsRouter);

/**
 * Run by apps/api/test/cross-tenant.test.ts for every procedure of projectsRouter. Tenant A makes a
 * template, a project from it (with a milestone and a task) and a task with a checklist; tenant B
 * calling with A's ids gets NOT_FOUND (or an empty list) and writes nothing. A client or member id
 * is a reference to another domain, checked against the kernel's registry: B naming A's client
 * or A's member is a BAD_REQUEST naming the field.
 */
export const crossTenantCases = defineCrossTenantCases({
  createCaller: (ctx) => createCaller(ctx),
  async setup(a, seed) {
    const [client = '', member = ''] = await seed([{ kind: 'crm.client' }, { kind: 'identity.member' }]);
    const template = await a.templates.create({
      name: 'Isolation Template',
      skeleton: { milestones: [{ key: 'm', name: 'M' }], tasks: [{ title: 'T', milestoneKey: 'm' }] },
    });
    const board = await a.projects.createFromTemplate({ templateId: template.id, name: 'Isolation Project', clientId: client });
    const task = await a.tasks.create({ projectId: board.project.id, title: 'Isolation Task', checklist: ['one'] });
    return {
      client,
      member,
      template: template.id,
      project: board.project.id,
      column: board.columns[1]?.id ?? '',
      milestone: board.milestones[0]?.id ?? '',
      task: task.id,
      checklistItem: task.checklist[0]?.id ?? '',
    };
  },
  snapshot: async (a, fixture) => ({
    board: await a.projects.board({ id: fixture.project }),
    template: await a.templates.get({ id: fixture.template }),
    projects: await a.projects.list({}),
    templates: await a.templates.list(),
  }),
  cases: {
    'projects.create': { expect: 'bad_request', call: (b, a) => b.projects.create({ name: 'B own project', clientId: a.client }) },
    'projects.createFromTemplate': { expect: 'not_found', call: (b, a) => b.projects.createFromTemplate({ templateId: a.template, name: 'From A template' }) },
    'projects.get': { expect: 'not_found', call: (b, a) => b.projects.get({ id: a.project }) },
    'projects.board': { expect: 'not_found', call: (b, a) => b.projects.board({ id: a.project }) },
    'projects.list': { expect: 'empty', call: (b, a) => b.projects.list({ clientId: a.client }) },
    'projects.update': { expect: 'not_found', call: (b, a) => b.projects.update({ id: a.project, name: 'Hijacked' }) },
    'projects.complete': { expect: 'not_found', call: (b, a) => b.projects.complete({ id: a.project }) },
    'columns.create': { expect: 'not_found', call: (b, a) => b.columns.create({ projectId: a.project, name: 'Planted' }) },
    'milestones.create': { expect: 'not_found', call: (b, a) => b.milestones.create({ projectId: a.project, name: 'Planted' }) },
    'milestones.list': { expect: 'not_found', call: (b, a) => b.milestones.list({ projectId: a.project }) },
    'milestones.reach': { expect: 'not_found', call: (b, a) => b.milestones.reach({ id: a.milestone }) },
    'tasks.create': { expect: 'not_found', call: (b, a) => b.tasks.create({ projectId: a.project, title: 'Planted' }) },
    'tasks.get': { expect: 'not_found', call: (b, a) => b.tasks.get({ id: a.task }) },
    'tasks.list': { expect: 'not_found', call: (b, a) => b.tasks.list({ projectId: a.project }) },
    'tasks.mine': { expect: 'empty', call: (b) => b.tasks.mine() },
    'tasks.update': { expect: 'not_found', call: (b, a) => b.tasks.update({ id: a.task, title: 'Hijacked' }) },
    'tasks.assign': { expect: 'not_found', call: (b, a) => b.tasks.assign({ id: a.task, assigneeId: a.member }) },
    'tasks.move': { expect: 'not_found', call: (b, a) => b.tasks.move({ id: a.task, columnId: a.column }) },
    'tasks.complete': { expect: 'not_found', call: (b, a) => b.tasks.complete({ id: a.task }) },
    'tasks.addChecklistItem': { expect: 'not_found', call: (b, a) => b.tasks.addChecklistItem({ id: a.task, text: 'Planted' }) },
    'tasks.toggleChecklistItem': { expect: 'not_found', call: (b, a) => b.tasks.toggleChecklistItem({ id: a.task, itemId: a.checklistItem }) },
    'templates.create': { expect: 'own', call: (b) => b.templates.create({ name: 'B own template', skeleton: {} }) },
    'templates.update': { expect: 'not_found', call: (b, a) => b.templates.update({ id: a.template, name: 'Hijacked' }) },
    'templates.archive': { expect: 'not_found', call: (b, a) => b.templates.archive({ id: a.template }) },
    'templates.get': { expect: 'not_found', call: (b, a) => b.templates.get({ id: a.template }) },
    'templates.list': { expect: 'empty', call: (b) => b.templates.list() },
  },
});
