import { describe, expect, it } from 'vitest';
import { CursorCodec } from './cursor';
import { keys } from './keys';

const codec = new CursorCodec('x'.repeat(32));
const key = { ...keys.opportunity('demo', 'c_1', 'o_1'), ...keys.opportunityIndexes('demo', { id: 'o_1', stage: 'Lead' }) };

describe('pagination cursors', () => {
  it('round-trips a key within the same scope', () => {
    const cursor = codec.encode(key, 'demo|opps|tse-1')!;
    expect(codec.decode(cursor, 'demo|opps|tse-1')).toEqual(key);
  });

  it('refuses a cursor moved to another tenant or query', () => {
    const cursor = codec.encode(key, 'demo|opps|tse-1')!;
    expect(() => codec.decode(cursor, 'acme|opps|tse-1')).toThrow(expect.objectContaining({ code: 'invalid_cursor' }));
    expect(() => codec.decode(cursor, 'demo|opps|tse-2')).toThrow(expect.objectContaining({ code: 'invalid_cursor' }));
  });

  it('refuses an edited cursor', () => {
    const [, mac] = codec.encode(key, 's')!.split('.');
    const forged = `${Buffer.from(JSON.stringify({ ...key, pk: 'T#acme#C#c_1' })).toString('base64url')}.${mac}`;
    expect(() => codec.decode(forged, 's')).toThrow(expect.objectContaining({ kind: 'bad_request' }));
    expect(() => codec.decode('garbage', 's')).toThrow(expect.objectContaining({ code: 'invalid_cursor' }));
  });

  it.each([
    ['a MAC of multi-byte characters as long as a real one', () => `${codec.encode(key, 's')!.split('.')[0]}.${'ñ'.repeat(43)}`],
    ['a MAC of emoji', () => `${codec.encode(key, 's')!.split('.')[0]}.😀😀`],
    ['a payload of multi-byte characters', () => `ññ.${codec.encode(key, 's')!.split('.')[1]}`],
    ['a third part', () => `${codec.encode(key, 's')!}.x`],
  ])('refuses %s with 400, never a crash', (_, cursor) => {
    expect(() => codec.decode(cursor(), 's')).toThrow(expect.objectContaining({ kind: 'bad_request', code: 'invalid_cursor' }));
  });

  it('has no cursor when there is no next page', () => {
    expect(codec.encode(undefined, 's')).toBeUndefined();
    expect(codec.decode(undefined, 's')).toBeUndefined();
  });
});
