import { finished } from 'node:stream/promises';
import { JSONParser } from '@streamparser/json';
import { CsvError, parse } from 'csv-parse';
import { SaxesParser } from 'saxes';

/**
 * The records of an import file (DESIGN §10), read as its bytes arrive from S3: CSV, JSON (an
 * array of objects, or one object per line) and XML. A chunk is parsed and its records handed on
 * before the next one is pulled, and no record may outgrow `maxRecordBytes`, so memory stays flat
 * whatever the file's size. A file that cannot be read as records fails as a whole, with a
 * FileError naming the row; what the fields mean is the domain's (domain/imports mapRow).
 */

export type ImportFormat = 'csv' | 'json' | 'xml';
/** A record as read: flat field name → string value (CSV/XML) or any JSON value (JSON). */
export type RawRecord = Record<string, unknown>;
/** `row`: the record's number, from 1 (CSV: the data rows after the header; blank lines do not count). */
export interface ReadRecord {
  row: number;
  record: RawRecord;
}

export type FileErrorCode =
  | 'invalid_encoding'
  | 'record_too_large'
  | 'malformed_csv'
  | 'malformed_json'
  | 'malformed_xml'
  | 'dtd_refused'
  | 'not_records'
  | 'too_many_columns'
  | 'empty_file';

/** Why the file cannot be read: the message is for the person who uploaded it. */
export class FileError extends Error {
  override readonly name = 'FileError';
  constructor(
    readonly code: FileErrorCode,
    message: string,
    readonly row?: number,
  ) {
    super(message);
  }
}

/**
 * A record's size is counted as the parser sees it: CSV, the bytes of its values; JSON and XML,
 * its bytes in the file (with what separates it from the record before).
 */
export interface ReaderLimits {
  maxRecordBytes: number;
  /** Columns of a CSV header, fields of a JSON or XML record. */
  maxFields: number;
}

const defaultLimits: ReaderLimits = { maxRecordBytes: 64 * 1024, maxFields: 100 };

export async function* readRecords(source: AsyncIterable<Uint8Array>, format: ImportFormat, limits: Partial<ReaderLimits> = {}): AsyncGenerator<ReadRecord> {
  const l = { ...defaultLimits, ...limits };
  switch (format) {
    case 'csv':
      return yield* csvRecords(source, l);
    case 'json':
      return yield* jsonRecords(source, l);
    case 'xml':
      return yield* xmlRecords(source, l);
    default:
      return format satisfies never;
  }
}

// ── text ──────────────────────────────────────────────────────────────────────────────────────

/**
 * The file's text, chunk by chunk: strict UTF-8 (a character split across chunks is joined), the
 * BOM dropped, and leading whitespace too — so the first chunk starts with what the file holds,
 * and a file holding nothing is `empty_file`. `near` names the row being read, for an invalid byte.
 */
async function* utf8Text(source: AsyncIterable<Uint8Array>, near: () => number | undefined): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const invalid = () => {
    const row = near();
    return new FileError('invalid_encoding', `The file is not valid UTF-8${row ? ` (near row ${row})` : ''}: save it as UTF-8.`, row);
  };
  let started = false;
  const content = (text: string) => {
    if (started) return text;
    text = text.replace(/^[ \t\r\n]+/, '');
    started = text !== '';
    return text;
  };
  let first = true;
  for await (const bytes of source) {
    if (bytes.length === 0) continue;
    // FE FF / FF FE: a UTF-16 BOM (neither byte can start UTF-8).
    if (first && (bytes[0] === 0xfe || bytes[0] === 0xff)) throw new FileError('invalid_encoding', 'The file is UTF-16 (it starts with a UTF-16 byte order mark): save it as UTF-8 (in Excel, "CSV UTF-8").');
    first = false;
    let text: string;
    try {
      text = content(decoder.decode(bytes, { stream: true }));
    } catch {
      // The text before the bad byte goes on first, so the reader is at its row when the error comes.
      const before = content(new TextDecoder().decode(bytes).split('\uFFFD', 1)[0]!);
      if (before) yield before;
      throw invalid();
    }
    if (text) yield text;
  }
  let rest: string;
  try {
    rest = content(decoder.decode());
  } catch {
    throw invalid(); // the file ends inside a character
  }
  if (rest) yield rest;
  if (!started) throw new FileError('empty_file', 'The file is empty.');
}

