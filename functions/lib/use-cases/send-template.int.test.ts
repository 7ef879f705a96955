import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalStack } from '../../../test/stack';
import { ids } from '../ids';
import { OutboxMailer } from '../mail/mailer';
import { getServices } from '../services';
import { contextOf } from './context';
import { outboxWhatsApp, sendMessage, type MessagingDeps } from './send-message';

/** #14 item 6: a send that names a saved template — rendered as its preview is, the email's MIME and the Meta template body in the outbox, WhatsApp's window rules. */
const api = useLocalStack();
const admin = { tenantId: 'demo', staffId: 'admin', role: 'tenant_admin' } as const;
const tse = { tenantId: 'demo', staffId: 'tse-1', role: 'tse' } as const;
const deps = (): MessagingDeps => ({ mailer: new OutboxMailer(api.stack().outboxDir), from: 'sales@demo.example', replyDomain: 'reply.demo.example', threadSecret: Buffer.alloc(32, 9), whatsapp: outboxWhatsApp(api.stack().outboxDir) });
const at = (iso: string) => contextOf(tse, new Date(iso), getServices());
const NOW = '2026-12-01T10:00:00.000Z';

const templates = [
  {
    name: 'quote',
    channel: 'email',
    subject: '{{opportunity.product}} quote for {{client.companyName}}',
    text: 'Dear {{client.ownerName}},\nyour {{opportunity.product}} comes to {{opportunity.value}}.\n{{staff.name}}',
    html: '<p>Dear {{client.ownerName}},</p><p>{{client.companyName}}: <b>{{opportunity.value}}</b></p>',
  },
  {
    name: 'wa-follow-up',
    channel: 'whatsapp',
    text: 'Hi {{client.ownerName}}, following up on your {{opportunity.product}} quote.',
    whatsapp: { templateName: 'deal_follow_up', language: 'en_US', parameters: ['{{client.ownerName}}', '{{opportunity.value}}'] },
  },
  { name: 'wa-free', channel: 'whatsapp', text: 'Thanks, {{client.ownerName}}!' },
  { name: 'call-me', channel: 'email', subject: 'Call me', text: 'On {{staff.phone}}.' },
];

beforeAll(async () => {
  const current = await api.as(admin).get('/v1/config/templates');
  expect((await api.as(admin).put('/v1/config/templates', { templates }, { 'if-match': current.headers.get('etag')! })).status).toBe(200);
});

async function clientWithDeal(mobile: string, email?: string) {
  const client = (await api.as(tse).post('/v1/clients', { companyName: 'Menon & Sons <Jewellers>', ownerName: 'Anitha "Ammu" Menon', mobile, ...(email && { email }) })).body;
  const deal = (await api.as(tse).post(`/v1/clients/${client.id}/opportunities`, { productId: 'website', dealValue: 40_000_000 })).body;
  return { client, deal };
}

/** The client wrote on WhatsApp at `when`: the 24-hour window opens. */
async function inbound(clientId: string, from: string, when: string) {
  const id = ids.message(clientId);
  await getServices().messages.create('demo', { id, clientId, channel: 'whatsapp', direction: 'inbound', from, to: ['whatsapp'], text: 'Any news?', attachments: [], providerMessageId: `wamid.in.${id}`, status: 'received', statusAt: when, createdBy: 'system', createdAt: when, version: 1 });
}

const outboxJson = (wamid: string) => JSON.parse(readFileSync(join(api.stack().outboxDir, 'whatsapp', `${wamid}.json`), 'utf8'));
const outboxCount = () => (existsSync(join(api.stack().outboxDir, 'whatsapp')) ? readdirSync(join(api.stack().outboxDir, 'whatsapp')).length : 0);
const thread = async (clientId: string) => (await getServices().messages.list('demo', clientId, { limit: 20 })).items.filter((m) => m.direction === 'outbound');

