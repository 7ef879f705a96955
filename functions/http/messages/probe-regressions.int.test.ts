import { createHmac } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { createTransport } from 'nodemailer';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../domain/access/roles';
import { inboxAddress } from '../../../domain/messages/inbox';
import { useLocalStack, type ApiResponse } from '../../../test/stack';

/**
 * Regressions of the hostile probe of issue #14's routes (about 1,800 requests and 90 mails
 * against npm start): each defect it found, over HTTP (and SMTP) on the local stack, with proof
 * that a refused request sent and stored nothing.
 */
const api = useLocalStack();
const who = (staffId: string, role: Principal['role'], tenantId = 'demo'): Principal => ({ tenantId, staffId, role });
const admin = who('admin', 'tenant_admin');
const tse1 = who('tse-1', 'tse');

let phone = 9_747_300_000;
const newClient = async (by: Principal) => {
  phone += 1;
  const res = await api.as(by).post('/v1/clients', { companyName: `Probe14 ${phone}`, ownerName: 'Probe Owner', mobile: String(phone), email: `probe${phone}@client.example` });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; mobile: string; email: string };
};
const problem = (res: ApiResponse, status: number, code: string) => {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(res.body).toMatchObject({ status, code });
};
const outbox = () => readdirSync(api.stack().outboxDir).filter((f) => f.endsWith('.eml')).length;
const thread = async (clientId: string) => (await api.as(admin).get(`/v1/clients/${clientId}/messages?limit=100`)).body.items as { id: string; subject?: string }[];

describe('1 · an email recipient the mail composer would refuse is a 422, not a 500', () => {
  it('refuses a second recipient, a NUL or a bidi override in `to` before anything is sent', async () => {
    const client = await newClient(tse1);
    const before = outbox();
    for (const to of ['a@b.com,evil', 'a@b.com;c@d.com', 'a@b.com\u0000', 'a@b.c\u202eom', 'a\u200b@b.com', 'a\ud800@b.com', '"a"@b.com']) {
      const res = await api.as(tse1).post(`/v1/clients/${client.id}/messages`, { channel: 'email', subject: 'Hello', text: 'x', to });
      problem(res, 422, 'validation_failed');
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'body.to', code: 'invalid_email' })]);
    }
    expect(outbox()).toBe(before);
    expect(await thread(client.id)).toEqual([]);
    // An ordinary address still goes.
    expect((await api.as(tse1).post(`/v1/clients/${client.id}/messages`, { channel: 'email', subject: 'Hello', text: 'x', to: 'buyer.one+crm@client.example' })).status).toBe(201);
  });
});

describe('2 · a message is sent by an active staff member, in the role the token claims', () => {
  it('refuses the still-valid token of a deactivated salesperson (403) and sends nothing', async () => {
    const staffId = `leaving-${++phone}`;
    expect((await api.as(admin).post('/v1/staff', { staffId, name: 'Leaving', email: `${staffId}@demo.probe.example`, role: 'tse', managerId: 'manager' })).status).toBe(201);
    const leaver = who(staffId, 'tse');
    const client = await newClient(leaver);
    const deal = (await api.as(leaver).post(`/v1/clients/${client.id}/opportunities`, { productId: 'website' })).body;
    expect((await api.as(admin).post(`/v1/staff/${staffId}/deactivate`)).status).toBe(200);
    const before = outbox();
    problem(await api.as(leaver).post(`/v1/clients/${client.id}/messages`, { channel: 'email', subject: 'After leaving', text: 'x' }), 403, 'staff_inactive');
    problem(await api.as(leaver).post(`/v1/clients/${client.id}/messages`, { channel: 'email', subject: 'After leaving', text: 'x', opportunityId: deal.id }), 403, 'staff_inactive');
    expect(outbox()).toBe(before);
    expect(await thread(client.id)).toEqual([]);
  });

  it('refuses a token whose role is not the record’s, also for a send about a deal (nothing emailed, stored or logged)', async () => {
    const client = await newClient(tse1);
    const deal = (await api.as(tse1).post(`/v1/clients/${client.id}/opportunities`, { productId: 'website' })).body;
    const before = outbox();
    for (const role of ['tenant_admin', 'sales_officer'] as const) {
      problem(await api.as(who('tse-1', role)).post(`/v1/clients/${client.id}/messages`, { channel: 'email', subject: 'Wrong role', text: 'x', opportunityId: deal.id }), 403, 'staff_inactive');
    }
    expect(outbox()).toBe(before);
    expect(await thread(client.id)).toEqual([]);
    const events = (await api.as(admin).get(`/v1/clients/${client.id}/timeline?types=event`)).body.items;
    expect(events).toEqual([]);
  });
});

