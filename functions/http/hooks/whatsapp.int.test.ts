import { createHmac } from 'node:crypto';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpStub, type HttpStub } from '../../../test/http-stub';
import { useLocalStack } from '../../../test/stack';

/**
 * #14 item 3 (started): WhatsApp through the `whatsapp` connection's hook (the #13 inbound path):
 * a client's message joins their thread once however often Meta redelivers it, which opens the
 * 24-hour window for free text; statuses move what we sent forward only.
 */
const api = useLocalStack();
const admin = { tenantId: 'demo', staffId: 'admin', role: 'tenant_admin' } as const;
const tse = { tenantId: 'demo', staffId: 'tse-1', role: 'tse' } as const;
const sign = (body: string) => ({ 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${createHmac('sha256', 'wa-app-secret').update(body).digest('hex')}` });
const webhook = (value: Record<string, unknown>) =>
  JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '102290129340398', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' }, ...value } }] }] });

describe('WhatsApp through its hook', () => {
  it('an inbound message joins the client’s thread once, opens the window for free text, and statuses only move forward', async () => {
    const conn = (await api.as(admin).post('/v1/integrations', { provider: 'whatsapp', name: 'WhatsApp', settings: { phoneNumberId: '106540352242922' }, secrets: { appSecret: 'wa-app-secret', verifyToken: 'wa-verify', accessToken: 'wa-token' } })).body;
    expect(conn.webhookUrl).toBe(`${api.stack().url}/hooks/demo/${conn.id}`);
    const client = (await api.as(tse).post('/v1/clients', { companyName: 'Chat Traders', ownerName: 'Chitra', mobile: '9873000001' })).body;
    // Before the client wrote: no free text.
    expect((await api.as(tse).post(`/v1/clients/${client.id}/messages`, { channel: 'whatsapp', text: 'Hello' })).body.code).toBe('outside_service_window');
    const at = Math.floor(Date.now() / 1000);
    const inbound = webhook({ contacts: [{ profile: { name: 'Chitra' }, wa_id: '919873000001' }], messages: [{ from: '919873000001', id: 'wamid.IN1', timestamp: String(at), type: 'text', text: { body: 'Is the offer on?' } }] });
    for (let i = 0; i < 2; i++) expect((await api.anonymous().post(`/hooks/demo/${conn.id}`, inbound, sign(inbound))).status).toBe(202);
    await api.stack().inboundQueue.idle();
    const thread = (await api.as(tse).get(`/v1/clients/${client.id}/messages`)).body.items;
    expect(thread).toMatchObject([{ channel: 'whatsapp', direction: 'inbound', from: '+919873000001', text: 'Is the offer on?', providerMessageId: 'wamid.IN1', status: 'received' }]);
    // Inside the window now.
    const sent = await api.as(tse).post(`/v1/clients/${client.id}/messages`, { channel: 'whatsapp', text: 'Yes, till Friday.' });
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    const status = (s: string, n: number) => webhook({ statuses: [{ id: sent.body.providerMessageId, status: s, timestamp: String(at + n), recipient_id: '919873000001' }] });
    for (const [s, n] of [['read', 20], ['delivered', 10]] as const) {
      const body = status(s, n);
      expect((await api.anonymous().post(`/hooks/demo/${conn.id}`, body, sign(body))).status).toBe(202);
    }
    await api.stack().inboundQueue.idle();
    const after = (await api.as(tse).get(`/v1/clients/${client.id}/messages`)).body.items;
    expect(after.map((m: { direction: string; status: string }) => `${m.direction} ${m.status}`)).toEqual(['inbound received', 'outbound read']);
    // STOP blocks WhatsApp sends until the client writes START; each recorded with its time and message.
    const say = async (id: string, text: string, n: number) => {
      const body = webhook({ messages: [{ from: '919873000001', id, timestamp: String(at + n), type: 'text', text: { body: text } }] });
      expect((await api.anonymous().post(`/hooks/demo/${conn.id}`, body, sign(body))).status).toBe(202);
      await api.stack().inboundQueue.idle();
    };
    await say('wamid.STOP', 'Stop', 30);
    expect((await api.as(tse).post(`/v1/clients/${client.id}/messages`, { channel: 'whatsapp', text: 'One more offer' })).body.code).toBe('opted_out');
    await say('wamid.START', 'START', 40);
    expect((await api.as(tse).post(`/v1/clients/${client.id}/messages`, { channel: 'whatsapp', text: 'Welcome back' })).status).toBe(201);
    // A number no client has is left unassigned, said in the log.
    const stranger = webhook({ messages: [{ from: '919999999999', id: 'wamid.IN2', timestamp: String(at), type: 'text', text: { body: 'hi' } }] });
    await api.anonymous().post(`/hooks/demo/${conn.id}`, stranger, sign(stranger));
    await api.stack().inboundQueue.idle();
    const [latest] = (await api.as(admin).get(`/v1/integrations/${conn.id}/deliveries`)).body.items;
    expect((await api.as(admin).get(`/v1/integrations/${conn.id}/deliveries/${latest.id}`)).body.outcomes).toEqual([{ type: 'message.received', externalId: 'wamid.IN2', outcome: 'ignored', message: 'no client has +919999999999: unassigned' }]);
  });
});

describe('WhatsApp replies on a deal’s thread', () => {
  it('a reply completes the deal’s due Message follow-up (not one planned for another day), and the tenant’s own opt-out words count', async () => {
    const conn = (
      await api.as(admin).post('/v1/integrations', {
        provider: 'whatsapp',
        name: 'WhatsApp (Malayalam words)',
        settings: { phoneNumberId: '106540352242922', optOutWords: ['Band karo'] },
        secrets: { appSecret: 'wa-app-secret', verifyToken: 'wa-verify', accessToken: 'wa-token' },
      })
    ).body;
    expect(conn.settings).toEqual({ phoneNumberId: '106540352242922', optOutWords: ['Band karo'], optInWords: [] });
    const client = (await api.as(tse).post('/v1/clients', { companyName: 'Reply Traders', ownerName: 'Rekha', mobile: '9873000002' })).body;
    const deal = (await api.as(tse).post(`/v1/clients/${client.id}/opportunities`, { productId: 'website' })).body;
    const now = Date.now();
    const say = async (id: string, text: string, extra: Record<string, unknown> = {}) => {
      const body = webhook({ messages: [{ from: '919873000002', id, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: text }, ...extra }] });
      expect((await api.anonymous().post(`/hooks/demo/${conn.id}`, body, sign(body))).status).toBe(202);
      await api.stack().inboundQueue.idle();
    };
    await say('wamid.R1', 'Hello, what does a website cost?');
    const quote = await api.as(tse).post(`/v1/clients/${client.id}/messages`, { channel: 'whatsapp', opportunityId: deal.id, text: 'From ₹15,000. Shall I send the quote?' });
    expect(quote.status, JSON.stringify(quote.body)).toBe(201);
    const due = (await api.as(tse).post(`/v1/opportunities/${deal.id}/events`, { type: 'Message', scheduledAt: new Date(now - 60_000).toISOString() })).body;
    const later = (await api.as(tse).post(`/v1/opportunities/${deal.id}/events`, { type: 'Message', scheduledAt: new Date(now + 3 * 86_400_000).toISOString() })).body;

    await say('wamid.R2', 'Yes, send it');
    const thread = (await api.as(tse).get(`/v1/clients/${client.id}/messages`)).body.items as { providerMessageId: string; opportunityId?: string }[];
    expect(thread.map((m) => [m.providerMessageId.startsWith('wamid.local.') ? 'ours' : m.providerMessageId, m.opportunityId ?? null])).toEqual([
      ['wamid.R1', null],
      ['ours', deal.id],
      ['wamid.R2', deal.id],
    ]);
    const done = (await api.as(tse).get(`/v1/events/${due.id}`)).body;
    expect([done.status, done.remarks, done.updatedBy]).toEqual(['Completed', 'The client replied by WhatsApp: Yes, send it', `integration:${conn.id}`]);
    expect((await api.as(tse).get(`/v1/events/${later.id}`)).body.status).toBe('Pending');

    // A second reply finds no due follow-up: the later one stays planned.
    await say('wamid.R3', 'Thanks');
    expect((await api.as(tse).get(`/v1/events/${later.id}`)).body.status).toBe('Pending');

    await say('wamid.R4', 'BAND KARO!');
    expect((await api.as(tse).post(`/v1/clients/${client.id}/messages`, { channel: 'whatsapp', text: 'Just one more thing' })).body.code).toBe('opted_out');
  });
});

describe('WhatsApp media', () => {
  let graph: HttpStub;
  beforeAll(async () => {
    graph = await startHttpStub();
    process.env.INTEGRATION_WHATSAPP_GRAPH_URL = graph.url;
  });
  afterAll(async () => {
    delete process.env.INTEGRATION_WHATSAPP_GRAPH_URL;
    await graph.close();
  });

  it('a photo a client sends is fetched from the Graph API into the media bucket and listed on the message', async () => {
    const conn = (await api.as(admin).post('/v1/integrations', { provider: 'whatsapp', name: 'WhatsApp media', settings: { phoneNumberId: '106540352242922' }, secrets: { appSecret: 'wa-app-secret', verifyToken: 'wa-verify', accessToken: 'wa-token' } })).body;
    const client = (await api.as(tse).post('/v1/clients', { companyName: 'Photo Traders', ownerName: 'Priya', mobile: '9873000003' })).body;
    const photo = Buffer.from('a photo of a rooftop panel');
    graph.on('GET', '/v26.0/555000111', { body: { messaging_product: 'whatsapp', url: `${graph.url}/whatsapp_business/attachments/?mid=555000111`, mime_type: 'image/jpeg', sha256: createHash('sha256').update(photo).digest('hex'), file_size: String(photo.length), id: '555000111' } });
    graph.on('GET', '/whatsapp_business/attachments/', { body: photo.toString('latin1') });
    const body = webhook({ messages: [{ from: '919873000003', id: 'wamid.PHOTO1', timestamp: String(Math.floor(Date.now() / 1000)), type: 'image', image: { caption: 'This one?', mime_type: 'image/jpeg', sha256: 'x', id: '555000111' } }] });
    expect((await api.anonymous().post(`/hooks/demo/${conn.id}`, body, sign(body))).status).toBe(202);
    await api.stack().inboundQueue.idle();

    const [message] = (await api.as(tse).get(`/v1/clients/${client.id}/messages`)).body.items;
    expect([message.text, message.attachments]).toEqual(['This one?', [{ key: `messages/demo/inbound/${conn.id}/wamid.PHOTO1/image-555000111.jpg`, filename: 'image-555000111.jpg', contentType: 'image/jpeg', size: photo.length }]]);
    const { getServices } = await import('../../lib/services');
    const chunks: Uint8Array[] = [];
    for await (const c of await getServices().files.read(message.attachments[0].key)) chunks.push(c);
    expect(Buffer.concat(chunks).equals(photo)).toBe(true);
    expect(graph.requests.map((r) => r.headers.authorization)).toEqual(['Bearer wa-token', 'Bearer wa-token']);
  });

  it('in AWS a send goes through the tenant’s WhatsApp connection (its number, its token); Meta’s refusal is a 409 with its code, an outage a 503, no connection a 409', async () => {
    const [{ getServices }, { cloudApiWhatsApp }, { textMessage }] = await Promise.all([import('../../lib/services'), import('../../lib/mail/messaging'), import('../../../domain/messages/whatsapp/outbound')]);
    const request = textMessage('+919873000003', 'Yes, that one.');
    graph.on('POST', '/v26.0/106540352242922/messages', { body: { messaging_product: 'whatsapp', contacts: [{ input: '+919873000003', wa_id: '919873000003' }], messages: [{ id: 'wamid.OUT1' }] } });
    expect(await cloudApiWhatsApp(getServices(), 'demo').send(request)).toEqual({ wamid: 'wamid.OUT1' });
    const sent = graph.requests.at(-1)!;
    expect([sent.headers.authorization, JSON.parse(sent.body)]).toEqual(['Bearer wa-token', request]);

    graph.on('POST', '/v26.0/106540352242922/messages', { status: 400, body: { error: { message: '(#131026) Message Undeliverable.', code: 131026 } } });
    await expect(cloudApiWhatsApp(getServices(), 'demo').send(request)).rejects.toMatchObject({ kind: 'conflict', code: 'whatsapp_refused', message: 'WhatsApp refused the message: 400 (code 131026).' });
    graph.on('POST', '/v26.0/106540352242922/messages', { status: 503, body: {} });
    await expect(cloudApiWhatsApp(getServices(), 'demo').send(request)).rejects.toMatchObject({ kind: 'unavailable', code: 'whatsapp_unavailable' });
    graph.on('POST', '/v26.0/106540352242922/messages', { status: 401, body: { error: { code: 190 } } });
    await expect(cloudApiWhatsApp(getServices(), 'demo').send(request)).rejects.toMatchObject({ kind: 'conflict', code: 'whatsapp_not_connected' });
    await expect(cloudApiWhatsApp(getServices(), 'acme').send(request)).rejects.toMatchObject({ kind: 'conflict', code: 'whatsapp_not_connected' });
  });
});
