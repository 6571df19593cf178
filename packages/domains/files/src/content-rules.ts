import { declaredTypeMatches, type BlobInspection } from '@ubos/platform';

/**
 * What completing an upload checks about its bytes (ARCHITECTURE.md §7): the type the kernel's
 * inspectBlob sniffs (file-type's magic numbers, its own rules for text, CSV, SVG and HTML) must
 * be the type declared — a renamed program declared as a PDF is refused — and on the allow-list.
 */

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
  'text/html': 'a web page (HTML)',
  'application/xml': 'an XML document',
  'application/x-cfb': 'an old Office document',
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
export function contentProblem(declaredType: string, inspection: Pick<BlobInspection, 'sniffedType'>, allowedTypes: readonly string[]): string | null {
  const sniffed = inspection.sniffedType;
  const same = declaredTypeMatches(declaredType, sniffed) || (SNIFF_ALIASES[declaredType] ?? []).includes(sniffed);
  if (!same) {
    return sniffed === 'application/octet-stream'
      ? `The file's content is not ${describeType(declaredType)} as declared, so it was refused`
      : `The file's content is ${describeType(sniffed)}, not ${describeType(declaredType)} as declared, so it was refused`;
  }
  return allowedTypes.includes(declaredType) ? null : `Files of type ${declaredType} are not accepted here`;
}
