import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deliveriesByTenant, inboundAttachmentKey, inboxAddress, recipientOf, type Recipient } from './inbox';
import { threadAddress } from './threads';

const secret = Buffer.from('thread-secret-for-tests-only-32b');
const previous = Buffer.from('the-previous-thread-secret-32byt');
const domain = 'reply.crm.example';
const client = 'c_01jq3v8k2m4n6p8r0s2t4v6w8x';
const opts = { secrets: [secret, previous], domain };

describe('recipients', () => {
  it('a thread address names its tenant, client and thread; a tenant’s inbox address its tenant', () => {
    const thread = threadAddress(secret, { tenantId: 'demo', clientId: client, threadId: 'email' }, domain);
    expect(recipientOf(thread, opts)).toEqual({ kind: 'thread', address: thread, tenantId: 'demo', clientId: client, threadId: 'email' });
    expect(recipientOf('inbox+acme@reply.crm.example', opts)).toEqual({ kind: 'inbox', address: 'inbox+acme@reply.crm.example', tenantId: 'acme' });
    expect(inboxAddress('demo', 'Reply.CRM.example')).toBe('inbox+demo@reply.crm.example');
  });

  it('case, a display name and a trailing dot on the domain change nothing; a thread address of the previous key still works', () => {
    expect(recipientOf('Sales <INBOX+Demo@Reply.Crm.Example.>', opts)).toEqual({ kind: 'inbox', address: 'inbox+demo@reply.crm.example.', tenantId: 'demo' });
    const old = threadAddress(previous, { tenantId: 'demo', clientId: client, threadId: 'email' }, domain);
    expect(recipientOf(old.toUpperCase(), opts)).toMatchObject({ kind: 'thread', tenantId: 'demo', clientId: client });
  });

  it.each([
    ['another domain', 'inbox+demo@crm.example'],
    ['a subdomain of the reply domain', 'inbox+demo@x.reply.crm.example'],
    ['another local part', 'sales@reply.crm.example'],
    ['an empty tenant', 'inbox+@reply.crm.example'],
    ['a tenant that is no slug', 'inbox+de mo@reply.crm.example'],
    ['a tenant with a slash', 'inbox+demo/acme@reply.crm.example'],
    ['no @', 'inbox+demo'],
    ['a reply+ address with no token', 'reply+@reply.crm.example'],
  ])('%s is refused', (_, address) => {
    expect(recipientOf(address, opts)).toBeUndefined();
  });

  it('a thread address signed with another key, or with one character changed, is refused (not taken for an inbox)', () => {
    const forged = threadAddress(Buffer.alloc(32, 7), { tenantId: 'acme', clientId: client, threadId: 'email' }, domain);
    expect(recipientOf(forged, opts)).toBeUndefined();
    const real = threadAddress(secret, { tenantId: 'demo', clientId: client, threadId: 'email' }, domain);
    const at = real.indexOf('@') - 3;
    const flipped = `${real.slice(0, at)}${real[at] === 'a' ? 'b' : 'a'}${real.slice(at + 1)}`;
    expect(recipientOf(flipped, opts)).toBeUndefined();
  });

  it('one copy per tenant, the thread address winning over the inbox address', () => {
    const thread: Recipient = { kind: 'thread', address: 't@x', tenantId: 'demo', clientId: client, threadId: 'email' };
    const demoInbox: Recipient = { kind: 'inbox', address: 'inbox+demo@x', tenantId: 'demo' };
    const acmeInbox: Recipient = { kind: 'inbox', address: 'inbox+acme@x', tenantId: 'acme' };
    expect(deliveriesByTenant([demoInbox, acmeInbox, thread, demoInbox])).toEqual([thread, acmeInbox]);
    expect(deliveriesByTenant([])).toEqual([]);
  });
});

describe('recipients, for every address', () => {
  const tenant = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,62}$/);

  it('a tenant’s inbox address names that tenant and no other', () => {
    fc.assert(
      fc.property(tenant, (t) => {
        expect(recipientOf(inboxAddress(t, domain), opts)).toEqual({ kind: 'inbox', address: `inbox+${t}@${domain}`, tenantId: t });
      }),
    );
  });

  it('whatever the local part, an address names at most the tenant written in it, and only at the reply domain', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.constantFrom(domain, 'crm.example', 'x.reply.crm.example'), (local, d) => {
        const r = recipientOf(`${local}@${d}`, opts);
        if (r === undefined) return;
        expect(d).toBe(domain);
        expect(r.kind).toBe('inbox');
        expect(`${local}@${d}`.toLowerCase()).toContain(`inbox+${r.tenantId}@`);
      }),
    );
  });

  it('one delivery per tenant, a thread address whenever the tenant had one', () => {
    const recipient = fc.oneof(
      fc.record({ kind: fc.constant('inbox' as const), address: fc.constant('i'), tenantId: fc.constantFrom('demo', 'acme', 'beta') }),
      fc.record({ kind: fc.constant('thread' as const), address: fc.constant('t'), tenantId: fc.constantFrom('demo', 'acme', 'beta'), clientId: fc.constant(client), threadId: fc.constant('email') }),
    );
    fc.assert(
      fc.property(fc.array(recipient, { maxLength: 8 }), (rs) => {
        const out = deliveriesByTenant(rs);
        expect(out.map((r) => r.tenantId).sort()).toEqual([...new Set(rs.map((r) => r.tenantId))].sort());
        for (const r of out) expect(r.kind).toBe(rs.some((x) => x.tenantId === r.tenantId && x.kind === 'thread') ? 'thread' : 'inbox');
      }),
    );
  });
});

describe('stored files', () => {
  it('keys: the client’s folder, or unassigned; n, then the safe name', () => {
    expect(inboundAttachmentKey('demo', { clientId: client }, 'm_1', 2, 'a b.png')).toBe(`messages/demo/${client}/m_1/2-a_b.png`);
    expect(inboundAttachmentKey('demo', 'unassigned', 'im_1', 1, '../x.txt')).toBe('messages/demo/unassigned/im_1/1-x.txt');
  });
});
