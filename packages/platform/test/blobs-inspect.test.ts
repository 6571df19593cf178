import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobKey } from '../src/blobs/blob-store.ts';
import { declaredTypeMatches, inspectBlob, sniffType } from '../src/blobs/inspect.ts';
import { LocalBlobStore } from '../src/blobs/local-store.ts';

let dataDir: string;
let store: LocalBlobStore;
let counter = 0;

async function stored(bytes: Buffer): Promise<string> {
  counter += 1;
  const key = blobKey({ tenantId: '00000000-0000-7000-8000-0000000000d1', domain: 'files', entity: 'blob', blobId: `i${counter}` });
  await store.put(key, bytes, { contentType: 'application/octet-stream' });
  return key;
}

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
// A DOS/PE header: "MZ", then the PE offset at 0x3c pointing at "PE\0\0".
const EXE = (() => {
  const bytes = Buffer.alloc(512);
  bytes.write('MZ', 0, 'latin1');
  bytes.writeUInt32LE(0x80, 0x3c);
  bytes.write('PE\0\0', 0x80, 'latin1');
  return bytes;
})();

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'ubos-inspect-'));
  store = await LocalBlobStore.open({ dataDir });
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('inspectBlob', () => {
  it('detects a renamed .exe declared as PDF as not a PDF', async () => {
    const key = await stored(EXE);
    const inspected = await inspectBlob(store, key);
    expect(inspected?.sniffedType).not.toBe('application/pdf');
    expect(inspected?.sniffedType).toBe('application/x-msdownload');
    expect(declaredTypeMatches('application/pdf', inspected?.sniffedType ?? '')).toBe(false);
    expect(inspected).toMatchObject({ size: 512, inlineSafe: false });
  });

  it('records size and the SHA-256 of the whole object, past the sniffed head', async () => {
    const bytes = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(1024 * 1024, 120)]);
    const inspected = await inspectBlob(store, await stored(bytes));
    expect(inspected).toMatchObject({
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      sniffedType: 'application/pdf',
      sniffedExtension: 'pdf',
      inlineSafe: true,
      downloadOnly: false,
    });
    expect(declaredTypeMatches('application/pdf', 'application/pdf')).toBe(true);
  });

  it('is null for a key with no object', async () => {
    expect(await inspectBlob(store, blobKey({ tenantId: 't', domain: 'files', entity: 'blob', blobId: 'missing' }))).toBeNull();
  });
});

describe('sniffType', () => {
  const cases: [string, Buffer, string, { inlineSafe: boolean; downloadOnly: boolean }][] = [
    ['PNG', PNG, 'image/png', { inlineSafe: true, downloadOnly: false }],
    ['SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 'image/svg+xml', { inlineSafe: false, downloadOnly: true }],
    [
      'SVG with an XML prolog and comment',
      Buffer.from('\uFEFF<?xml version="1.0"?>\n<!-- drawn -->\n<svg width="1"/>'),
      'image/svg+xml',
      { inlineSafe: false, downloadOnly: true },
    ],
    ['HTML', Buffer.from('  <!DOCTYPE html><html><body>hi</body></html>'), 'text/html', { inlineSafe: false, downloadOnly: true }],
    ['an HTML fragment', Buffer.from('<script>alert(1)</script>'), 'text/html', { inlineSafe: false, downloadOnly: true }],
    ['XHTML', Buffer.from('<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"></html>'), 'text/html', { inlineSafe: false, downloadOnly: true }],
    ['XML', Buffer.from('<?xml version="1.0"?><invoice><total>10</total></invoice>'), 'application/xml', { inlineSafe: false, downloadOnly: true }],
    ['CSV', Buffer.from('name,amount,date\nacme,10,2026-01-01\nglobex,20,2026-01-02\n'), 'text/csv', { inlineSafe: false, downloadOnly: false }],
    ['semicolon CSV', Buffer.from('name;amount\nacme;10\nglobex;20\n'), 'text/csv', { inlineSafe: false, downloadOnly: false }],
    ['plain text in UTF-8', Buffer.from('Grüße aus Köln, naïve café.\nSecond line.\n'), 'text/plain', { inlineSafe: false, downloadOnly: false }],
    ['binary junk', Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe, 0x00, 0x10]), 'application/octet-stream', { inlineSafe: false, downloadOnly: false }],
    ['invalid UTF-8 without NULs', Buffer.from([0x41, 0xc3, 0x28, 0x41, 0x41]), 'application/octet-stream', { inlineSafe: false, downloadOnly: false }],
  ];
  for (const [name, bytes, mime, flags] of cases) {
    it(`sniffs ${name} as ${mime}`, async () => {
      expect(await sniffType(bytes)).toMatchObject({ mime, ...flags });
    });
  }

  it('accepts a multi-byte character cut at the end of the 4,100-byte sample as text', async () => {
    const text = Buffer.from(`${'a'.repeat(4099)}é`);
    expect(await sniffType(text.subarray(0, 4100))).toMatchObject({ mime: 'text/plain' });
  });

  it('matches declared text subtypes to sniffed text, never HTML declared as text', () => {
    expect(declaredTypeMatches('text/markdown', 'text/plain')).toBe(true);
    expect(declaredTypeMatches('application/json', 'text/plain')).toBe(true);
    expect(declaredTypeMatches('text/plain; charset=utf-8', 'text/csv')).toBe(true);
    expect(declaredTypeMatches('text/plain', 'text/html')).toBe(false);
    expect(declaredTypeMatches('text/html', 'text/plain')).toBe(false);
    expect(declaredTypeMatches('image/png', 'image/svg+xml')).toBe(false);
  });
});
