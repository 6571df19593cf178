import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '@ubos/platform';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { client, file, fileRequest, folder, organization, outbox, portalCaller, project, signIn, staff } from './helpers.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'OK';
  } catch (error) {
    return String((error as { code?: unknown }).code ?? error);
  }
}

/** A client with a project (2 of 4 tasks done, one shared), a shared folder with a sub-folder and files, a request and an approval. */
async function furnished(tenantId: string, name: string) {
  const fixture = await client(db, tenantId, name);
  const p = await project(db, tenantId, fixture.clientId, `${name} website`, [
    { title: `${name} copy`, done: true },
    { title: `${name} design`, done: true },
    { title: `${name} build` },
    { title: `${name} internal` },
  ]);
  const shared = await folder(db, tenantId, fixture.clientId, `${name} shared`);
  const sub = await folder(db, tenantId, fixture.clientId, `${name} drafts`, shared);
  const privateFolder = await folder(db, tenantId, fixture.clientId, `${name} internal notes`);
  const fileId = await file(db, tenantId, fixture.clientId, shared, `${name} brief.pdf`);
  await file(db, tenantId, fixture.clientId, sub, `${name} draft.pdf`);
  await file(db, tenantId, fixture.clientId, privateFolder, `${name} secret.pdf`);
  const requestId = await fileRequest(db, tenantId, fixture.clientId, shared, `${name} logo files`);
  const { caller } = staff(db, tenantId);
  await caller.shares.set({ clientId: fixture.clientId, folderIds: [shared], taskIds: [p.taskIds[2] ?? ''] });
  const approval = await caller.approvals.request({ clientId: fixture.clientId, title: `${name} homepage`, fileId });
  const textApproval = await caller.approvals.request({ clientId: fixture.clientId, title: `${name} tagline`, text: 'Built to last.' });
  return { ...fixture, project: p, shared, sub, privateFolder, fileId, requestId, approvalId: approval.id, textApprovalId: textApproval.id };
}

