import { describe, expect, it, vi } from 'vitest';
import { CursorCodec, parseCursorKeys, type CursorKeys } from './cursor';
import { keys } from './keys';

const A = 'a'.repeat(32);
const B = 'b'.repeat(32);
const C = 'c'.repeat(32);
const codec = new CursorCodec({ current: A });
const key = { ...keys.opportunity('demo', 'c_1', 'o_1'), ...keys.opportunityIndexes('demo', { id: 'o_1', stage: 'Lead' }) };
const invalid = expect.objectContaining({ kind: 'bad_request', code: 'invalid_cursor' });

describe('pagination cursors', () => {
  it('round-trips a key within the same scope', async () => {
    const cursor = (await codec.encode(key, 'demo|opps|tse-1'))!;
    expect(await codec.decode(cursor, 'demo|opps|tse-1')).toEqual(key);
  });

  it('refuses a cursor moved to another tenant or query', async () => {
    const cursor = (await codec.encode(key, 'demo|opps|tse-1'))!;
    await expect(codec.decode(cursor, 'acme|opps|tse-1')).rejects.toThrow(invalid);
    await expect(codec.decode(cursor, 'demo|opps|tse-2')).rejects.toThrow(invalid);
  });

  it('refuses an edited cursor', async () => {
    const [, mac] = (await codec.encode(key, 's'))!.split('.');
    const forged = `${Buffer.from(JSON.stringify({ ...key, pk: 'T#acme#C#c_1' })).toString('base64url')}.${mac}`;
    await expect(codec.decode(forged, 's')).rejects.toThrow(invalid);
    await expect(codec.decode('garbage', 's')).rejects.toThrow(invalid);
  });

  it.each([
    ['a MAC of multi-byte characters as long as a real one', async () => `${(await codec.encode(key, 's'))!.split('.')[0]}.${'ñ'.repeat(43)}`],
    ['a MAC of emoji', async () => `${(await codec.encode(key, 's'))!.split('.')[0]}.😀😀`],
    ['a payload of multi-byte characters', async () => `ññ.${(await codec.encode(key, 's'))!.split('.')[1]}`],
    ['a third part', async () => `${(await codec.encode(key, 's'))!}.x`],
    ['an empty MAC', async () => `${(await codec.encode(key, 's'))!.split('.')[0]}.`],
  ])('refuses %s with 400, never a crash', async (_, cursor) => {
    await expect(codec.decode(await cursor(), 's')).rejects.toThrow(invalid);
  });

  it('has no cursor when there is no next page', async () => {
    expect(await codec.encode(undefined, 's')).toBeUndefined();
    expect(await codec.decode(undefined, 's')).toBeUndefined();
  });
});

describe('rotating the cursor key (#11 item 6)', () => {
  it('signs with the current key and still accepts cursors signed with the previous one', async () => {
    const before = (await new CursorCodec({ current: A }).encode(key, 's'))!;
    const rotated = new CursorCodec({ current: B, previous: A });
    expect(await rotated.decode(before, 's')).toEqual(key);
    const after = (await rotated.encode(key, 's'))!;
    expect(after).not.toBe(before);
    expect(await new CursorCodec({ current: B }).decode(after, 's')).toEqual(key);
    // Two rotations on, the first key is gone.
    await expect(new CursorCodec({ current: C, previous: B }).decode(before, 's')).rejects.toThrow(invalid);
  });

  it('reads the keys once, and again only when a cursor verifies with neither and the last read is a minute old', async () => {
    let now = 0;
    let stored: CursorKeys = { current: A };
    const read = vi.fn(async () => stored);
    const warm = new CursorCodec(read, () => now);
    const signedWithA = (await warm.encode(key, 's'))!;
    expect(await warm.decode(signedWithA, 's')).toEqual(key);
    expect(read).toHaveBeenCalledTimes(1);

    // Rotated: a fresh container signs with B; this warm one has not read B yet.
    stored = { current: B, previous: A };
    const signedWithB = (await new CursorCodec({ current: B }).encode(key, 's'))!;
    now = 30_000;
    await expect(warm.decode(signedWithB, 's')).rejects.toThrow(invalid);
    expect(read).toHaveBeenCalledTimes(1);
    now = 60_000;
    expect(await warm.decode(signedWithB, 's')).toEqual(key);
    expect(read).toHaveBeenCalledTimes(2);
    // A forged cursor right after does not read the secret again.
    await expect(warm.decode(`${signedWithB.split('.')[0]}.forged`, 's')).rejects.toThrow(invalid);
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('forgets a failed read, so the next request tries again', async () => {
    const read = vi.fn<() => Promise<CursorKeys>>().mockRejectedValueOnce(new Error('throttled')).mockResolvedValue({ current: A });
    const c = new CursorCodec(read);
    await expect(c.encode(key, 's')).rejects.toThrow('throttled');
    expect(await c.encode(key, 's')).toEqual(await codec.encode(key, 's'));
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('parses the secret as {"current", "previous"?} of at least 32 characters, never echoing it', () => {
    expect(parseCursorKeys(JSON.stringify({ current: A, previous: B }), 'arn:x')).toEqual({ current: A, previous: B });
    expect(parseCursorKeys(JSON.stringify({ current: A }), 'arn:x')).toEqual({ current: A });
    expect(parseCursorKeys(JSON.stringify({ current: A, previous: '' }), 'arn:x')).toEqual({ current: A });
    expect(() => parseCursorKeys('short-secret', 'arn:x')).toThrow('the cursor keys in arn:x are not JSON');
    expect(() => parseCursorKeys(JSON.stringify({ current: 'short-secret' }), 'arn:x')).toThrow(
      'the cursor keys in arn:x must be {"current", "previous"?}, each at least 32 characters',
    );
    expect(() => parseCursorKeys(JSON.stringify({ current: A, previous: 'short' }), 'arn:x')).toThrow(/each at least 32/);
    expect(() => parseCursorKeys(undefined, 'arn:x')).toThrow('not JSON');
  });
});
