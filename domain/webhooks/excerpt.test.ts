import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EXCERPT_BYTES, responseExcerpt } from './excerpt';

const bytes = (s: string) => new TextEncoder().encode(s);
const a = (n: number) => 'a'.repeat(n);

describe('the response excerpt', () => {
  it('keeps a short response whole', () => {
    expect(responseExcerpt(bytes('{"ok":true}'))).toEqual({ text: '{"ok":true}', truncated: false });
    expect(responseExcerpt(new Uint8Array())).toEqual({ text: '', truncated: false });
    expect(responseExcerpt(bytes('नमस्ते 🙏'))).toEqual({ text: 'नमस्ते 🙏', truncated: false });
  });

  it('keeps the first 1024 bytes', () => {
    expect(EXCERPT_BYTES).toBe(1024);
    expect(responseExcerpt(bytes(a(1024)))).toEqual({ text: a(1024), truncated: false });
    expect(responseExcerpt(bytes(a(1025)))).toEqual({ text: a(1024), truncated: true });
    expect(responseExcerpt(bytes(a(5000)))).toEqual({ text: a(1024), truncated: true });
  });

  it('cuts where a character starts, never inside one', () => {
    // € is E2 82 AC: it fits when it ends at byte 1024, and is left out whole when it would cross it
    expect(responseExcerpt(bytes(`${a(1021)}€`))).toEqual({ text: `${a(1021)}€`, truncated: false });
    expect(responseExcerpt(bytes(`${a(1021)}€b`))).toEqual({ text: `${a(1021)}€`, truncated: true });
    expect(responseExcerpt(bytes(`${a(1022)}€`))).toEqual({ text: a(1022), truncated: true });
    expect(responseExcerpt(bytes(`${a(1023)}€`))).toEqual({ text: a(1023), truncated: true });
    // 😀 is four bytes
    expect(responseExcerpt(bytes(`${a(1021)}😀`))).toEqual({ text: a(1021), truncated: true });
    expect(responseExcerpt(bytes(`${a(1020)}😀😀`))).toEqual({ text: `${a(1020)}😀`, truncated: true });
  });

  it('shows control characters other than line feed and tab, and bidi controls, as U+FFFD', () => {
    expect(responseExcerpt(bytes('a\r\nb\tc\u0000d\u001be\u007ff\u0085g\u202eh\u2066i\nj'))).toEqual({ text: 'a\uFFFD\nb\tc\uFFFDd\uFFFDe\uFFFDf\uFFFDg\uFFFDh\uFFFDi\nj', truncated: false });
  });

  it('reads bytes that are not UTF-8 as U+FFFD, and drops a byte-order mark', () => {
    expect(responseExcerpt(Uint8Array.from([0x61, 0xff, 0x62, 0xc3, 0x28]))).toEqual({ text: 'a\uFFFDb\uFFFD(', truncated: false });
    expect(responseExcerpt(Uint8Array.from([0xef, 0xbb, 0xbf, 0x6f, 0x6b]))).toEqual({ text: 'ok', truncated: false });
    // five continuation bytes across the cut: it backs off at most three, the rest is U+FFFD
    const junk = Uint8Array.from([...bytes(a(1021)), 0x80, 0x80, 0x80, 0x80, 0x80]);
    expect(responseExcerpt(junk)).toEqual({ text: a(1021), truncated: true });
  });

  it('a reader that stopped early says so', () => {
    expect(responseExcerpt(bytes('partial'), { complete: false })).toEqual({ text: 'partial', truncated: true });
  });

  it('property: clean UTF-8 text gives a prefix of itself, at most 1 KB, cut less than a character short', () => {
    const clean = fc.string({ unit: 'binary', maxLength: 1500 }).map((s) => s.replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g, '').replace(/^\uFEFF+/, ''));
    fc.assert(
      fc.property(clean, (s) => {
        const length = bytes(s).length;
        const { text, truncated } = responseExcerpt(bytes(s));
        expect(s.startsWith(text)).toBe(true);
        expect(truncated).toBe(length > 1024);
        const kept = bytes(text).length;
        expect(kept).toBeLessThanOrEqual(1024);
        if (truncated) expect(kept).toBeGreaterThan(1024 - 4);
        else expect(text).toBe(s);
      }),
    );
  });

  it('property: any bytes give well-formed text without control characters but line feed and tab', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (body) => {
        const { text, truncated } = responseExcerpt(body);
        expect(text.isWellFormed()).toBe(true);
        expect(text).not.toMatch(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/);
        expect(truncated).toBe(body.length > 1024);
      }),
    );
  });

  it('property: reading a few bytes past 1 KB is enough: the excerpt is the same as of the whole body', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 400, maxLength: 2000 }), (s) => {
        const body = bytes(s);
        fc.pre(body.length > 1028);
        expect(responseExcerpt(body.subarray(0, 1028), { complete: false })).toEqual(responseExcerpt(body));
      }),
    );
  });
});
