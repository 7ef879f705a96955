import { describe, expect, it } from 'vitest';
import { CursorCodec } from './cursor';

const codec = new CursorCodec('x'.repeat(32));
const key = { pk: 'T#demo#C#c_1', sk: 'OPP#o_1', gsi1pk: 'T#demo#ASG#tse-1', gsi1sk: 'OPP#Lead#o_1' };

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

  it('has no cursor when there is no next page', () => {
    expect(codec.encode(undefined, 's')).toBeUndefined();
    expect(codec.decode(undefined, 's')).toBeUndefined();
  });
});
