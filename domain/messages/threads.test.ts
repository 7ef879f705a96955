import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  bareAddress,
  fromBase32,
  MAX_REFERENCES,
  matchInbound,
  messageIdsIn,
  newMessageId,
  parseThreadAddress,
  threadAddress,
  toBase32,
  type ClientRef,
  type InboundLookups,
  type InboundMail,
  type ThreadRef,
} from './threads';

const secret = Buffer.from('thread-secret-for-tests-only-32b');
const otherSecret = Buffer.from('another-tenant-secret-32-bytes!!');
const domain = 'reply.crm.example';
const ulid1 = '01jq3v8k2m4n6p8r0s2t4v6w8x';
const ulid2 = '01jq3v9a0b1c2d3e4f5g6h7j8k';
const thread: ThreadRef = { tenantId: 'demo', clientId: `c_${ulid1}`, threadId: 'email' };

/** Base32 characters ≠ c, for flipping one character of a token. */
const other = (c: string) => (c === 'a' ? 'b' : 'a');

describe('base32 (RFC 4648 §10 vectors, lower case, no padding)', () => {
  it.each([
    ['', ''],
    ['f', 'my'],
    ['fo', 'mzxq'],
    ['foo', 'mzxw6'],
    ['foob', 'mzxw6yq'],
    ['fooba', 'mzxw6ytb'],
    ['foobar', 'mzxw6ytboi'],
  ])('%j ↔ %j', (plain, encoded) => {
    expect(toBase32(Buffer.from(plain))).toBe(encoded);
    expect(fromBase32(encoded)).toEqual(Buffer.from(plain));
  });

  it.each([
    ['a foreign character', 'mzxw1'],
    ['upper case (callers lower-case first)', 'MZXW6'],
    ['padding', 'my======'],
    ['an impossible length', 'mzx'],
    ['unused bits that are not zero', 'mz'],
  ])('refuses %s', (_, s) => {
    expect(fromBase32(s)).toBeUndefined();
  });

  it('round-trips any bytes, in characters a–z and 2–7 only', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const s = toBase32(bytes);
        expect(s).toMatch(/^[a-z2-7]*$/);
        expect(s.length).toBe(Math.ceil((bytes.length * 8) / 5));
        expect(fromBase32(s)).toEqual(Buffer.from(bytes));
      }),
    );
  });
});

describe('threadAddress', () => {
  it('is pinned: an address already sent keeps working after a deploy (format v1)', () => {
    expect(threadAddress(secret, thread, domain)).toBe('reply+aecgizlnn6jggxybsxd3itcuevgwiyazc2e3g4i5avsw2yljnqjqyzvowge3mttch4@reply.crm.example');
  });

  it('lays out version, ids and an 80-bit HMAC-SHA256 as documented', () => {
    const address = threadAddress(secret, { tenantId: 'demo', clientId: 'c_0000000000000000000000000z', threadId: 'email' }, domain);
    const token = fromBase32(address.slice('reply+'.length, address.indexOf('@')))!;
    // 01 | 04 "demo" | 0x80|1<<4|2 "c_" + 16 bytes of the ULID (…1f) | 05 "email"
    const payload = Buffer.from(`01 04 64656d6f 92 635f ${'00'.repeat(15)}1f 05 656d61696c`.replace(/ /g, ''), 'hex');
    const mac = createHmac('sha256', secret).update('crm-thread/v1\0').update(payload).digest().subarray(0, 10);
    expect(token).toEqual(Buffer.concat([payload, mac]));
  });

  it('packs ULIDs to 16 bytes: a tenant, a `c_` client and an `m_` thread make a 136-character local part', () => {
    const address = threadAddress(secret, { tenantId: 'menon-jewellers', clientId: `c_${ulid1}`, threadId: `m_${ulid1}${ulid2}` }, domain);
    // 1 + (1 + 15) + (1 + 2 + 16) + (1 + 2 + 32) + 10 = 81 bytes → 130 base32 characters, after "reply+".
    expect(address.indexOf('@')).toBe(136);
  });

  it('keeps an id whose ULID is upper case as it is (packing would lower-case it)', () => {
    const t = { ...thread, clientId: `c_${ulid1.toUpperCase()}` };
    expect(parseThreadAddress(secret, threadAddress(secret, t, domain), domain)).toEqual(t);
  });

  it('writes the domain in lower case', () => {
    expect(threadAddress(secret, thread, 'Reply.CRM.example')).toMatch(/@reply\.crm\.example$/);
  });

  it.each([
    ['an empty id', { ...thread, threadId: '' }],
    ['an id over 127 bytes', { ...thread, threadId: 'x'.repeat(128) }],
  ])('refuses %s', (_, t) => {
    expect(() => threadAddress(secret, t, domain)).toThrow(RangeError);
  });

  it('refuses a domain that is not one', () => {
    expect(() => threadAddress(secret, thread, 'not a domain')).toThrow(RangeError);
  });
});