describe('3 · a reply of emoji completes the follow-up with well-formed remarks', () => {
  it('cuts the reply’s snippet between characters, never inside a surrogate pair', async () => {
    const conn = (await api.as(admin).post('/v1/integrations', { provider: 'whatsapp', name: 'WhatsApp probe', settings: { phoneNumberId: '106540352242922' }, secrets: { appSecret: 'wa-app-secret', verifyToken: 'wa-verify', accessToken: 'wa-token' } })).body;
    const client = await newClient(tse1);
    const from = client.mobile.replace('+', '');
    const say = async (id: string, text: string) => {
      const body = JSON.stringify({
        object: 'whatsapp_business_account',
        entry: [{ id: '1', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { phone_number_id: '106540352242922' }, messages: [{ from, id, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: text } }] } }] }],
      });
      const sig = `sha256=${createHmac('sha256', 'wa-app-secret').update(body).digest('hex')}`;
      expect((await api.anonymous().post(`/hooks/demo/${conn.id}`, body, { 'content-type': 'application/json', 'x-hub-signature-256': sig })).status).toBe(202);
      await api.stack().inboundQueue.idle();
    };
    const deal = (await api.as(tse1).post(`/v1/clients/${client.id}/opportunities`, { productId: 'website' })).body;
    await say(`wamid.EMOJI.${phone}.1`, 'Hello');
    expect((await api.as(tse1).post(`/v1/clients/${client.id}/messages`, { channel: 'whatsapp', opportunityId: deal.id, text: 'Shall I send the quote?' })).status).toBe(201);
    const due = (await api.as(tse1).post(`/v1/opportunities/${deal.id}/events`, { type: 'Message', scheduledAt: new Date(Date.now() - 60_000).toISOString() })).body;
    await say(`wamid.EMOJI.${phone}.2`, '😀'.repeat(100));
    const done = (await api.as(tse1).get(`/v1/events/${due.id}`)).body;
    expect(done.status).toBe('Completed');
    expect(done.remarks.isWellFormed()).toBe(true);
    expect(done.remarks).toBe(`The client replied by WhatsApp: ${'😀'.repeat(59)}…`);
  });
});

describe('4 · inbound mail with very long addresses is stored, not retried for ever', () => {
  it('keeps To and Cc within the item: addresses longer than an address can be are left out, the lists bounded', async () => {
    const inbox = inboxAddress('demo', api.stack().smtp.replyDomain);
    const long = Array.from({ length: 100 }, (_, i) => `${'l'.repeat(3000)}${i}@client.example`).join(', ');
    const raw = [`From: Long <long@client.example>`, `To: ${inbox}, ${long}`, `Cc: ${long}`, 'Subject: long addresses', `Message-ID: <long-addresses-${phone}@client.example>`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', 'hello', ''].join('\r\n');
    const smtp = createTransport({ host: api.stack().smtp.host, port: api.stack().smtp.port, secure: false, ignoreTLS: true });
    await smtp.sendMail({ envelope: { from: 'long@client.example', to: [inbox] }, raw });
    const mail = (await api.as(admin).get('/v1/inbox')).body.items.find((m: { subject: string }) => m.subject === 'long addresses');
    expect(mail).toBeDefined();
    expect(mail.to).toEqual([inbox]);
    expect(mail.cc).toEqual([]);
  });
});

describe('5 · a merged client’s messages stay in the survivor’s thread', () => {
  it('lists, pages, shows on the timeline and downloads the attachments of what was written to the merged client', async () => {
    const survivor = await newClient(tse1);
    const merged = await newClient(tse1);
    const pdf = Buffer.from('%PDF-1.7 merged quote');
    const upload = await api.as(tse1).post(`/v1/clients/${merged.id}/attachments`, { filename: 'quote.pdf', contentType: 'application/pdf', size: pdf.length });
    expect((await fetch(upload.body.uploadUrl, { method: 'PUT', headers: upload.body.headers, body: pdf })).status).toBe(200);
    const first = await api.as(tse1).post(`/v1/clients/${merged.id}/messages`, { channel: 'email', subject: 'To the duplicate', text: 'x', attachments: [upload.body.key] });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const second = await api.as(tse1).post(`/v1/clients/${survivor.id}/messages`, { channel: 'email', subject: 'To the survivor', text: 'y' });
    expect(second.status).toBe(201);
    expect((await api.as(admin).post(`/v1/clients/${survivor.id}/merge`, { from: [merged.id] })).status).toBe(200);

    for (const id of [survivor.id, merged.id]) {
      expect((await thread(id)).map((m) => m.subject)).toEqual(['To the duplicate', 'To the survivor']);
      const paged: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await api.as(tse1).get(`/v1/clients/${id}/messages?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.status).toBe(200);
        paged.push(...page.body.items.map((m: { id: string }) => m.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(paged).toEqual([first.body.id, second.body.id]);
      const timeline = (await api.as(tse1).get(`/v1/clients/${id}/timeline?types=message`)).body.items;
      expect(timeline.map((i: { id: string }) => i.id)).toEqual([second.body.id, first.body.id]);
      const download = await api.as(tse1).get(`/v1/clients/${id}/messages/${first.body.id}/attachments/0`);
      expect(download.status, JSON.stringify(download.body)).toBe(200);
      expect(Buffer.from(await (await fetch(download.body.downloadUrl)).arrayBuffer()).equals(pdf)).toBe(true);
    }
    // A cursor of the survivor's thread is no cursor of a channel's.
    const page = await api.as(tse1).get(`/v1/clients/${survivor.id}/messages?limit=1`);
    problem(await api.as(tse1).get(`/v1/clients/${survivor.id}/messages?limit=1&channel=whatsapp&cursor=${page.body.nextCursor}`), 400, 'invalid_cursor');
  });
});
