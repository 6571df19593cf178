import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { S3BlobStore, blobKey, createBlobServices, inspectBlob } from '@ubos/platform';
import { testConfig } from '@ubos/platform/testing';

/**
 * The S3 adapter against s3rver (the maintained fork @20minutes/s3rver: 3.7.1 never checks a SigV4 signature), which recomputes SigV4 for header-signed requests and presigned
 * URLs (and checks X-Amz-Expires) but does not check POST policies: the policy rules are proven on
 * the local store (blobs.test.ts, blobs-local.test.ts). s3rver re-encodes query values with
 * encodeURIComponent, not SigV4's RFC 3986 (`'` stays raw), so a download name outside ASCII (whose
 * `filename*=UTF-8''…` S3 and MinIO accept) fails its check: the names here are ASCII.
 */
interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  directory: string;
  silent: boolean;
  configureBuckets: { name: string }[];
}) => S3rverInstance;
const S3rver = createRequire(import.meta.url)('@20minutes/s3rver') as S3rverConstructor;

const BUCKET = 'ubos-test-files';
const TENANT = '00000000-0000-7000-8000-0000000000c1';
let directory: string;
let s3rver: S3rverInstance;
let endpoint: string;
let store: S3BlobStore;
let counter = 0;

function freshKey(): string {
  counter += 1;
  return blobKey({ tenantId: TENANT, domain: 'files', entity: 'blob', blobId: `s3-${counter}-${Date.now()}` });
}

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'ubos-s3rver-'));
  s3rver = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: [{ name: BUCKET }] });
  const address = await s3rver.run();
  endpoint = `http://127.0.0.1:${address.port}`;
  const services = await createBlobServices(
    testConfig({
      BLOB_STORE: 's3',
      S3_ENDPOINT: endpoint,
      S3_BUCKET: BUCKET,
      S3_REGION: 'us-east-1',
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_FORCE_PATH_STYLE: true,
    }),
    { dataDir: directory },
  );
  if (!(services.services.blobs instanceof S3BlobStore)) throw new Error('expected the S3 store from BLOB_STORE=s3');
  store = services.services.blobs;
});

afterAll(async () => {
  store?.destroy();
  await s3rver?.close();
  await rm(directory, { recursive: true, force: true });
});

describe('S3BlobStore against s3rver', () => {
  it('uploads with a presigned PUT (content-length and content-type signed) and downloads with a presigned GET', async () => {
    const key = freshKey();
    const body = Buffer.from('%PDF-1.7\nhello s3\n');
    const put = await store.presignPut({ key, contentType: 'application/pdf', contentLength: body.length, expiresInSeconds: 300 });
    expect(new URL(put.url).searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;content-type;host');
    const uploaded = await fetch(put.url, { method: 'PUT', body, headers: { 'content-type': put.headers['content-type'] ?? '' } });
    expect(uploaded.status, await uploaded.text()).toBe(200);
    expect(await store.head(key)).toMatchObject({ size: body.length, contentType: 'application/pdf' });

    const url = await store.presignGet({ key, expiresInSeconds: 60, filename: 'report 1.pdf', contentType: 'application/pdf', disposition: 'attachment' });
    const download = await fetch(url);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(body)).toBe(true);
    expect(download.headers.get('content-type')).toBe('application/pdf');
    expect(download.headers.get('content-disposition')).toBe('attachment; filename="report 1.pdf"');
  });

  it('refuses a PUT whose length or type differs from the signed ones', async () => {
    const key = freshKey();
    const put = await store.presignPut({ key, contentType: 'application/pdf', contentLength: 5, expiresInSeconds: 300 });
    const longer = await fetch(put.url, { method: 'PUT', body: Buffer.from('hello!'), headers: { 'content-type': 'application/pdf' } });
    expect(longer.status).toBe(403);
    expect(await longer.text()).toContain('SignatureDoesNotMatch');
    const otherType = await fetch(put.url, { method: 'PUT', body: Buffer.from('hello'), headers: { 'content-type': 'text/html' } });
    expect(otherType.status).toBe(403);
    expect(await store.head(key)).toBeNull();
  });

  it('refuses a download URL with a changed signature, a changed disposition or an expired lifetime', async () => {
    const key = freshKey();
    await store.put(key, Buffer.from('secret bytes'), { contentType: 'text/plain' });
    const url = new URL(await store.presignGet({ key, expiresInSeconds: 60, filename: 'a.txt', contentType: 'text/plain', disposition: 'attachment' }));
    const signature = url.searchParams.get('X-Amz-Signature') ?? '';
    const tampered = new URL(url);
    tampered.searchParams.set('X-Amz-Signature', `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`);
    const changedSignature = await fetch(tampered);
    expect(changedSignature.status).toBe(403);
    expect(await changedSignature.text()).not.toContain('secret bytes');
    const inline = new URL(url);
    inline.searchParams.set('response-content-disposition', 'inline');
    expect((await fetch(inline)).status).toBe(403);

    // Signed an hour ago for 60 seconds.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() - 3600_000);
    let old: string;
    try {
      old = await store.presignGet({ key, expiresInSeconds: 60, filename: 'a.txt', contentType: 'text/plain', disposition: 'attachment' });
    } finally {
      vi.useRealTimers();
    }
    const expired = await fetch(old);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toMatch(/expired/i);
    expect((await fetch(url)).status).toBe(200);
  });

  it('presigns a browser POST with the policy conditions, and s3rver accepts the form', async () => {
    const key = freshKey();
    const post = await store.presignPost({ key, contentType: 'image/png', minBytes: 1, maxBytes: 1000, expiresInSeconds: 300 });
    expect(post.url).toBe(`${endpoint}/${BUCKET}`);
    const policy = JSON.parse(Buffer.from(post.fields.Policy ?? '', 'base64').toString()) as { conditions: unknown[] };
    expect(policy.conditions).toEqual(
      expect.arrayContaining([
        ['content-length-range', 1, 1000],
        ['eq', '$key', key],
        ['eq', '$Content-Type', 'image/png'],
      ]),
    );
    const form = new FormData();
    for (const [name, value] of Object.entries(post.fields)) form.append(name, value);
    form.append('file', new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47])]), 'a.png');
    const response = await fetch(post.url, { method: 'POST', body: form });
    expect(response.status, await response.text()).toBeLessThan(300);
    expect(await store.head(key)).toMatchObject({ size: 4 });
  });

  it('reads ranges, streams, inspects, and deletes idempotently', async () => {
    const key = freshKey();
    await store.put(key, Readable.from([Buffer.from('name,amount\nacme,10\nglobex,20\n')]), { contentType: 'text/csv', contentLength: 30 });
    expect((await store.readRange(key, 0, 3)).toString()).toBe('name');
    expect((await store.readRange(key, 26, 100)).toString()).toBe(',20\n');
    expect(await text(await store.read(key))).toBe('name,amount\nacme,10\nglobex,20\n');
    const inspected = await inspectBlob(store, key);
    expect(inspected).toMatchObject({ size: 30, sniffedType: 'text/csv', inlineSafe: false, downloadOnly: false });
    expect(inspected?.sha256).toMatch(/^[0-9a-f]{64}$/);
    const empty = freshKey();
    await store.put(empty, Buffer.alloc(0), { contentType: 'text/plain' });
    expect(await inspectBlob(store, empty)).toMatchObject({ size: 0, sniffedType: 'text/plain' });
    await store.delete(key);
    await store.delete(key);
    expect(await store.head(key)).toBeNull();
    expect(await inspectBlob(store, key)).toBeNull();
  });
});
