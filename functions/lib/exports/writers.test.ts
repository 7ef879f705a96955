import { describe, expect, it } from 'vitest';
import { readRecords, type ImportFormat } from '../imports/readers';
import { writeRecords, type ExportFormat, type WriterOptions } from './writers';

async function* from<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

async function chunks(records: readonly Record<string, unknown>[], format: ExportFormat, opts: Partial<WriterOptions> = {}): Promise<string[]> {
  const out: string[] = [];
  for await (const chunk of writeRecords(from(records), format, { columns: [], rootName: 'clients', recordName: 'client', ...opts })) out.push(chunk);
  return out;
}

/** The file written, read back by the import reader (as S3 would hand it over: bytes). */
async function readBack(file: string, format: ImportFormat) {
  const out: Record<string, unknown>[] = [];
  for await (const { record } of readRecords(from([new TextEncoder().encode(file)]), format)) out.push(record);
  return out;
}

const acme = {
  companyName: 'Acme, "The" Traders',
  mobile: '+919876543210',
  geo: { lat: 12.97, lng: -77.59 },
  externalRefs: { tally: 'L-1' },
  tags: ['gold', 'silver'],
  active: true,
};

describe('CSV', () => {
  it('writes a BOM and the header, then a CRLF line per record: dotted paths, lists joined with ;, absent values empty', async () => {
    expect(await chunks([acme, { companyName: 'Café ₹\nsecond line' }], 'csv', { columns: ['companyName', 'mobile', 'geo.lat', 'geo.lng', 'externalRefs.tally', 'tags', 'active', 'missing.path'] })).toEqual([
      '\uFEFFcompanyName,mobile,geo.lat,geo.lng,externalRefs.tally,tags,active,missing.path\r\n',
      '"Acme, ""The"" Traders",+919876543210,12.97,-77.59,L-1,gold;silver,true,\r\n',
      '"Café ₹\nsecond line",,,,,,,\r\n',
    ]);
  });

  it('writes the header alone for no records', async () => {
    expect(await chunks([], 'csv', { columns: ['companyName', 'mobile'] })).toEqual(['\uFEFFcompanyName,mobile\r\n']);
  });

  it("defuses text a spreadsheet would run as a formula with a leading ', but keeps E.164 phones and numbers", async () => {
    const cells = ['=HYPERLINK("http://x")', '+SUM(A1)', '-2+3', '@cmd', '\tx', '\rx', '＝1+1', '+919876543210', '+91 98765 43210', '+', 'a=b'];
    const record = { ...Object.fromEntries(cells.map((c, i) => [`c${i}`, c])), n: -5, list: ['=1', 'b'] };
    const [, line] = await chunks([record], 'csv', { columns: [...cells.map((_, i) => `c${i}`), 'n', 'list'] });
    expect(line).toBe(`"'=HYPERLINK(""http://x"")",'+SUM(A1),'-2+3,'@cmd,'\tx,"'\rx",'＝1+1,+919876543210,'+91 98765 43210,'+,a=b,-5,'=1;b\r\n`);
  });

  it('reads only own properties: a column named constructor is empty', async () => {
    expect(await chunks([{ name: 'x' }], 'csv', { columns: ['constructor', 'name'] })).toEqual(['\uFEFFconstructor,name\r\n', ',x\r\n']);
  });

  it('quotes an empty value when it is the only column, so the line is not blank', async () => {
    expect(await chunks([{ name: '' }, {}], 'csv', { columns: ['name'] })).toEqual(['\uFEFFname\r\n', '""\r\n', '""\r\n']);
  });

  it('is read back by the import reader as the same values, under the dotted columns', async () => {
    const records = [acme, { companyName: 'Rao & Sons; "Senior"', mobile: '+919000000001', geo: { lat: 0, lng: 0 }, externalRefs: {}, tags: [], active: false }, { companyName: 'हिन्दी 😀\r\nline' }];
    const file = (await chunks(records, 'csv', { columns: ['companyName', 'mobile', 'geo.lat', 'geo.lng', 'externalRefs.tally', 'tags', 'active'] })).join('');
    expect(await readBack(file, 'csv')).toEqual([
      { companyName: 'Acme, "The" Traders', mobile: '+919876543210', 'geo.lat': '12.97', 'geo.lng': '-77.59', 'externalRefs.tally': 'L-1', tags: 'gold;silver', active: 'true' },
      { companyName: 'Rao & Sons; "Senior"', mobile: '+919000000001', 'geo.lat': '0', 'geo.lng': '0', 'externalRefs.tally': '', tags: '', active: 'false' },
      { companyName: 'हिन्दी 😀\r\nline', mobile: '', 'geo.lat': '', 'geo.lng': '', 'externalRefs.tally': '', tags: '', active: '' },
    ]);
  });
});

