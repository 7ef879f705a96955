import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { createTransport } from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { inboxAddress } from '../../../domain/messages/inbox';
import { threadAddress } from '../../../domain/messages/threads';
import { inboundMailDeps } from '../../mail/inbound-deps';
import { useLocalStack } from '../../../test/stack';
import { idPatterns } from '../ids';
import { composeMessage, type ComposeMessageInput } from '../mail/compose-message';
import { getServices } from '../services';
import { MAX_HTML_BYTES, MAX_TEXT_BYTES, receiveMail } from './inbound-email';

/** #14 item 2 on the local stack: mail over SMTP on loopback into threads and the unassigned inbox. */
const api = useLocalStack();
const admin = { tenantId: 'demo', staffId: 'admin', role: 'tenant_admin' } as const;
const manager = { tenantId: 'demo', staffId: 'manager', role: 'manager' } as const;
const tse = { tenantId: 'demo', staffId: 'tse-1', role: 'tse' } as const;
const acmeAdmin = { tenantId: 'acme', staffId: 'admin', role: 'tenant_admin' } as const;
const domain = 'reply.crm.example';
const demoInbox = inboxAddress('demo', domain);
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

const smtp = () => createTransport({ host: api.stack().smtp.host, port: api.stack().smtp.port, secure: false, ignoreTLS: true });
const send = async (to: string[], raw: Buffer) => smtp().sendMail({ envelope: { from: 'bounces@client.example', to }, raw });
const mime = (m: Partial<ComposeMessageInput> & { messageId: string }) =>
  composeMessage({ from: { name: 'Meera', address: 'meera@client.example' }, to: [demoInbox], replyTo: 'meera@client.example', subject: 'Re: Your quote', text: 'Looks good.', ...m });

let seq = 0;
/** A client of tse-1 with an email and a deal, and an email the TSE sent them about it (its Reply-To and Message-ID). */
async function clientWithThread() {
  seq += 1;
  const email = `buyer${seq}@client.example`;
  const client = (await api.as(tse).post('/v1/clients', { companyName: `Inbound Traders ${seq}`, ownerName: 'Meera', mobile: `98730${String(seq).padStart(5, '0')}`, email })).body;
  const deal = (await api.as(tse).post(`/v1/clients/${client.id}/opportunities`, { productId: 'website' })).body;
  const sent = await api.as(tse).post(`/v1/clients/${client.id}/messages`, { channel: 'email', opportunityId: deal.id, subject: 'Your quote', text: 'Please find the quote.' }, { 'idempotency-key': `inbound-${seq}` });
  expect(sent.status).toBe(201);
  const eml = await simpleParser(readFileSync(join(api.stack().outboxDir, `${sent.body.id}.eml`)));
  return { client, deal, email, outbound: sent.body, replyTo: eml.replyTo!.value[0]!.address! };
}

const thread = async (clientId: string) => (await api.as(admin).get(`/v1/clients/${clientId}/messages`)).body.items as any[];
const bytesOf = async (key: string) => {
  const chunks: Buffer[] = [];
  for await (const c of await getServices().files.read(key)) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
};

