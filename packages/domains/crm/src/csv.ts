/**
 * RFC 4180 CSV, both directions.
 * - CsvParser is push-based (write chunks, then end), so a file never has to be split by hand;
 *   it accepts LF, CRLF and CR line ends, quoted fields with "" escapes and newlines, a
 *   leading BOM, and reports each record's character range so callers can cut the raw text
 *   into whole-record pieces.
 * - toCsvRow/toCsv write CSV and neutralise formula injection.
 */

export interface CsvRecord {
  fields: string[];
  /** 1-based record number in the stream (the header is record 1). */
  number: number;
  /** Character offsets [start, end) of the record in the whole stream, line end excluded. */
  start: number;
  end: number;
}

export class CsvError extends Error {
  readonly record: number;
  constructor(message: string, record: number) {
    super(message);
    this.name = 'CsvError';
    this.record = record;
  }
}

const QUOTE = 34;
const CR = 13;
const LF = 10;

export class CsvParser {
  readonly #delimiter: number;
  #fields: string[] = [];
  #field = '';
  #inQuotes = false;
  #quoteSeen = false; // a quote inside a quoted field: either the closing one or the first of ""
  #fieldStarted = false;
  #pendingCr = false;
  #offset = 0; // characters consumed so far
  #recordStart = 0;
  #recordNumber = 0;
  #first = true;

  constructor(options: { delimiter?: string } = {}) {
    this.#delimiter = (options.delimiter ?? ',').charCodeAt(0);
  }

  /** Feeds a chunk; returns the records it completed. */
  write(chunk: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    let text = chunk;
    if (this.#first) {
      this.#first = false;
      if (text.charCodeAt(0) === 0xfeff) {
        text = text.slice(1);
        this.#offset += 1;
        this.#recordStart = 1;
      }
    }
    let segmentStart = 0; // start of the not-yet-copied run of plain field characters
    const flushSegment = (upTo: number) => {
      if (upTo > segmentStart) this.#field += text.slice(segmentStart, upTo);
    };
    for (let i = 0; i < text.length; i += 1) {
      const code = text.charCodeAt(i);
      if (this.#pendingCr) {
        this.#pendingCr = false;
        if (code === LF) {
          this.#recordStart = this.#offset + i + 1;
          segmentStart = i + 1;
          continue;
        }
      }
      if (this.#inQuotes) {
        if (this.#quoteSeen) {
          this.#quoteSeen = false;
          if (code === QUOTE) {
            this.#field += '"';
            segmentStart = i + 1;
            continue;
          }
          this.#inQuotes = false; // that quote closed the field; fall through to handle code
          segmentStart = i;
        } else {
          if (code === QUOTE) {
            flushSegment(i);
            this.#quoteSeen = true;
            segmentStart = i + 1;
          }
          continue;
        }
      }
      if (code === QUOTE && !this.#fieldStarted) {
        this.#inQuotes = true;
        this.#fieldStarted = true;
        segmentStart = i + 1;
        continue;
      }
      if (code === this.#delimiter) {
        flushSegment(i);
        this.#endField();
        segmentStart = i + 1;
        continue;
      }
      if (code === LF || code === CR) {
        flushSegment(i);
        out.push(this.#endRecord(this.#offset + i));
        if (code === CR) this.#pendingCr = true;
        this.#recordStart = this.#offset + i + 1;
        segmentStart = i + 1;
        continue;
      }
      this.#fieldStarted = true;
    }
    if (this.#inQuotes && !this.#quoteSeen) flushSegment(text.length);
    else if (!this.#inQuotes) flushSegment(text.length);
    this.#offset += text.length;
    return out;
  }

  /** Ends the stream; returns the last record if the text did not end with a line break. */
  end(): CsvRecord[] {
    if (this.#inQuotes && !this.#quoteSeen) throw new CsvError('Unterminated quoted field', this.#recordNumber + 1);
    if (this.#quoteSeen) {
      this.#quoteSeen = false;
      this.#inQuotes = false;
    }
    if (this.#fields.length === 0 && this.#field === '' && !this.#fieldStarted) return [];
    return [this.#endRecord(this.#offset)];
  }

  #endField(): void {
    this.#fields.push(this.#field);
    this.#field = '';
    this.#fieldStarted = false;
  }

  #endRecord(end: number): CsvRecord {
    this.#endField();
    this.#recordNumber += 1;
    const record = { fields: this.#fields, number: this.#recordNumber, start: this.#recordStart, end };
    this.#fields = [];
    return record;
  }
}

/** Parses a whole text (convenience over CsvParser). Blank lines are skipped. */
export function parseCsv(text: string): CsvRecord[] {
  const parser = new CsvParser();
  const records = [...parser.write(text), ...parser.end()];
  return records.filter((record) => !(record.fields.length === 1 && record.fields[0] === ''));
}

const formulaStart = /^[=+\-@\t\r\n]/;
/** A phone number or a plain number: digits with + - ( ) . and spaces only, nothing a formula could call. */
const phoneOrNumber = /^[+-]?[0-9][0-9 ().-]*$/;

/**
 * Would a spreadsheet evaluate this cell? Excel, LibreOffice and Sheets skip leading whitespace
 * and read fullwidth ＝＋－＠ as their ASCII forms, so the test runs on the NFKC-normalised text
 * with leading whitespace (spaces, tabs, line breaks, no-break spaces) removed.
 */
export function isFormulaLike(text: string): boolean {
  if (/^[\t\r\n]/.test(text)) return true;
  const visible = text.normalize('NFKC').replace(/^[\s\u00a0\u200b\ufeff]+/, '');
  return formulaStart.test(visible) && !phoneOrNumber.test(visible.trim());
}

/**
 * One CSV cell: a cell a spreadsheet would run as a formula gets a leading apostrophe (phone
 * numbers such as `+1 555 0100` stay readable: they can call nothing); cells with a delimiter,
 * quote, line break or edge whitespace are quoted.
 */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (isFormulaLike(text)) text = `'${text}`;
  if (/[",\r\n]/.test(text) || text !== text.trim()) return `"${text.replace(/"/g, '""')}"`;
  return text;
}

export function toCsvRow(cells: readonly (string | number | boolean | null | undefined)[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}
