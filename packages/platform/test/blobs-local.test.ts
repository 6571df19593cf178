import { mkdtemp, readdir, readFile, rm, symlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobRequestError, LocalBlobStore } from '../src/blobs/local-store.ts';
import { blobKey, isValidBlobKey, type PresignedPost } from '../src/blobs/blob-store.ts';

const TENANT = '00000000-0000-7000-8000-000000000001';
let dataDir: string;
let store: LocalBlobStore;
let clock = Date.now();
let counter = 0;

function freshKey(): string {
  counter += 1;
  return blobKey({ tenantId: TENANT, domain: 'files', entity: 'blob', blobId: `b${counter}-${Date.now()}` });
}

/** A browser's multipart form: the signed fields in order, then the file. */
async function form(post: PresignedPost, file: Buffer, overrides: Record<string, string> = {}): Promise<{ headers: Record<string, string>; body: Readable }> {
  const data = new FormData();
  for (const [name, value] of Object.entries({ ...post.fields, ...overrides })) data.append(name, value);
  data.append('file', new Blob([new Uint8Array(file)], { type: 'application/octet-stream' }), 'upload.bin');
  const request = new Request('http://localhost/blobs', { method: 'POST', body: data });
  const body = Buffer.from(await request.arrayBuffer());
  return { headers: { 'content-type': request.headers.get('content-type') ?? '' }, body: Readable.from([body]) };
}

async function rejection(promise: Promise<unknown>): Promise<BlobRequestError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BlobRequestError) return error;
    throw error;
  }
  throw new Error('expected the request to be refused');
}

function refusal(run: () => unknown): BlobRequestError {
  try {
    run();
  } catch (error) {
    if (error instanceof BlobRequestError) return error;
    throw error;
  }
  throw new Error('expected the request to be refused');
}

function queryOf(url: string): { key: string; query: Record<string, string> } {
  const parsed = new URL(url, 'http://localhost');
  return { key: parsed.pathname.replace(/^\/blobs\//, ''), query: Object.fromEntries(parsed.searchParams) };
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'ubos-blobs-'));
  store = await LocalBlobStore.open({ dataDir, now: () => clock });
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('LocalBlobStore POST policy', () => {
  it('stores an upload that matches its policy under the exact key', async () => {
    const key = freshKey();
    const post = await store.presignPost({ key, contentType: 'application/pdf', minBytes: 1, maxBytes: 1000, expiresInSeconds: 300 });
    expect(post.url).toBe('/blobs');
    const upload = await form(post, Buffer.from('%PDF-1.7 hello'));
    await expect(store.receivePost(upload.headers, upload.body)).resolves.toEqual({ key, size: 14 });
    expect(await store.head(key)).toMatchObject({ size: 14 });
    expect((await store.readRange(key, 0, 3)).toString()).toBe('%PDF');
    expect(await text(await store.read(key))).toBe('%PDF-1.7 hello');
    expect(await readdir(path.join(dataDir, 'blobs', 'tmp'))).toEqual([]);
  });

  it('refuses a file past the maximum with 413, keeping no object and no temp file', async () => {
    const key = freshKey();
    const post = await store.presignPost({ key, contentType: 'text/plain', minBytes: 1, maxBytes: 1024, expiresInSeconds: 300 });
    const upload = await form(post, Buffer.alloc(1025, 97));
    const error = await rejection(store.receivePost(upload.headers, upload.body));
    expect(error.status).toBe(413);
    expect(error.message).toMatch(/larger than the 1024 bytes/);
    expect(await store.head(key)).toBeNull();
    expect(await readdir(path.join(dataDir, 'blobs', 'tmp'))).toEqual([]);
    // Exactly the maximum is fine.
    const again = await form(post, Buffer.alloc(1024, 97));
    await expect(store.receivePost(again.headers, again.body)).resolves.toEqual({ key, size: 1024 });
  });

  it('refuses a file below the minimum', async () => {
    const key = freshKey();
    const post = await store.presignPost({ key, contentType: 'text/plain', minBytes: 10, maxBytes: 100, expiresInSeconds: 300 });
    const upload = await form(post, Buffer.from('short'));
    expect((await rejection(store.receivePost(upload.headers, upload.body))).status).toBe(400);
    expect(await store.head(key)).toBeNull();
  });

  it('refuses another content type, another key, an altered policy or signature, and an expired policy', async () => {
    const key = freshKey();
    const post = await store.presignPost({ key, contentType: 'image/png', minBytes: 1, maxBytes: 100, expiresInSeconds: 60 });
    const file = Buffer.from('not really a png');
    const cases: Record<string, string>[] = [
      { 'Content-Type': 'text/html' },
      { key: freshKey() },
      { signature: `${post.fields.signature?.slice(0, -2)}AA` },
      {
        policy: Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(post.fields.policy ?? '', 'base64url').toString()), maxBytes: 10 ** 9 })).toString(
          'base64url',
        ),
      },
      { policy: '', signature: '' },
    ];
    for (const overrides of cases) {
      const upload = await form(post, file, overrides);
      const error = await rejection(store.receivePost(upload.headers, upload.body));
      expect(error.status, JSON.stringify(overrides)).toBe(403);
      expect(error.message.length).toBeGreaterThan(20);
    }
    const savedClock = clock;
    clock += 61_000;
    try {
      const upload = await form(post, file);
      const error = await rejection(store.receivePost(upload.headers, upload.body));
      expect(error.status).toBe(403);
      expect(error.message).toMatch(/expired/);
    } finally {
      clock = savedClock;
    }
    expect(await store.head(key)).toBeNull();
  });

  it('never overwrites: a second upload with the same policy is refused and the first stays', async () => {
    const key = freshKey();
    const post = await store.presignPost({ key, contentType: 'text/plain', minBytes: 1, maxBytes: 100, expiresInSeconds: 300 });
    const first = await form(post, Buffer.from('first'));
    await store.receivePost(first.headers, first.body);
    const second = await form(post, Buffer.from('second'));
    expect((await rejection(store.receivePost(second.headers, second.body))).status).toBe(409);
    expect(await text(await store.read(key))).toBe('first');
  });

  it('refuses a form that is not multipart or has no file', async () => {
    expect((await rejection(store.receivePost({ 'content-type': 'application/json' }, Readable.from([Buffer.from('{}')])))).status).toBe(400);
    const post = await store.presignPost({ key: freshKey(), contentType: 'text/plain', minBytes: 0, maxBytes: 100, expiresInSeconds: 300 });
    const data = new FormData();
    for (const [name, value] of Object.entries(post.fields)) data.append(name, value);
    const request = new Request('http://localhost/blobs', { method: 'POST', body: data });
    const body = Readable.from([Buffer.from(await request.arrayBuffer())]);
    expect((await rejection(store.receivePost({ 'content-type': request.headers.get('content-type') ?? '' }, body))).status).toBe(400);
  });
});