describe('inbound email over SMTP', () => {
  it('a reply to a thread’s Reply-To joins the thread over SMTP: exact fields, sanitised HTML, the deal of the message it answers, attachments stored', async () => {
    const { client, deal, outbound, replyTo } = await clientWithThread();
    const pdf = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x2d, 0x00, 0xff, 0x0d, 0x0a, 0x2e]);
    const raw = await mime({
      to: [replyTo],
      messageId: '<reply-1@mail.client.example>',
      inReplyTo: outbound.providerMessageId,
      references: [outbound.providerMessageId],
      html: '<p>Looks <b>good</b>.</p><script>alert(document.cookie)</script><img src="x" onerror="alert(1)">',
      attachments: [{ filename: 'PO 7781.pdf', contentType: 'application/pdf', content: pdf }],
    });
    const info = await send([replyTo], raw);
    expect(info.response).toBe('250 Message accepted');

    const [first, reply] = await thread(client.id);
    expect(first.id).toBe(outbound.id);
    expect(reply).toEqual({
      id: expect.stringMatching(idPatterns.message),
      clientId: client.id,
      opportunityId: deal.id,
      channel: 'email',
      direction: 'inbound',
      from: 'meera@client.example',
      to: [replyTo.toLowerCase()],
      subject: 'Re: Your quote',
      text: 'Looks good.',
      html: '<p>Looks <b>good</b>.</p>',
      attachments: [{ key: `messages/demo/${client.id}/${reply.id}/1-PO_7781.pdf`, filename: 'PO 7781.pdf', contentType: 'application/pdf', size: pdf.length }],
      providerMessageId: '<reply-1@mail.client.example>',
      inReplyTo: outbound.providerMessageId,
      status: 'received',
      statusAt: expect.stringMatching(ISO),
      createdBy: 'system',
      // The deal's assignee: its unread count and the reports' message facts (#16) credit them.
      countedFor: ['tse-1'],
      createdAt: reply.statusAt,
      version: 1,
    });
    expect((await bytesOf(reply.attachments[0].key)).equals(pdf)).toBe(true);
    // Unread for whoever answers for the deal (its assignee).
    expect((await getServices().unread.list('demo', 'tse-1')).find((c) => c.clientId === client.id)).toMatchObject({ count: 1, opportunityIds: [deal.id] });

    // The same Message-ID again (a retrying MTA): accepted, stored once.
    expect((await send([replyTo], raw)).response).toBe('250 Message accepted');
    expect(await thread(client.id)).toHaveLength(2);
  });

  it('a reply on a deal’s thread completes the deal’s due Message follow-up (auto-tracking); one planned for another day stays', async () => {
    const { client, deal, replyTo } = await clientWithThread();
    const now = Date.now();
    const due = (await api.as(tse).post(`/v1/opportunities/${deal.id}/events`, { type: 'Message', scheduledAt: new Date(now - 60_000).toISOString() })).body;
    const later = (await api.as(tse).post(`/v1/opportunities/${deal.id}/events`, { type: 'Message', scheduledAt: new Date(now + 3 * 86_400_000).toISOString() })).body;
    // No In-Reply-To: the deal is that of the last email we sent them.
    expect((await send([replyTo], await mime({ to: [replyTo], messageId: '<reply-due@mail.client.example>', subject: 'PO attached', text: 'We accept the quote.' }))).response).toBe('250 Message accepted');
    const [, reply] = await thread(client.id);
    expect(reply.opportunityId).toBe(deal.id);
    const done = (await api.as(tse).get(`/v1/events/${due.id}`)).body;
    expect([done.status, done.remarks, done.updatedBy]).toEqual(['Completed', 'The client replied by email: We accept the quote.', 'system']);
    expect((await api.as(tse).get(`/v1/events/${later.id}`)).body.status).toBe('Pending');
  });

  it('a forged thread token, another local part, another domain and an unprovisioned tenant’s inbox are refused with 550 at RCPT time; nothing is stored', async () => {
    const { client } = await clientWithThread();
    const forged = threadAddress(Buffer.alloc(32, 1), { tenantId: 'demo', clientId: client.id, threadId: 'email' }, domain);
    for (const to of [forged, `sales@${domain}`, 'inbox+demo@crm.example', `inbox+nosuch@${domain}`]) {
      await expect(send([to], await mime({ to: [to], messageId: `<refused-${to.length}@client.example>` }))).rejects.toMatchObject({ responseCode: 550 });
    }
    expect(await thread(client.id)).toHaveLength(1);
    expect((await api.as(admin).get('/v1/inbox')).body.items.filter((m: any) => m.providerMessageId.startsWith('<refused-'))).toEqual([]);
  });

  it('Bcc’d to the tenant’s inbox: a reply found by In-Reply-To joins its thread with the deal; a new mail from a client’s email joins theirs, about no deal', async () => {
    const { client, deal, email, outbound } = await clientWithThread();
    await send([demoInbox], await mime({ from: { name: 'Someone', address: 'assistant@elsewhere.example' }, messageId: '<bcc-1@elsewhere.example>', inReplyTo: outbound.providerMessageId }));
    await send([demoInbox], await mime({ from: { name: 'Meera', address: email.toUpperCase() }, subject: 'Another thing', messageId: '<bcc-2@client.example>' }));
    const [, byReply, bySender] = await thread(client.id);
    expect(byReply).toMatchObject({ opportunityId: deal.id, from: 'assistant@elsewhere.example', to: [demoInbox], providerMessageId: '<bcc-1@elsewhere.example>', inReplyTo: outbound.providerMessageId });
    expect(bySender).toMatchObject({ from: email, subject: 'Another thing', providerMessageId: '<bcc-2@client.example>' });
    expect(bySender).not.toHaveProperty('opportunityId');
    expect(bySender).not.toHaveProperty('inReplyTo');
  });

  it('another tenant’s inbox never reaches this tenant’s threads, whatever the mail says', async () => {
    const { client, email, outbound, replyTo } = await clientWithThread();
    // To: and In-Reply-To name demo's thread, the sender is demo's client: delivered to acme's inbox, it stays acme's.
    await send([inboxAddress('acme', domain)], await mime({ from: { name: 'Meera', address: email }, to: [replyTo], messageId: '<cross-1@client.example>', inReplyTo: outbound.providerMessageId }));
    expect(await thread(client.id)).toHaveLength(1);
    const acme = (await api.as(acmeAdmin).get('/v1/inbox')).body.items;
    expect(acme.find((m: any) => m.providerMessageId === '<cross-1@client.example>')).toMatchObject({ recipient: inboxAddress('acme', domain), reason: 'no_match', status: 'unassigned' });
    expect((await api.as(admin).get('/v1/inbox')).body.items.find((m: any) => m.providerMessageId === '<cross-1@client.example>')).toBeUndefined();
  });

  it('unmatched mail waits in the inbox (admins and managers), then attached to a client it becomes a message of their thread, once', async () => {
    const { client, deal } = await clientWithThread();
    const sheet = Buffer.from('a,b\n1,2\n');
    await send([demoInbox], await mime({ from: { name: 'Stranger', address: 'stranger@unknown.example' }, subject: 'Price list?', messageId: '<stranger-1@unknown.example>', html: '<p>Hi</p><script>x()</script>', attachments: [{ filename: 'list.csv', contentType: 'text/csv', content: sheet }] }));
    const listed = (await api.as(manager).get('/v1/inbox')).body.items;
    const mail = listed.find((m: any) => m.providerMessageId === '<stranger-1@unknown.example>');
    expect(mail).toEqual({
      id: expect.stringMatching(/^im_[0-9a-hjkmnp-tv-z]{26}$/),
      recipient: demoInbox,
      reason: 'no_match',
      from: 'stranger@unknown.example',
      fromName: 'Stranger',
      to: [demoInbox],
      cc: [],
      subject: 'Price list?',
      text: 'Looks good.',
      html: '<p>Hi</p>',
      attachments: [{ key: `messages/demo/unassigned/${mail.id}/1-list.csv`, filename: 'list.csv', contentType: 'text/csv', size: sheet.length }],
      providerMessageId: '<stranger-1@unknown.example>',
      references: [],
      receivedAt: expect.stringMatching(ISO),
      status: 'unassigned',
      version: 1,
    });
    expect((await bytesOf(mail.attachments[0].key)).equals(sheet)).toBe(true);
    expect((await api.as(tse).get('/v1/inbox')).status).toBe(403);
    expect((await api.as(admin).get(`/v1/inbox/${mail.id}`)).body).toEqual(mail);

    const attached = await api.as(admin).post(`/v1/inbox/${mail.id}/attach`, { clientId: client.id, opportunityId: deal.id });
    expect(attached.status).toBe(201);
    expect(attached.body).toEqual({
      id: expect.stringMatching(idPatterns.message),
      clientId: client.id,
      opportunityId: deal.id,
      channel: 'email',
      direction: 'inbound',
      from: 'stranger@unknown.example',
      to: [demoInbox],
      subject: 'Price list?',
      text: 'Looks good.',
      html: '<p>Hi</p>',
      attachments: mail.attachments,
      providerMessageId: '<stranger-1@unknown.example>',
      status: 'received',
      statusAt: mail.receivedAt,
      createdBy: 'system',
      countedFor: ['tse-1'],
      createdAt: mail.receivedAt,
      version: 1,
    });
    expect((await thread(client.id)).map((m) => m.id)).toContain(attached.body.id);
    expect((await getServices().unread.list('demo', 'tse-1')).find((c) => c.clientId === client.id)).toMatchObject({ count: 1, opportunityIds: [deal.id] });
    // Out of the inbox, never listed again; its record says where it went.
    expect((await api.as(admin).get('/v1/inbox')).body.items.map((m: any) => m.id)).not.toContain(mail.id);
    expect((await api.as(admin).get(`/v1/inbox/${mail.id}`)).body).toEqual({
      ...mail,
      status: 'attached',
      attachedTo: { clientId: client.id, messageId: attached.body.id, opportunityId: deal.id, by: 'admin', at: expect.stringMatching(ISO) },
      version: 2,
    });
    const again = await api.as(manager).post(`/v1/inbox/${mail.id}/attach`, { clientId: client.id });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'already_attached', clientId: client.id, messageId: attached.body.id });
    // The same mail delivered again is the message it became, not a new inbox mail.
    await send([demoInbox], await mime({ from: { name: 'Stranger', address: 'stranger@unknown.example' }, subject: 'Price list?', messageId: '<stranger-1@unknown.example>' }));
    expect((await api.as(admin).get('/v1/inbox')).body.items.filter((m: any) => m.providerMessageId === '<stranger-1@unknown.example>')).toEqual([]);
    // A reply to it now finds the thread it joined.
    await send([demoInbox], await mime({ from: { name: 'Stranger', address: 'stranger@unknown.example' }, messageId: '<stranger-2@unknown.example>', inReplyTo: '<stranger-1@unknown.example>' }));
    expect((await thread(client.id)).at(-1)).toMatchObject({ providerMessageId: '<stranger-2@unknown.example>', opportunityId: deal.id });
  });

  it('attach: a client or deal the caller cannot see is 404; a deal of another client is 422; an unknown mail 404; a malformed id 422', async () => {
    const own = await clientWithThread();
    const other = await clientWithThread();
    await send([demoInbox], await mime({ from: { name: 'X', address: 'x@unknown.example' }, messageId: '<attach-checks@unknown.example>' }));
    const mail = (await api.as(admin).get('/v1/inbox')).body.items.find((m: any) => m.providerMessageId === '<attach-checks@unknown.example>');
    const acmeClient = (await api.as(acmeAdmin).post('/v1/clients', { companyName: 'Acme Buyer', ownerName: 'Ann', mobile: '9873099999' })).body;
    expect((await api.as(admin).post(`/v1/inbox/${mail.id}/attach`, { clientId: acmeClient.id })).status).toBe(404);
    const wrongDeal = await api.as(admin).post(`/v1/inbox/${mail.id}/attach`, { clientId: own.client.id, opportunityId: other.deal.id });
    expect(wrongDeal.status).toBe(422);
    expect(wrongDeal.body.errors).toEqual([{ field: 'body.opportunityId', code: 'other_client', message: 'is a deal of another client' }]);
    expect((await api.as(admin).post('/v1/inbox/im_01jq3v8k2m4n6p8r0s2t4v6w8x/attach', { clientId: own.client.id })).status).toBe(404);
    expect((await api.as(admin).post('/v1/inbox/nope/attach', { clientId: own.client.id })).status).toBe(422);
    expect((await api.as(admin).get(`/v1/inbox/${mail.id}`)).body.status).toBe('unassigned');
  });
});