describe('parseThreadAddress', () => {
  const address = threadAddress(secret, thread, domain);

  it('reads back the ids', () => {
    expect(parseThreadAddress(secret, address, domain)).toEqual(thread);
  });

  it.each([
    ['lower-cased', address.toLowerCase()],
    ['upper-cased', address.toUpperCase()],
    ['with a display name', `"Menon Jewellers thread" <${address}>`],
    ['in angle brackets with spaces', `  <${address}>  `],
    ['with a trailing dot on the domain', `${address}.`],
  ])('survives being %s', (_, a) => {
    expect(parseThreadAddress(secret, a, domain)).toEqual(thread);
  });

  it('accepts the previous secret during a rotation', () => {
    expect(parseThreadAddress([otherSecret, secret], address, domain)).toEqual(thread);
  });

  it.each([
    ['another secret made it', parseThreadAddress(otherSecret, address, domain)],
    ['another domain', parseThreadAddress(secret, address.replace('reply.crm.example', 'evil.example'), domain)],
    ['a subdomain of ours', parseThreadAddress(secret, address.replace('@', '@x.'), domain)],
    ['no reply+ prefix', parseThreadAddress(secret, address.replace('reply+', 'reply-'), domain)],
    ['a token cut short', parseThreadAddress(secret, address.replace(/.@/, '@'), domain)],
    ['a token made longer', parseThreadAddress(secret, address.replace('@', 'a@'), domain)],
    ['no @', parseThreadAddress(secret, 'reply+aecgizlnn6jg', domain)],
    ['garbage', parseThreadAddress(secret, 'reply+!!!@reply.crm.example', domain)],
    ['an empty token', parseThreadAddress(secret, 'reply+@reply.crm.example', domain)],
    ['an ordinary address', parseThreadAddress(secret, 'anitha@menon.example', domain)],
  ])('is undefined for %s', (_, parsed) => {
    expect(parsed).toBeUndefined();
  });

  it('refuses an address whose ids were changed, even with a MAC made under another secret', () => {
    // A tenant that knows its own secret cannot make an address into another tenant's thread with it.
    const forged = threadAddress(otherSecret, { ...thread, tenantId: 'rival' }, domain);
    expect(parseThreadAddress(secret, forged, domain)).toBeUndefined();
  });

  it('round-trips any ids: arbitrary text, and ULID-shaped ids with prefixes', () => {
    const ulid = fc.tuple(fc.constantFrom(...'01234567'), fc.stringMatching(/^[0-9a-hjkmnp-tv-z]{25}$/)).map(([a, b]) => a + b);
    const id = fc.oneof(
      fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }),
      fc.tuple(fc.stringMatching(/^[a-z_]{0,4}$/), fc.array(ulid, { minLength: 1, maxLength: 3 })).map(([p, us]) => p + us.join('')),
    );
    fc.assert(
      fc.property(id, id, id, (tenantId, clientId, threadId) => {
        const t = { tenantId, clientId, threadId };
        const a = threadAddress(secret, t, domain);
        expect(a).toMatch(/^reply\+[a-z2-7]+@reply\.crm\.example$/);
        expect(parseThreadAddress(secret, a, domain)).toEqual(t);
        expect(parseThreadAddress(secret, a.toUpperCase(), domain)).toEqual(t);
      }),
    );
  });

  it('refuses the address when any one character of the token changes', () => {
    const token = address.slice('reply+'.length, address.indexOf('@'));
    fc.assert(
      fc.property(fc.nat(token.length - 1), (i) => {
        const changed = `reply+${token.slice(0, i)}${other(token[i]!)}${token.slice(i + 1)}@${domain}`;
        expect(parseThreadAddress(secret, changed, domain)).toBeUndefined();
      }),
    );
  });
});