describe('JSON', () => {
  it('writes an array with a record a line, whole records whatever the columns', async () => {
    expect(await chunks([acme, { companyName: 'B', note: undefined }], 'json', { columns: ['companyName'] })).toEqual([
      '[',
      '\n{"companyName":"Acme, \\"The\\" Traders","mobile":"+919876543210","geo":{"lat":12.97,"lng":-77.59},"externalRefs":{"tally":"L-1"},"tags":["gold","silver"],"active":true}',
      ',\n{"companyName":"B"}',
      '\n]\n',
    ]);
  });

  it('writes an empty array for no records', async () => {
    expect((await chunks([], 'json')).join('')).toBe('[\n]\n');
  });

  it('is read back by the import reader as the same records', async () => {
    expect(await readBack((await chunks([acme, { companyName: 'B' }], 'json')).join(''), 'json')).toEqual([acme, { companyName: 'B' }]);
  });
});

describe('XML', () => {
  const columns = ['companyName', 'mobile', 'geo.lat', 'geo.lng', 'externalRefs', 'tags', 'missing'];

  it('writes the columns as elements: dotted ones nested, objects as elements, lists as <item>s, absent values as none', async () => {
    expect(await chunks([acme, { companyName: 'B', mobile: null }], 'xml', { columns })).toEqual([
      '<?xml version="1.0" encoding="UTF-8"?>\n<clients>',
      '\n<client><companyName>Acme, &quot;The&quot; Traders</companyName><mobile>+919876543210</mobile><geo><lat>12.97</lat><lng>-77.59</lng></geo><externalRefs><tally>L-1</tally></externalRefs><tags><item>gold</item><item>silver</item></tags></client>',
      '\n<client><companyName>B</companyName></client>',
      '\n</clients>\n',
    ]);
  });

  it('escapes markup, keeps a CR as a reference and drops what XML 1.0 cannot hold', async () => {
    const [, record] = await chunks([{ note: `<a href='x'>Tom & "Jerry"</a>\r\n\u0000\u0008\uFFFE\uD800 ok ₹ 😀` }], 'xml', { columns: ['note'] });
    expect(record).toBe('\n<client><note>&lt;a href=&apos;x&apos;&gt;Tom &amp; &quot;Jerry&quot;&lt;/a&gt;&#13;\n ok ₹ 😀</note></client>');
  });

  it('writes the root alone for no records', async () => {
    expect((await chunks([], 'xml', { columns })).join('')).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<clients>\n</clients>\n');
  });

  it.each([
    ['a root name', { rootName: 'my clients' }, '"my clients" is not an XML element name.'],
    ['a record name', { recordName: '1client' }, '"1client" is not an XML element name.'],
    ['a column', { columns: ['name', 'geo.lat long'] }, '"lat long" is not an XML element name.'],
    ['a prefixed column', { columns: ['crm:name'] }, '"crm:name" is not an XML element name.'],
  ])('refuses %s that is not an XML name, before writing anything', async (_, opts, message) => {
    const file = writeRecords(from([acme]), 'xml', { columns: ['companyName'], rootName: 'clients', recordName: 'client', ...opts });
    await expect(file.next()).rejects.toThrow(message);
  });

  it('refuses a column that is also the parent of another', async () => {
    await expect(chunks([acme], 'xml', { columns: ['geo', 'geo.lat'] })).rejects.toThrow('Column geo is also the parent of another column.');
  });

  it('refuses a nested key that is not an XML name', async () => {
    await expect(chunks([{ externalRefs: { 'my ref': '1' } }], 'xml', { columns: ['externalRefs'] })).rejects.toThrow('"my ref" is not an XML element name.');
  });

  it('is read back by the import reader as the same records, nested one level', async () => {
    const records = [
      { companyName: 'Acme & <Co> "Traders" \'₹\'', geo: { lat: '12.97', lng: '-77.59' }, externalRefs: { tally: 'L-1', zoho: 'Z-9' }, tags: ['gold', 'silver'] },
      { companyName: 'हिन्दी 😀', geo: { lat: '0', lng: '0' } },
    ];
    expect(await readBack((await chunks(records, 'xml', { columns: ['companyName', 'geo.lat', 'geo.lng', 'externalRefs', 'tags'] })).join(''), 'xml')).toEqual(records);
  });
});
