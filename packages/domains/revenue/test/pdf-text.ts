import { inflateSync } from 'node:zlib';

/**
 * The text a PDF made by src/pdf.ts shows, in drawing order: inflates each content stream and
 * decodes its `<hex> Tj` strings (standard fonts, WinAnsi bytes). Enough to read our own PDFs back.
 */
export function pdfText(bytes: Uint8Array): string[] {
  const raw = Buffer.from(bytes);
  const out: string[] = [];
  let from = 0;
  for (;;) {
    const start = raw.indexOf('stream', from, 'latin1');
    if (start < 0) break;
    const bodyStart = start + (raw[start + 6] === 0x0d ? 8 : 7);
    const end = raw.indexOf('endstream', bodyStart, 'latin1');
    if (end < 0) break;
    from = end + 9;
    let body = raw.subarray(bodyStart, end);
    try {
      body = inflateSync(body);
    } catch {
      // not compressed (or not a content stream)
    }
    for (const match of body.toString('latin1').matchAll(/<([0-9A-Fa-f]*)>\s*Tj/g)) {
      out.push(Buffer.from(match[1] ?? '', 'hex').toString('latin1'));
    }
  }
  return out;
}
