/**
 * How a blob is served (§7): inline only for types a browser renders without running anything
 * (raster images, PDF), everything else as an attachment; SVG and HTML always download.
 */

const INLINE_SAFE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'image/bmp', 'application/pdf']);

/** Types that can carry script when rendered: never inline, whatever is asked. */
const DOWNLOAD_ONLY_TYPES = new Set(['image/svg+xml', 'text/html', 'application/xhtml+xml', 'application/xml', 'text/xml']);

/** The media type without parameters, lower case (`Text/HTML; charset=utf-8` → `text/html`). */
export function essenceOf(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

export function isInlineSafeType(contentType: string): boolean {
  return INLINE_SAFE_TYPES.has(essenceOf(contentType));
}

export function isDownloadOnlyType(contentType: string): boolean {
  return DOWNLOAD_ONLY_TYPES.has(essenceOf(contentType));
}

/** A media type fit for a header: `type/subtype`, optionally `; charset=…`. */
const CONTENT_TYPE_PATTERN = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}(?:; ?charset=[a-z0-9_-]{1,40})?$/i;

export function isValidContentType(contentType: string): boolean {
  return CONTENT_TYPE_PATTERN.test(contentType);
}

/** The disposition actually served: inline only when asked for and the type is inline-safe. */
export function effectiveDisposition(disposition: 'inline' | 'attachment', contentType: string): 'inline' | 'attachment' {
  return disposition === 'inline' && isInlineSafeType(contentType) ? 'inline' : 'attachment';
}

/**
 * A Content-Disposition value (RFC 6266): an ASCII `filename` (quotes, backslashes, `%` and
 * non-ASCII replaced), plus the exact UTF-8 name in `filename*` (RFC 8187) when they differ, so no
 * name can break out of the header.
 */
export function contentDisposition(disposition: 'inline' | 'attachment', filename: string, contentType: string): string {
  const kind = effectiveDisposition(disposition, contentType);
  const cleaned =
    Array.from(filename)
      .filter((char) => {
        const code = char.charCodeAt(0);
        return code >= 0x20 && code !== 0x7f;
      })
      .join('')
      .trim() || 'download';
  const ascii = cleaned.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%]/g, '_');
  // The exact name only when the ASCII fallback is not it (most names are plain ASCII).
  if (ascii === cleaned) return `${kind}; filename="${ascii}"`;
  const encoded = encodeURIComponent(cleaned).replace(/['()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