describe('newMessageId', () => {
  it.each([
    ['00'.repeat(16), '<00000000000000000000000000@crm.example>'],
    ['ff'.repeat(16), '<7zzzzzzzzzzzzzzzzzzzzzzzzz@crm.example>'],
    ['00112233445566778899aabbccddeeff', '<0024h36h2ncsvrh6daqf6dvvqz@crm.example>'],
  ])('writes 16 random bytes (%s) like a ULID: %s', (hex, id) => {
    expect(newMessageId('CRM.example', Buffer.from(hex, 'hex'))).toBe(id);
  });

  it('refuses fewer than 16 random bytes and a bad domain', () => {
    expect(() => newMessageId('crm.example', Buffer.alloc(15))).toThrow(RangeError);
    expect(() => newMessageId('crm example', Buffer.alloc(16))).toThrow(RangeError);
  });

  it('is an RFC 5322 msg-id that messageIdsIn reads back, for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (random) => {
        const id = newMessageId('crm.example', random);
        expect(id).toMatch(/^<[0-7][0-9a-hjkmnp-tv-z]{25}@crm\.example>$/);
        expect(messageIdsIn(id)).toEqual([id]);
      }),
    );
  });
});

describe('messageIdsIn and bareAddress', () => {
  it.each([
    ['<a@b.example>', ['<a@b.example>']],
    ['<a@b.example> <c@d.example>\r\n <e@f.example>', ['<a@b.example>', '<c@d.example>', '<e@f.example>']],
    [' a@b.example ', ['<a@b.example>']],
    ['', []],
    ['not an id', []],
  ])('%j → %j', (header, ids) => {
    expect(messageIdsIn(header)).toEqual(ids);
  });

  it.each([
    ['Anitha Menon <anitha@menon.example>', 'anitha@menon.example'],
    ['"Menon, Anitha" <Anitha@Menon.example>', 'Anitha@Menon.example'],
    ['anitha@menon.example', 'anitha@menon.example'],
    ['  <anitha@menon.example> ', 'anitha@menon.example'],
  ])('%j → %j', (raw, bare) => {
    expect(bareAddress(raw)).toBe(bare);
  });
});

