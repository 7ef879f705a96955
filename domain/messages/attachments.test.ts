import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attachmentKey, attachmentProblems, foreignKeys, safeFilename, uploadFilename, uploadsPrefix } from './attachments';

const UPLOAD = '01jd8x3m5q2r7v9w0y4z6b8c1d';

describe('attachment filenames', () => {
  it('keeps letters of any script, digits, dots, dashes and underscores; every other run is one underscore', () => {
    expect(safeFilename('Quote #42 (final).pdf')).toBe('Quote_42_final_.pdf');
    expect(safeFilename('ക്വട്ടേഷൻ.pdf')).toBe('ക്വട്ടേഷൻ.pdf');
    expect(safeFilename('price list.xlsx')).toBe('price_list.xlsx');
  });

  it('takes the last path segment, drops leading dots, and names a file with nothing readable “attachment”', () => {
    expect(safeFilename('../../etc/passwd')).toBe('passwd');
    expect(safeFilename('C:\\Users\\me\\brochure.pdf')).toBe('brochure.pdf');
    expect(safeFilename('.htaccess')).toBe('htaccess');
    expect(safeFilename('...')).toBe('attachment');
    expect(safeFilename('★★★')).toBe('attachment');
    expect(safeFilename('a\r\nBcc: x@evil.example.pdf')).toBe('a_Bcc_x_evil.example.pdf');
  });

  it('cuts a long name to 100 characters and keeps its extension', () => {
    const cut = safeFilename(`${'x'.repeat(300)}.docx`);
    expect(cut).toBe(`${'x'.repeat(95)}.docx`);
  });

  it('for every name: no separator, no leading dot, at most 100 characters, well-formed, and sanitising twice changes nothing', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (name) => {
        const safe = safeFilename(name);
        expect(safe).not.toMatch(/[/\\\r\n\0"]/);
        expect(safe.startsWith('.')).toBe(false);
        expect(safe.length).toBeGreaterThan(0);
        expect(safe.length).toBeLessThanOrEqual(100);
        expect(safe.isWellFormed()).toBe(true);
        expect(safeFilename(safe)).toBe(safe);
      }),
      { numRuns: 500 },
    );
  });
});

describe('attachment keys', () => {
  it('an upload lives in a folder of its own under its tenant’s and client’s uploads', () => {
    expect(attachmentKey('demo', 'c_01jd8x3m5q2r7v9w0y4z6b8c1e', UPLOAD, 'Quote (1).pdf')).toBe(`messages/demo/c_01jd8x3m5q2r7v9w0y4z6b8c1e/uploads/${UPLOAD}/Quote_1_.pdf`);
  });

  it('a key is this client’s upload only exactly as made: another tenant’s, another client’s, a deeper path or a traversal is not', () => {
    const client = 'c_01jd8x3m5q2r7v9w0y4z6b8c1e';
    const mine = attachmentKey('demo', client, UPLOAD, 'quote.pdf');
    expect(uploadFilename('demo', client, mine)).toBe('quote.pdf');
    expect(uploadFilename('acme', client, mine.replace('messages/demo/', 'messages/acme/'))).toBe('quote.pdf');
    expect(uploadFilename('demo', client, mine.replace('messages/demo/', 'messages/acme/'))).toBeUndefined();
    expect(uploadFilename('demo', 'c_01jd8x3m5q2r7v9w0y4z6b8c1f', mine)).toBeUndefined();
    expect(uploadFilename('demo', client, `${uploadsPrefix('demo', client)}${UPLOAD}/../../../../acme/x/uploads/${UPLOAD}/q.pdf`)).toBeUndefined();
    expect(uploadFilename('demo', client, `${uploadsPrefix('demo', client)}${UPLOAD}/..`)).toBeUndefined();
    expect(uploadFilename('demo', client, `${uploadsPrefix('demo', client)}not-an-upload/q.pdf`)).toBeUndefined();
    expect(uploadFilename('demo', client, `tenants/demo/clients/${client}/${UPLOAD}.png`)).toBeUndefined();
    expect(foreignKeys('demo', client, [mine, 'messages/acme/x'])).toEqual([
      { field: 'body.attachments.1', code: 'foreign_key', message: 'is not a file uploaded for this client (POST /v1/clients/{id}/attachments)' },
    ]);
  });

  it('for every filename and tenant, the key made is recognised as that client’s upload with its safe name, and as no other tenant’s', () => {
    const tenant = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,20}$/);
    fc.assert(
      fc.property(tenant, tenant, fc.string({ maxLength: 200 }), (t, other, name) => {
        const key = attachmentKey(t, 'c_01jd8x3m5q2r7v9w0y4z6b8c1e', UPLOAD, name);
        expect(uploadFilename(t, 'c_01jd8x3m5q2r7v9w0y4z6b8c1e', key)).toBe(safeFilename(name));
        if (other !== t) expect(uploadFilename(other, 'c_01jd8x3m5q2r7v9w0y4z6b8c1e', key)).toBeUndefined();
      }),
    );
  });
});

describe('what a send may attach', () => {
  const pdf = (size: number) => ({ size, contentType: 'application/pdf' });
  it('names each key at fault: nothing uploaded, a type off the list, over 10 MB, named twice', () => {
    expect(attachmentProblems(['a', 'b', 'c', 'd', 'a'], [pdf(10), undefined, { size: 5, contentType: 'application/x-msdownload' }, pdf(10 * 1024 * 1024 + 1), pdf(10)])).toEqual([
      { field: 'body.attachments.1', code: 'not_uploaded', message: 'nothing was uploaded to this key (PUT the file to its upload URL first)' },
      { field: 'body.attachments.2', code: 'unsupported_type', message: 'is of a type that cannot be attached (application/x-msdownload)' },
      { field: 'body.attachments.3', code: 'too_large', message: 'is over 10 MB' },
      { field: 'body.attachments.4', code: 'duplicate', message: 'names the same file as body.attachments.0' },
    ]);
  });

  it('20 MB together is the most: one byte more is refused on the list as a whole', () => {
    const ten = 10 * 1024 * 1024;
    expect(attachmentProblems(['a', 'b'], [pdf(ten), pdf(ten)])).toEqual([]);
    expect(attachmentProblems(['a', 'b', 'c'], [pdf(ten), pdf(ten), pdf(1)])).toEqual([
      { field: 'body.attachments', code: 'too_large', message: `are ${2 * ten + 1} bytes together; at most 20 MB (${2 * ten} bytes)` },
    ]);
  });
});
