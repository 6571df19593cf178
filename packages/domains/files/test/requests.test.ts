import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, uuidv7 } from '@ubos/platform';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { createRequestAction } from '../src/actions.ts';
import { createdRequestActionDto, fileUploaded, requestCompleted, requestCreated, requestRevoked } from '../src/contracts.ts';
import { recordOrganizationName } from '../src/handlers.ts';
import { filesRouter } from '../src/router.ts';
import { organizationCreated } from '@ubos/identity/contracts';
import { aClient, actor, anonymous, domainContext, events, inTenant, openStore, pdfBytes, postForm, type Harness } from './helpers.ts';

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

const uploader = { uploaderName: 'Cleo Client', uploaderEmail: 'cleo@example.test' };

async function setup(options: { maxFiles?: number } = {}) {
  const a = actor(testDb, harness.services);
  const clientId = await aClient(testDb, a.tenantId);
  const folder = await a.caller.folders.create({ name: 'From the client', clientId });
  const created = await a.caller.requests.create({ label: 'Your 2025 receipts', folderId: folder.id, maxFiles: options.maxFiles ?? 5 });
  return { a, folder, clientId, created, token: created.token, link: anonymous(testDb, harness.services) };
}

async function sendThroughLink(link: ReturnType<typeof anonymous>, token: string, name: string, bytes = pdfBytes(name)) {
  const ticket = await link.requestLinks.createUpload({ token, name, contentType: 'application/pdf', size: bytes.length, ...uploader });
  await postForm(harness.store, ticket, bytes, 'application/pdf');
  return ticket;
}

function requestRow(tenantId: string, id: string) {
  return inTenant(testDb, tenantId, async (trx) => (await sql<Record<string, unknown>>`SELECT * FROM files.requests WHERE id = ${id}`.execute(trx)).rows[0]);
}

