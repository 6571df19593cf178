import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '@ubos/platform';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { attachToProjectAction, createFolderFromTemplateAction } from '../src/actions.ts';
import { createdFoldersDto, fileArchived, fileMoved, folderArchived, folderCreated } from '../src/contracts.ts';
import { aClient, aProject, actor, domainContext, events, inTenant, openStore, pdfBytes, postForm, type Harness } from './helpers.ts';

let testDb: TestDatabase;
let harness: Harness;
beforeAll(async () => {
  testDb = await createTestDatabase();
  harness = await openStore();
});
afterAll(async () => {
  await harness?.close();
  await testDb?.drop();
});

async function addFile(a: ReturnType<typeof actor>, folderId: string, name: string) {
  const bytes = pdfBytes(name);
  const ticket = await a.caller.uploads.create({ folderId, name, contentType: 'application/pdf', size: bytes.length });
  await postForm(harness.store, ticket, bytes, 'application/pdf');
  const result = await a.caller.uploads.complete({ uploadId: ticket.uploadId });
  if (result.status !== 'ready') throw new Error(result.reason);
  return result.file;
}

function runAction<T>(tenantId: string, run: (context: ReturnType<typeof domainContext> & { idempotencyKey: string }) => Promise<T>, key: string) {
  return inTenant(testDb, tenantId, (trx) => run({ ...domainContext(trx, tenantId), idempotencyKey: key }));
}

