import { createCallerFactory, type Context } from '@ubos/platform';
import { defineCrossTenantCases } from '@ubos/platform/testing';
import { filesRouter } from '../src/router.ts';
import { MemoryBlobStore } from './memory-store.ts';

const createCaller = createCallerFactory(filesRouter);
type Caller = ReturnType<typeof createCaller>;

/** The host's test runtime configures no blob store: these callers get one in memory. */
const store = new MemoryBlobStore();
const withStore = (ctx: Context): Context => ({ ...ctx, runtime: { ...ctx.runtime, services: { ...ctx.runtime.services, blobs: store } } });

const pdf = Buffer.from('%PDF-1.4\n% isolation\n%%EOF\n');

async function uploadPdf(a: Caller, target: { folderId: string } | { fileId: string }, name: string) {
  const ticket = await a.uploads.create({ ...target, name, contentType: 'application/pdf', size: pdf.length });
  await store.put(ticket.fields.key ?? '', pdf, { contentType: 'application/pdf' });
  const result = await a.uploads.complete({ uploadId: ticket.uploadId });
  if (result.status !== 'ready') throw new Error(`isolation upload refused: ${result.reason}`);
  return result.file;
}

/**
 * Run by apps/api/test/cross-tenant.test.ts for every procedure of filesRouter: tenant B calls
 * each with tenant A's ids (a folder tree, a file with two versions, a pending upload, a template,
 * a file request). Lists are empty for B; settings and templates are the caller's own. The public
 * requestLinks procedures are exempt in the host test: the link's token is the credential.
 */
export const crossTenantCases = defineCrossTenantCases({
  createCaller: (ctx) => createCaller(withStore(ctx)),
  setup: async (a, seed) => {
    await a.settings.update({ label: 'Tenant A files' });
    const [clientId = '', projectId = ''] = await seed([{ kind: 'crm.client' }, { kind: 'projects.project' }]);
    const folder = await a.folders.create({ name: 'Isolation', clientId });
    const other = await a.folders.create({ name: 'Other', parentId: folder.id });
    const file = await uploadPdf(a, { folderId: folder.id }, 'isolation.pdf');
    await uploadPdf(a, { fileId: file.id }, 'isolation.pdf');
    const archived = await uploadPdf(a, { folderId: folder.id }, 'archived.pdf');
    await a.files.archive({ id: archived.id });
    const pending = await a.uploads.create({ folderId: folder.id, name: 'pending.pdf', contentType: 'application/pdf', size: pdf.length });
    const template = await a.templates.create({ name: 'Isolation template', folders: [{ name: 'One' }] });
    const request = await a.requests.create({ label: 'Isolation request', folderId: folder.id });
    return {
      clientId,
      projectId,
      folder: folder.id,
      other: other.id,
      file: file.id,
      archived: archived.id,
      upload: pending.uploadId,
      template: template.id,
      request: request.request.id,
    };
  },
  snapshot: async (a, f) => ({
    settings: await a.settings.get(),
    folders: await a.folders.list({ includeArchived: true }),
    files: await a.files.list({ folderId: f.folder, includeArchived: true }),
    file: await a.files.get({ id: f.file }),
    versions: await a.files.versions({ id: f.file }),
    templates: await a.templates.list(),
    request: await a.requests.get({ id: f.request }),
  }),
  cases: {
    'settings.get': { expect: 'own', call: (b) => b.settings.get() },
    'settings.update': { expect: 'own', call: (b) => b.settings.update({ enabled: true, label: 'Someone else' }) },
    'folders.create': { expect: 'not_found', call: (b, a) => b.folders.create({ name: 'Inside', parentId: a.folder }) },
    'folders.createFromTemplate': { expect: 'not_found', call: (b, a) => b.folders.createFromTemplate({ parentId: a.folder }) },
    'folders.list': { expect: 'empty', call: (b, a) => b.folders.list({ clientId: a.clientId, projectId: null, includeArchived: true }) },
    'folders.rename': { expect: 'not_found', call: (b, a) => b.folders.rename({ id: a.folder, name: 'Hijacked' }) },
    'folders.move': { expect: 'not_found', call: (b, a) => b.folders.move({ id: a.other, parentId: null }) },
    'folders.archive': { expect: 'not_found', call: (b, a) => b.folders.archive({ id: a.folder, confirm: true }) },
    'uploads.create': {
      expect: 'not_found',
      call: (b, a) => b.uploads.create({ fileId: a.file, name: 'v3.pdf', contentType: 'application/pdf', size: pdf.length }),
    },
    'uploads.complete': { expect: 'not_found', call: (b, a) => b.uploads.complete({ uploadId: a.upload }) },
    'files.list': { expect: 'empty', call: (b, a) => b.files.list({ folderId: a.folder, includeArchived: true }) },
    'files.get': { expect: 'not_found', call: (b, a) => b.files.get({ id: a.file }) },
    'files.rename': { expect: 'not_found', call: (b, a) => b.files.rename({ id: a.file, name: 'Hijacked.pdf' }) },
    'files.move': { expect: 'not_found', call: (b, a) => b.files.move({ id: a.file, folderId: a.other }) },
    'files.archive': { expect: 'not_found', call: (b, a) => b.files.archive({ id: a.file }) },
    'files.restore': { expect: 'not_found', call: (b, a) => b.files.restore({ id: a.archived }) },
    'files.versions': { expect: 'not_found', call: (b, a) => b.files.versions({ id: a.file }) },
    'files.downloadUrl': { expect: 'not_found', call: (b, a) => b.files.downloadUrl({ id: a.file, version: 1 }) },
    // A's project is not one of B's: refused as a bad reference before any file is looked at.
    'files.attachToProject': { expect: 'bad_request', call: (b, a) => b.files.attachToProject({ fileId: a.file, projectId: a.projectId }) },
    'templates.list': { expect: 'own', call: (b) => b.templates.list() },
    'templates.create': { expect: 'own', call: (b) => b.templates.create({ name: 'Isolation template', folders: [{ name: 'Mine' }] }) },
    'templates.update': { expect: 'not_found', call: (b, a) => b.templates.update({ id: a.template, name: 'Hijacked' }) },
    'requests.create': { expect: 'not_found', call: (b, a) => b.requests.create({ label: 'Hijacked', folderId: a.folder }) },
    'requests.list': { expect: 'empty', call: (b, a) => b.requests.list({ folderId: a.folder, cursor: null, limit: 50 }) },
    'requests.get': { expect: 'not_found', call: (b, a) => b.requests.get({ id: a.request }) },
    'requests.revoke': { expect: 'not_found', call: (b, a) => b.requests.revoke({ id: a.request }) },
  },
});