describe('file requests', () => {
  it("the public page names the organization from identity's organization.created event, kept in files' own table", async () => {
    const { a, token, link } = await setup();
    expect((await link.requestLinks.open({ token })).organization.name).toBe('');
    const event = {
      id: uuidv7(),
      tenant_id: a.tenantId,
      type: organizationCreated.type,
      version: organizationCreated.version,
      payload: { organization_id: a.tenantId, name: 'Cedar & Co', created_by: a.userId },
      actor_id: a.userId,
      aggregate_type: organizationCreated.aggregateType,
      aggregate_id: a.tenantId,
      occurred_at: new Date().toISOString(),
      correlation_id: uuidv7(),
      causation_id: null,
    };
    // Twice: a redelivery changes nothing.
    for (let delivery = 0; delivery < 2; delivery += 1) {
      await inTenant(testDb, a.tenantId, (trx) => recordOrganizationName.handle(event, domainContext(trx, a.tenantId)));
    }
    expect((await link.requestLinks.open({ token })).organization).toEqual({ name: 'Cedar & Co', logoUrl: null });
  });

  it('shows the 256-bit token once and stores only its SHA-256', async () => {
    const { a, created, folder, clientId } = await setup();
    expect(created.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(created.token, 'base64url')).toHaveLength(32);
    expect(created.path).toBe(`/upload/${created.token}`);
    expect(created.request).toMatchObject({ label: 'Your 2025 receipts', folderId: folder.id, clientId, state: 'open', filesReceived: 0, maxFiles: 5 });
    const row = await requestRow(a.tenantId, created.request.id);
    expect(row?.token_hash).toBe(createHash('sha256').update(created.token).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(created.token);
    expect(JSON.stringify(await a.caller.requests.get({ id: created.request.id }))).not.toContain(created.token);
    const [event] = await events(testDb, a.tenantId, [requestCreated.type]);
    expect(JSON.stringify(event)).not.toContain(created.token);
    expect(event?.event.payload).toMatchObject({ request_id: created.request.id, client_id: clientId, created_by: a.userId });
  });

  it('open shows the limits and changes nothing', async () => {
    const { a, created, token, link } = await setup();
    const before = await requestRow(a.tenantId, created.request.id);
    const outbox = (await events(testDb, a.tenantId, [requestCreated.type, fileUploaded.type])).length;
    const page = await link.requestLinks.open({ token });
    expect(page).toMatchObject({
      state: 'open',
      message: null,
      label: 'Your 2025 receipts',
      maxFiles: 5,
      remainingFiles: 5,
      requireUploaderName: true,
      requireUploaderEmail: true,
    });
    expect(page.organization).toEqual({ name: expect.any(String), logoUrl: null });
    expect(await requestRow(a.tenantId, created.request.id)).toEqual(before);
    expect(await events(testDb, a.tenantId, [requestCreated.type, fileUploaded.type])).toHaveLength(outbox);
    await expect(link.requestLinks.open({ token: 'A'.repeat(43) })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/not valid/) });
    await expect(link.requestLinks.open({ token: 'short' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('takes uploads into the folder, names the uploader, and finishing emits files.request.completed once', async () => {
    const { a, folder, created, token, link, clientId } = await setup();
    await expect(link.requestLinks.finish({ token })).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringMatching(/at least one file/),
    });
    await expect(link.requestLinks.createUpload({ token, name: 'x.pdf', contentType: 'application/pdf', size: 10 })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/your name/),
    });
    const names = ['receipt-1.pdf', 'receipt-2.pdf'];
    for (const name of names) {
      const ticket = await sendThroughLink(link, token, name);
      expect(await link.requestLinks.completeUpload({ token, uploadId: ticket.uploadId })).toMatchObject({ status: 'accepted', name });
    }
    const files = await a.caller.files.list({ folderId: folder.id });
    expect(files.items.map((file) => file.name)).toEqual(names);
    expect(files.items[0]).toMatchObject({ clientId, createdBy: null });
    const versions = await a.caller.files.versions({ id: files.items[0]?.id ?? '' });
    expect(versions[0]).toMatchObject({ requestId: created.request.id, uploaderName: 'Cleo Client', uploaderEmail: 'cleo@example.test', uploadedBy: null });
    const detail = await a.caller.requests.get({ id: created.request.id });
    expect(detail.submissions.map((submission) => submission.fileName)).toEqual(names);
    expect(detail.filesReceived).toBe(2);

    const finishes = await Promise.all(Array.from({ length: 5 }, () => anonymous(testDb, harness.services).requestLinks.finish({ token })));
    expect(finishes).toEqual(Array.from({ length: 5 }, () => ({ state: 'completed', filesReceived: 2 })));
    const completed = await events(testDb, a.tenantId, [requestCompleted.type]);
    expect(completed).toHaveLength(1);
    expect(completed[0]?.event.payload).toEqual({
      request_id: created.request.id,
      label: 'Your 2025 receipts',
      folder_id: folder.id,
      client_id: clientId,
      project_id: null,
      file_ids: files.items.map((file) => file.id),
      file_names: names,
      file_id: files.items[0]?.id,
      file_name: 'receipt-1.pdf',
      requested_by: a.userId,
      uploader_name: 'Cleo Client',
      uploader_email: 'cleo@example.test',
    });
    expect(await link.requestLinks.open({ token })).toMatchObject({ state: 'completed', message: expect.stringMatching(/already sent/) });
    await expect(sendThroughLink(link, token, 'late.pdf')).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
  });

  it('is upload-only: the token can never list, read or download, nor complete an upload not its own', async () => {
    const { a, folder, token, link } = await setup();
    const procedures = Object.keys(filesRouter._def.procedures).filter((path) => path.startsWith('requestLinks.'));
    expect(procedures.sort()).toEqual(['requestLinks.completeUpload', 'requestLinks.createUpload', 'requestLinks.finish', 'requestLinks.open']);
    // Everything else needs a session.
    await expect(link.files.list({ folderId: folder.id })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(link.folders.list()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    // What the link's procedures answer names no folder and no other file.
    const page = JSON.stringify(await link.requestLinks.open({ token }));
    expect(page).not.toContain(folder.id);
    expect(page).not.toContain('From the client');
    // A staff upload of the same tenant is not found through the link.
    const bytes = pdfBytes('staff');
    const staff = await a.caller.uploads.create({ folderId: folder.id, name: 'staff.pdf', contentType: 'application/pdf', size: bytes.length });
    await postForm(harness.store, staff, bytes, 'application/pdf');
    await expect(link.requestLinks.completeUpload({ token, uploadId: staff.uploadId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // And a link upload is not completed by staff through the staff procedure.
    const viaLink = await sendThroughLink(link, token, 'client.pdf');
    await expect(a.caller.uploads.complete({ uploadId: viaLink.uploadId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // Another request's token cannot complete this one's upload.
    const other = await a.caller.requests.create({ label: 'Other', folderId: folder.id });
    await expect(link.requestLinks.completeUpload({ token: other.token, uploadId: viaLink.uploadId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const accepted = await link.requestLinks.completeUpload({ token, uploadId: viaLink.uploadId });
    expect(Object.keys(accepted).sort()).toEqual(['name', 'remainingFiles', 'status']);
  });

  it('refuses types and sizes the request does not allow, in words', async () => {
    const a = actor(testDb, harness.services);
    const folder = await a.caller.folders.create({ name: 'Photos' });
    const { token } = await a.caller.requests.create({ label: 'Photos', folderId: folder.id, allowedTypes: ['image/png'], maxBytesPerFile: 1000 });
    const link = anonymous(testDb, harness.services);
    await expect(link.requestLinks.createUpload({ token, name: 'a.pdf', contentType: 'application/pdf', size: 10, ...uploader })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/application\/pdf are not accepted/),
    });
    await expect(link.requestLinks.createUpload({ token, name: 'a.png', contentType: 'image/png', size: 5000, ...uploader })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/largest file accepted is 1000 bytes/),
    });
    await expect(a.caller.requests.create({ label: 'Bad', folderId: folder.id, allowedTypes: ['application/x-msdownload'] })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
  });

  it('stops working when it expires', async () => {
    const { a, created, token, link } = await setup();
    const ticket = await sendThroughLink(link, token, 'before-expiry.pdf');
    await inTenant(testDb, a.tenantId, (trx) =>
      sql`UPDATE files.requests SET expires_at = now() - interval '1 second' WHERE id = ${created.request.id}`.execute(trx),
    );
    expect(await link.requestLinks.open({ token })).toMatchObject({ state: 'expired', message: expect.stringMatching(/expired on/) });
    await expect(sendThroughLink(link, token, 'after.pdf')).rejects.toMatchObject({ code: 'PRECONDITION_FAILED', message: expect.stringMatching(/expired/) });
    expect(await link.requestLinks.completeUpload({ token, uploadId: ticket.uploadId })).toMatchObject({
      status: 'rejected',
      reason: expect.stringMatching(/expired/),
    });
    expect(await harness.store.head(ticket.fields.key ?? '')).toBeNull();
    await expect(link.requestLinks.finish({ token })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    expect((await a.caller.requests.list({ state: 'expired' })).items.map((item) => item.id)).toEqual([created.request.id]);
  });

  it('stops working when revoked, and revoking twice changes nothing', async () => {
    const { a, created, token, link } = await setup();
    const ticket = await sendThroughLink(link, token, 'in-flight.pdf');
    expect((await a.caller.requests.revoke({ id: created.request.id })).state).toBe('revoked');
    expect((await a.caller.requests.revoke({ id: created.request.id })).state).toBe('revoked');
    expect(await events(testDb, a.tenantId, [requestRevoked.type])).toHaveLength(1);
    expect(await link.requestLinks.open({ token })).toMatchObject({ state: 'revoked', message: expect.stringMatching(/withdrawn/) });
    await expect(sendThroughLink(link, token, 'after.pdf')).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    expect(await link.requestLinks.completeUpload({ token, uploadId: ticket.uploadId })).toMatchObject({ status: 'rejected' });
    expect(await harness.store.head(ticket.fields.key ?? '')).toBeNull();
    const member = actor(testDb, harness.services, 'viewer', a.tenantId);
    await expect(member.caller.requests.revoke({ id: created.request.id })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('never takes more than max files, even when uploads complete at once', async () => {
    const { a, folder, created, token, link } = await setup({ maxFiles: 3 });
    const tickets = [];
    for (let index = 0; index < 7; index += 1) tickets.push(await sendThroughLink(link, token, `file-${index}.pdf`));
    const results = await Promise.all(
      tickets.map((ticket) => anonymous(testDb, harness.services).requestLinks.completeUpload({ token, uploadId: ticket.uploadId })),
    );
    expect(results.filter((result) => result.status === 'accepted')).toHaveLength(3);
    const refused = results.filter((result) => result.status === 'rejected');
    expect(refused).toHaveLength(4);
    for (const result of refused) expect(result).toMatchObject({ reason: expect.stringMatching(/already received the 3 files/), remainingFiles: 0 });
    expect((await a.caller.files.list({ folderId: folder.id })).items).toHaveLength(3);
    expect((await requestRow(a.tenantId, created.request.id))?.files_received).toBe(3);
    let kept = 0;
    for (const ticket of tickets) if (await harness.store.head(ticket.fields.key ?? '')) kept += 1;
    expect(kept).toBe(3);
    await expect(sendThroughLink(link, token, 'one-more.pdf')).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringMatching(/already received/),
    });
    expect(await link.requestLinks.open({ token })).toMatchObject({ remainingFiles: 0 });
  });

  it("answers NOT_FOUND for another tenant's request", async () => {
    const { created } = await setup();
    const b = actor(testDb, harness.services);
    await expect(b.caller.requests.get({ id: created.request.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(b.caller.requests.revoke({ id: created.request.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await b.caller.requests.list()).items).toEqual([]);
  });

  it('files.createRequest makes one request per step key and outputs no token', async () => {
    const a = actor(testDb, harness.services);
    const folder = await a.caller.folders.create({ name: 'Workflow' });
    const run = async (key: string) =>
      createdRequestActionDto.parse(
        await inTenant(testDb, a.tenantId, (trx) =>
          createRequestAction.run({ label: 'Signed contract', folderId: folder.id }, { ...domainContext(trx, a.tenantId), idempotencyKey: key }),
        ),
      );
    const first = await run('run-1:request');
    expect(Object.keys(first).sort()).toEqual(['expiresAt', 'label', 'requestId']);
    expect(await run('run-1:request')).toEqual(first);
    expect((await a.caller.requests.list()).items).toHaveLength(1);
    expect((await run('run-2:request')).requestId).not.toBe(first.requestId);
    expect((await a.caller.requests.list()).items).toHaveLength(2);
  });
});
