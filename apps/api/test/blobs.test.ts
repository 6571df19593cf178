import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBlobStore, blobKey, createDomainRuntime, createLogger, type PresignedPost } from '@ubos/platform';
import { createTestDatabase, testConfig, type TestDatabase } from '@ubos/platform/testing';
import { startApp } from '../src/app.ts';
import { modules } from '../src/modules.ts';
import type { Server } from '../src/server.ts';
import { testServer } from './helpers.ts';

const TENANT = '00000000-0000-7000-8000-0000000000b1';
let testDb: TestDatabase;
let dataDir: string;
let store: LocalBlobStore;
let server: Server;
let counter = 0;

function freshKey(): string {
  counter += 1;
  return blobKey({ tenantId: TENANT, domain: 'files', entity: 'blob', blobId: `http-${counter}-${Date.now()}` });
}

/** The multipart body a browser sends for a POST policy: the signed fields, then the file. */
async function multipart(
  post: PresignedPost,
  file: Buffer,
  overrides: Record<string, string> = {},
): Promise<{ payload: Buffer; headers: Record<string, string> }> {
  const data = new FormData();
  for (const [name, value] of Object.entries({ ...post.fields, ...overrides })) data.append(name, value);
  data.append('file', new Blob([new Uint8Array(file)]), 'upload.bin');
  const request = new Request('http://localhost/blobs', { method: 'POST', body: data });
  return { payload: Buffer.from(await request.arrayBuffer()), headers: { 'content-type': request.headers.get('content-type') ?? '' } };
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function upload(post: PresignedPost, file: Buffer, overrides: Record<string, string> = {}) {
  const body = await multipart(post, file, overrides);
  return server.inject({ method: 'POST', url: post.url, payload: body.payload, headers: body.headers });
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  dataDir = await mkdtemp(path.join(tmpdir(), 'ubos-api-blobs-'));
  store = await LocalBlobStore.open({ dataDir });
  server = await testServer({ db: testDb.db, boss: null, runtime: createDomainRuntime(modules, null, { blobs: store }) });
});