async function* prepend(head: string, rest: AsyncGenerator<string>): AsyncGenerator<string> {
  yield head;
  yield* rest;
}

const tooLarge = (max: number, row: number | undefined) =>
  new FileError('record_too_large', row === undefined ? `The file holds more than ${max} bytes outside any record.` : `Row ${row} is larger than ${max} bytes.`, row);

const tooManyFields = (max: number, row: number) => new FileError('too_many_columns', `Row ${row} has more than ${max} fields.`, row);

/** `__proto__` would set a record's prototype wherever it is copied by assignment: never a field name. */
const reservedKey = (row: number | undefined) => new FileError('not_records', `${row === undefined ? 'The header' : `Row ${row}`} uses the reserved key __proto__.`, row);

// ── CSV ───────────────────────────────────────────────────────────────────────────────────────

/**
 * RFC 4180 (csv-parse): the first row names the columns, each later row is a record of exactly
 * as many fields, values exactly as written. Only empty lines are skipped.
 */
async function* csvRecords(source: AsyncIterable<Uint8Array>, limits: ReaderLimits): AsyncGenerator<ReadRecord> {
  let header: string[] | undefined;
  let row = 0;
  const text = utf8Text(source, () => (header ? row + 1 : undefined));
  const { head, delimiter, columns } = await headerLine(text, limits.maxRecordBytes).catch(async (error: unknown) => {
    await text.return(undefined);
    throw error;
  });
  // The parser's records are taken as it reads them, none pushed on: each write hands back the
  // records its text completed, and an error comes after the records before it.
  const parsed: string[][] = [];
  const parser = parse({
    delimiter,
    // Any line ending on any line (a header typed in an editor, rows exported from Excel).
    record_delimiter: ['\r\n', '\n', '\r'],
    skip_empty_lines: true,
    // Stops a runaway record (a 50 MB line, a stray quote) at the limit, without buffering it.
    max_record_size: limits.maxRecordBytes,
    on_record: (fields) => {
      parsed.push(fields);
      return null;
    },
  });
  parser.on('error', () => {}); // read from `errored` after each write
  function* records(): Generator<ReadRecord> {
    for (const fields of parsed.splice(0)) {
      if (!header) {
        header = columnNames(fields, limits);
        continue;
      }
      row++;
      if (fields.reduce((n, f) => n + Buffer.byteLength(f), 0) > limits.maxRecordBytes) throw tooLarge(limits.maxRecordBytes, row);
      yield { row, record: Object.fromEntries(header.map((name, i) => [name, fields[i]])) };
    }
    if (parser.errored) throw parser.errored instanceof CsvError ? csvError(parser.errored, limits, columns) : parser.errored;
  }
  for await (const chunk of prepend(head, text)) {
    parser.write(chunk);
    yield* records();
  }
  parser.end();
  await finished(parser, { readable: false }).catch(() => {});
  yield* records();
}

/**
 * The header line, read ahead to choose the delimiter: `;` or a tab when it holds more of them
 * than commas (a spreadsheet saved in a European locale, or as tab-separated text), else `,`.
 * Its columns are counted too, for the error of a row that has another count.
 */
async function headerLine(text: AsyncGenerator<string>, maxBytes: number): Promise<{ head: string; delimiter: string; columns: number }> {
  const count = { ',': 0, ';': 0, '\t': 0 };
  let head = '';
  let quoted = false;
  for (let at = 0; ; ) {
    for (; at < head.length; at++) {
      const c = head[at];
      if (c === '"') quoted = !quoted;
      else if (quoted) continue;
      else if (c === '\n' || c === '\r') return line(head, count);
      else if (c === ',' || c === ';' || c === '\t') count[c]++;
    }
    // Characters, each at least a byte: past the limit, the line is too.
    if (head.length > maxBytes) throw new FileError('record_too_large', `The header line is longer than ${maxBytes} bytes.`);
    const next = await text.next();
    if (next.done) return line(head, count);
    head += next.value;
  }
}

function line(head: string, n: Record<',' | ';' | '\t', number>) {
  const delimiter = n[';'] > n[','] && n[';'] >= n['\t'] ? ';' : n['\t'] > n[','] ? '\t' : ',';
  return { head, delimiter, columns: n[delimiter] + 1 };
}

