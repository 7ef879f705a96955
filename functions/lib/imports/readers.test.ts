import fc from 'fast-check';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { FileError, readRecords, type ImportFormat, type RawRecord, type ReaderLimits, type ReadRecord } from './readers';

const utf8 = (text: string) => new TextEncoder().encode(text);
const bytesOf = (...parts: (string | number[])[]) => new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...utf8(p)] : p)));

/** The bytes as a stream delivers them: chunks of `size` (cycling through sizes when given several). */
async function* chunked(bytes: Uint8Array, ...sizes: number[]): AsyncGenerator<Uint8Array> {
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length] ?? 65_536;
    yield bytes.subarray(at, at + size);
    at += size;
  }
}

async function readAll(source: AsyncIterable<Uint8Array>, format: ImportFormat, limits?: Partial<ReaderLimits>): Promise<ReadRecord[]> {
  const out: ReadRecord[] = [];
  for await (const r of readRecords(source, format, limits)) out.push(r);
  return out;
}

const read = (file: string | Uint8Array, format: ImportFormat, chunk = 65_536, limits?: Partial<ReaderLimits>) => readAll(chunked(typeof file === 'string' ? utf8(file) : file, chunk), format, limits);
const records = async (...args: Parameters<typeof read>) => (await read(...args)).map((r) => r.record);

/** What reading gives before it fails, and how it fails. */
async function outcome(file: string | Uint8Array, format: ImportFormat, chunk = 65_536, limits?: Partial<ReaderLimits>) {
  const rows: number[] = [];
  try {
    for await (const r of readRecords(chunked(typeof file === 'string' ? utf8(file) : file, chunk), format, limits)) rows.push(r.row);
  } catch (error) {
    if (!(error instanceof FileError)) throw error;
    return { rows, error: { code: error.code, row: error.row, message: error.message } };
  }
  return { rows };
}

/** A file of `size` bytes after `head`, made as it is pulled (one 64 KiB buffer, sent again and again); counts the chunks pulled. */
function endless(head: string, fill: string, size: number) {
  const pulled = { chunks: 0 };
  const chunk = utf8(fill.repeat(65_536 / fill.length));
  async function* source() {
    yield utf8(head);
    for (let sent = 0; sent < size; sent += chunk.length) {
      pulled.chunks++;
      yield chunk;
    }
  }
  return { source: source(), pulled };
}

const MB = 1024 * 1024;

