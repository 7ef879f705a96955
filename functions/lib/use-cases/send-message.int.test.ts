import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { parseThreadAddress } from '../../../domain/messages/threads';
import { useLocalStack } from '../../../test/stack';
import { ids } from '../ids';
import { OutboxMailer } from '../mail/mailer';
import { getServices } from '../services';
import { contextOf } from './context';
import { outboxWhatsApp, sendMessage, type MessagingDeps } from './send-message';

/** #14 item 1 (started) on the local stack: an email through the outbox as real MIME, WhatsApp's 24-hour window, auto-tracking. */
const api = useLocalStack();
const admin = { tenantId: 'demo', staffId: 'admin', role: 'tenant_admin' } as const;
const tse = { tenantId: 'demo', staffId: 'tse-1', role: 'tse' } as const;
const secret = Buffer.alloc(32, 9);
const deps = (): MessagingDeps => ({ mailer: new OutboxMailer(api.stack().outboxDir), from: 'sales@demo.example', replyDomain: 'reply.demo.example', threadSecret: secret, whatsapp: outboxWhatsApp(api.stack().outboxDir) });
const as = (who: typeof admin | typeof tse | { tenantId: string; staffId: string; role: 'warrior' }) => contextOf(who, new Date('2026-12-01T10:00:00.000Z'), getServices());

async function clientWithDeal(mobile: string, email?: string) {
  const client = (await api.as(tse).post('/v1/clients', { companyName: 'Mail Traders', ownerName: 'Meera', mobile, ...(email && { email }) })).body;
  const deal = (await api.as(tse).post(`/v1/clients/${client.id}/opportunities`, { productId: 'website' })).body;
  return { client, deal };
}

describe('sending a message', () => {
  it('an email is real MIME with the thread’s Reply-To and its Message-ID, stored in the thread, and logged on the deal as a completed Message', async () => {
    const { client, deal } = await clientWithDeal('9872000001', 'meera@example.com');
    const m = await sendMessage(as(tse), deps(), client.id, { channel: 'email', opportunityId: deal.id, subject: 'Your quote', text: 'Please find the quote.', html: '<p>Please find the <b>quote</b>.</p>', attachments: [] });
    expect(m).toMatchObject({ channel: 'email', direction: 'outbound', to: ['meera@example.com'], subject: 'Your quote', status: 'sent', opportunityId: deal.id, createdBy: 'tse-1' });
    const eml = readFileSync(join(api.stack().outboxDir, `${m.id}.eml`));
    const parsed = await simpleParser(eml);
    expect(parsed.subject).toBe('Your quote');
    expect(parsed.from?.value).toEqual([{ name: 'Tara TSE', address: 'sales@demo.example' }]);
    expect(parsed.text?.trim()).toBe('Please find the quote.');
    expect(parsed.html).toContain('<b>quote</b>');
    expect(parsed.messageId).toBe(m.providerMessageId);
    const replyTo = parsed.replyTo!.value[0]!.address!;
    expect(parseThreadAddress(secret, replyTo, 'reply.demo.example')).toEqual({ tenantId: 'demo', clientId: client.id, threadId: 'email' });
    expect((await getServices().messages.list('demo', client.id, { limit: 10 })).items.map((x) => x.id)).toEqual([m.id]);
    const events = (await api.as(tse).get(`/v1/clients/${client.id}/profile`)).body.history;
    expect(events).toMatchObject([{ type: 'Message', status: 'Completed', opportunityId: deal.id, remarks: 'Email: Your quote' }]);
  });

  it('an email to a client with no address names the missing field; a warrior must name a deal handed to them', async () => {
    const { client } = await clientWithDeal('9872000002');
    await expect(sendMessage(as(tse), deps(), client.id, { channel: 'email', subject: 's', text: 't', attachments: [] })).rejects.toMatchObject({ code: 'validation_failed', details: { errors: [{ field: 'body.to', code: 'required' }] } });
    expect((await api.as(admin).post('/v1/staff', { staffId: 'w-8', name: 'Warrior', email: 'w-8@demo.example', role: 'warrior', managerId: 'manager' })).status).toBe(201);
    const warrior = as({ tenantId: 'demo', staffId: 'w-8', role: 'warrior' });
    // Not handed anything of this client: it does not exist for them.
    await expect(sendMessage(warrior, deps(), client.id, { channel: 'email', subject: 's', text: 't', to: 'x@example.com', attachments: [] })).rejects.toMatchObject({ kind: 'not_found' });
    const handed = (await api.as(tse).post(`/v1/clients/${client.id}/opportunities`, { productId: 'kml', warriors: ['w-8'] })).body;
    await expect(sendMessage(warrior, deps(), client.id, { channel: 'email', subject: 's', text: 't', to: 'x@example.com', attachments: [] })).rejects.toMatchObject({ details: { errors: [{ field: 'body.opportunityId', code: 'required' }] } });
    expect(await sendMessage(warrior, deps(), client.id, { channel: 'email', opportunityId: handed.id, subject: 's', text: 't', to: 'x@example.com', attachments: [] })).toMatchObject({ status: 'sent', createdBy: 'w-8' });
  });

  it('WhatsApp free text only within 24 hours of the client’s last message: 409 outside_service_window before, sent within', async () => {
    const { client } = await clientWithDeal('9872000003');
    await expect(sendMessage(as(tse), deps(), client.id, { channel: 'whatsapp', text: 'Hello', attachments: [] })).rejects.toMatchObject({ code: 'outside_service_window' });
    const inboundId = ids.message(client.id);
    await getServices().messages.create('demo', { id: inboundId, clientId: client.id, channel: 'whatsapp', direction: 'inbound', from: '+919872000003', to: ['whatsapp'], text: 'Is the offer still on?', attachments: [], providerMessageId: `wamid.in.${inboundId}`, status: 'received', statusAt: '2026-12-01T09:00:00.000Z', createdBy: 'system', createdAt: '2026-12-01T09:00:00.000Z', version: 1 });
    const m = await sendMessage(as(tse), deps(), client.id, { channel: 'whatsapp', text: 'Yes, till Friday.', attachments: [] });
    expect(m).toMatchObject({ channel: 'whatsapp', to: ['+919872000003'], status: 'sent' });
    const files = readdirSync(join(api.stack().outboxDir, 'whatsapp'));
    expect(JSON.parse(readFileSync(join(api.stack().outboxDir, 'whatsapp', `${m.providerMessageId}.json`), 'utf8'))).toEqual({ messaging_product: 'whatsapp', recipient_type: 'individual', to: '919872000003', type: 'text', text: { body: 'Yes, till Friday.' } });
    expect(files).toContain(`${m.providerMessageId}.json`);
  });
});