describe('folders', () => {
  it('creates a tree whose sub-folders take the parent client, and emits folder.created', async () => {
    const a = actor(testDb, harness.services);
    const clientId = await aClient(testDb, a.tenantId);
    const root = await a.caller.folders.create({ name: 'Acme', clientId });
    const child = await a.caller.folders.create({ name: 'Contracts', parentId: root.id });
    expect(child).toMatchObject({ parentId: root.id, clientId, projectId: null });
    await expect(a.caller.folders.create({ name: 'Other', parentId: root.id, clientId: uuidv7() })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect((await a.caller.folders.list({ clientId })).map((folder) => folder.name)).toEqual(['Acme', 'Contracts']);
    const written = await events(testDb, a.tenantId, [folderCreated.type]);
    expect(written.map((item) => item.event.payload)).toEqual([
      expect.objectContaining({ folder_id: root.id, client_id: clientId, parent_id: null, created_by: a.userId }),
      expect.objectContaining({ folder_id: child.id, parent_id: root.id, client_id: clientId }),
    ]);
  });

  it('lets only one of concurrent creations with the same name win; the others get a clear CONFLICT', async () => {
    const a = actor(testDb, harness.services);
    const parent = await a.caller.folders.create({ name: 'Parent' });
    for (const parentId of [parent.id, null]) {
      const outcomes = await Promise.allSettled(
        Array.from({ length: 6 }, (_, index) => a.caller.folders.create({ name: index % 2 ? 'Reports' : 'REPORTS', parentId })),
      );
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
      for (const outcome of outcomes.filter((item) => item.status === 'rejected')) {
        expect(outcome.reason).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/A folder named "Reports?|REPORTS" already exists here/i) });
      }
    }
    // The same name at the top level of two different clients is fine.
    await a.caller.folders.create({ name: 'Reports', clientId: await aClient(testDb, a.tenantId) });
    // Renaming onto a taken name is the same conflict; archiving frees the name.
    const other = await a.caller.folders.create({ name: 'Drafts', parentId: parent.id });
    await expect(a.caller.folders.rename({ id: other.id, name: 'reports' })).rejects.toMatchObject({ code: 'CONFLICT' });
    const taken = (await a.caller.folders.list()).find((folder) => folder.parentId === parent.id && folder.name.toLowerCase() === 'reports');
    await a.caller.folders.archive({ id: taken?.id ?? '' });
    expect((await a.caller.folders.rename({ id: other.id, name: 'Reports' })).name).toBe('Reports');
  });

  it('moves folders but never into themselves or another client', async () => {
    const a = actor(testDb, harness.services);
    const top = await a.caller.folders.create({ name: 'Top' });
    const mid = await a.caller.folders.create({ name: 'Mid', parentId: top.id });
    const leaf = await a.caller.folders.create({ name: 'Leaf', parentId: mid.id });
    await expect(a.caller.folders.move({ id: top.id, parentId: leaf.id })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/into itself/),
    });
    await expect(a.caller.folders.move({ id: top.id, parentId: top.id })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const client = await a.caller.folders.create({ name: 'Client', clientId: await aClient(testDb, a.tenantId) });
    await expect(a.caller.folders.move({ id: leaf.id, parentId: client.id })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect((await a.caller.folders.move({ id: leaf.id, parentId: null })).parentId).toBeNull();
  });

  it('archives a folder holding files only when confirmed; restoring a file restores its folders', async () => {
    const a = actor(testDb, harness.services);
    const top = await a.caller.folders.create({ name: 'Old work' });
    const sub = await a.caller.folders.create({ name: '2024', parentId: top.id });
    const file = await addFile(a, sub.id, 'summary.pdf');
    await expect(a.caller.folders.archive({ id: top.id })).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: 'The folder "Old work" holds 1 file; confirm to archive it with it',
    });
    expect((await a.caller.files.get({ id: file.id })).archivedAt).toBeNull();
    const archived = await a.caller.folders.archive({ id: top.id, confirm: true });
    expect(archived).toMatchObject({ archivedFileCount: 1, archivedFolderIds: expect.arrayContaining([top.id, sub.id]) });
    expect((await a.caller.files.get({ id: file.id })).archivedAt).toBeInstanceOf(Date);
    expect((await a.caller.files.list({ folderId: sub.id })).items).toEqual([]);
    expect((await a.caller.files.list({ folderId: sub.id, includeArchived: true })).items).toHaveLength(1);
    expect(await events(testDb, a.tenantId, [folderArchived.type, fileArchived.type])).toHaveLength(2);
    await expect(a.caller.files.downloadUrl({ id: file.id })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });

    const restored = await a.caller.files.restore({ id: file.id });
    expect(restored.archivedAt).toBeNull();
    const live = await a.caller.folders.list();
    expect(live.map((folder) => folder.id)).toEqual(expect.arrayContaining([top.id, sub.id]));
    // An empty folder needs no confirmation.
    const empty = await a.caller.folders.create({ name: 'Empty' });
    expect((await a.caller.folders.archive({ id: empty.id })).archivedFileCount).toBe(0);
  });

  it('lists files by name with keyset pages, by folder, client and project', async () => {
    const a = actor(testDb, harness.services);
    const clientId = await aClient(testDb, a.tenantId);
    const folder = await a.caller.folders.create({ name: 'Letters', clientId });
    const names = ['b.pdf', 'A.pdf', 'c.pdf', 'a.pdf', 'D.pdf'];
    for (const name of names) await addFile(a, folder.id, name);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof a.caller.files.list>> = await a.caller.files.list({ folderId: folder.id, limit: 2, cursor });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((item) => item.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.map((name) => name.toLowerCase())).toEqual(['a.pdf', 'a.pdf', 'b.pdf', 'c.pdf', 'd.pdf']);
    expect((await a.caller.files.list({ clientId, limit: 50 })).items).toHaveLength(5);
    await expect(a.caller.files.list({ folderId: folder.id, cursor: 'garbage' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('renames and moves files (the folder client follows), with events', async () => {
    const a = actor(testDb, harness.services);
    const from = await a.caller.folders.create({ name: 'Inbox' });
    const clientId = await aClient(testDb, a.tenantId);
    const to = await a.caller.folders.create({ name: 'Client files', clientId });
    const file = await addFile(a, from.id, 'scan.pdf');
    expect((await a.caller.files.rename({ id: file.id, name: 'Signed scan.pdf' })).name).toBe('Signed scan.pdf');
    expect(await a.caller.files.move({ id: file.id, folderId: to.id })).toMatchObject({ folderId: to.id, clientId });
    expect((await events(testDb, a.tenantId, [fileMoved.type]))[0]?.event.payload).toMatchObject({
      previous_folder_id: from.id,
      folder_id: to.id,
      client_id: clientId,
    });
  });
});

describe('templates and actions', () => {
  it('seeds "Client onboarding" on first list, and templates can be made and changed', async () => {
    const a = actor(testDb, harness.services);
    const [seeded, ...rest] = await a.caller.templates.list();
    expect(rest).toEqual([]);
    expect(seeded).toMatchObject({
      name: 'Client onboarding',
      slug: 'client-onboarding',
      folders: [{ name: 'Contracts' }, { name: 'Invoices' }, { name: 'Deliverables' }, { name: 'Shared with client' }],
    });
    expect(await a.caller.templates.list()).toHaveLength(1);
    const made = await a.caller.templates.create({ name: 'Project', folders: [{ name: 'Briefs', children: [{ name: 'Drafts' }] }, { name: 'Final' }] });
    await expect(a.caller.templates.create({ name: 'project', folders: [{ name: 'X' }] })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(a.caller.templates.create({ name: 'Dup', folders: [{ name: 'X' }, { name: 'x' }] })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const changed = await a.caller.templates.update({ id: made.id, folders: [{ name: 'Only' }] });
    expect(changed.folders).toEqual([{ name: 'Only', children: [] }]);
    const viewer = actor(testDb, harness.services, 'member', a.tenantId);
    await expect(viewer.caller.templates.create({ name: 'Nope', folders: [{ name: 'X' }] })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('files.createFolderFromTemplate builds the tree once per key and reuses folders already there', async () => {
    const a = actor(testDb, harness.services);
    const clientId = await aClient(testDb, a.tenantId);
    const first = createdFoldersDto.parse(
      await runAction(a.tenantId, (context) => createFolderFromTemplateAction.run({ template: 'client-onboarding', clientId }, context), 'run-1:folders'),
    );
    expect(first).toMatchObject({ created: 4, rootFolderIds: expect.any(Array) });
    expect(first.folderIds).toHaveLength(4);
    // A retried step returns the stored result and writes nothing.
    expect(
      await runAction(a.tenantId, (context) => createFolderFromTemplateAction.run({ template: 'client-onboarding', clientId }, context), 'run-1:folders'),
    ).toEqual(first);
    expect(await events(testDb, a.tenantId, [folderCreated.type])).toHaveLength(4);
    // Another run for the same client finds the folders and creates none.
    const again = await runAction(
      a.tenantId,
      (context) => createFolderFromTemplateAction.run({ template: 'Client Onboarding', clientId }, context),
      'run-2:folders',
    );
    expect(again).toMatchObject({ created: 0, folderIds: first.folderIds });
    expect((await a.caller.folders.list({ clientId })).map((folder) => folder.name)).toEqual(['Contracts', 'Deliverables', 'Invoices', 'Shared with client']);
    await expect(
      runAction(a.tenantId, (context) => createFolderFromTemplateAction.run({ template: 'no-such' }, context), 'run-3:folders'),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    // The staff procedure does the same.
    await expect(a.caller.folders.createFromTemplate({ clientId: uuidv7() })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect((await a.caller.folders.createFromTemplate({ clientId: await aClient(testDb, a.tenantId) })).created).toBe(4);
  });

  it('files.attachToProject attaches files to a project and moves them into its folder, once per key', async () => {
    const a = actor(testDb, harness.services);
    const projectId = await aProject(testDb, a.tenantId);
    const inbox = await a.caller.folders.create({ name: 'Inbox' });
    const projectFolder = await a.caller.folders.create({ name: 'Website', projectId });
    const file = await addFile(a, inbox.id, 'brief.pdf');
    const output = await runAction(a.tenantId, (context) => attachToProjectAction.run({ fileId: file.id, projectId }, context), 'run-1:attach');
    expect(output).toEqual({ fileIds: [file.id], projectId, folderId: projectFolder.id });
    expect(await a.caller.files.get({ id: file.id })).toMatchObject({ projectId, folderId: projectFolder.id });
    expect(await runAction(a.tenantId, (context) => attachToProjectAction.run({ fileId: file.id, projectId }, context), 'run-1:attach')).toEqual(output);
    expect(await events(testDb, a.tenantId, [fileMoved.type])).toHaveLength(1);
    expect((await a.caller.files.list({ projectId })).items.map((item) => item.id)).toEqual([file.id]);
  });
});
