import { createHash } from 'node:crypto';
import type { BlobStore } from '@ubos/platform';

/**
 * What completing an upload checks about its bytes (ARCHITECTURE.md §7): the type sniffed from
 * the first bytes must be the type declared (a renamed program declared as a PDF is refused), a
 * type that has no magic bytes (text, CSV, SVG) must at least look like text, and the SHA-256 of
 * the whole object is recorded.
 */

export interface Inspection {
  /** The type the bytes show (magic numbers), or null when they show none (text has none). */
  sniffedType: string | null;
  /** No NUL byte and valid UTF-8 in the sniffed head: what a text type must be. */
  looksLikeText: boolean;
  /** Whether the head mentions an <svg element (what an SVG must). */
  looksLikeSvg: boolean;
  sha256: string;
}

const HEAD_BYTES = 4100;

/** Types with no magic bytes: accepted when the bytes look like text. */
const TEXT_TYPES = new Set(['text/plain', 'text/csv', 'text/markdown', 'application/json', 'text/html', 'image/svg+xml', 'text/xml', 'application/xml']);

/** Declared types whose bytes sniff as another name of the same format. */
const SNIFF_ALIASES: Record<string, readonly string[]> = {
  'application/msword': ['application/x-cfb'],
  'application/vnd.ms-excel': ['application/x-cfb'],
  'application/vnd.ms-powerpoint': ['application/x-cfb'],
  'image/heic': ['image/heif'],
  'application/zip': ['application/x-zip-compressed'],
};

/** What people call a type, for messages ("a PDF", "a Windows program"). */
const TYPE_WORDS: Record<string, string> = {
  'application/pdf': 'a PDF',
  'image/png': 'a PNG image',
  'image/jpeg': 'a JPEG image',
  'image/gif': 'a GIF image',
  'image/webp': 'a WebP image',
  'image/svg+xml': 'an SVG image',
  'text/plain': 'a text file',
  'text/csv': 'a CSV file',
  'application/zip': 'a ZIP archive',
  'application/x-msdownload': 'a Windows program',
  'application/x-dosexec': 'a Windows program',
  'application/x-elf': 'a Linux program',
  'application/x-mach-binary': 'a macOS program',
  'application/x-sh': 'a shell script',
};

export function describeType(type: string): string {
  return TYPE_WORDS[type] ?? `a file of type ${type}`;
}

export function describeBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 102.4) / 10} KB`;
  if (bytes < 1024 * 1024 * 1024) return `${Math.round(bytes / (1024 * 104.8576)) / 10} MB`;
  return `${Math.round(bytes / (1024 * 1024 * 107.37418)) / 10} GB`;
}

/** Null when the bytes fit the declared type and the allow-list, else the reason in words. */
export function contentProblem(declaredType: string, inspection: Inspection, allowedTypes: readonly string[]): string | null {
  const sniffed = inspection.sniffedType;
  if (sniffed) {
    const same = sniffed === declaredType || (SNIFF_ALIASES[declaredType] ?? []).includes(sniffed);
    if (!same) return `The file's content is ${describeType(sniffed)}, not ${describeType(declaredType)} as declared, so it was refused`;
    return allowedTypes.includes(declaredType) ? null : `Files of type ${declaredType} are not accepted here`;
  }
  if (!TEXT_TYPES.has(declaredType)) return `The file's content is not ${describeType(declaredType)} as declared, so it was refused`;
  if (!inspection.looksLikeText) return `The file's content is not ${describeType(declaredType)} as declared (it is not text), so it was refused`;
  if (declaredType === 'image/svg+xml' && !inspection.looksLikeSvg) return 'The file is not an SVG image as declared, so it was refused';
  return allowedTypes.includes(declaredType) ? null : `Files of type ${declaredType} are not accepted here`;
}

// Magic numbers of the formats we accept or must recognise as something else. The kernel's
// inspectBlob (file-type) replaces this table once the blob adapters land.
const MAGIC: { type: string; offset: number; bytes: number[] }[] = [
  { type: 'application/pdf', offset: 0, bytes: [0x25, 0x50, 0x44, 0x46, 0x2d] },
  { type: 'image/png', offset: 0, bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { type: 'image/jpeg', offset: 0, bytes: [0xff, 0xd8, 0xff] },
  { type: 'image/gif', offset: 0, bytes: [0x47, 0x49, 0x46, 0x38] },
  { type: 'application/x-msdownload', offset: 0, bytes: [0x4d, 0x5a] },
  { type: 'application/x-elf', offset: 0, bytes: [0x7f, 0x45, 0x4c, 0x46] },
  { type: 'application/x-cfb', offset: 0, bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1] },
  { type: 'application/zip', offset: 0, bytes: [0x50, 0x4b, 0x03, 0x04] },
];

function sniff(head: Buffer): string | null {
  for (const magic of MAGIC) {
    if (head.length >= magic.offset + magic.bytes.length && magic.bytes.every((byte, index) => head[magic.offset + index] === byte)) return magic.type;
  }
  if (head.length >= 12 && head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  return null;
}

function isText(head: Buffer): boolean {
  if (head.includes(0)) return false;
  // A multi-byte character cut at the end of the head is not an error.
  const decoded = new TextDecoder('utf-8', { fatal: false }).decode(head);
  const bad = decoded.slice(0, -2).includes('\uFFFD');
  return !bad;
}

/** Reads the head (sniffing) and streams the whole object (SHA-256). */
export async function inspectStored(store: BlobStore, key: string): Promise<Inspection> {
  const head = await store.readRange(key, 0, HEAD_BYTES - 1);
  const hash = createHash('sha256');
  for await (const chunk of await store.read(key)) hash.update(chunk as Buffer);
  return {
    sniffedType: sniff(head),
    looksLikeText: isText(head),
    looksLikeSvg: /<svg[\s>]/i.test(head.toString('utf8')),
    sha256: hash.digest('hex'),
  };
}