describe('receiveMail', () => {
  const at = new Date('2026-12-02T08:30:00.000Z');
  const deps = async () => ({ ...(await inboundMailDeps(at)), now: at });

  it('a mail to a thread address with the tenant’s inbox in Cc is one message; the refused recipients are named', async () => {
    const { client, replyTo } = await clientWithThread();
    const raw = await mime({ to: [replyTo], cc: [demoInbox], messageId: '<both@client.example>' });
    const got = await receiveMail(await deps(), raw, { recipients: [demoInbox, replyTo, 'nobody@elsewhere.example'] });
    expect(got).toEqual({
      deliveries: [{ recipient: replyTo.toLowerCase(), tenantId: 'demo', outcome: 'created', rule: 'thread_address', clientId: client.id, messageId: expect.stringMatching(idPatterns.message) }],
      refused: ['nobody@elsewhere.example'],
    });
    expect((await thread(client.id)).at(-1)).toMatchObject({ providerMessageId: '<both@client.example>', createdAt: '2026-12-02T08:30:00.000Z', statusAt: '2026-12-02T08:30:00.000Z' });
    expect(await receiveMail(await deps(), raw, { recipients: [replyTo] })).toEqual({ deliveries: [{ recipient: replyTo.toLowerCase(), tenantId: 'demo', outcome: 'unchanged', why: 'duplicate_message' }], refused: [] });
  });

  it('a sender whose domain failed authentication is not taken for the client with that email: the mail waits in the inbox', async () => {
    const { client, email } = await clientWithThread();
    const got = await receiveMail(await deps(), await mime({ from: { name: 'Meera', address: email }, messageId: '<spoofed@client.example>' }), { recipients: [demoInbox], senderVerified: false });
    expect(got.deliveries).toEqual([{ recipient: demoInbox, tenantId: 'demo', outcome: 'unassigned', reason: 'no_match', inboxId: expect.stringMatching(/^im_/) }]);
    expect(await thread(client.id)).toHaveLength(1);
  });

  it('a mail with no Message-ID is known by a digest of its bytes: twice is once', async () => {
    const raw = Buffer.from('From: Nobody <nobody@unknown.example>\r\nTo: inbox+demo@reply.crm.example\r\nSubject: no id\r\n\r\nhello\r\n');
    const first = await receiveMail(await deps(), raw, { recipients: [demoInbox] });
    expect(first.deliveries).toMatchObject([{ outcome: 'unassigned' }]);
    const stored = await getServices().inbox.get('demo', (first.deliveries[0] as { inboxId: string }).inboxId);
    expect(stored?.providerMessageId).toMatch(/^<sha256\.[0-9a-f]{40}@message-id\.invalid>$/);
    expect((await receiveMail(await deps(), raw, { recipients: [demoInbox] })).deliveries).toMatchObject([{ outcome: 'unchanged', why: 'duplicate_message' }]);
  });

  it('bodies too big for the item are cut (text at 64 KiB, HTML at 160 KiB, still sanitised) and kept whole as files', async () => {
    const { client, replyTo } = await clientWithThread();
    const text = 'ग'.repeat(40_000); // 3 bytes each: 120 000 bytes
    const html = `<p>${'<b>offer</b> '.repeat(20_000)}</p>`; // 260 000 bytes
    await receiveMail(await deps(), await mime({ to: [replyTo], messageId: '<big@client.example>', text, html }), { recipients: [replyTo] });
    const m = (await thread(client.id)).at(-1);
    expect(Buffer.byteLength(m.text)).toBeLessThanOrEqual(MAX_TEXT_BYTES);
    expect(text.startsWith(m.text)).toBe(true);
    expect(Buffer.byteLength(m.html)).toBeLessThanOrEqual(MAX_HTML_BYTES);
    expect(m.html).toMatch(/^<p>(<b>offer<\/b> )+(<b>(offer?)?<\/b>)?[^<]*<\/p>$/);
    expect(m.attachments).toEqual([
      { key: `messages/demo/${client.id}/${m.id}/1-message.txt`, filename: 'message.txt', contentType: 'text/plain; charset=utf-8', size: Buffer.byteLength(text) },
      { key: `messages/demo/${client.id}/${m.id}/2-message.html`, filename: 'message.html', contentType: 'text/html; charset=utf-8', size: Buffer.byteLength(html) },
    ]);
    expect((await bytesOf(m.attachments[0].key)).toString('utf8')).toBe(text);
    expect((await bytesOf(m.attachments[1].key)).toString('utf8')).toBe(html);
  });
});