afterAll(async () => {
  await server?.close();
  await testDb?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('/blobs on the local store', () => {
  it('round-trips a POST policy upload and a signed download', async () => {
    const key = freshKey();
    // Over Fastify's 1 MiB body limit: the route streams, it never buffers.
    const file = Buffer.alloc(2 * 1024 * 1024 + 17, 7);
    const post = await store.presignPost({ key, contentType: 'application/pdf', minBytes: 1, maxBytes: 3 * 1024 * 1024, expiresInSeconds: 300 });
    const response = await upload(post, file);
    expect(response.statusCode, response.body).toBe(204);
    expect(await store.head(key)).toMatchObject({ size: file.length });

    const url = await store.presignGet({ key, expiresInSeconds: 120, filename: 'contract.pdf', contentType: 'application/pdf', disposition: 'attachment' });
    const download = await server.inject({ method: 'GET', url });
    expect(download.statusCode).toBe(200);
    expect(download.rawPayload.equals(file)).toBe(true);
    expect(download.headers['content-type']).toBe('application/pdf');
    expect(download.headers['content-disposition']).toBe('attachment; filename="contract.pdf"');
    expect(download.headers['x-content-type-options']).toBe('nosniff');
    expect(download.headers['cache-control']).toBe('private, no-store');
    expect(download.headers['content-security-policy']).toMatch(/^default-src 'none';.*frame-ancestors 'self'$/);

    const ranged = await server.inject({ method: 'GET', url, headers: { range: 'bytes=0-9' } });
    expect(ranged.statusCode).toBe(206);
    expect(ranged.headers['content-range']).toBe(`bytes 0-9/${file.length}`);
    expect(ranged.rawPayload.length).toBe(10);
  });

  it('answers 413 for a file over the policy maximum and keeps no object', async () => {
    const key = freshKey();
    const post = await store.presignPost({ key, contentType: 'text/plain', minBytes: 1, maxBytes: 64 * 1024, expiresInSeconds: 300 });
    const response = await upload(post, Buffer.alloc(64 * 1024 + 1, 65));
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ error: 'Payload Too Large', message: expect.stringMatching(/larger than the 65536 bytes/) });
    expect(await store.head(key)).toBeNull();
    expect(await readdir(path.join(dataDir, 'blobs', 'tmp'))).toEqual([]);
  });

  it('over a real socket: answers 413 to a client still sending, and cleans up after a client that goes away', async () => {
    const address = new URL(await server.listen({ host: '127.0.0.1', port: 0 }));
    const key = freshKey();
    const post = await store.presignPost({ key, contentType: 'text/plain', minBytes: 1, maxBytes: 256 * 1024, expiresInSeconds: 300 });
    const body = await multipart(post, Buffer.alloc(8 * 1024 * 1024, 66));
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({
        host: address.hostname,
        port: address.port,
        path: post.url,
        method: 'POST',
        headers: { ...body.headers, 'content-length': body.payload.length },
      });
      req.on('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(body.payload);
    });
    expect(status).toBe(413);
    expect(await store.head(key)).toBeNull();

    // Half a form, then the connection drops.
    const halfKey = freshKey();
    const halfPost = await store.presignPost({ key: halfKey, contentType: 'text/plain', minBytes: 1, maxBytes: 16 * 1024 * 1024, expiresInSeconds: 300 });
    const half = await multipart(halfPost, Buffer.alloc(4 * 1024 * 1024, 67));
    const socket = connect({ host: address.hostname, port: Number(address.port) });
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      `POST ${halfPost.url} HTTP/1.1\r\nHost: localhost\r\nContent-Type: ${half.headers['content-type']}\r\nContent-Length: ${half.payload.length}\r\n\r\n`,
    );
    socket.write(half.payload.subarray(0, 2 * 1024 * 1024));
    const tmp = path.join(dataDir, 'blobs', 'tmp');
    await waitFor(async () => (await readdir(tmp)).length > 0, 'the upload to reach a temp file');
    socket.destroy();
    await waitFor(async () => (await readdir(tmp)).length === 0, 'the temp file to be removed');
    expect(await store.head(halfKey)).toBeNull();
  });

  it('answers 403 in words for another content type, a changed signature and an expired policy', async () => {
    const key = freshKey();
    const post = await store.presignPost({ key, contentType: 'image/png', minBytes: 1, maxBytes: 1024, expiresInSeconds: 300 });
    const wrongType = await upload(post, Buffer.from('x'), { 'Content-Type': 'text/html' });
    expect(wrongType.statusCode).toBe(403);
    expect(wrongType.json().message).toMatch(/content type \(text\/html\) is not the one the upload was signed for \(image\/png\)/);
    const changed = await upload(post, Buffer.from('x'), {
      signature: `${post.fields.signature?.slice(0, -1)}${post.fields.signature?.endsWith('A') ? 'B' : 'A'}`,
    });
    expect(changed.statusCode).toBe(403);
    expect(changed.json().message).toMatch(/signature does not match/);

    const past = await LocalBlobStore.open({ dataDir, now: () => Date.now() - 10 * 60_000 });
    const expiredPost = await past.presignPost({ key, contentType: 'image/png', minBytes: 1, maxBytes: 1024, expiresInSeconds: 60 });
    const expired = await upload(expiredPost, Buffer.from('x'));
    expect(expired.statusCode).toBe(403);
    expect(expired.json().message).toMatch(/expired at/);
    expect(await store.head(key)).toBeNull();
  });

  it('refuses a download URL that is changed or expired', async () => {
    const key = freshKey();
    await store.put(key, Buffer.from('secret'), { contentType: 'text/plain' });
    const url = await store.presignGet({ key, expiresInSeconds: 60, filename: 'a.txt', contentType: 'text/plain', disposition: 'attachment' });
    const changedName = await server.inject({ method: 'GET', url: url.replace('name=a.txt', 'name=b.txt') });
    expect(changedName.statusCode).toBe(403);
    expect(changedName.json().message).toMatch(/altered/);
    const otherKey = await server.inject({ method: 'GET', url: url.replace(key, freshKey()) });
    expect(otherKey.statusCode).toBe(403);
    const past = await LocalBlobStore.open({ dataDir, now: () => Date.now() - 10 * 60_000 });
    const expired = await server.inject({
      method: 'GET',
      url: await past.presignGet({ key, expiresInSeconds: 60, filename: 'a.txt', contentType: 'text/plain', disposition: 'attachment' }),
    });
    expect(expired.statusCode).toBe(403);
    expect(expired.json().message).toMatch(/expired/);
    const unsigned = await server.inject({ method: 'GET', url: `/blobs/${key}` });
    expect(unsigned.statusCode).toBe(403);
    expect(unsigned.body).not.toContain('secret');
  });

  it('serves inline only an image or PDF signed inline; SVG, HTML and anything unsigned-inline download', async () => {
    const cases: { type: string; disposition: 'inline' | 'attachment'; expected: string }[] = [
      { type: 'image/png', disposition: 'inline', expected: 'inline' },
      { type: 'application/pdf', disposition: 'inline', expected: 'inline' },
      { type: 'image/png', disposition: 'attachment', expected: 'attachment' },
      { type: 'image/svg+xml', disposition: 'inline', expected: 'attachment' },
      { type: 'text/html', disposition: 'inline', expected: 'attachment' },
      { type: 'text/plain', disposition: 'inline', expected: 'attachment' },
    ];
    for (const { type, disposition, expected } of cases) {
      const key = freshKey();
      await store.put(key, Buffer.from('<svg onload="alert(1)"/>'), { contentType: 'application/octet-stream' });
      const response = await server.inject({
        method: 'GET',
        url: await store.presignGet({ key, expiresInSeconds: 60, filename: 'f', contentType: type, disposition }),
      });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-disposition'], `${type} ${disposition}`).toMatch(new RegExp(`^${expected};`));
      expect(response.headers['content-type']).toBe(type);
      expect(response.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('accepts a signed PUT with its exact type and length, and refuses others', async () => {
    const key = freshKey();
    const put = await store.presignPut({ key, contentType: 'application/pdf', contentLength: 9, expiresInSeconds: 300 });
    const wrongType = await server.inject({ method: 'PUT', url: put.url, payload: Buffer.from('%PDF-1.7\n'), headers: { 'content-type': 'text/html' } });
    expect(wrongType.statusCode).toBe(403);
    const wrongLength = await server.inject({
      method: 'PUT',
      url: put.url,
      payload: Buffer.from('%PDF-1.7\n!'),
      headers: { 'content-type': 'application/pdf' },
    });
    expect(wrongLength.statusCode).toBe(403);
    const noType = await server.inject({ method: 'PUT', url: put.url, payload: Buffer.from('%PDF-1.7\n') });
    expect(noType.statusCode).toBe(403);
    expect(await store.head(key)).toBeNull();
    const ok = await server.inject({ method: 'PUT', url: put.url, payload: Buffer.from('%PDF-1.7\n'), headers: put.headers });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(await store.head(key)).toMatchObject({ size: 9 });
    const again = await server.inject({ method: 'PUT', url: put.url, payload: Buffer.from('%PDF-1.7\n'), headers: put.headers });
    expect(again.statusCode).toBe(409);
  });

  it("lets the app's pages reach an S3 store's presigned URLs (CSP), and nothing else", async () => {
    const s3 = await testServer({
      db: testDb.db,
      boss: null,
      config: {
        BLOB_STORE: 's3',
        S3_BUCKET: 'ubos-files',
        S3_ENDPOINT: 'http://minio:9000',
        S3_PUBLIC_ENDPOINT: 'http://localhost:9000',
        S3_FORCE_PATH_STYLE: true,
      },
    });
    try {
      const csp = String((await s3.inject({ method: 'GET', url: '/health' })).headers['content-security-policy']);
      expect(csp).toContain("connect-src 'self' http://localhost:9000");
      expect(csp).toContain("img-src 'self' data: blob: http://localhost:9000");
      expect(csp).not.toContain('minio:9000');
    } finally {
      await s3.close();
    }
    const local = String((await server.inject({ method: 'GET', url: '/health' })).headers['content-security-policy']);
    expect(local).toContain("connect-src 'self';");
  });

  it('is wired by startApp from config: the local store under DATA_DIR, signed with BLOB_SIGNING_KEY', async () => {
    const appDataDir = await mkdtemp(path.join(tmpdir(), 'ubos-api-blobs-app-'));
    const signingKey = 'a-configured-signing-key-of-40-characters';
    const app = await startApp({
      config: testConfig({
        DATABASE_URL: testDb.ownerUrl,
        DATABASE_APP_URL: testDb.appUrl,
        MIGRATE_ON_START: false,
        WEB_DIST_DIR: '/nonexistent/ubos-web-dist',
        DATA_DIR: appDataDir,
        BLOB_SIGNING_KEY: signingKey,
      }),
      log: createLogger({ level: 'silent' }),
      role: 'api',
      listen: false,
    });
    try {
      const signer = await LocalBlobStore.open({ dataDir: appDataDir, signingKey });
      const key = freshKey();
      const post = await signer.presignPost({ key, contentType: 'text/plain', minBytes: 1, maxBytes: 100, expiresInSeconds: 60 });
      const body = await multipart(post, Buffer.from('wired'));
      const response = await app.server.inject({ method: 'POST', url: post.url, payload: body.payload, headers: body.headers });
      expect(response.statusCode, response.body).toBe(204);
      expect(await signer.head(key)).toMatchObject({ size: 5 });
      // A URL signed with another key (the test store's) is refused.
      const foreign = await store.presignGet({ key, expiresInSeconds: 60, filename: 'a.txt', contentType: 'text/plain', disposition: 'attachment' });
      expect((await app.server.inject({ method: 'GET', url: foreign })).statusCode).toBe(403);
    } finally {
      await app.stop();
      await rm(appDataDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('is not served by a server without a local store, and never falls back to the web app', async () => {
    const bare = await testServer({ db: testDb.db, boss: null });
    try {
      const response = await bare.inject({ method: 'GET', url: `/blobs/${freshKey()}?sig=x` });
      expect(response.statusCode).toBe(404);
    } finally {
      await bare.close();
    }
  });
});