describe('what the client sees', () => {
  it('home, projects and files show the client its own: needs-me, progress, client-visible tasks, shared folders only', async () => {
    const org = await organization(db, 'Views Studio');
    const acme = await furnished(org.tenantId, 'Acme');
    const session = await signIn(db, org.tenantId, acme);
    const { caller } = portalCaller(db, session);

    const home = await caller.me.home();
    expect(home.me).toMatchObject({ name: 'Acme Contact', clientName: 'Acme', branding: { slug: org.slug, name: 'Views Studio', accent: '#2563eb' } });
    expect(home.needsMe.approvals.map((item) => item.title).sort()).toEqual(['Acme homepage', 'Acme tagline']);
    expect(home.needsMe.fileRequests).toEqual([expect.objectContaining({ id: acme.requestId, label: 'Acme logo files', folderName: 'Acme shared' })]);
    expect(home.counts).toEqual({ projects: 1, files: 2, approvals: 2 });

    const { projects } = await caller.me.projects();
    expect(projects).toHaveLength(1);
    expect(projects[0]).toMatchObject({ name: 'Acme website', status: 'active', progress: { done: 2, total: 4, percent: 50 } });
    expect(projects[0]?.tasks.map((task) => task.title)).toEqual(['Acme build']);
    expect(projects[0]?.milestones.map((milestone) => milestone.name)).toEqual(['Acme website launch']);

    const files = await caller.me.files();
    expect(files.folders.map((f) => f.name).sort()).toEqual(['Acme drafts', 'Acme shared']);
    expect(files.folders.flatMap((f) => f.files.map((x) => x.name)).sort()).toEqual(['Acme brief.pdf', 'Acme draft.pdf']);
    expect(JSON.stringify(files)).not.toContain('secret');
  });

  it('a portal session of client A, with ids of client B and of another tenant, gets nothing of B', async () => {
    const org = await organization(db, 'Cross Client');
    const elsewhere = await organization(db, 'Cross Tenant');
    const a = await furnished(org.tenantId, 'Alpha');
    const b = await furnished(org.tenantId, 'Bravo');
    const c = await furnished(elsewhere.tenantId, 'Charlie');
    const { caller } = portalCaller(db, await signIn(db, org.tenantId, a));
    const foreign = [b, c];
    const seen: string[] = [];
    seen.push(JSON.stringify(await caller.me.home()), JSON.stringify(await caller.me.profile()));
    for (const other of foreign) {
      seen.push(JSON.stringify(await caller.me.projects({ projectId: other.project.projectId })));
      seen.push(JSON.stringify(await caller.me.files({ folderId: other.shared })));
      seen.push(JSON.stringify(await caller.me.approvals.list({ approvalId: other.approvalId })));
      expect(await codeOf(caller.me.approvals.decide({ approvalId: other.approvalId, version: 1, decision: 'approved' }))).toBe('NOT_FOUND');
      expect(await codeOf(caller.me.download({ fileId: other.fileId }))).toBe('NOT_FOUND');
      expect(await codeOf(caller.me.requests.createUpload({ requestId: other.requestId, name: 'x.pdf', contentType: 'application/pdf', size: 10 }))).toBe(
        'NOT_FOUND',
      );
      expect(await codeOf(caller.me.requests.completeUpload({ requestId: other.requestId, uploadId: uuidv7() }))).toBe('NOT_FOUND');
      expect(await codeOf(caller.me.requests.finish({ requestId: other.requestId }))).toBe('NOT_FOUND');
    }
    seen.push(JSON.stringify(await caller.me.projects()), JSON.stringify(await caller.me.files()), JSON.stringify(await caller.me.approvals.list()));
    const all = seen.join('\n');
    for (const name of ['Bravo', 'Charlie', b.clientId, c.clientId, b.approvalId, c.approvalId, b.shared, c.shared]) expect(all).not.toContain(name);
    expect(all).toContain('Alpha');
    // Its own file in a folder not shared with it: not found either; a shared one reaches files' signing action.
    const own = await caller.me.files();
    expect(own.folders.flatMap((f) => f.files.map((x) => x.id))).toContain(a.fileId);
    expect(await codeOf(caller.me.download({ fileId: a.fileId }))).toBe('PRECONDITION_FAILED');
    // Narrowed by a foreign id: empty, not the client's own.
    expect((await caller.me.projects({ projectId: b.project.projectId })).projects).toEqual([]);
    expect((await caller.me.files({ folderId: b.shared })).folders).toEqual([]);
    // Nothing of B was decided.
    const bApproval = await staff(db, org.tenantId).caller.approvals.get({ approvalId: b.approvalId });
    expect(bApproval.status).toBe('pending');
  });

  it('shares.set refuses a folder of another client and a task of another client’s project, writing nothing', async () => {
    const org = await organization(db, 'Shares Guard');
    const a = await furnished(org.tenantId, 'Alpha');
    const b = await furnished(org.tenantId, 'Bravo');
    const { caller } = staff(db, org.tenantId);
    await expect(caller.shares.set({ clientId: a.clientId, folderIds: [a.shared, b.shared] })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(caller.shares.set({ clientId: a.clientId, taskIds: [b.project.taskIds[0] ?? ''] })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(await caller.shares.get({ clientId: a.clientId })).toEqual({ clientId: a.clientId, folderIds: [a.shared], taskIds: [a.project.taskIds[2]] });
  });
});

describe('approvals', () => {
  it('a decision is bound to the version: approving v1 then uploading v2 leaves v2 pending', async () => {
    const org = await organization(db, 'Versions');
    const acme = await furnished(org.tenantId, 'Acme');
    const session = await signIn(db, org.tenantId, acme);
    const { caller } = portalCaller(db, session);
    const approved = await caller.me.approvals.decide({ approvalId: acme.approvalId, version: 1, decision: 'approved' });
    expect(approved).toMatchObject({
      status: 'approved',
      version: 1,
      decisions: [expect.objectContaining({ version: 1, decision: 'approved', decidedBy: session.portalUserId, decidedByName: 'Acme Contact' })],
    });

    // Version 2 of the file arrives (files.file.versioned): pending again, for version 2.
    await file(db, org.tenantId, acme.clientId, acme.shared, 'Acme brief.pdf', 2, acme.fileId);
    const staffView = await staff(db, org.tenantId).caller.approvals.get({ approvalId: acme.approvalId });
    expect(staffView).toMatchObject({ status: 'pending', version: 2 });
    expect(staffView.decisions.map((d) => d.version)).toEqual([1]);
    expect((await caller.me.home()).needsMe.approvals.map((item) => [item.title, item.version])).toContainEqual(['Acme homepage', 2]);

    // A decision on the version no longer shown is refused in words; the current one is decided.
    await expect(caller.me.approvals.decide({ approvalId: acme.approvalId, version: 1, decision: 'approved' })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'A newer version (2) is waiting for you. Look at it and decide on that one.',
    });
    const changes = await caller.me.approvals.decide({
      approvalId: acme.approvalId,
      version: 2,
      decision: 'changes_requested',
      comment: 'Bigger logo, please',
    });
    expect(changes.status).toBe('changes_requested');
    const submitted = await outbox(db, org.tenantId, ['portal.approval.submitted']);
    expect(submitted.map((row) => [row.event.payload.version, row.event.payload.decision, row.event.actor_id])).toEqual([
      [1, 'approved', session.portalUserId],
      [2, 'changes_requested', session.portalUserId],
    ]);
    const requested = await outbox(db, org.tenantId, ['portal.approval.requested']);
    expect(
      requested.filter((row) => row.event.payload.approval_id === acme.approvalId).map((row) => [row.event.payload.version, row.event.payload.new_version]),
    ).toEqual([
      [1, false],
      [2, true],
    ]);
  });

  it('two concurrent decisions on one version: exactly one is recorded', async () => {
    const org = await organization(db, 'Concurrent Decisions');
    const acme = await furnished(org.tenantId, 'Acme');
    const first = await signIn(db, org.tenantId, acme);
    const second = await signIn(db, org.tenantId, acme);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        codeOf(
          portalCaller(db, index % 2 === 0 ? first : second).caller.me.approvals.decide(
            index % 2 === 0
              ? { approvalId: acme.textApprovalId, version: 1, decision: 'approved' }
              : { approvalId: acme.textApprovalId, version: 1, decision: 'changes_requested', comment: 'No' },
          ),
        ),
      ),
    );
    expect(results.filter((code) => code === 'OK')).toHaveLength(1);
    expect(results.filter((code) => code === 'CONFLICT')).toHaveLength(9);
    expect((await staff(db, org.tenantId).caller.approvals.get({ approvalId: acme.textApprovalId })).decisions).toHaveLength(1);
  });

  it('changes requested need a comment; a cancelled approval cannot be decided; bad input is a typed error', async () => {
    const org = await organization(db, 'Approval Rules');
    const acme = await furnished(org.tenantId, 'Acme');
    const { caller } = portalCaller(db, await signIn(db, org.tenantId, acme));
    await expect(caller.me.approvals.decide({ approvalId: acme.textApprovalId, version: 1, decision: 'changes_requested' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    const staffCaller = staff(db, org.tenantId).caller;
    expect((await staffCaller.approvals.cancel({ approvalId: acme.textApprovalId })).status).toBe('cancelled');
    await expect(caller.me.approvals.decide({ approvalId: acme.textApprovalId, version: 1, decision: 'approved' })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(staffCaller.approvals.request({ clientId: acme.clientId, title: 'Both', text: 'x', fileId: acme.fileId })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    await expect(staffCaller.approvals.request({ clientId: uuidv7(), title: 'Nobody', text: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await staffCaller.approvals.list({ clientId: acme.clientId, status: 'pending' })).items.map((item) => item.title)).toEqual(['Acme homepage']);
  });
});
