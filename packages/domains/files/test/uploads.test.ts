import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Scanner } from '@ubos/platform';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { fileUploaded, fileVersioned } from '../src/contracts.ts';
import { sweepExpiredUploads } from '../src/jobs.ts';
import { actor, download, EICAR, events, exeBytes, inTenant, openStore, pdfBytes, postForm, silent, type Harness } from './helpers.ts';

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

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function blobRow(tenantId: string, id: string) {
  return inTenant(testDb, tenantId, async (trx) => {
    const result = await sql<{
      state: string;
      reject_reason: string | null;
      key: string;
    }>`SELECT state, reject_reason, key FROM files.blobs WHERE id = ${id}`.execute(trx);
    return result.rows[0];
  });
}

async function upload(
  a: ReturnType<typeof actor>,
  target: { folderId: string } | { fileId: string },
  name: string,
  bytes: Buffer,
  contentType = 'application/pdf',
) {
  const ticket = await a.caller.uploads.create({ ...target, name, contentType, size: bytes.length });
  await postForm(harness.store, ticket, bytes, contentType);
  return { ticket, result: await a.caller.uploads.complete({ uploadId: ticket.uploadId }) };
}

describe('uploads', () => {
  it('round trip: a signed form, complete, then a signed download of the same bytes', async () => {
    const a = actor(testDb, harness.services);
    const folder = await a.caller.folders.create({ name: 'Contracts' });
    const bytes = pdfBytes('round trip');
    const ticket = await a.caller.uploads.create({ folderId: folder.id, name: 'Engagement letter.pdf', contentType: 'application/pdf', size: bytes.length });
    expect(ticket).toMatchObject({ method: 'POST', url: '/blobs', size: bytes.length });
    expect(ticket.fields.key).toBe(`${a.tenantId}/files/versions/${ticket.uploadId}`);
    // The form lives at most 15 minutes.
    expect(ticket.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(15 * 60_000 + 1000);
    // Not arrived yet: refused without changing anything.
    await expect(a.caller.uploads.complete({ uploadId: ticket.uploadId })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    expect((await blobRow(a.tenantId, ticket.uploadId))?.state).toBe('pending');

    await postForm(harness.store, ticket, bytes, 'application/pdf');
    const result = await a.caller.uploads.complete({ uploadId: ticket.uploadId });
    if (result.status !== 'ready') throw new Error(result.reason);
    expect(result.version).toBe(1);
    expect(result.file).toMatchObject({
      name: 'Engagement letter.pdf',
      folderId: folder.id,
      size: bytes.length,
      contentType: 'application/pdf',
      sha256: sha256(bytes),
      inline: true,
    });
    // Completing again returns the same file and writes nothing more.
    expect(await a.caller.uploads.complete({ uploadId: ticket.uploadId })).toEqual(result);
    expect(await events(testDb, a.tenantId, [fileUploaded.type])).toHaveLength(1);
    const [uploaded] = await events(testDb, a.tenantId, [fileUploaded.type]);
    expect(uploaded?.event.payload).toMatchObject({
      file_id: result.file.id,
      name: 'Engagement letter.pdf',
      version: 1,
      uploaded_by: a.userId,
      request_id: null,
    });

    const link = await a.caller.files.downloadUrl({ id: result.file.id });
    expect(link.disposition).toBe('attachment');
    expect(link.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(300_000 + 1000);
    const fetched = await download(harness.store, link.url);
    expect(fetched.body.equals(bytes)).toBe(true);
    expect(fetched.headers['content-disposition']).toMatch(/^attachment;/);
    expect(fetched.headers['x-content-type-options']).toBe('nosniff');
    const inline = await a.caller.files.downloadUrl({ id: result.file.id, disposition: 'inline' });
    expect((await download(harness.store, inline.url)).headers['content-disposition']).toMatch(/^inline;/);
    // A changed signature fails.
    const tampered = new URL(link.url, 'http://127.0.0.1');
    tampered.searchParams.set('disposition', 'inline');
    await expect(download(harness.store, tampered.toString())).rejects.toThrow(/signature/);
  });

  it('serves SVG and text only as attachments, whatever is asked', async () => {
    const a = actor(testDb, harness.services);
    const folder = await a.caller.folders.create({ name: 'Images' });
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const { result } = await upload(a, { folderId: folder.id }, 'logo.svg', svg, 'image/svg+xml');
    if (result.status !== 'ready') throw new Error(result.reason);
    expect(result.file.inline).toBe(false);
    const link = await a.caller.files.downloadUrl({ id: result.file.id, disposition: 'inline' });
    expect(link.disposition).toBe('attachment');
    expect((await download(harness.store, link.url)).headers['content-disposition']).toMatch(/^attachment;/);
  });

  it("answers NOT_FOUND for another tenant's file, version and upload ids", async () => {
    const a = actor(testDb, harness.services);
    const b = actor(testDb, harness.services);
    const folder = await a.caller.folders.create({ name: 'Private' });
    const { result } = await upload(a, { folderId: folder.id }, 'secret.pdf', pdfBytes('secret'));
    if (result.status !== 'ready') throw new Error(result.reason);
    const pending = await a.caller.uploads.create({ folderId: folder.id, name: 'x.pdf', contentType: 'application/pdf', size: 10 });
    for (const call of [
      () => b.caller.files.get({ id: result.file.id }),
      () => b.caller.files.downloadUrl({ id: result.file.id }),
      () => b.caller.files.versions({ id: result.file.id }),
      () => b.caller.files.rename({ id: result.file.id, name: 'mine.pdf' }),
      () => b.caller.uploads.create({ fileId: result.file.id, name: 'v2.pdf', contentType: 'application/pdf', size: 10 }),
      () => b.caller.uploads.create({ folderId: folder.id, name: 'in.pdf', contentType: 'application/pdf', size: 10 }),
      () => b.caller.uploads.complete({ uploadId: pending.uploadId }),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: 'NOT_FOUND' });
    }
    expect((await a.caller.files.get({ id: result.file.id })).name).toBe('secret.pdf');
  });

  it('rejects a file larger than declared or than the cap, and removes its object', async () => {
    const a = actor(testDb, harness.services);
    const folder = await a.caller.folders.create({ name: 'Sizes' });
    // The local store enforces the signed size itself; a store that did not would leave a bigger object.
    const ticket = await a.caller.uploads.create({ folderId: folder.id, name: 'short.pdf', contentType: 'application/pdf', size: 20 });
    await expect(postForm(harness.store, ticket, pdfBytes('x'.repeat(50)), 'application/pdf')).rejects.toThrow();
    await harness.store.put(ticket.fields.key ?? '', pdfBytes('x'.repeat(50)), { contentType: 'application/pdf' });
    const result = await a.caller.uploads.complete({ uploadId: ticket.uploadId });
    expect(result).toEqual({ status: 'rejected', reason: expect.stringMatching(/not the 20 bytes declared/) });
    expect(await harness.store.head(ticket.fields.key ?? '')).toBeNull();
    expect(await blobRow(a.tenantId, ticket.uploadId)).toMatchObject({ state: 'rejected', reject_reason: expect.stringMatching(/declared/) });
    // Completing again gives the same refusal.
    expect(await a.caller.uploads.complete({ uploadId: ticket.uploadId })).toEqual(result);

    // Over the cap: refused before any form is signed …
    await a.caller.settings.update({ maxFileBytes: 100 });
    await expect(a.caller.uploads.create({ folderId: folder.id, name: 'big.pdf', contentType: 'application/pdf', size: 101 })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/largest file accepted is 100 bytes/),
    });
    // … and when the cap dropped after the form was signed, at completion.
    const bytes = pdfBytes('under a hundred');
    const early = await a.caller.uploads.create({ folderId: folder.id, name: 'early.pdf', contentType: 'application/pdf', size: bytes.length });
    await postForm(harness.store, early, bytes, 'application/pdf');
    await a.caller.settings.update({ maxFileBytes: 40 });
    expect(await a.caller.uploads.complete({ uploadId: early.uploadId })).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/largest file/) });
    expect(await harness.store.head(early.fields.key ?? '')).toBeNull();
    expect((await a.caller.files.list({ folderId: folder.id })).items).toEqual([]);
  });

  it('rejects a renamed .exe declared as a PDF, and a type off the allow-list', async () => {
    const a = actor(testDb, harness.services);
    const folder = await a.caller.folders.create({ name: 'Invoices' });
    const { ticket, result } = await upload(a, { folderId: folder.id }, 'invoice.pdf', exeBytes());
    expect(result).toEqual({ status: 'rejected', reason: expect.stringMatching(/Windows program, not a PDF/) });
    expect(await harness.store.head(ticket.fields.key ?? '')).toBeNull();
    expect((await a.caller.files.list({ folderId: folder.id })).items).toEqual([]);
    await expect(a.caller.uploads.create({ folderId: folder.id, name: 'setup.exe', contentType: 'application/x-msdownload', size: 512 })).rejects.toMatchObject(
      {
        code: 'BAD_REQUEST',
        message: expect.stringMatching(/not accepted here/),
      },
    );
    // A web page declared as plain text is refused too: it would run script if ever rendered.
    const page = await upload(a, { folderId: folder.id }, 'notes.txt', Buffer.from('<!doctype html><html><script>alert(1)</script></html>'), 'text/plain');
    expect(page.result).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/not a text file as declared/) });
    expect(await events(testDb, a.tenantId, [fileUploaded.type])).toEqual([]);
  });

  it('rejects EICAR when a scanner is configured (a fake scanner: this test does not start clamd)', async () => {
    const fake: Scanner = {
      name: 'fake',
      async scan(body) {
        const chunks: Buffer[] = [];
        for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
        return Buffer.concat(chunks).includes(EICAR) ? { clean: false, signature: 'Eicar-Test-Signature' } : { clean: true };
      },
    };
    const scanned = { ...harness.services, scanner: fake };
    const a = actor(testDb, scanned);
    const folder = await a.caller.folders.create({ name: 'Scanned' });
    const ticket = await a.caller.uploads.create({ folderId: folder.id, name: 'notes.txt', contentType: 'text/plain', size: EICAR.length });
    await postForm(harness.store, ticket, Buffer.from(EICAR), 'text/plain');
    expect(await a.caller.uploads.complete({ uploadId: ticket.uploadId })).toEqual({
      status: 'rejected',
      reason: expect.stringMatching(/malware \(Eicar-Test-Signature\)/),
    });
    expect(await harness.store.head(ticket.fields.key ?? '')).toBeNull();
    const clean = await upload(a, { folderId: folder.id }, 'clean.txt', Buffer.from('just some notes\n'), 'text/plain');
    expect(clean.result.status).toBe('ready');
  });

  it('numbers 50 concurrent new versions 2..51 after version 1: no gaps, no duplicates', async () => {
    const a = actor(testDb, harness.services);
    const folder = await a.caller.folders.create({ name: 'Deliverables' });
    const first = await upload(a, { folderId: folder.id }, 'report.pdf', pdfBytes('v1'));
    if (first.result.status !== 'ready') throw new Error(first.result.reason);
    const fileId = first.result.file.id;
    const tickets = [];
    for (let index = 0; index < 50; index += 1) {
      const bytes = pdfBytes(`version ${index}`);
      const ticket = await a.caller.uploads.create({ fileId, name: 'report.pdf', contentType: 'application/pdf', size: bytes.length });
      await postForm(harness.store, ticket, bytes, 'application/pdf');
      tickets.push(ticket);
    }
    const results = await Promise.all(tickets.map((ticket) => a.caller.uploads.complete({ uploadId: ticket.uploadId })));
    const numbers = results.map((result) => (result.status === 'ready' ? result.version : 0)).sort((x, y) => x - y);
    expect(numbers).toEqual(Array.from({ length: 50 }, (_, index) => index + 2));
    const versions = await a.caller.files.versions({ id: fileId });
    expect(versions.map((version) => version.version)).toEqual(Array.from({ length: 51 }, (_, index) => 51 - index));
    expect((await a.caller.files.get({ id: fileId })).version).toBe(51);
    expect(await events(testDb, a.tenantId, [fileVersioned.type])).toHaveLength(50);
    // An old version stays downloadable.
    const old = await a.caller.files.downloadUrl({ id: fileId, version: 1 });
    expect((await download(harness.store, old.url)).body.equals(pdfBytes('v1'))).toBe(true);
  });

  it('sweeps pending uploads past their expiry: expired, object deleted, completion refused', async () => {
    const a = actor(testDb, harness.services);
    const folder = await a.caller.folders.create({ name: 'Sweep' });
    const bytes = pdfBytes('never completed');
    const ticket = await a.caller.uploads.create({ folderId: folder.id, name: 'left.pdf', contentType: 'application/pdf', size: bytes.length });
    await postForm(harness.store, ticket, bytes, 'application/pdf');
    const fresh = await a.caller.uploads.create({ folderId: folder.id, name: 'fresh.pdf', contentType: 'application/pdf', size: bytes.length });
    await inTenant(testDb, a.tenantId, (trx) =>
      sql`UPDATE files.blobs SET expires_at = now() - interval '1 minute' WHERE id = ${ticket.uploadId}`.execute(trx),
    );
    expect(await sweepExpiredUploads(testDb.db, harness.store, silent)).toBeGreaterThanOrEqual(1);
    expect((await blobRow(a.tenantId, ticket.uploadId))?.state).toBe('expired');
    expect((await blobRow(a.tenantId, fresh.uploadId))?.state).toBe('pending');
    expect(await harness.store.head(ticket.fields.key ?? '')).toBeNull();
    expect(await a.caller.uploads.complete({ uploadId: ticket.uploadId })).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/expired/) });
    expect(await sweepExpiredUploads(testDb.db, harness.store, silent)).toBe(0);
  });

  it('refuses bad input with zod issues and a clear sentence', async () => {
    const a = actor(testDb, harness.services);
    const folder = await a.caller.folders.create({ name: 'Input' });
    // Neither a folder nor a file.
    await expect(a.caller.uploads.create({ name: 'a.pdf', contentType: 'application/pdf', size: 3 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(
      a.caller.uploads.create({ folderId: folder.id, fileId: folder.id, name: 'a.pdf', contentType: 'application/pdf', size: 3 }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(a.caller.uploads.create({ folderId: folder.id, name: '../a.pdf', contentType: 'application/pdf', size: 3 })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    await expect(a.caller.uploads.create({ folderId: folder.id, name: 'a.pdf', contentType: 'pdf', size: 3 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(a.caller.uploads.create({ folderId: folder.id, name: 'a.pdf', contentType: 'application/pdf', size: 0 })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
  });
});
