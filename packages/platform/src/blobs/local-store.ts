import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, open, readdir, readFile, realpath, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import busboy from 'busboy';
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
 * The local-disk BlobStore (§7, embedded default): objects under `DATA_DIR/blobs/`, uploaded and
 * downloaded through the host's `/blobs` routes at URLs this store signs with HMAC-SHA256. The store
 * enforces its own POST policies (exact key, exact content type, size range, expiry), streams every
 * upload to `blobs/tmp/` while counting bytes, and links the finished file into place, so a key is
 * written once and never overwritten. One host (or a shared disk and BLOB_SIGNING_KEY) serves it.
 */

/** A refused blob request: the HTTP status the host answers with and a sentence for a person. */
export class BlobRequestError extends Error {
  readonly status: 400 | 403 | 404 | 409 | 411 | 413 | 416;
  constructor(status: BlobRequestError['status'], message: string) {
    super(message);
    this.name = 'BlobRequestError';
    this.status = status;
  }
}

export interface LocalBlobStoreOptions {
  /** DATA_DIR: objects go to `<dataDir>/blobs/`, the generated signing key (if none given) to `<dataDir>/blob-signing.key`. */
  dataDir: string;
  /** BLOB_SIGNING_KEY; absent = a random key generated once and kept in DATA_DIR. */
  signingKey?: string;
  /** Prefix of the signed URLs (PUBLIC_URL); absent = same-origin paths (`/blobs/…`). */
  baseUrl?: string;
  /** Clock in ms (tests). */
  now?: () => number;
}

/** The signed POST policy (base64url JSON in the `policy` field). */
interface PostPolicy {
  key: string;
  contentType: string;
  minBytes: number;
  maxBytes: number;
  /** Unix seconds. */
  expires: number;
}

export interface ReceivedBlob {
  key: string;
  size: number;
}

export interface ServedBlob {
  status: 200 | 206;
  headers: Record<string, string>;
  body: Readable;
}

const SIGNING_KEY_FILE = 'blob-signing.key';
const TMP_DIR = 'tmp';
/** Clock skew allowed on a GET URL's lifetime check. */
const SKEW_SECONDS = 5;
const STALE_TMP_MS = 24 * 60 * 60 * 1000;
/** Buffer per upload stage: large enough that a fast upload is not paused and resumed per socket chunk, small enough to stay flat. */
const STREAM_HWM = 1024 * 1024;

function sign(secret: Buffer, parts: readonly (string | number)[]): string {
  return createHmac('sha256', secret)
    .update(JSON.stringify(['ubos-blob-v1', ...parts]))
    .digest('base64url');
}