function columnNames(fields: string[], limits: ReaderLimits): string[] {
  if (fields.length > limits.maxFields) throw new FileError('too_many_columns', `The header has ${fields.length} columns; at most ${limits.maxFields} are allowed.`);
  const names = fields.map((f) => f.trim());
  const blank = names.flatMap((name, i) => (name === '' ? [i + 1] : []));
  if (blank.length > 0) throw new FileError('malformed_csv', `The header has no name for column ${blank.join(', ')}.`);
  const twice = [...new Set(names.filter((name, i) => names.indexOf(name) !== i))];
  if (twice.length > 0) throw new FileError('malformed_csv', `The header names ${twice.map((n) => `"${n}"`).join(', ')} more than once.`);
  if (names.includes('__proto__')) throw reservedKey(undefined);
  return names;
}

/**
 * csv-parse counts the header among the records read before the failing one: that count is the
 * data row's number. `columns`: the header's, as counted when it was read ahead.
 */
function csvError(error: CsvError, limits: ReaderLimits, columns: number): FileError {
  const read = typeof error.records === 'number' ? error.records : 0;
  const row = read > 0 ? read : undefined;
  const where = row === undefined ? 'The header' : `Row ${row}`;
  switch (error.code) {
    case 'CSV_MAX_RECORD_SIZE':
      return row === undefined ? new FileError('record_too_large', `The header line is longer than ${limits.maxRecordBytes} bytes.`) : tooLarge(limits.maxRecordBytes, row);
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      return new FileError('malformed_csv', `${where} has ${fieldCount((error.record as unknown[]).length)}; the header has ${columns}.`, row);
    case 'CSV_QUOTE_NOT_CLOSED':
      return new FileError('malformed_csv', `${where} opens a quote that is never closed.`, row);
    case 'INVALID_OPENING_QUOTE':
    case 'CSV_INVALID_CLOSING_QUOTE':
      return new FileError('malformed_csv', `${where} has a stray quote: a field with quotes in it must be quoted whole, with each quote doubled.`, row);
    default:
      return new FileError('malformed_csv', `${where} cannot be read as CSV (${error.message}).`, row);
  }
}

const fieldCount = (n: number) => (n === 1 ? '1 field' : `${n} fields`);

// ── JSON ──────────────────────────────────────────────────────────────────────────────────────

/** An array of objects when the file starts with `[`, else NDJSON: one object per line. */
async function* jsonRecords(source: AsyncIterable<Uint8Array>, limits: ReaderLimits): AsyncGenerator<ReadRecord> {
  // The number of the row being read, kept by the reader below, for an invalid byte in it.
  const reading = { row: 1 };
  const text = utf8Text(source, () => reading.row);
  const first = await text.next();
  if (first.done) return;
  const chunks = prepend(first.value, text);
  yield* first.value.startsWith('[') ? jsonArray(chunks, limits, reading) : ndjson(chunks, limits, reading);
}

/**
 * The elements of the top-level array, each handed on as soon as it is complete (the parser
 * keeps nothing it has emitted). A record's size runs from the end of the one before it, so
 * the check holds for a record still being read, before it can grow further.
 */
async function* jsonArray(text: AsyncIterable<string>, limits: ReaderLimits, reading: { row: number }): AsyncGenerator<ReadRecord> {
  const parser = new JSONParser({ paths: ['$.*'], keepStack: false });
  const complete: { value: unknown; bytes: number }[] = [];
  let offset = 0;
  let boundary = 0;
  let fed = 0;
  parser.onToken = (token) => {
    offset = token.offset;
  };
  parser.onValue = ({ value }) => {
    // Emitted on its last token (`}` for an object): the record ends one byte later.
    complete.push({ value, bytes: offset + 1 - boundary });
    boundary = offset + 1;
  };
  // An error in a chunk comes after the records the chunk completed before it.
  let failure: FileError | undefined;
  const step = (write: () => void) => {
    try {
      write();
    } catch (error) {
      const row = reading.row + complete.length;
      // The tokenizer says where in the chunk it was, which means nothing to the person reading this.
      const reason = (error as Error).message.replace(/ at chunk position "\d+" \(absolute position "(\d+)"\)/, ' at byte $1');
      failure = parser.isEnded
        ? new FileError('malformed_json', `The file goes on after its array ends (${reason}).`)
        : new FileError('malformed_json', `Row ${row} is not valid JSON (${reason}).`, row);
    }
  };
  function* records(): Generator<ReadRecord> {
    for (const { value, bytes } of complete.splice(0)) {
      const row = reading.row++;
      if (bytes > limits.maxRecordBytes) throw tooLarge(limits.maxRecordBytes, row);
      yield { row, record: jsonRecord(value, row, limits) };
    }
    if (failure) throw failure;
  }
  for await (const chunk of text) {
    step(() => parser.write(chunk));
    fed += Buffer.byteLength(chunk);
    yield* records();
    if (fed - boundary > limits.maxRecordBytes) throw tooLarge(limits.maxRecordBytes, reading.row);
  }
  // The parser ends itself with the array; end() says the file stopped before it did.
  if (!parser.isEnded) step(() => parser.end());
  yield* records();
}