describe('CSV', () => {
  const golden = [
    'name , city,notes,amount\r\n',
    'Sri Lakshmi Jewellers,Pune,"Gold, silver","1,50,000"\r\n',
    '\r\n',
    '"Rao ""Senior"" & Sons", Hyderabad ,"first line\r\nsecond line",\r\n',
    'Café ₹ 😀 हिन्दी,,,0',
  ].join('');
  const expected = [
    { name: 'Sri Lakshmi Jewellers', city: 'Pune', notes: 'Gold, silver', amount: '1,50,000' },
    { name: 'Rao "Senior" & Sons', city: ' Hyderabad ', notes: 'first line\r\nsecond line', amount: '' },
    { name: 'Café ₹ 😀 हिन्दी', city: '', notes: '', amount: '0' },
  ];

  it.each([1, 7, 65_536])('reads quoted commas, doubled quotes, embedded CRLF, empty fields and multi-byte characters in %i-byte chunks', async (chunk) => {
    expect(await read(golden, 'csv', chunk)).toEqual([
      { row: 1, record: expected[0] },
      { row: 2, record: expected[1] },
      { row: 3, record: expected[2] },
    ]);
  });

  it('reads LF, CRLF and CR line endings mixed in one file, blank lines before the header skipped', async () => {
    expect(await read('\r\n\na,b\n1,2\r\n3,4\r5,6\n', 'csv')).toEqual([
      { row: 1, record: { a: '1', b: '2' } },
      { row: 2, record: { a: '3', b: '4' } },
      { row: 3, record: { a: '5', b: '6' } },
    ]);
  });

  it.each([1, 7])('drops a UTF-8 BOM, even split across %i-byte chunks', async (chunk) => {
    expect(await records(bytesOf([0xef, 0xbb, 0xbf], 'name,city\nAcme,Pune\n'), 'csv', chunk)).toEqual([{ name: 'Acme', city: 'Pune' }]);
  });

  it('reads a semicolon-separated file (Excel in a European locale), commas staying in values', async () => {
    expect(await records('name;amount;city\nAcme;1,5;Pune\n"A;B";2;Goa\n', 'csv')).toEqual([
      { name: 'Acme', amount: '1,5', city: 'Pune' },
      { name: 'A;B', amount: '2', city: 'Goa' },
    ]);
  });

  it('reads a tab-separated file', async () => {
    expect(await records('name\tcity\nAcme, Pune\tPune\n', 'csv')).toEqual([{ name: 'Acme, Pune', city: 'Pune' }]);
  });

  it('chooses the delimiter from the header outside quotes', async () => {
    expect(await records('"a;b;c",d\n1,2\n', 'csv')).toEqual([{ 'a;b;c': '1', d: '2' }]);
  });

  it('reads a header alone as no records', async () => {
    expect(await read('name,city\r\n', 'csv')).toEqual([]);
  });

  it('keeps `constructor` and `prototype` columns as own fields', async () => {
    const [record] = await records('constructor,prototype\nx,y\n', 'csv');
    expect(record).toEqual({ constructor: 'x', prototype: 'y' });
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
  });

  it.each([
    ['a row with fewer fields', 'a,b\n1,2\n3\n', { rows: [1], error: { code: 'malformed_csv', row: 2, message: 'Row 2 has 1 field; the header has 2.' } }],
    ['a row with more fields', 'a,b\n1,2,3\n', { rows: [], error: { code: 'malformed_csv', row: 1, message: 'Row 1 has 3 fields; the header has 2.' } }],
    ['a quote never closed', 'a,b\n1,2\n"3,4\n5,6\n', { rows: [1], error: { code: 'malformed_csv', row: 2, message: 'Row 2 opens a quote that is never closed.' } }],
    ['a stray quote', 'a,b\n1,x"y\n', { rows: [], error: { code: 'malformed_csv', row: 1, message: 'Row 1 has a stray quote: a field with quotes in it must be quoted whole, with each quote doubled.' } }],
    ['a blank column name', 'a, ,c,\n1,2,3,4\n', { rows: [], error: { code: 'malformed_csv', row: undefined, message: 'The header has no name for column 2, 4.' } }],
    ['a column named twice', 'email,name, email\n', { rows: [], error: { code: 'malformed_csv', row: undefined, message: 'The header names "email" more than once.' } }],
    ['a column named __proto__', '__proto__,name\n{},x\n', { rows: [], error: { code: 'not_records', row: undefined, message: 'The header uses the reserved key __proto__.' } }],
  ])('refuses %s, after the rows before it', async (_, file, expected) => {
    for (const chunk of [1, 7, 65_536]) expect(await outcome(file, 'csv', chunk)).toEqual(expected);
  });

  it('refuses more columns than maxFields', async () => {
    expect(await outcome('a,b,c,d\n1,2,3,4\n', 'csv', 65_536, { maxFields: 3 })).toEqual({
      rows: [],
      error: { code: 'too_many_columns', row: undefined, message: 'The header has 4 columns; at most 3 are allowed.' },
    });
  });

  it('allows 100 columns by default, not 101', async () => {
    const header = (n: number) => Array.from({ length: n }, (_, i) => `c${i}`).join(',');
    expect(await read(`${header(100)}\n`, 'csv')).toEqual([]);
    await expect(read(`${header(101)}\n`, 'csv')).rejects.toMatchObject({ code: 'too_many_columns', message: 'The header has 101 columns; at most 100 are allowed.' });
  });

  it('counts a record in bytes of its values: 4 two-byte characters pass a limit of 8, not of 7', async () => {
    expect(await records('n\néééé\n', 'csv', 65_536, { maxRecordBytes: 8 })).toEqual([{ n: 'éééé' }]);
    expect(await outcome('n\nok\néééé\n', 'csv', 65_536, { maxRecordBytes: 7 })).toEqual({ rows: [1], error: { code: 'record_too_large', row: 2, message: 'Row 2 is larger than 7 bytes.' } });
  });

  it('refuses a 50 MB line at 64 KiB, pulling a few chunks and holding none of it', async () => {
    const { source, pulled } = endless('name,notes\nAcme,', 'x', 50 * MB);
    const before = process.memoryUsage().heapUsed;
    await expect(readAll(source, 'csv')).rejects.toMatchObject({ code: 'record_too_large', row: 1, message: 'Row 1 is larger than 65536 bytes.' });
    expect(pulled.chunks).toBeLessThanOrEqual(3);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(30 * MB);
  });

  it('refuses a 50 MB header line the same way', async () => {
    const { source, pulled } = endless('name,', 'x', 50 * MB);
    await expect(readAll(source, 'csv')).rejects.toMatchObject({ code: 'record_too_large', row: undefined, message: 'The header line is longer than 65536 bytes.' });
    expect(pulled.chunks).toBeLessThanOrEqual(3);
  });

  it('reads back what csv-stringify writes, whatever the values and the chunks', async () => {
    const unit = fc.oneof(fc.constantFrom(',', ';', '"', '\n', '\r', '\r\n', '\t', ' ', 'é', '₹', '😀', 'ह'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }));
    const value = fc.string({ unit, maxLength: 12 });
    const record = fc.record({ name: value, city: value, notes: value });
    await fc.assert(
      fc.asyncProperty(fc.array(record, { maxLength: 20 }), fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 8 }), fc.constantFrom('windows', 'unix'), async (rows, sizes, lineEnding) => {
        const file = stringify(rows, { header: true, columns: ['name', 'city', 'notes'], record_delimiter: lineEnding, quote_record_delimiter: true });
        const read = await readAll(chunked(utf8(file), ...sizes), 'csv');
        expect(read.map((r) => r.record)).toEqual(rows);
        expect(read.map((r) => r.row)).toEqual(rows.map((_, i) => i + 1));
      }),
      { numRuns: 200 },
    );
  });
});

