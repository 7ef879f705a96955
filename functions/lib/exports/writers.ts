import { stringify } from 'csv-stringify/sync';

/**
 * Export files (DESIGN §10), written as the records arrive, for a streamed upload: CSV for
 * spreadsheets, JSON, XML. Each record is one chunk; nothing is held but the record at hand.
 * What readers.ts (imports) reads, these write: an export can be imported back.
 */

export type ExportFormat = 'csv' | 'json' | 'xml';

export interface WriterOptions {
  /** The fields of CSV and XML, in order; a dotted path picks a nested value (`externalRefs.tally`, `geo.lat`). */
  columns: readonly string[];
  /** XML: the element holding the records, and each record's. */
  rootName: string;
  recordName: string;
}

/** Turns records into the bytes of a file, one chunk per record (plus a head and a tail), for a streamed upload. */
export async function* writeRecords(records: AsyncIterable<Record<string, unknown>>, format: ExportFormat, opts: WriterOptions): AsyncGenerator<string> {
  switch (format) {
    case 'csv':
      return yield* csvFile(records, opts.columns);
    case 'json':
      return yield* jsonFile(records);
    case 'xml':
      return yield* xmlFile(records, opts);
    default:
      return format satisfies never;
  }
}

// ── CSV ───────────────────────────────────────────────────────────────────────────────────────

/**
 * RFC 4180 with CRLF, after a BOM so Excel reads it as UTF-8. A cell is its value's text; a list
 * is its items joined with `;` (as imports split them), an absent value is empty.
 */
async function* csvFile(records: AsyncIterable<Record<string, unknown>>, columns: readonly string[]): AsyncGenerator<string> {
  const paths = columns.map((c) => c.split('.'));
  // A one-column row of '' would be a blank line, which readers skip: quote it.
  const line = (cells: string[]) => stringify([cells], { record_delimiter: 'windows', quote_record_delimiter: true, quoted_empty: columns.length === 1 });
  yield `\uFEFF${line([...columns])}`;
  for await (const record of records) yield line(paths.map((path) => csvCell(valueAt(record, path))));
}

function csvCell(value: unknown): string {
  // A number is shown as one, whatever its sign: only text can be taken for a formula.
  return typeof value === 'number' || typeof value === 'bigint' ? String(value) : defused(text(value));
}

/**
 * CSV injection (OWASP): a cell starting with `=`, `+`, `-`, `@`, a tab or a CR (or the
 * full-width `＝＋－＠` Apple Numbers reads as those) is one a spreadsheet may run as a formula, so
 * it gets a leading `'`, which shows it as text. Except a phone number in E.164 — `+` then digits
 * only (+919876543210) — which a spreadsheet reads as a number and which must stay as it is, to be
 * imported back.
 */
export const defused = (cell: string) => (/^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/.test(cell) && !/^\+\d+$/.test(cell) ? `'${cell}` : cell);

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map(text).join(';');
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** The value at a dotted path, from own properties only (a column `constructor` is not Object's). */
function valueAt(record: Record<string, unknown>, path: readonly string[]): unknown {
  let at: unknown = record;
  for (const part of path) {
    if (at === null || typeof at !== 'object' || !Object.hasOwn(at, part)) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

// ── JSON ──────────────────────────────────────────────────────────────────────────────────────

/** An array with one record a line: whole records, not only the columns. */
async function* jsonFile(records: AsyncIterable<Record<string, unknown>>): AsyncGenerator<string> {
  yield '[';
  let separator = '\n';
  for await (const record of records) {
    yield `${separator}${JSON.stringify(record)}`;
    separator = ',\n';
  }
  yield '\n]\n';
}

// ── XML ───────────────────────────────────────────────────────────────────────────────────────

/**
 * `<root><record><field>text</field>…</record>…</root>`, the fields the columns name: dotted
 * columns nest (`geo.lat`, `geo.lng` → `<geo><lat/><lng/></geo>`), an object is nested elements
 * and a list repeated `<item>`s. Element names are the columns' (ours, so a name that is not an
 * XML name is a programming error, thrown before anything is written) or the keys of a nested
 * object the domain restricts (externalRefs' system names).
 */
async function* xmlFile(records: AsyncIterable<Record<string, unknown>>, { columns, rootName, recordName }: WriterOptions): AsyncGenerator<string> {
  for (const name of [rootName, recordName, ...columns.flatMap((c) => c.split('.'))]) xmlName(name);
  const overlap = columns.find((c) => columns.some((d) => d.startsWith(`${c}.`)));
  if (overlap) throw new Error(`Column ${overlap} is also the parent of another column.`);
  const paths = columns.map((c) => c.split('.'));
  yield `<?xml version="1.0" encoding="UTF-8"?>\n<${rootName}>`;
  for await (const record of records) yield `\n<${recordName}>${elements(selected(record, paths))}</${recordName}>`;
  yield `\n</${rootName}>\n`;
}

/** The record's values at the paths, nested as the paths are (in Maps, where no name is special). */
function selected(record: Record<string, unknown>, paths: readonly (readonly string[])[]): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const path of paths) {
    const value = valueAt(record, path);
    if (value === undefined) continue;
    let at = out;
    for (const part of path.slice(0, -1)) {
      if (!at.has(part)) at.set(part, new Map());
      at = at.get(part) as Map<string, unknown>;
    }
    at.set(path.at(-1)!, value);
  }
  return out;
}

/** Absent values (undefined, null) are no element. */
function elements(fields: Iterable<[string, unknown]>): string {
  let out = '';
  for (const [name, value] of fields) {
    if (value === undefined || value === null) continue;
    xmlName(name);
    out += `<${name}>${content(value)}</${name}>`;
  }
  return out;
}

function content(value: unknown): string {
  if (Array.isArray(value)) return value.map((item) => `<item>${content(item)}</item>`).join('');
  if (value instanceof Map) return elements(value);
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === 'object') return elements(Object.entries(value));
  return escaped(String(value ?? ''));
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#13;' };

/**
 * Text as XML 1.0 holds it: the characters it cannot hold (control characters, lone surrogates,
 * U+FFFE/FFFF) dropped, markup escaped, and a CR as a reference (a parser reads a raw one as a newline).
 */
const escaped = (s: string) => s.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '').replace(/[&<>"'\r]/g, (c) => ESCAPES[c]!);

const NAME_START = 'A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
/** An XML 1.0 name without a namespace prefix (no `:`). */
const XML_NAME = new RegExp(`^[${NAME_START}][${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040]*$`, 'u');

const checkedNames = new Set<string>();

function xmlName(name: string): void {
  if (checkedNames.has(name)) return;
  if (!XML_NAME.test(name)) throw new Error(`${JSON.stringify(name)} is not an XML element name.`);
  // The same few names, record after record: each is matched once.
  if (checkedNames.size < 10_000) checkedNames.add(name);
}