/** One object per non-blank line; a line is never held past the limit. */
async function* ndjson(text: AsyncIterable<string>, limits: ReaderLimits, reading: { row: number }): AsyncGenerator<ReadRecord> {
  let line = '';
  let bytes = 0;
  for await (const chunk of text) {
    for (let start = 0; ; ) {
      const end = chunk.indexOf('\n', start);
      const piece = end === -1 ? chunk.slice(start) : chunk.slice(start, end);
      line += piece;
      bytes += Buffer.byteLength(piece);
      if (bytes > limits.maxRecordBytes) throw tooLarge(limits.maxRecordBytes, reading.row);
      if (end === -1) break;
      const read = lineRecord(line, reading, limits);
      if (read) yield read;
      [line, bytes, start] = ['', 0, end + 1];
    }
  }
  const read = lineRecord(line, reading, limits);
  if (read) yield read;
}

function lineRecord(line: string, reading: { row: number }, limits: ReaderLimits): ReadRecord | undefined {
  if (line.trim() === '') return undefined;
  const row = reading.row++;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new FileError('malformed_json', `Row ${row} is not valid JSON (${(error as Error).message}); a JSON file holds an array of objects, or one object per line.`, row);
  }
  return { row, record: jsonRecord(value, row, limits) };
}

const MAX_DEPTH = 16;