function signatureMatches(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

function headerOf(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function expiryInWords(expires: number): string {
  return new Date(expires * 1000).toISOString().replace('.000Z', 'Z');
}

async function ensureSigningKey(dataDir: string): Promise<Buffer> {
  const file = path.join(dataDir, SIGNING_KEY_FILE);
  try {
    await writeFile(file, `${randomBytes(32).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if (!isErrno(error, 'EEXIST')) throw error;
  }
  const hex = (await readFile(file, 'utf8')).trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`${file} does not hold a 64-hex-digit blob signing key; delete it to generate a new one`);
  return Buffer.from(hex, 'hex');
}

export class LocalBlobStore implements BlobStore {
  readonly kind = 'local' as const;
  /** `<dataDir>/blobs`, resolved through symlinks. */
  readonly root: string;
  private readonly tmpDir: string;
  private readonly secret: Buffer;
  private readonly baseUrl: string;
  private readonly now: () => number;

  private constructor(root: string, secret: Buffer, baseUrl: string, now: () => number) {
    this.root = root;
    this.tmpDir = path.join(root, TMP_DIR);
    this.secret = secret;
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.now = now;
  }

  /** Creates the directories (and the signing key when none is configured) and clears stale temp files. */
  static async open(options: LocalBlobStoreOptions): Promise<LocalBlobStore> {
    const dataDir = path.resolve(options.dataDir);
    await mkdir(path.join(dataDir, 'blobs', TMP_DIR), { recursive: true, mode: 0o700 });
    const secret = options.signingKey ? Buffer.from(options.signingKey, 'utf8') : await ensureSigningKey(dataDir);
    const root = await realpath(path.join(dataDir, 'blobs'));
    const store = new LocalBlobStore(root, secret, options.baseUrl ?? '', options.now ?? Date.now);
    await store.removeStaleTemporaryFiles();
    return store;
  }

  // ---- signing -------------------------------------------------------------------------------

  async presignPost(input: PresignPostInput): Promise<PresignedPost> {
    this.assertKey(input.key);
    this.assertContentType(input.contentType);
    if (!Number.isSafeInteger(input.minBytes) || !Number.isSafeInteger(input.maxBytes) || input.minBytes < 0 || input.maxBytes < input.minBytes) {
      throw new Error(`Not a valid size range: ${input.minBytes}..${input.maxBytes}`);
    }
    const policy: PostPolicy = {
      key: input.key,
      contentType: input.contentType,
      minBytes: input.minBytes,
      maxBytes: input.maxBytes,
      expires: this.expiresAt(input.expiresInSeconds, MAX_UPLOAD_URL_SECONDS),
    };
    const encoded = Buffer.from(JSON.stringify(policy)).toString('base64url');
    return {
      method: 'POST',
      url: `${this.baseUrl}/blobs`,
      fields: { key: input.key, 'Content-Type': input.contentType, policy: encoded, signature: sign(this.secret, ['POST', encoded]) },
    };
  }

  async presignPut(input: PresignPutInput): Promise<PresignedPut> {
    this.assertKey(input.key);
    this.assertContentType(input.contentType);
    if (!Number.isSafeInteger(input.contentLength) || input.contentLength < 0) throw new Error(`Not a valid content length: ${input.contentLength}`);
    const expires = this.expiresAt(input.expiresInSeconds, MAX_UPLOAD_URL_SECONDS);
    const query = new URLSearchParams({
      expires: String(expires),
      type: input.contentType,
      length: String(input.contentLength),
      sig: sign(this.secret, ['PUT', input.key, expires, input.contentType, input.contentLength]),
    });
    return {
      method: 'PUT',
      url: `${this.baseUrl}/blobs/${input.key}?${query}`,
      headers: { 'content-type': input.contentType, 'content-length': String(input.contentLength) },
    };
  }

  async presignGet(input: PresignGetInput): Promise<string> {
    this.assertKey(input.key);
    this.assertContentType(input.contentType);
    const expires = this.expiresAt(input.expiresInSeconds, MAX_DOWNLOAD_URL_SECONDS);
    const query = new URLSearchParams({
      expires: String(expires),
      disposition: input.disposition,
      type: input.contentType,
      name: input.filename,
      sig: sign(this.secret, ['GET', input.key, expires, input.disposition, input.contentType, input.filename]),
    });
    return `${this.baseUrl}/blobs/${input.key}?${query}`;
  }

  // ---- the host's side: checking signed requests ------------------------------------------------

  /** Checks a download URL's signature and lifetime; answers the headers to serve it with. */
  authorizeGet(key: string, query: Record<string, string | undefined>): { contentType: string; contentDisposition: string } {
    this.assertRequestKey(key);
    const { expires, disposition, type, name, sig } = query;
    if (!expires || !disposition || !type || name === undefined || !sig) {
      throw new BlobRequestError(403, 'This download link is incomplete: it must carry expires, disposition, type, name and sig.');
    }
    if (disposition !== 'inline' && disposition !== 'attachment')
      throw new BlobRequestError(403, 'This download link was altered: its disposition is not one this server signs.');
    const expiry = this.checkExpiry(expires, 'download link');
    if (!signatureMatches(sign(this.secret, ['GET', key, expiry, disposition, type, name]), sig)) {
      throw new BlobRequestError(403, 'This download link was altered or was not issued by this server: its signature does not match.');
    }
    if (expiry - Math.floor(this.now() / 1000) > MAX_DOWNLOAD_URL_SECONDS + SKEW_SECONDS) {
      throw new BlobRequestError(403, `This download link lives longer than ${MAX_DOWNLOAD_URL_SECONDS} seconds, which this server never signs.`);
    }
    if (!isValidContentType(type)) throw new BlobRequestError(403, 'This download link carries a content type this server does not serve.');
    return { contentType: type, contentDisposition: contentDisposition(disposition, name, type) };
  }

  /**
   * The object's bytes with the headers of a download: the whole object, or the single byte range
   * asked for (`Range: bytes=a-b`, `a-`, `-n`).
   */
  async serve(key: string, authorized: { contentType: string; contentDisposition: string }, range?: string): Promise<ServedBlob> {
    const file = await this.existingPath(key);
    const { size } = await stat(file);
    const headers: Record<string, string> = {
      'content-type': authorized.contentType,
      'content-disposition': authorized.contentDisposition,
      'x-content-type-options': 'nosniff',
      'cache-control': 'private, no-store',
      'accept-ranges': 'bytes',
    };
    const wanted = range ? parseRange(range, size) : null;
    if (wanted === 'unsatisfiable') {
      throw Object.assign(new BlobRequestError(416, `The requested range is outside the file (${size} bytes).`), { contentRange: `bytes */${size}` });
    }
    if (wanted) {
      headers['content-range'] = `bytes ${wanted.start}-${wanted.end}/${size}`;
      headers['content-length'] = String(wanted.end - wanted.start + 1);
      return { status: 206, headers, body: createReadStream(file, { start: wanted.start, end: wanted.end }) };
    }
    headers['content-length'] = String(size);
    return { status: 200, headers, body: size === 0 ? Readable.from([]) : createReadStream(file) };
  }

  /**
   * A browser upload (multipart/form-data: the policy fields, then the `file` field). Refuses a form
   * whose policy is missing, altered or expired, whose key or content type is not the signed one, or
   * whose file is outside the signed size range (413 as soon as it passes the maximum).
   */
  receivePost(headers: IncomingHttpHeaders, body: Readable): Promise<ReceivedBlob> {
    return new Promise<ReceivedBlob>((resolve, reject) => {
      let parser: busboy.Busboy;
      try {
        parser = busboy({ headers, highWaterMark: STREAM_HWM, fileHwm: STREAM_HWM, limits: { fieldSize: 8192, fields: 16, files: 1, parts: 24 } });
      } catch {
        reject(new BlobRequestError(400, 'An upload must be a multipart/form-data form with the signed fields and a file.'));
        return;
      }
      const fields = new Map<string, string>();
      let settled = false;
      let upload: Promise<ReceivedBlob> | null = null;
      let formEnded = false;
      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        body.unpipe(parser);
        body.pause();
        reject(error);
      };
      const finishIfDone = () => {
        if (!upload || !formEnded || settled) return;
        upload.then((received) => {
          if (settled) return;
          settled = true;
          resolve(received);
        }, fail);
      };
      parser.on('field', (name, value, info) => {
        if (info.valueTruncated) fail(new BlobRequestError(400, `The form field ${name} is too long.`));
        else fields.set(name.toLowerCase(), value);
      });
      parser.on('file', (name, file) => {
        // A destroyed parser (the client went away) errors its file streams: never unhandled.
        file.on('error', () => fail(new BlobRequestError(400, 'The upload was interrupted before it ended.')));
        if (upload || name !== 'file' || settled) {
          file.resume();
          return;
        }
        let policy: PostPolicy;
        try {
          policy = this.verifyPolicy(fields);
        } catch (error) {
          file.resume();
          fail(error);
          return;
        }
        upload = this.writeNew(policy.key, file, { minBytes: policy.minBytes, maxBytes: policy.maxBytes });
        upload.catch(fail);
      });
      parser.on('close', () => {
        formEnded = true;
        if (!upload) fail(new BlobRequestError(400, 'The form has no file: send the signed fields first, then the file in a field named "file".'));
        else finishIfDone();
      });
      parser.on('error', () => fail(new BlobRequestError(400, 'The upload form is not valid multipart/form-data.')));
      body.on('error', () => fail(new BlobRequestError(400, 'The upload was interrupted.')));
      // A client that goes away mid-form: stop the parser, which ends the file stream and the temp file with it.
      body.on('close', () => {
        if (body.readableEnded) return;
        parser.destroy();
        fail(new BlobRequestError(400, 'The upload was interrupted before it ended.'));
      });
      body.pipe(parser);
    });
  }

  /** A signed PUT: the content type and exact content length the URL binds, written once. */
  async receivePut(key: string, query: Record<string, string | undefined>, headers: IncomingHttpHeaders, body: Readable): Promise<ReceivedBlob> {
    this.assertRequestKey(key);
    const { expires, type, length, sig } = query;
    if (!expires || !type || !length || !sig) throw new BlobRequestError(403, 'This upload link is incomplete: it must carry expires, type, length and sig.');
    const expiry = this.checkExpiry(expires, 'upload link');
    const declaredLength = Number(length);
    if (!/^\d{1,15}$/.test(length) || !signatureMatches(sign(this.secret, ['PUT', key, expiry, type, declaredLength]), sig)) {
      throw new BlobRequestError(403, 'This upload link was altered or was not issued by this server: its signature does not match.');
    }
    const contentType = headerOf(headers, 'content-type');
    if (contentType !== type)
      throw new BlobRequestError(403, `The upload's Content-Type (${contentType ?? 'none'}) is not the one the link was signed for (${type}).`);
    const contentLength = headerOf(headers, 'content-length');
    if (contentLength === undefined) throw new BlobRequestError(411, `The upload must send Content-Length: ${declaredLength}.`);
    if (contentLength !== length)
      throw new BlobRequestError(403, `The upload's Content-Length (${contentLength}) is not the one the link was signed for (${declaredLength}).`);
    return this.writeNew(key, body, { minBytes: declaredLength, maxBytes: declaredLength });
  }

  // ---- the port: server-side access ----------------------------------------------------------------

  async head(key: string): Promise<BlobHead | null> {
    this.assertKey(key);
    try {
      const info = await stat(await this.existingPath(key));
      return { size: info.size, etag: `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`, contentType: null };
    } catch (error) {
      if (error instanceof BlobRequestError && error.status === 404) return null;
      throw error;
    }
  }

  async readRange(key: string, start: number, end: number): Promise<Buffer> {
    const handle = await open(await this.existingPath(key), 'r');
    try {
      const { size } = await handle.stat();
      const last = Math.min(end, size - 1);
      if (start > last) return Buffer.alloc(0);
      const buffer = Buffer.alloc(last - start + 1);
      let offset = 0;
      while (offset < buffer.length) {
        const { bytesRead } = await handle.read(buffer, offset, buffer.length - offset, start + offset);
        if (bytesRead === 0) break;
        offset += bytesRead;
      }
      return buffer.subarray(0, offset);
    } finally {
      await handle.close();
    }
  }

  async read(key: string): Promise<Readable> {
    const file = await this.existingPath(key);
    const { size } = await stat(file);
    return size === 0 ? Readable.from([]) : createReadStream(file);
  }

  async put(key: string, body: Buffer | Readable, options: { contentType: string; contentLength?: number }): Promise<void> {
    this.assertKey(key);
    this.assertContentType(options.contentType);
    const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
    const length = Buffer.isBuffer(body) ? body.length : options.contentLength;
    await this.writeNew(key, source, length === undefined ? { minBytes: 0, maxBytes: Number.MAX_SAFE_INTEGER } : { minBytes: length, maxBytes: length });
  }

  async delete(key: string): Promise<void> {
    const file = this.pathOf(key);
    await rm(file, { force: true });
    // Best effort: drop the now-empty directories up to the root.
    let dir = path.dirname(file);
    while (dir !== this.root && dir.startsWith(this.root + path.sep)) {
      try {
        await rmdir(dir);
      } catch {
        break;
      }
      dir = path.dirname(dir);
    }
  }

  // ---- internals -----------------------------------------------------------------------------------

  private verifyPolicy(fields: Map<string, string>): PostPolicy {
    const encoded = fields.get('policy');
    const signature = fields.get('signature');
    if (!encoded || !signature) {
      throw new BlobRequestError(403, 'The upload form is missing its signed policy: send the fields you were given before the file.');
    }
    if (!signatureMatches(sign(this.secret, ['POST', encoded]), signature)) {
      throw new BlobRequestError(403, 'The upload policy was altered or was not issued by this server: its signature does not match.');
    }
    const policy = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as PostPolicy;
    if (policy.expires * 1000 <= this.now())
      throw new BlobRequestError(403, `This upload link expired at ${expiryInWords(policy.expires)}; ask for a new one.`);
    if (fields.get('key') !== policy.key) throw new BlobRequestError(403, 'The form uploads to a key the policy does not allow.');
    const contentType = fields.get('content-type');
    if (contentType !== policy.contentType) {
      throw new BlobRequestError(403, `The file's content type (${contentType ?? 'none'}) is not the one the upload was signed for (${policy.contentType}).`);
    }
    return policy;
  }

  /** Streams `source` to a temp file, counting bytes (413 past maxBytes), then links it to the key's path (409 if it exists). */
  private async writeNew(key: string, source: Readable, limits: { minBytes: number; maxBytes: number }): Promise<ReceivedBlob> {
    const target = this.pathOf(key);
    if (await exists(target)) throw new BlobRequestError(409, 'A file is already stored under this key; uploads never overwrite.');
    const tmp = path.join(this.tmpDir, randomBytes(16).toString('hex'));
    try {
      const size = await writeCapped(source, tmp, limits.maxBytes);
      if (size < limits.minBytes) {
        throw new BlobRequestError(
          400,
          limits.minBytes === limits.maxBytes
            ? `The upload has ${size} bytes, not the ${limits.minBytes} it was signed for.`
            : `The file is smaller (${size} bytes) than the ${limits.minBytes} bytes required.`,
        );
      }
      const dir = path.dirname(target);
      await mkdir(dir, { recursive: true });
      await this.assertInside(await realpath(dir));
      try {
        await link(tmp, target);
      } catch (error) {
        if (isErrno(error, 'EEXIST')) throw new BlobRequestError(409, 'A file is already stored under this key; uploads never overwrite.');
        throw error;
      }
      return { key, size };
    } finally {
      await rm(tmp, { force: true });
    }
  }

  private pathOf(key: string): string {
    this.assertKey(key);
    return path.join(this.root, ...key.split('/'));
  }

  private async existingPath(key: string): Promise<string> {
    const file = this.pathOf(key);
    let real: string;
    try {
      real = await realpath(file);
    } catch (error) {
      if (isErrno(error, 'ENOENT') || isErrno(error, 'ENOTDIR'))
        throw new BlobRequestError(404, 'There is no file at this address (it may have been deleted).');
      throw error;
    }
    await this.assertInside(real);
    return real;
  }

  private async assertInside(real: string): Promise<void> {
    if (real !== this.root && !real.startsWith(this.root + path.sep)) throw new BlobRequestError(403, 'This key points outside the blob store.');
  }

  private assertKey(key: string): void {
    if (!isValidBlobKey(key) || key.split('/')[0] === TMP_DIR) throw new BlobRequestError(400, `Not a valid blob key: ${JSON.stringify(key.slice(0, 200))}`);
  }

  private assertRequestKey(key: string): void {
    if (!isValidBlobKey(key) || key.split('/')[0] === TMP_DIR) throw new BlobRequestError(404, 'There is no file at this address.');
  }

  private assertContentType(contentType: string): void {
    if (!isValidContentType(contentType)) throw new Error(`Not a valid content type: ${JSON.stringify(contentType)}`);
  }

  private expiresAt(seconds: number, max: number): number {
    if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`A signed URL needs a positive lifetime, not ${seconds}`);
    return Math.floor(this.now() / 1000) + Math.min(Math.ceil(seconds), max);
  }

  private checkExpiry(expires: string, what: string): number {
    if (!/^\d{1,12}$/.test(expires)) throw new BlobRequestError(403, `This ${what} was altered: its expiry is not a time.`);
    const expiry = Number(expires);
    if (expiry * 1000 <= this.now()) throw new BlobRequestError(403, `This ${what} expired at ${expiryInWords(expiry)}; ask for a new one.`);
    return expiry;
  }

  private async removeStaleTemporaryFiles(): Promise<void> {
    const cutoff = this.now() - STALE_TMP_MS;
    for (const name of await readdir(this.tmpDir)) {
      const file = path.join(this.tmpDir, name);
      try {
        if ((await stat(file)).mtimeMs < cutoff) await rm(file, { force: true });
      } catch {
        // Gone meanwhile.
      }
    }
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    if (isErrno(error, 'ENOENT') || isErrno(error, 'ENOTDIR')) return false;
    throw error;
  }
}

/**
 * Copies `source` into a new file, failing with 413 as soon as it passes `maxBytes`. On failure the
 * source is paused and detached, never destroyed: the host can still answer the request.
 */
function writeCapped(source: Readable, file: string, maxBytes: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const out = createWriteStream(file, { flags: 'wx', mode: 0o600, highWaterMark: STREAM_HWM });
    let size = 0;
    let failure: unknown = null;
    let ended = false;
    const detach = () => {
      source.off('data', onData);
      source.off('end', onEnd);
      source.off('error', onSourceError);
      source.off('close', onClose);
    };
    const fail = (error: unknown) => {
      if (failure !== null) return;
      failure = error;
      detach();
      source.pause();
      out.destroy();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        fail(new BlobRequestError(413, `The file is larger than the ${maxBytes} bytes this upload allows.`));
        return;
      }
      if (!out.write(chunk)) {
        source.pause();
        out.once('drain', () => {
          if (failure === null) source.resume();
        });
      }
    };
    const onEnd = () => {
      ended = true;
      detach();
      out.end();
    };
    const onSourceError = () => fail(new BlobRequestError(400, 'The upload was interrupted.'));
    const onClose = () => {
      if (!ended) fail(new BlobRequestError(400, 'The upload was interrupted before it ended.'));
    };
    out.on('error', (error) => fail(error));
    out.on('close', () => {
      if (failure !== null) reject(failure);
      else resolve(size);
    });
    source.on('data', onData);
    source.on('end', onEnd);
    source.on('error', onSourceError);
    source.on('close', onClose);
    source.resume();
  });
}

/** One `bytes=` range of a `size`-byte object; null = serve it whole (none, several, or malformed). */
function parseRange(header: string, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null;
  const [, from = '', to = ''] = match;
  if (from === '' && to === '') return null;
  if (from === '') {
    const suffix = Number(to);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(from);
  const end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}