describe('sending a template', () => {
  it('an email: the rendered subject, text and HTML as real MIME, stored with the template’s name, logged on the deal', async () => {
    const { client, deal } = await clientWithDeal('9874000001', 'anitha@example.com');
    const m = await sendMessage(at(NOW), deps(), client.id, { channel: 'email', opportunityId: deal.id, template: 'quote', attachments: [] });
    expect(m).toMatchObject({
      channel: 'email',
      template: 'quote',
      to: ['anitha@example.com'],
      subject: 'Website quote for Menon & Sons <Jewellers>',
      text: 'Dear Anitha "Ammu" Menon,\nyour Website comes to ₹4,00,000.\nTara TSE',
      html: '<p>Dear Anitha &quot;Ammu&quot; Menon,</p><p>Menon &amp; Sons &lt;Jewellers&gt;: <b>₹4,00,000</b></p>',
      status: 'sent',
    });
    const parsed = await simpleParser(readFileSync(join(api.stack().outboxDir, `${m.id}.eml`)));
    expect(parsed.subject).toBe('Website quote for Menon & Sons <Jewellers>');
    expect(parsed.text?.trim()).toBe('Dear Anitha "Ammu" Menon,\nyour Website comes to ₹4,00,000.\nTara TSE');
    expect(parsed.html).toContain('<p>Dear Anitha &quot;Ammu&quot; Menon,</p><p>Menon &amp; Sons &lt;Jewellers&gt;: <b>₹4,00,000</b></p>');
    expect(parsed.messageId).toBe(m.providerMessageId);
    expect((await thread(client.id)).map((x) => [x.id, x.template])).toEqual([[m.id, 'quote']]);
    const history = (await api.as(tse).get(`/v1/clients/${client.id}/profile`)).body.history;
    expect(history).toMatchObject([{ type: 'Message', status: 'Completed', opportunityId: deal.id, remarks: 'Email: Website quote for Menon & Sons <Jewellers>' }]);
  });

  it('names a template of the tenant for the message’s channel; a missing value is refused before anything is sent', async () => {
    const { client, deal } = await clientWithDeal('9874000002', 'anitha2@example.com');
    await expect(sendMessage(at(NOW), deps(), client.id, { channel: 'email', template: 'nope', attachments: [] })).rejects.toMatchObject({
      code: 'validation_failed',
      details: { errors: [{ field: 'body.template', code: 'unknown_template', message: 'names no template of this tenant (GET /v1/config/templates lists them): nope' }] },
    });
    await expect(sendMessage(at(NOW), deps(), client.id, { channel: 'whatsapp', opportunityId: deal.id, template: 'quote', attachments: [] })).rejects.toMatchObject({
      details: { errors: [{ field: 'body.template', code: 'channel_mismatch', message: 'is an email template, and this is a WhatsApp message' }] },
    });
    await expect(sendMessage(at(NOW), deps(), client.id, { channel: 'email', opportunityId: deal.id, template: 'call-me', attachments: [] })).rejects.toMatchObject({
      details: { errors: [{ field: 'staff.phone', code: 'missing_value', message: '{{staff.phone}} has no value: the sender has no phone number' }] },
    });
    // A deal's variables need the deal.
    await expect(sendMessage(at(NOW), deps(), client.id, { channel: 'email', template: 'quote', attachments: [] })).rejects.toMatchObject({
      details: { errors: [{ field: 'opportunity.product', code: 'missing_value' }, { field: 'opportunity.value', code: 'missing_value' }] },
    });
    expect(await thread(client.id)).toEqual([]);
    expect((await api.as(tse).get(`/v1/clients/${client.id}/profile`)).body.history).toEqual([]);
  });

  it('WhatsApp outside the 24-hour window: the Meta-approved template with its rendered parameters; inside it: the rendered text as free text', async () => {
    const { client, deal } = await clientWithDeal('9874000003');
    const outside = await sendMessage(at(NOW), deps(), client.id, { channel: 'whatsapp', opportunityId: deal.id, template: 'wa-follow-up', attachments: [] });
    expect(outside).toMatchObject({ channel: 'whatsapp', template: 'wa-follow-up', to: ['+919874000003'], text: 'Hi Anitha "Ammu" Menon, following up on your Website quote.', status: 'sent' });
    expect(outboxJson(outside.providerMessageId)).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '919874000003',
      type: 'template',
      template: {
        name: 'deal_follow_up',
        language: { code: 'en_US' },
        components: [{ type: 'body', parameters: [{ type: 'text', text: 'Anitha "Ammu" Menon' }, { type: 'text', text: '₹4,00,000' }] }],
      },
    });

    // The client answers at 11:00: free text until 11:00 the next day, exclusive.
    await inbound(client.id, '+919874000003', '2026-12-01T11:00:00.000Z');
    const inside = await sendMessage(at('2026-12-02T10:59:59.999Z'), deps(), client.id, { channel: 'whatsapp', opportunityId: deal.id, template: 'wa-follow-up', attachments: [] });
    expect(outboxJson(inside.providerMessageId)).toEqual({ messaging_product: 'whatsapp', recipient_type: 'individual', to: '919874000003', type: 'text', text: { body: 'Hi Anitha "Ammu" Menon, following up on your Website quote.' } });
    const closed = await sendMessage(at('2026-12-02T11:00:00.000Z'), deps(), client.id, { channel: 'whatsapp', opportunityId: deal.id, template: 'wa-follow-up', attachments: [] });
    expect(outboxJson(closed.providerMessageId)).toMatchObject({ type: 'template', template: { name: 'deal_follow_up' } });
    expect((await thread(client.id)).map((m) => m.template)).toEqual(['wa-follow-up', 'wa-follow-up', 'wa-follow-up']);
    const history = (await api.as(tse).get(`/v1/clients/${client.id}/profile`)).body.history;
    expect(history.map((e: { type: string; status: string; remarks: string }) => `${e.type} ${e.status} ${e.remarks}`)).toEqual(['Message Completed WhatsApp message', 'Message Completed WhatsApp message', 'Message Completed WhatsApp message']);
  });

  it('WhatsApp: a template with no Meta-approved part is free text, so outside the window it is 409 outside_service_window and nothing goes', async () => {
    const { client } = await clientWithDeal('9874000004');
    const filesBefore = outboxCount();
    await expect(sendMessage(at(NOW), deps(), client.id, { channel: 'whatsapp', template: 'wa-free', attachments: [] })).rejects.toMatchObject({ kind: 'conflict', code: 'outside_service_window', details: { route: 'POST /v1/clients/{id}/messages', field: 'template' } });
    expect(outboxCount()).toBe(filesBefore);
    expect(await thread(client.id)).toEqual([]);

    await inbound(client.id, '+919874000004', '2026-12-01T09:30:00.000Z');
    const m = await sendMessage(at(NOW), deps(), client.id, { channel: 'whatsapp', template: 'wa-free', attachments: [] });
    expect(m).toMatchObject({ template: 'wa-free', text: 'Thanks, Anitha "Ammu" Menon!' });
    expect(outboxJson(m.providerMessageId)).toEqual({ messaging_product: 'whatsapp', recipient_type: 'individual', to: '919874000004', type: 'text', text: { body: 'Thanks, Anitha "Ammu" Menon!' } });
  });
});