describe('LocalBlobStore PUT', () => {
  it('stores a body with the signed type and exact length; refuses other types, lengths and bodies', async () => {
    const key = freshKey();
    const put = await store.presignPut({ key, contentType: 'application/pdf', contentLength: 5, expiresInSeconds: 300 });
    expect(put.headers).toEqual({ 'content-type': 'application/pdf', 'content-length': '5' });
    const { query } = queryOf(put.url);
    const wrongType = await rejection(
      store.receivePut(key, query, { 'content-type': 'text/html', 'content-length': '5' }, Readable.from([Buffer.from('hello')])),
    );
    expect(wrongType.status).toBe(403);
    const wrongLength = await rejection(store.receivePut(key, query, { ...put.headers, 'content-length': '6' }, Readable.from([Buffer.from('hello!')])));
    expect(wrongLength.status).toBe(403);
    // A body longer than its Content-Length (a lying client) is cut off at the signed length.
    const longer = await rejection(store.receivePut(key, query, put.headers, Readable.from([Buffer.from('hello world')])));
    expect(longer.status).toBe(413);
    const shorter = await rejection(store.receivePut(key, query, put.headers, Readable.from([Buffer.from('hey')])));
    expect(shorter.status).toBe(400);
    expect(await store.head(key)).toBeNull();
    const tampered = await rejection(
      store.receivePut(key, { ...query, length: '50' }, { ...put.headers, 'content-length': '50' }, Readable.from([Buffer.alloc(50)])),
    );
    expect(tampered.status).toBe(403);
    await expect(store.receivePut(key, query, put.headers, Readable.from([Buffer.from('hello')]))).resolves.toEqual({ key, size: 5 });
    expect(await text(await store.read(key))).toBe('hello');
  });

  it('server-side put writes once and delete removes, idempotently', async () => {
    const key = freshKey();
    await store.put(key, Buffer.from('generated'), { contentType: 'application/pdf' });
    await expect(store.put(key, Buffer.from('again'), { contentType: 'application/pdf' })).rejects.toThrow(/never overwrite/);
    await store.delete(key);
    await store.delete(key);
    expect(await store.head(key)).toBeNull();
  });
});

