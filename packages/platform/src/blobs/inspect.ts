import { createHash } from 'node:crypto';
import { fileTypeFromBuffer } from 'file-type';
import type { BlobStore } from './blob-store.ts';
import { essenceOf, isDownloadOnlyType, isInlineSafeType } from './serving.ts';

/**
 * What the bytes of an uploaded blob are (§7), for completing an upload: the stored size (HEAD),
 * the type sniffed from the first 4,100 bytes (`file-type`'s magic numbers for binary formats, our
 * own rules for text, CSV, SVG, HTML and XML, which it does not detect), and the SHA-256 of the
 * whole object. The declared type is never trusted: compare it with `sniffedType`.
 */
export interface BlobInspection {
  size: number;
  etag: string | null;
  sha256: string;
  /** e.g. `application/pdf`, `image/png`, `text/csv`, `text/plain`, `image/svg+xml`, `text/html`; `application/octet-stream` when unknown binary. */
  sniffedType: string;
  /** The extension file-type reports (binary formats only). */
  sniffedExtension: string | null;
  /** May be shown inline (raster images except SVG, PDF). */
  inlineSafe: boolean;
  /** Must only ever be downloaded (SVG, HTML, XML: they can carry script). */
  downloadOnly: boolean;
}

export const SNIFF_BYTES = 4100;

export interface SniffedType {
  mime: string;
  extension: string | null;
  inlineSafe: boolean;
  downloadOnly: boolean;
}

/** The type of a file from its first bytes (at least the first 4,100 for every binary signature). */
export async function sniffType(head: Uint8Array): Promise<SniffedType> {
  const detected = await fileTypeFromBuffer(head);
  // file-type reports any `<?xml` document as XML: look inside for SVG or XHTML.
  const mime = detected && detected.mime !== 'application/xml' ? detected.mime : sniffText(head, detected?.mime ?? null);
  return {
    mime,
    extension: detected && detected.mime === mime ? detected.ext : null,
    inlineSafe: isInlineSafeType(mime),
    downloadOnly: isDownloadOnlyType(mime),
  };
}

/** Size, SHA-256 and sniffed type of a stored blob; null when there is no object under `key`. */
export async function inspectBlob(store: BlobStore, key: string): Promise<BlobInspection | null> {
  const head = await store.head(key);
  if (!head) return null;
  const sniffed = await sniffType(head.size === 0 ? Buffer.alloc(0) : await store.readRange(key, 0, SNIFF_BYTES - 1));
  const hash = createHash('sha256');
  let hashed = 0;
  for await (const chunk of await store.read(key)) {
    const bytes: Buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    hashed += bytes.length;
    hash.update(bytes);
  }
  if (hashed !== head.size) throw new Error(`The object ${key} changed while it was inspected (${head.size} bytes at HEAD, ${hashed} read)`);
  return {
    size: head.size,
    etag: head.etag,
    sha256: hash.digest('hex'),
    sniffedType: sniffed.mime,
    sniffedExtension: sniffed.extension,
    inlineSafe: sniffed.inlineSafe,
    downloadOnly: sniffed.downloadOnly,
  };
}

/**
 * Whether a declared type is consistent with the sniffed one: equal, or a text subtype declared
 * for plain text (text/markdown, application/json …), or CSV declared as plain text or Excel's CSV.
 */
export function declaredTypeMatches(declared: string, sniffed: string): boolean {
  const want = essenceOf(declared);
  const got = essenceOf(sniffed);
  if (want === got) return true;
  if (got === 'text/plain') return want.startsWith('text/') ? !isDownloadOnlyType(want) : TEXT_APPLICATION_TYPES.has(want);
  if (got === 'text/csv') return want === 'text/plain' || want === 'application/vnd.ms-excel' || want === 'application/csv';
  return false;
}

const TEXT_APPLICATION_TYPES = new Set(['application/json', 'application/x-ndjson', 'application/yaml', 'application/x-yaml', 'application/toml']);

function sniffText(head: Uint8Array, fallback: string | null): string {
  if (head.length === 0) return 'text/plain';
  const text = decodeUtf8(head);
  if (text === null) return fallback ?? 'application/octet-stream';
  const start = text
    .replace(/^\uFEFF/, '')
    .trimStart()
    .slice(0, 1024)
    .toLowerCase();
  // Markup a browser would render (and run script in).
  const withoutProlog = start.replace(/^<\?xml[^>]*\?>\s*/, '').replace(/^(<!--[\s\S]*?-->\s*)+/, '');
  if (/^<svg[\s>]/.test(withoutProlog) || /^<!doctype svg/.test(withoutProlog)) return 'image/svg+xml';
  if (/^<!doctype html|^<(html|head|body|script|iframe|meta|title|style|div|p|a|img|table|form|h1)[\s>/]/.test(withoutProlog)) return 'text/html';
  if (/<html[\s>]|xmlns="http:\/\/www\.w3\.org\/1999\/xhtml"/.test(start)) return 'text/html';
  if (/<svg[\s>]/.test(start) && start.startsWith('<')) return 'image/svg+xml';
  if (start.startsWith('<?xml') || fallback === 'application/xml') return 'application/xml';
  return looksLikeCsv(text) ? 'text/csv' : 'text/plain';
}

/** UTF-8 without NULs (a cut multi-byte character at the end of the sample is fine); null otherwise. */
function decodeUtf8(bytes: Uint8Array): string | null {
  if (bytes.includes(0)) return null;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (let trim = 0; trim <= Math.min(3, bytes.length - 1); trim += 1) {
    try {
      return decoder.decode(bytes.subarray(0, bytes.length - trim));
    } catch {
      // A truncated character at the end: try one byte shorter.
    }
  }
  return null;
}

/** At least two lines with the same (non-zero) number of commas, semicolons or tabs. */
function looksLikeCsv(text: string): boolean {
  const lines = text
    .split(/\r?\n/)
    .slice(0, 20)
    .filter((line) => line.length > 0);
  // The last line of a sample may be cut.
  const complete = lines.length > 2 ? lines.slice(0, -1) : lines;
  if (complete.length < 2) return false;
  for (const separator of [',', ';', '\t']) {
    const counts = complete.map((line) => line.split(separator).length - 1);
    const first = counts[0] ?? 0;
    if (first > 0 && counts.every((count) => count === first)) return true;
  }
  return false;
}
