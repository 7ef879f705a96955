import { describe, expect, it } from 'vitest';
import { decimal, hiddenCharacter, IsoDate, IsoDateTime, text } from './schemas';

const name = text({ max: 80 });
const notes = text({ max: 80, multiline: true, allowEmpty: true });
const accepts = (s: string, schema = name) => schema.safeParse(s).success;

describe('text: what a reader cannot see is refused', () => {
  it.each([
    ['a Hangul filler inside', 'Ac\u3164me'],
    ['tag characters after Latin text', 'Acme\u{E0069}\u{E0067}\u{E006E}\u{E006F}\u{E0072}\u{E0065}'],
    ['supplementary variation selectors', `Acme${'\u{E0100}'.repeat(20)}`],
    ['an emoji variation selector on a letter', 'a\uFE0F'],
    ['the combining grapheme joiner', 'a\u034Fb'],
    ['a Mongolian free variation selector', 'a\u180Bb'],
    ['a Khmer inherent vowel', 'a\u17B4b'],
    ['a private-use character', 'a\uE000b'],
    ['a non-character', 'a\uFDD0b'],
    ['a plane-1 non-character', 'a\u{1FFFE}'],
    ['the object replacement character', 'a\uFFFCb'],
    ['the replacement character', 'a\uFFFDb'],
    ['a blank braille pattern inside', 'a\u2800b'],
    ['a leading combining mark', '\u0301abc'],
    ['a combining mark on a space', 'abc \u0301def'],
    ['a leading virama', '\u094Dक'],
    ['joiners between Latin letters', 'a\u200D\u200Db'],
    ['a zero-width joiner in a Latin name', 'Look\u200Dalike'],
    ['a zero-width space', 'a\u200Bb'],
    ['a soft hyphen', 'a\u00ADb'],
    ['a right-to-left override', 'a\u202Eb'],
    ['an Arabic number sign', '\u0600a'],
    ['a line separator in a name', 'a\u2028b'],
    ['a line break in a name', 'a\nb'],
  ])('refuses %s', (_, value) => {
    expect(accepts(value)).toBe(false);
  });

  it.each([
    ['Malayalam with a zero-width joiner (chillu)', 'മല\u200Dയാളം'],
    ['a joiner after a virama', 'ന്\u200D'],
    ['Hindi with a zero-width non-joiner', 'अनि\u200Cल'],
    ['a family emoji sequence', '👨\u200D👩\u200D👧'],
    ['a heart with its emoji variation selector', '❤\uFE0F'],
    ['a keycap sequence', '1\uFE0F\u20E3'],
    ['the flag of Scotland (tag characters)', '\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}'],
    ['a skin-tone modifier', '👍🏽'],
    ['combining accents on letters', 'Cafe\u0301 Kochi'],
    ['Malayalam conjuncts', 'ശ്രീ ജ്വല്ലേഴ്സ്'],
  ])('keeps %s', (_, value) => {
    expect(accepts(value)).toBe(true);
  });

  it('normalises to NFC and trims', () => {
    expect(name.parse('  Cafe\u0301  ')).toBe('Café');
  });

  it('keeps line breaks in multi-line text, storing line and paragraph separators as line breaks', () => {
    expect(notes.parse('one\r\ntwo\u2028three\u2029four\tfive')).toBe('one\ntwo\nthree\nfour\tfive');
    expect(hiddenCharacter('a\nb', true)).toBeUndefined();
    expect(hiddenCharacter('a\nb', false)).toBe('\n');
  });

  it('answers invisible-only text as empty, the clearer message', () => {
    expect(name.safeParse('\u200B\u3164 ').error?.issues.map((i) => [i.code, i.message])).toEqual([['too_small', 'must not be empty']]);
    expect(name.safeParse('a\u200Bb').error?.issues.map((i) => [i.code, i.message])).toEqual([['invalid_format', 'must not contain control, invisible formatting or line-break characters']]);
  });
});

describe('dates and decimals', () => {
  it('reads a zoned date-time as UTC and bounds it to 2000–2100', () => {
    expect(IsoDateTime.parse('2026-12-01T10:00:00+05:30')).toBe('2026-12-01T04:30:00.000Z');
    expect(IsoDateTime.safeParse('9999-12-31T23:59:59-23:59').success).toBe(false);
    expect(IsoDateTime.safeParse('2026-12-01T10:00:00').success).toBe(false);
    expect(IsoDate.safeParse('2028-02-29').success).toBe(true);
    expect(IsoDate.safeParse('2026-02-29').success).toBe(false);
    expect(IsoDate.safeParse('0000-01-01').success).toBe(false);
  });

  it('keeps decimals to their places: nothing DynamoDB cannot store, no minus zero', () => {
    const lat = decimal(7, -90, 90);
    expect([lat.parse(1e-300), lat.parse(-5e-324), lat.parse(-0), lat.parse(9.98161234567)]).toEqual([0, 0, 0, 9.9816123]);
    expect(Object.is(lat.parse(-1e-300), 0)).toBe(true);
    expect(lat.safeParse(90.1).success).toBe(false);
  });
});