describe('LocalBlobStore GET URLs', () => {
  it('authorizes a signed URL with the signed headers and refuses altered or expired ones', async () => {
    const key = freshKey();
    await store.put(key, Buffer.from('0123456789'), { contentType: 'application/pdf' });
    const url = await store.presignGet({ key, expiresInSeconds: 60, filename: 'Report "Q1" é.pdf', contentType: 'application/pdf', disposition: 'inline' });
    const { key: urlKey, query } = queryOf(url);
    expect(urlKey).toBe(key);
    const authorized = store.authorizeGet(key, query);
    expect(authorized.contentType).toBe('application/pdf');
    expect(authorized.contentDisposition).toBe(`inline; filename="Report _Q1_ _.pdf"; filename*=UTF-8''Report%20%22Q1%22%20%C3%A9.pdf`);
    for (const altered of [
      { name: 'other.pdf' },
      { type: 'text/html' },
      { disposition: 'attachment' },
      { expires: String(Number(query.expires) + 1) },
      { sig: 'x' },
    ]) {
      expect(refusal(() => store.authorizeGet(key, { ...query, ...altered })).status, JSON.stringify(altered)).toBe(403);
    }
    expect(refusal(() => store.authorizeGet(freshKey(), query)).status).toBe(403);
    const savedClock = clock;
    clock += 61_000;
    try {
      const expired = refusal(() => store.authorizeGet(key, query));
      expect(expired.status).toBe(403);
      expect(expired.message).toMatch(/expired/);
    } finally {
      clock = savedClock;
    }
    const served = await store.serve(key, authorized, 'bytes=2-4');
    expect(served.status).toBe(206);
    expect(served.headers).toMatchObject({
      'content-range': 'bytes 2-4/10',
      'content-length': '3',
      'x-content-type-options': 'nosniff',
      'cache-control': 'private, no-store',
    });
    expect(await text(served.body)).toBe('234');
    expect(await text((await store.serve(key, authorized, 'bytes=-3')).body)).toBe('789');
    await expect(store.serve(key, authorized, 'bytes=20-')).rejects.toMatchObject({ status: 416 });
  });

  it('caps a download URL at 300 seconds and serves SVG and HTML as attachments even when inline is asked', async () => {
    const key = freshKey();
    const url = await store.presignGet({ key, expiresInSeconds: 3600, filename: 'x.svg', contentType: 'image/svg+xml', disposition: 'inline' });
    const { query } = queryOf(url);
    expect(Number(query.expires) - Math.floor(clock / 1000)).toBe(300);
    expect(store.authorizeGet(key, query).contentDisposition).toMatch(/^attachment;/);
  });
});

describe('LocalBlobStore keys and signing key', () => {
  it('refuses keys outside the charset, dot segments and the temp directory', async () => {
    for (const key of ['../etc/passwd', 'a/../../b', 'a/./b', '/abs', 'a//b', 'tmp/x', 'a b', 'a\\b', '']) {
      expect(isValidBlobKey(key) && !key.startsWith('tmp/'), key).toBe(false);
      await expect(store.head(key), key).rejects.toThrow(/Not a valid blob key/);
    }
    expect(refusal(() => store.authorizeGet('../x', {})).status).toBe(404);
  });

  it('does not follow a symlink out of the store', async () => {
    const outside = path.join(dataDir, 'secret.txt');
    await writeFile(outside, 'secret');
    await mkdir(path.join(dataDir, 'blobs', TENANT), { recursive: true });
    await symlink(outside, path.join(dataDir, 'blobs', TENANT, 'link'));
    await expect(store.read(`${TENANT}/link`)).rejects.toMatchObject({ status: 403 });
  });

  it('keeps one generated signing key per DATA_DIR: URLs stay valid across restarts, not across installs', async () => {
    const key = freshKey();
    const url = await store.presignGet({ key, expiresInSeconds: 60, filename: 'a.txt', contentType: 'text/plain', disposition: 'attachment' });
    const { query } = queryOf(url);
    const reopened = await LocalBlobStore.open({ dataDir, now: () => clock });
    expect(reopened.authorizeGet(key, query).contentType).toBe('text/plain');
    expect((await readFile(path.join(dataDir, 'blob-signing.key'), 'utf8')).trim()).toMatch(/^[0-9a-f]{64}$/);
    const otherDir = await mkdtemp(path.join(tmpdir(), 'ubos-blobs-other-'));
    try {
      const other = await LocalBlobStore.open({ dataDir: otherDir, now: () => clock });
      expect(refusal(() => other.authorizeGet(key, query)).status).toBe(403);
      const configured = await LocalBlobStore.open({ dataDir: otherDir, signingKey: 'k'.repeat(40), now: () => clock });
      expect(refusal(() => configured.authorizeGet(key, query)).status).toBe(403);
    } finally {
      await rm(otherDir, { recursive: true, force: true });
    }
  });
});
