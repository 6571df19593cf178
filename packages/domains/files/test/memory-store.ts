import { Readable } from 'node:stream';
import type { BlobHead, BlobStore, PresignedPost, PresignedPut, PresignGetInput, PresignPostInput, PresignPutInput } from '@ubos/platform';

/**
 * A BlobStore in memory, for tests that need the port but not real signing (the cross-tenant
 * suite, whose host runtime configures no store). Uploads are written with `put`.
 */
export class MemoryBlobStore implements BlobStore {
  readonly kind = 'local' as const;
  readonly objects = new Map<string, { body: Buffer; contentType: string }>();

  async presignPost(input: PresignPostInput): Promise<PresignedPost> {
    return { method: 'POST', url: '/memory-blobs', fields: { key: input.key, 'Content-Type': input.contentType } };
  }
  async presignPut(input: PresignPutInput): Promise<PresignedPut> {
    return { method: 'PUT', url: `/memory-blobs/${input.key}`, headers: { 'content-type': input.contentType, 'content-length': String(input.contentLength) } };
  }
  async presignGet(input: PresignGetInput): Promise<string> {
    return `/memory-blobs/${input.key}?disposition=${input.disposition}`;
  }
  async head(key: string): Promise<BlobHead | null> {
    const object = this.objects.get(key);
    return object ? { size: object.body.length, etag: null, contentType: object.contentType } : null;
  }
  async readRange(key: string, start: number, end: number): Promise<Buffer> {
    return this.objects.get(key)?.body.subarray(start, end + 1) ?? Buffer.alloc(0);
  }
  async read(key: string): Promise<Readable> {
    return Readable.from([this.objects.get(key)?.body ?? Buffer.alloc(0)]);
  }
  async put(key: string, body: Buffer | Readable, options: { contentType: string }): Promise<void> {
    const chunks: Buffer[] = [];
    if (Buffer.isBuffer(body)) chunks.push(body);
    else for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
    this.objects.set(key, { body: Buffer.concat(chunks), contentType: options.contentType });
  }
  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }
}