/** A JSON value as a record: an object, of at most maxFields fields, nested at most MAX_DEPTH levels, with no `__proto__` key at any depth. */
function jsonRecord(value: unknown, row: number, limits: ReaderLimits): RawRecord {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new FileError('not_records', `Row ${row} is ${Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`}, not an object.`, row);
  }
  if (Object.keys(value).length > limits.maxFields) throw tooManyFields(limits.maxFields, row);
  // A loop, not recursion: 64 KiB of `[` is 65,536 levels. No record field nests deeper than a few
  // levels; past MAX_DEPTH a record is refused (its error line, JSON.stringify, would overflow the stack).
  for (const pending: [object, number][] = [[value, 1]]; pending.length > 0; ) {
    const [at, depth] = pending.pop()!;
    if (depth > MAX_DEPTH) throw new FileError('not_records', `Row ${row} nests deeper than ${MAX_DEPTH} levels.`, row);
    for (const [key, v] of Object.entries(at)) {
      if (key === '__proto__') throw reservedKey(row);
      if (v !== null && typeof v === 'object') pending.push([v, depth + 1]);
    }
  }
  return value as RawRecord;
}

// ── XML ───────────────────────────────────────────────────────────────────────────────────────

/**
 * `<root><record a="1"><field>text</field><refs><tally>L-1</tally></refs></record>…</root>`: each
 * child of the root is a record, its attributes and child elements its fields (text trimmed); a
 * field with elements in it is an object one level deep, or a list when they are all `<item>`.
 * A DTD is refused outright, so no entity is ever declared, let alone expanded or fetched (XXE,
 * billion laughs); saxes knows only the five predefined entities and fails on any other.
 */
async function* xmlRecords(source: AsyncIterable<Uint8Array>, limits: ReaderLimits): AsyncGenerator<ReadRecord> {
  const parser = new SaxesParser<{ xmlns: false }>({ xmlns: false });
  const positions = new BytePositions();
  const complete: ReadRecord[] = [];
  let done = 0;
  let boundary = 0;
  // Open elements: 1 the root, 2 a record, 3 a field, 4 an element in a field.
  let depth = 0;
  let record: RawRecord = {};
  let fields = 0;
  let field = { name: '', text: '', children: [] as [string, string][] };
  let child = { name: '', text: '' };
  const inRecord = () => (depth >= 2 ? done + 1 : undefined);
  const notRecords = (message: string) => new FileError('not_records', message, inRecord());

  const addField = (name: string, value: unknown) => {
    const row = done + 1;
    if (name === '__proto__') throw reservedKey(row);
    if (Object.hasOwn(record, name)) throw notRecords(`Row ${row} has the field ${name} twice.`);
    if (++fields > limits.maxFields) throw tooManyFields(limits.maxFields, row);
    record[name] = value;
  };
  const fieldValue = (): unknown => {
    const { name, text, children } = field;
    if (children.length === 0) return text.trim();
    if (text.trim() !== '') throw notRecords(`Row ${done + 1}: field ${name} holds both text and elements.`);
    if (children.every(([n]) => n === 'item')) return children.map(([, t]) => t);
    const nested: Record<string, string> = {};
    for (const [n, t] of children) {
      if (n === '__proto__') throw reservedKey(done + 1);
      if (Object.hasOwn(nested, n)) throw notRecords(`Row ${done + 1}: field ${name} has ${n} twice.`);
      nested[n] = t;
    }
    return nested;
  };

  parser.on('doctype', () => {
    throw new FileError('dtd_refused', 'The file declares a DTD (<!DOCTYPE …>), which imports refuse: remove it.');
  });
  parser.on('xmldecl', ({ encoding }) => {
    if (encoding && !/^(utf-8|us-ascii)$/i.test(encoding)) throw new FileError('invalid_encoding', `The file says it is ${encoding}: save it as UTF-8.`);
  });
  parser.on('error', (error) => {
    const row = inRecord();
    throw new FileError('malformed_xml', `${row === undefined ? 'The file' : `Row ${row}`} is not well-formed XML (${error.message}).`, row);
  });
  parser.on('opentag', (tag) => {
    depth++;
    if (depth === 2) {
      record = {};
      fields = 0;
      for (const [name, value] of Object.entries(tag.attributes)) addField(name, value);
    } else if (depth === 3) field = { name: tag.name, text: '', children: [] };
    else if (depth === 4) child = { name: tag.name, text: '' };
    else if (depth > 4) throw notRecords(`Row ${done + 1}: field ${field.name} nests elements more than one level deep.`);
  });
  const onText = (text: string) => {
    if (depth === 3) field.text += text;
    else if (depth === 4) child.text += text;
    else if (text.trim() !== '') throw notRecords(depth === 2 ? `Row ${done + 1} holds text outside its fields.` : 'The root element holds text; it should hold only records.');
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => {
    if (depth === 4) field.children.push([child.name, child.text.trim()]);
    else if (depth === 3) addField(field.name, fieldValue());
    else if (depth === 2) {
      const end = positions.at(parser.position);
      if (end - boundary > limits.maxRecordBytes) throw tooLarge(limits.maxRecordBytes, done + 1);
      boundary = end;
      complete.push({ row: ++done, record });
    }
    depth--;
  });

  // An error in a chunk comes after the records the chunk completed before it.
  const step = function* (write: () => void): Generator<ReadRecord> {
    let failure: unknown;
    try {
      write();
    } catch (error) {
      failure = error;
    }
    yield* complete.splice(0);
    if (failure) throw failure;
  };
  for await (const chunk of utf8Text(source, () => done + 1)) {
    positions.next(chunk);
    yield* step(() => parser.write(chunk));
    // Inside the root, what follows the last record is the next one's (its start tag may be what grows).
    if (positions.total - boundary > limits.maxRecordBytes) throw tooLarge(limits.maxRecordBytes, depth >= 1 ? done + 1 : undefined);
  }
  yield* step(() => parser.close());
}

/**
 * Positions in the file in bytes: saxes counts UTF-16 units, so each chunk is measured up to the
 * position asked for, from the last one asked (each character is measured once).
 */
class BytePositions {
  /** Bytes of the chunks so far. */
  total = 0;
  private chunk = '';
  private chunkStart = 0;
  private mark = { units: 0, bytes: 0 };

  next(chunk: string) {
    this.chunkStart += this.chunk.length;
    this.mark = { units: this.chunkStart, bytes: this.total };
    this.chunk = chunk;
    this.total += Buffer.byteLength(chunk);
  }

  at(units: number): number {
    const bytes = this.mark.bytes + Buffer.byteLength(this.chunk.slice(this.mark.units - this.chunkStart, units - this.chunkStart));
    this.mark = { units, bytes };
    return bytes;
  }
}