describe('matchInbound', () => {
  const address = threadAddress(secret, thread, domain);
  const known: Record<string, ThreadRef> = {
    '<parent@crm.example>': { tenantId: 'demo', clientId: `c_${ulid1}`, threadId: 'email' },
    '<older@crm.example>': { tenantId: 'demo', clientId: `c_${ulid2}`, threadId: 'email' },
  };
  const anitha: ClientRef = { tenantId: 'demo', clientId: `c_${ulid1}` };
  const lookups = (clients: Record<string, ClientRef[]> = {}) => {
    const threadOfMessageId = vi.fn(async (id: string) => known[id]);
    const clientsWithEmail = vi.fn(async (email: string) => clients[email] ?? []);
    return { secrets: secret, domain, threadOfMessageId, clientsWithEmail } satisfies InboundLookups;
  };
  const mail = (overrides: Partial<InboundMail> = {}): InboundMail => ({ to: ['sales@demo.example'], cc: [], references: [], from: 'Anitha Menon <Anitha@Menon.example>', ...overrides });

  it('matches the thread address first, reading nothing', async () => {
    const l = lookups({ 'anitha@menon.example': [anitha] });
    await expect(matchInbound(mail({ cc: [`Thread <${address.toUpperCase()}>`], inReplyTo: '<older@crm.example>' }), l)).resolves.toEqual({ rule: 'thread_address', address, ...thread });
    expect(l.threadOfMessageId).not.toHaveBeenCalled();
    expect(l.clientsWithEmail).not.toHaveBeenCalled();
  });

  it('finds the thread address in the envelope (a Bcc)', async () => {
    await expect(matchInbound(mail({ envelopeTo: [address] }), lookups())).resolves.toEqual({ rule: 'thread_address', address, ...thread });
  });

  it('skips a forged thread address and goes on to the next rule', async () => {
    const forged = threadAddress(otherSecret, thread, domain);
    await expect(matchInbound(mail({ to: [forged], inReplyTo: '<older@crm.example>' }), lookups())).resolves.toEqual({ rule: 'in_reply_to', messageId: '<older@crm.example>', tenantId: 'demo', clientId: `c_${ulid2}`, threadId: 'email' });
  });

  it('then In-Reply-To, before References', async () => {
    const l = lookups();
    await expect(matchInbound(mail({ inReplyTo: '<parent@crm.example>', references: ['<older@crm.example>'] }), l)).resolves.toEqual({ rule: 'in_reply_to', messageId: '<parent@crm.example>', ...known['<parent@crm.example>']! });
    expect(l.threadOfMessageId.mock.calls).toEqual([['<parent@crm.example>']]);
  });

  it('then References, newest first', async () => {
    const l = lookups();
    const result = await matchInbound(mail({ inReplyTo: '<unknown@elsewhere.example>', references: ['<older@crm.example> <parent@crm.example>', '<unknown@elsewhere.example>'] }), l);
    expect(result).toEqual({ rule: 'references', messageId: '<parent@crm.example>', ...known['<parent@crm.example>']! });
    expect(l.threadOfMessageId.mock.calls).toEqual([['<unknown@elsewhere.example>'], ['<unknown@elsewhere.example>'], ['<parent@crm.example>']]);
  });

  it(`looks up at most the newest ${MAX_REFERENCES} References`, async () => {
    const l = lookups();
    const references = Array.from({ length: 1000 }, (_, i) => `<r${i}@elsewhere.example>`);
    await matchInbound(mail({ references }), l);
    expect(l.threadOfMessageId).toHaveBeenCalledTimes(20);
    expect(l.threadOfMessageId.mock.calls[0]).toEqual(['<r999@elsewhere.example>']);
    expect(l.threadOfMessageId.mock.calls[19]).toEqual(['<r980@elsewhere.example>']);
  });

  it("then the sender's email, lower-cased, when one client has it", async () => {
    const l = lookups({ 'anitha@menon.example': [anitha] });
    await expect(matchInbound(mail(), l)).resolves.toEqual({ rule: 'sender', email: 'anitha@menon.example', ...anitha });
    expect(l.clientsWithEmail.mock.calls).toEqual([['anitha@menon.example']]);
  });

  it('leaves a sender several clients share unassigned, naming them', async () => {
    const rival: ClientRef = { tenantId: 'rival', clientId: `c_${ulid2}` };
    await expect(matchInbound(mail(), lookups({ 'anitha@menon.example': [anitha, rival] }))).resolves.toEqual({ rule: 'unassigned', reason: 'ambiguous_sender', candidates: [anitha, rival] });
  });

  it('leaves the rest unassigned', async () => {
    await expect(matchInbound(mail(), lookups())).resolves.toEqual({ rule: 'unassigned', reason: 'no_match', candidates: [] });
  });

  it('does not look up a sender that is no address', async () => {
    const l = lookups();
    await expect(matchInbound(mail({ from: 'MAILER-DAEMON' }), l)).resolves.toEqual({ rule: 'unassigned', reason: 'no_match', candidates: [] });
    expect(l.clientsWithEmail).not.toHaveBeenCalled();
  });
});