describe('JSON', () => {
  const array = '[\n  {"name": "Café ₹ 😀", "dealValue": 150000, "active": true, "note": null, "externalRefs": {"tally": "L-1"}, "tags": ["a", "b"]},\n  {"name": "B"}\n]\n';

  it.each([1, 7, 65_536])('reads an array of objects, nested values kept, in %i-byte chunks', async (chunk) => {
    expect(await read(array, 'json', chunk)).toEqual([
      { row: 1, record: { name: 'Café ₹ 😀', dealValue: 150000, active: true, note: null, externalRefs: { tally: 'L-1' }, tags: ['a', 'b'] } },
      { row: 2, record: { name: 'B' } },
    ]);
  });

  it.each([1, 7, 65_536])('reads NDJSON, one object per non-blank line, CRLF or LF, in %i-byte chunks', async (chunk) => {
    expect(await read('{"name":"A","geo":{"lat":12.9}}\r\n\r\n  \n{"name":"₹ 😀"}\n{"name":"C"}', 'json', chunk)).toEqual([
      { row: 1, record: { name: 'A', geo: { lat: 12.9 } } },
      { row: 2, record: { name: '₹ 😀' } },
      { row: 3, record: { name: 'C' } },
    ]);
  });

  it.each([1, 7])('drops a UTF-8 BOM before the array or the first line (%i-byte chunks)', async (chunk) => {
    expect(await records(bytesOf([0xef, 0xbb, 0xbf], '[{"a":"1"}]'), 'json', chunk)).toEqual([{ a: '1' }]);
    expect(await records(bytesOf([0xef, 0xbb, 0xbf], '{"a":"1"}\n'), 'json', chunk)).toEqual([{ a: '1' }]);
  });

  it('reads an empty array as no records', async () => {
    expect(await read(' \n[ ]\n', 'json')).toEqual([]);
  });

  it.each([
    ['a number in the array', '[{"a":1}, 2]', { rows: [1], error: { code: 'not_records', row: 2, message: 'Row 2 is a number, not an object.' } }],
    ['an array in the array', '[[{"a":1}]]', { rows: [], error: { code: 'not_records', row: 1, message: 'Row 1 is an array, not an object.' } }],
    ['null in the array', '[null]', { rows: [], error: { code: 'not_records', row: 1, message: 'Row 1 is null, not an object.' } }],
    ['a string line', '{"a":1}\n"b"\n', { rows: [1], error: { code: 'not_records', row: 2, message: 'Row 2 is a string, not an object.' } }],
    ['__proto__ in a record', '[{"__proto__": {"polluted": true}}]', { rows: [], error: { code: 'not_records', row: 1, message: 'Row 1 uses the reserved key __proto__.' } }],
    ['__proto__ deep in a line', '{"a":1}\n{"a": [{"b": {"__proto__": {"polluted": true}}}]}\n', { rows: [1], error: { code: 'not_records', row: 2, message: 'Row 2 uses the reserved key __proto__.' } }],
  ])('refuses %s', async (_, file, expected) => {
    for (const chunk of [1, 7, 65_536]) expect(await outcome(file, 'json', chunk)).toEqual(expected);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('keeps `constructor` and `prototype` keys as own fields, polluting nothing', async () => {
    const file = '{"constructor": {"prototype": {"polluted": true}}, "prototype": "p"}\n';
    expect(await records(file, 'json')).toEqual([{ constructor: { prototype: { polluted: true } }, prototype: 'p' }]);
    expect(await records(`[${file}]`, 'json')).toEqual([{ constructor: { prototype: { polluted: true } }, prototype: 'p' }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect({}.constructor).toBe(Object);
  });

  it.each([
    ['a syntax error in the array', '[{"a":1},{"b":}]', { rows: [1], error: { code: 'malformed_json', row: 2, message: 'Row 2 is not valid JSON (Unexpected RIGHT_BRACE ("}") in state VALUE).' } }],
    ['an array cut short', '[{"a":1},{"b":2}', { rows: [1, 2], error: { code: 'malformed_json', row: 3, message: 'Row 3 is not valid JSON (Parser ended in mid-parsing (state: COMMA). Either not all the data was received or the data was invalid.).' } }],
    ['something after the array', '[{"a":1}] {"b":2}', { rows: [1], error: { code: 'malformed_json', row: undefined, message: 'The file goes on after its array ends (Unexpected "{" at byte 10 in state ENDED).' } }],
    [
      'a bad line',
      '{"a":1}\n{"b":\n',
      { rows: [1], error: { code: 'malformed_json', row: 2, message: 'Row 2 is not valid JSON (Unexpected end of JSON input); a JSON file holds an array of objects, or one object per line.' } },
    ],
    [
      'a pretty-printed object',
      '{\n  "a": 1\n}\n',
      {
        rows: [],
        error: { code: 'malformed_json', row: 1, message: "Row 1 is not valid JSON (Expected property name or '}' in JSON at position 1 (line 1 column 2)); a JSON file holds an array of objects, or one object per line." },
      },
    ],
  ])('refuses %s, after the rows before it', async (_, file, expected) => {
    for (const chunk of [1, 7, 65_536]) expect(await outcome(file, 'json', chunk)).toEqual(expected);
  });

  it('refuses a record of more than maxFields fields', async () => {
    expect(await outcome('[{"a":1,"b":2},{"a":1,"b":2,"c":3}]', 'json', 65_536, { maxFields: 2 })).toEqual({
      rows: [1],
      error: { code: 'too_many_columns', row: 2, message: 'Row 2 has more than 2 fields.' },
    });
  });

  it('counts an NDJSON line in bytes: {"n":"é"} is 10 bytes', async () => {
    expect(await records('{"n":"é"}\n', 'json', 65_536, { maxRecordBytes: 10 })).toEqual([{ n: 'é' }]);
    expect(await outcome('{"n":"é"}\n', 'json', 65_536, { maxRecordBytes: 9 })).toEqual({ rows: [], error: { code: 'record_too_large', row: 1, message: 'Row 1 is larger than 9 bytes.' } });
  });

  it('counts an array element in bytes from the end of the one before', async () => {
    // `[{"n":"é"}` is 11 bytes, `,{"n":"ab"}` 11 and `,{"n":"abc"}` 12.
    const file = '[{"n":"é"},{"n":"ab"},{"n":"abc"}]';
    expect(await records(file, 'json', 7, { maxRecordBytes: 12 })).toEqual([{ n: 'é' }, { n: 'ab' }, { n: 'abc' }]);
    expect(await outcome(file, 'json', 7, { maxRecordBytes: 11 })).toEqual({ rows: [1, 2], error: { code: 'record_too_large', row: 3, message: 'Row 3 is larger than 11 bytes.' } });
  });

  it.each([
    ['an NDJSON line', '{"n":"'],
    ['an array element', '[{"n":"'],
  ])('refuses a 50 MB %s at 64 KiB, pulling a few chunks and holding none of it', async (_, head) => {
    const { source, pulled } = endless(head, 'x', 50 * MB);
    const before = process.memoryUsage().heapUsed;
    await expect(readAll(source, 'json')).rejects.toMatchObject({ code: 'record_too_large', row: 1, message: 'Row 1 is larger than 65536 bytes.' });
    expect(pulled.chunks).toBeLessThanOrEqual(3);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(30 * MB);
  });
});

describe('XML', () => {
  const golden = [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    '<?xml-stylesheet href="clients.xsl"?>\n',
    '<!-- exported from Tally -->\n',
    '<clients>\n',
    '  <client id="C-1" source="tally">\n',
    '    <companyName>  Rao &amp; Sons &lt;Pvt&gt; &#x20B9; 😀 </companyName>\n',
    '    <notes><![CDATA[<b>bold</b> & more]]></notes>\n',
    '    <externalRefs>\n      <tally>L-1</tally>\n      <zoho> Z-9 </zoho>\n    </externalRefs>\n',
    '    <tags><item>gold</item><item>silver</item></tags>\n',
    '    <email/>\n',
    '  </client>\n',
    '  <client><companyName>Café हिन्दी</companyName></client>\n',
    '</clients>\n',
  ].join('');

  it.each([1, 7, 65_536])('reads each child of the root as a record, in %i-byte chunks', async (chunk) => {
    expect(await read(golden, 'xml', chunk)).toEqual([
      {
        row: 1,
        record: {
          id: 'C-1',
          source: 'tally',
          companyName: 'Rao & Sons <Pvt> ₹ 😀',
          notes: '<b>bold</b> & more',
          externalRefs: { tally: 'L-1', zoho: 'Z-9' },
          tags: ['gold', 'silver'],
          email: '',
        },
      },
      { row: 2, record: { companyName: 'Café हिन्दी' } },
    ]);
  });

  it.each([1, 7])('drops a UTF-8 BOM before the declaration (%i-byte chunks)', async (chunk) => {
    expect(await records(bytesOf([0xef, 0xbb, 0xbf], '<?xml version="1.0"?><r><c><n>1</n></c></r>'), 'xml', chunk)).toEqual([{ n: '1' }]);
  });

  it('reads an empty root as no records', async () => {
    expect(await read('<clients/>', 'xml')).toEqual([]);
    expect(await read('<clients>\n</clients>', 'xml')).toEqual([]);
  });

  it('refuses a DTD with an external entity (XXE) before reading anything, reading nothing of the entity', async () => {
    const xxe = '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<clients><client><companyName>&xxe;</companyName></client></clients>';
    for (const chunk of [1, 7, 65_536]) {
      const result = await outcome(xxe, 'xml', chunk);
      expect(result).toEqual({ rows: [], error: { code: 'dtd_refused', row: undefined, message: 'The file declares a DTD (<!DOCTYPE …>), which imports refuse: remove it.' } });
      expect(JSON.stringify(result)).not.toContain('root:');
    }
  });

  it('refuses the billion laughs before expanding anything', async () => {
    const lol = [
      '<?xml version="1.0"?>',
      '<!DOCTYPE lolz [',
      ' <!ENTITY lol "lol">',
      ' <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">',
      ...Array.from({ length: 7 }, (_, i) => ` <!ENTITY lol${i + 3} "${`&lol${i + 2};`.repeat(10)}">`),
      ']>',
      '<clients><client><n>&lol9;</n></client></clients>',
    ].join('\n');
    expect(await outcome(lol, 'xml')).toEqual({ rows: [], error: { code: 'dtd_refused', row: undefined, message: 'The file declares a DTD (<!DOCTYPE …>), which imports refuse: remove it.' } });
  });

  it('refuses any DOCTYPE, even one with no declarations', async () => {
    await expect(read('<!DOCTYPE clients>\n<clients/>', 'xml')).rejects.toMatchObject({ code: 'dtd_refused' });
  });

  it.each([
    ['an undefined entity', '<r><c><n>1</n></c><c><n>&foo;</n></c></r>', { rows: [1], error: { code: 'malformed_xml', row: 2, message: 'Row 2 is not well-formed XML (1:29: undefined entity.).' } }],
    ['an unclosed record', '<r><c><n>1</n></c><c><n>2</n>', { rows: [1], error: { code: 'malformed_xml', row: 2, message: 'Row 2 is not well-formed XML (1:29: unclosed tag: c).' } }],
    ['mismatched tags', '<r><c><n>1</c></r>', { rows: [], error: { code: 'malformed_xml', row: 1, message: 'Row 1 is not well-formed XML (1:14: unexpected close tag.).' } }],
    ['an unclosed root', '<r><c><n>1</n></c>', { rows: [1], error: { code: 'malformed_xml', row: undefined, message: 'The file is not well-formed XML (1:18: unclosed tag: r).' } }],
    ['text beside the fields', '<r><c>loose<n>1</n></c></r>', { rows: [], error: { code: 'not_records', row: 1, message: 'Row 1 holds text outside its fields.' } }],
    ['text beside the records', '<r>loose<c><n>1</n></c></r>', { rows: [], error: { code: 'not_records', row: undefined, message: 'The root element holds text; it should hold only records.' } }],
    ['a field with text and elements', '<r><c><refs>x<tally>1</tally></refs></c></r>', { rows: [], error: { code: 'not_records', row: 1, message: 'Row 1: field refs holds both text and elements.' } }],
    ['nesting two levels deep', '<r><c><a><b><d>1</d></b></a></c></r>', { rows: [], error: { code: 'not_records', row: 1, message: 'Row 1: field a nests elements more than one level deep.' } }],
    ['a field twice', '<r><c id="1"><id>2</id></c></r>', { rows: [], error: { code: 'not_records', row: 1, message: 'Row 1 has the field id twice.' } }],
    ['a nested name twice', '<r><c><refs><a>1</a><a>2</a></refs></c></r>', { rows: [], error: { code: 'not_records', row: 1, message: 'Row 1: field refs has a twice.' } }],
    ['a __proto__ field', '<r><c><__proto__><polluted>1</polluted></__proto__></c></r>', { rows: [], error: { code: 'not_records', row: 1, message: 'Row 1 uses the reserved key __proto__.' } }],
    ['another encoding declared', '<?xml version="1.0" encoding="ISO-8859-1"?><r/>', { rows: [], error: { code: 'invalid_encoding', row: undefined, message: 'The file says it is ISO-8859-1: save it as UTF-8.' } }],
  ])('refuses %s, after the rows before it', async (_, file, expected) => {
    for (const chunk of [1, 7, 65_536]) expect(await outcome(file, 'xml', chunk)).toEqual(expected);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a record of more than maxFields fields, attributes among them', async () => {
    expect(await outcome('<r><c a="1"><b>2</b></c><c a="1"><b>2</b><d>3</d></c></r>', 'xml', 65_536, { maxFields: 2 })).toEqual({
      rows: [1],
      error: { code: 'too_many_columns', row: 2, message: 'Row 2 has more than 2 fields.' },
    });
  });

  it('counts a record in bytes of the file from the end of the one before', async () => {
    // `<r><c><n>é</n></c>` is 19 bytes (18 characters), `<c><n>ab</n></c>` 16.
    expect(await records('<r><c><n>é</n></c><c><n>ab</n></c></r>', 'xml', 7, { maxRecordBytes: 19 })).toEqual([{ n: 'é' }, { n: 'ab' }]);
    expect(await outcome('<r><c><n>é</n></c><c><n>ab</n></c></r>', 'xml', 7, { maxRecordBytes: 18 })).toEqual({
      rows: [],
      error: { code: 'record_too_large', row: 1, message: 'Row 1 is larger than 18 bytes.' },
    });
  });

  it('refuses a 50 MB text at 64 KiB, pulling a few chunks and holding none of it', async () => {
    const { source, pulled } = endless('<clients><client><notes>', 'x', 50 * MB);
    const before = process.memoryUsage().heapUsed;
    await expect(readAll(source, 'xml')).rejects.toMatchObject({ code: 'record_too_large', row: 1, message: 'Row 1 is larger than 65536 bytes.' });
    expect(pulled.chunks).toBeLessThanOrEqual(3);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(30 * MB);
  });
});

describe('any format', () => {
  const files: Record<ImportFormat, string> = {
    csv: 'name,city\nAcme,Pune\nBeta,Goa\nCharlie,ChennaiBAD\n',
    json: '[{"name":"Acme"},\n{"name":"Beta"},\n{"name":"CharlieBAD"}]',
    xml: '<r><c><n>Acme</n></c><c><n>Beta</n></c><c><n>CharlieBAD</n></c></r>',
  };
  const formats = ['csv', 'json', 'xml'] as const;

  it.each(formats)('%s: refuses invalid UTF-8 naming the row it is in, after the rows before it', async (format) => {
    const [before, after] = files[format].split('BAD') as [string, string];
    for (const chunk of [1, 7, 65_536]) {
      expect(await outcome(bytesOf(before, [0xc3, 0x28], after), format, chunk)).toEqual({
        rows: [1, 2],
        error: { code: 'invalid_encoding', row: 3, message: 'The file is not valid UTF-8 (near row 3): save it as UTF-8.' },
      });
    }
  });

  it.each(formats)('%s: refuses a file that ends inside a character', async (format) => {
    await expect(read(bytesOf(format === 'xml' ? '<r/>' : '{"a":"1"}', [0xe2, 0x82]), format)).rejects.toMatchObject({ code: 'invalid_encoding' });
  });

  it.each(formats)('%s: refuses UTF-16, either byte order, saying to save as UTF-8', async (format) => {
    for (const bom of [
      [0xfe, 0xff],
      [0xff, 0xfe],
    ]) {
      expect(await outcome(bytesOf(bom, [0, 0x61, 0, 0x2c]), format, 1)).toEqual({
        rows: [],
        error: { code: 'invalid_encoding', row: undefined, message: 'The file is UTF-16 (it starts with a UTF-16 byte order mark): save it as UTF-8 (in Excel, "CSV UTF-8").' },
      });
    }
  });

  it.each(formats)('%s: refuses a file with no bytes, or only a BOM and whitespace, as empty', async (format) => {
    const empty = { rows: [], error: { code: 'empty_file', row: undefined, message: 'The file is empty.' } };
    expect(await outcome('', format)).toEqual(empty);
    expect(await outcome(bytesOf([0xef, 0xbb, 0xbf], ' \r\n\t\n'), format, 1)).toEqual(empty);
  });

  it.each(formats)('%s: pulls the source only as records are taken, and closes it when the reader stops', async (format) => {
    const record = { csv: 'Acme,Pune\n', json: '{"name":"Acme","city":"Pune"}\n', xml: '<c><name>Acme</name><city>Pune</city></c>' }[format];
    const head = { csv: 'name,city\n', json: '', xml: '<r>' }[format];
    const state = { pulled: 0, closed: false };
    async function* source() {
      try {
        yield utf8(head);
        // 10,000 chunks of 100 records each: 25 MB and more, were it all read.
        for (let i = 0; i < 10_000; i++) {
          state.pulled++;
          yield utf8(record.repeat(100));
        }
      } finally {
        state.closed = true;
      }
    }
    const reader = readRecords(source(), format);
    expect((await reader.next()).value).toEqual({ row: 1, record: { name: 'Acme', city: 'Pune' } });
    expect(state.pulled).toBe(1);
    for (let i = 0; i < 150; i++) await reader.next();
    expect(state.pulled).toBe(2);
    await reader.return(undefined);
    expect(state.closed).toBe(true);
  });
});
