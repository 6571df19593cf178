import { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  MAX_DOWNLOAD_URL_SECONDS,
  MAX_UPLOAD_URL_SECONDS,
  isValidBlobKey,
  type BlobHead,
  type BlobStore,
  type PresignGetInput,
  type PresignPostInput,
  type PresignPutInput,
  type PresignedPost,
  type PresignedPut,
} from './blob-store.ts';
import { contentDisposition, isValidContentType } from './serving.ts';

/**
 * The S3-compatible BlobStore (§7): AWS S3, MinIO, R2, s3rver. Browsers upload with a POST policy
 * (content-length-range, exact key, exact Content-Type), servers with a PUT whose content-length
 * and content-type are signed, downloads are presigned GETs that make the store answer with the
 * disposition and type we chose. Checksums only when an operation requires them, so presigned
 * requests do not bake in a checksum of an empty body (what S3-compatible stores refuse).
 */
export interface S3BlobStoreOptions {
  bucket: string;
  region: string;
  /** Absent = AWS's endpoint for the region. */
  endpoint?: string;
  /** The endpoint presigned URLs name, when browsers reach the store elsewhere than this process. */
  publicEndpoint?: string;
  forcePathStyle: boolean;
  /** Absent = the SDK's default credential chain (environment, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export class S3BlobStore implements BlobStore {
  readonly kind = 's3' as const;
  readonly bucket: string;
  /** Server-side operations (HEAD, GET, PUT, DELETE). */
  private readonly client: S3Client;
  /** Signs the URLs handed to browsers (the same client unless a public endpoint is configured). */
  private readonly signer: S3Client;

  constructor(options: S3BlobStoreOptions) {
    this.bucket = options.bucket;
    const base = {
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      requestChecksumCalculation: 'WHEN_REQUIRED' as const,
      responseChecksumValidation: 'WHEN_REQUIRED' as const,
      ...(options.credentials ? { credentials: options.credentials } : {}),
    };
    this.client = new S3Client({ ...base, ...(options.endpoint ? { endpoint: options.endpoint } : {}) });
    this.signer =
      options.publicEndpoint && options.publicEndpoint !== options.endpoint ? new S3Client({ ...base, endpoint: options.publicEndpoint }) : this.client;
  }

  async presignPost(input: PresignPostInput): Promise<PresignedPost> {
    assertKey(input.key);
    assertContentType(input.contentType);
    const post = await createPresignedPost(this.signer, {
      Bucket: this.bucket,
      Key: input.key,
      Conditions: [
        ['content-length-range', input.minBytes, input.maxBytes],
        ['eq', '$key', input.key],
        ['eq', '$Content-Type', input.contentType],
      ],
      Fields: { 'Content-Type': input.contentType },
      Expires: lifetime(input.expiresInSeconds, MAX_UPLOAD_URL_SECONDS),
    });
    return { method: 'POST', url: post.url, fields: post.fields };
  }

  async presignPut(input: PresignPutInput): Promise<PresignedPut> {
    assertKey(input.key);
    assertContentType(input.contentType);
    const command = new PutObjectCommand({ Bucket: this.bucket, Key: input.key, ContentType: input.contentType, ContentLength: input.contentLength });
    const url = await getSignedUrl(this.signer, command, {
      expiresIn: lifetime(input.expiresInSeconds, MAX_UPLOAD_URL_SECONDS),
      signableHeaders: new Set(['content-length', 'content-type']),
    });
    return { method: 'PUT', url, headers: { 'content-type': input.contentType, 'content-length': String(input.contentLength) } };
  }

  async presignGet(input: PresignGetInput): Promise<string> {
    assertKey(input.key);
    assertContentType(input.contentType);
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: input.key,
      ResponseContentDisposition: contentDisposition(input.disposition, input.filename, input.contentType),
      ResponseContentType: input.contentType,
      ResponseCacheControl: 'private, no-store',
    });
    return getSignedUrl(this.signer, command, { expiresIn: lifetime(input.expiresInSeconds, MAX_DOWNLOAD_URL_SECONDS) });
  }

  async head(key: string): Promise<BlobHead | null> {
    assertKey(key);
    try {
      const output = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: output.ContentLength ?? 0, etag: output.ETag ?? null, contentType: output.ContentType ?? null };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async readRange(key: string, start: number, end: number): Promise<Buffer> {
    assertKey(key);
    if (end < start) return Buffer.alloc(0);
    try {
      const output = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=${start}-${end}` }));
      if (!output.Body) return Buffer.alloc(0);
      return Buffer.from(await output.Body.transformToByteArray());
    } catch (error) {
      // An empty object, or a start past its end.
      if (error instanceof S3ServiceException && (error.name === 'InvalidRange' || error.$metadata.httpStatusCode === 416)) return Buffer.alloc(0);
      throw error;
    }
  }

  async read(key: string): Promise<Readable> {
    assertKey(key);
    const output = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    const body = output.Body;
    if (!body) return Readable.from([]);
    if (body instanceof Readable) return body;
    return Readable.fromWeb(body.transformToWebStream() as Parameters<typeof Readable.fromWeb>[0]);
  }

  async put(key: string, body: Buffer | Readable, options: { contentType: string; contentLength?: number }): Promise<void> {
    assertKey(key);
    assertContentType(options.contentType);
    const length = Buffer.isBuffer(body) ? body.length : options.contentLength;
    if (length === undefined) throw new Error('An S3 put of a stream needs its contentLength');
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: options.contentType, ContentLength: length }));
  }

  async delete(key: string): Promise<void> {
    assertKey(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  /** Closes the HTTP agents (at shutdown). */
  destroy(): void {
    this.client.destroy();
    if (this.signer !== this.client) this.signer.destroy();
  }
}

function assertKey(key: string): void {
  if (!isValidBlobKey(key)) throw new Error(`Not a valid blob key: ${JSON.stringify(key.slice(0, 200))}`);
}

function assertContentType(contentType: string): void {
  if (!isValidContentType(contentType)) throw new Error(`Not a valid content type: ${JSON.stringify(contentType)}`);
}

function lifetime(seconds: number, max: number): number {
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`A signed URL needs a positive lifetime, not ${seconds}`);
  return Math.min(Math.ceil(seconds), max);
}

function isNotFound(error: unknown): boolean {
  return error instanceof S3ServiceException && (error.name === 'NotFound' || error.name === 'NoSuchKey' || error.$metadata.httpStatusCode === 404);
}
