import { describe, expect, it } from 'vitest';
import { CsvError, CsvParser, csvCell, parseCsv, toCsvRow } from '../src/csv.ts';

describe('CSV parser (RFC 4180)', () => {
  it('parses quotes, escaped quotes, embedded delimiters and line breaks, CRLF/LF/CR and a BOM', () => {
    const text = '\uFEFFname,note\r\n"Acme, Inc.","said ""hi""\nthen left"\nBob,\rEve,"x"\r\n';
    expect(parseCsv(text).map((record) => record.fields)).toEqual([
      ['name', 'note'],
      ['Acme, Inc.', 'said "hi"\nthen left'],
      ['Bob', ''],
      ['Eve', 'x'],
    ]);
  });

  it('gives the same records whatever the chunk boundaries, with exact character ranges', () => {
    const text = 'a,b\r\n"1\r\n2","x""y"\r\nlast,row';
    const whole = parseCsv(text);
    for (let size = 1; size <= text.length; size += 1) {
      const parser = new CsvParser();
      const records = [];
      for (let i = 0; i < text.length; i += size) records.push(...parser.write(text.slice(i, i + size)));
      records.push(...parser.end());
      expect(
        records.map((r) => r.fields),
        `chunk size ${size}`,
      ).toEqual(whole.map((r) => r.fields));
      expect(records.map((r) => [r.start, r.end])).toEqual(whole.map((r) => [r.start, r.end]));
    }
    expect(whole.map((r) => text.slice(r.start, r.end))).toEqual(['a,b', '"1\r\n2","x""y"', 'last,row']);
  });

  it('rejects an unterminated quote', () => {
    const parser = new CsvParser();
    parser.write('a,"open\n');
    expect(() => parser.end()).toThrow(CsvError);
  });

  it('neutralises formula injection and quotes what needs quoting', () => {
    expect(['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx', 'plain', 'a,b', 'say "x"'].map(csvCell)).toEqual([
      "'=1+1",
      "'+1",
      "'-1",
      "'@SUM(A1)",
      "'\tx",
      `"'\rx"`,
      'plain',
      '"a,b"',
      '"say ""x"""',
    ]);
    const row = toCsvRow(['=HYPERLINK("http://evil")', null, 3]);
    expect(parseCsv(row)[0]?.fields).toEqual(['\'=HYPERLINK("http://evil")', '', '3']);
  });
});
