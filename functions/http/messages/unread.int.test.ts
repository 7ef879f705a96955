import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Role } from '../../../domain/access/roles';
import type { Message } from '../../../domain/messages/message';
import { useLocalStack } from '../../../test/stack';
import { ids } from '../../lib/ids';
import { getServices } from '../../lib/services';
import { contextOf } from '../../lib/use-cases/context';
import { noteInbound } from '../../lib/use-cases/unread';

/**
 * #14 item 4: unread counts per staff member. An inbound message raises the count of whoever
 * answers for it (the deal's assignee, else the client's owner) once however often it comes;
 * reading the thread leaves it, marking it read clears it; each caller sees only their own
 * counts, of clients (and deals) they may still see.
 */
const api = useLocalStack();
const who = (staffId: string, role: Role, tenantId = 'demo') => ({ tenantId, staffId, role });
const admin = who('admin', 'tenant_admin');
const tse1 = who('tse-1', 'tse');
const tse2 = who('tse-2', 'tse');
const manager = who('manager', 'manager');
const none = { total: 0, clients: [] };

const sign = (body: string) => ({ 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${createHmac('sha256', 'wa-app-secret').update(body).digest('hex')}` });
const webhook = (value: Record<string, unknown>) =>
  JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '102290129340398', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' }, ...value } }] }] });

/** A message as the inbound paths store it, counted as they count it. */
async function arrives(clientId: string, createdAt: string, opportunityId?: string): Promise<{ message: Message; counted: string[] }> {
  const id = ids.message(clientId);
  const message: Message = { id, clientId, ...(opportunityId && { opportunityId }), channel: 'whatsapp', direction: 'inbound', from: '+919873200009', to: ['106540352242922'], text: 'hello', attachments: [], providerMessageId: `wamid.${id}`, status: 'received', statusAt: createdAt, createdBy: 'system', createdAt, version: 1 };
  await getServices().messages.create('demo', message);
  const ctx = contextOf({ tenantId: 'demo', staffId: 'integration:test', role: 'tenant_admin' }, new Date(), getServices());
  return { message, counted: await noteInbound(ctx, message) };
}

describe('unread counts', () => {
  it('a WhatsApp message raises the client owner’s count to exactly 1, however often Meta delivers it; reading the thread leaves it, marking it read clears it', async () => {
    const conn = (await api.as(admin).post('/v1/integrations', { provider: 'whatsapp', name: 'WhatsApp', settings: { phoneNumberId: '106540352242922' }, secrets: { appSecret: 'wa-app-secret', verifyToken: 'wa-verify', accessToken: 'wa-token' } })).body;
    const client = (await api.as(tse1).post('/v1/clients', { companyName: 'Unread Traders', ownerName: 'Uma', mobile: '9873200001' })).body;
    const at = Math.floor(Date.now() / 1000);
    const text = { from: '919873200001', id: 'wamid.UNREAD1', timestamp: String(at), type: 'text', text: { body: 'Any news?' } };
    const deliver = async (...bodies: string[]) => {
      for (const body of bodies) expect((await api.anonymous().post(`/hooks/demo/${conn.id}`, body, sign(body))).status).toBe(202);
      await api.stack().inboundQueue.idle();
    };
    const once = webhook({ messages: [text] });
    // The same delivery twice, and the same message in another delivery (with the sender's profile).
    const again = webhook({ contacts: [{ profile: { name: 'Uma' }, wa_id: '919873200001' }], messages: [text] });
    await deliver(once, once, again);
    const unread = { total: 1, clients: [{ clientId: client.id, companyName: 'Unread Traders', count: 1, lastAt: new Date(at * 1000).toISOString() }] };
    expect((await api.as(tse1).get('/v1/messages/unread')).body).toEqual(unread);
    // Counts are the caller's own: the admin sees the thread, not tse-1's count; tse-2 has none.
    expect((await api.as(admin).get('/v1/messages/unread')).body).toEqual(none);
    expect((await api.as(tse2).get('/v1/messages/unread')).body).toEqual(none);
    // Reading the thread is not marking it read.
    expect((await api.as(tse1).get(`/v1/clients/${client.id}/messages`)).body.items).toHaveLength(1);
    expect((await api.as(tse1).get('/v1/messages/unread')).body).toEqual(unread);

    expect((await api.as(tse1).post(`/v1/clients/${client.id}/messages/read`)).body).toEqual({ clientId: client.id, cleared: 1 });
    expect((await api.as(tse1).get('/v1/messages/unread')).body).toEqual(none);
    expect((await api.as(tse1).post(`/v1/clients/${client.id}/messages/read`)).body).toEqual({ clientId: client.id, cleared: 0 });
    // Meta delivering it once more after it was read does not count it again; a new message does.
    await deliver(webhook({ contacts: [{ profile: { name: 'Uma K' }, wa_id: '919873200001' }], messages: [text] }));
    expect((await api.as(tse1).get('/v1/messages/unread')).body).toEqual(none);
    await deliver(webhook({ messages: [{ ...text, id: 'wamid.UNREAD2', timestamp: String(at + 5), text: { body: 'Hello?' } }] }));
    expect((await api.as(tse1).get('/v1/messages/unread')).body).toEqual({ total: 1, clients: [{ ...unread.clients[0], lastAt: new Date((at + 5) * 1000).toISOString() }] });

    // A run that stored a message and stopped before counting it: Meta's redelivery counts it, once.
    const stored: Message = { id: ids.message(client.id), clientId: client.id, channel: 'whatsapp', direction: 'inbound', from: '+919873200001', to: ['106540352242922'], text: 'Third', attachments: [], providerMessageId: 'wamid.UNREAD3', status: 'received', statusAt: new Date((at + 9) * 1000).toISOString(), createdBy: 'system', createdAt: new Date((at + 9) * 1000).toISOString(), version: 1 };
    await getServices().messages.create('demo', stored);
    const third = webhook({ messages: [{ ...text, id: 'wamid.UNREAD3', timestamp: String(at + 9), text: { body: 'Third' } }] });
    await deliver(third, webhook({ contacts: [{ profile: { name: 'U' }, wa_id: '919873200001' }], messages: [{ ...text, id: 'wamid.UNREAD3', timestamp: String(at + 9), text: { body: 'Third' } }] }));
    expect((await api.as(tse1).get('/v1/messages/unread')).body).toEqual({ total: 2, clients: [{ ...unread.clients[0], count: 2, lastAt: stored.createdAt }] });
    // Someone who cannot see the client cannot mark it read (and tse-1's count stays).
    for (const caller of [tse2, who('admin', 'tenant_admin', 'acme'), who('root', 'platform_admin')]) {
      expect((await api.as(caller).post(`/v1/clients/${client.id}/messages/read`)).body).toMatchObject({ status: 404, code: 'client_not_found' });
    }
    expect((await api.as(tse1).get('/v1/messages/unread')).body.total).toBe(2);
    expect((await api.as(who('root', 'platform_admin')).get('/v1/messages/unread')).status).toBe(403);
  });

  it('a message about a deal counts for its assignee, not the client’s owner, and is no longer shown once the deal is reassigned', async () => {
    // The manager's client and lead, handed to tse-1.
    const client = (await api.as(manager).post('/v1/clients', { companyName: 'Deal Talk', ownerName: 'D', mobile: '9873200002' })).body;
    const deal = (await api.as(manager).post(`/v1/clients/${client.id}/opportunities`, { productId: 'website', assignedTo: 'tse-1' })).body;
    const { counted } = await arrives(client.id, '2026-11-20T10:00:00.000Z', deal.id);
    expect(counted).toEqual(['tse-1']);
    expect((await api.as(tse1).get('/v1/messages/unread')).body.clients).toContainEqual({ clientId: client.id, companyName: 'Deal Talk', count: 1, lastAt: '2026-11-20T10:00:00.000Z' });
    expect((await api.as(manager).get('/v1/messages/unread')).body).toEqual(none);
    expect((await api.as(manager).patch(`/v1/opportunities/${deal.id}`, { assignedTo: 'tse-2' }, { 'if-match': `"${deal.version}"` })).status).toBe(200);
    // tse-1 can no longer open the client nor the deal: the count is not shown (nor given to tse-2, who gets the next ones).
    expect((await api.as(tse1).get(`/v1/clients/${client.id}`)).status).toBe(404);
    expect((await api.as(tse1).get('/v1/messages/unread')).body.clients.map((c: { clientId: string }) => c.clientId)).not.toContain(client.id);
    expect((await api.as(tse2).get('/v1/messages/unread')).body.clients.map((c: { clientId: string }) => c.clientId)).not.toContain(client.id);
    expect((await arrives(client.id, '2026-11-21T10:00:00.000Z', deal.id)).counted).toEqual(['tse-2']);
    expect((await api.as(tse2).get('/v1/messages/unread')).body.clients).toContainEqual({ clientId: client.id, companyName: 'Deal Talk', count: 1, lastAt: '2026-11-21T10:00:00.000Z' });
  });

  it('a client whose owner has left: the message counts for the assignees of its open deals; the list is newest first', async () => {
    expect((await api.as(admin).post('/v1/staff', { staffId: 'tse-gone', name: 'Gone', email: 'gone@demo.example', role: 'tse', managerId: 'manager' })).status).toBe(201);
    const gone = who('tse-gone', 'tse');
    const client = (await api.as(gone).post('/v1/clients', { companyName: 'Left Behind', ownerName: 'L', mobile: '9873200003' })).body;
    const deal = (await api.as(gone).post(`/v1/clients/${client.id}/opportunities`, { productId: 'kml' })).body;
    expect((await api.as(admin).patch(`/v1/opportunities/${deal.id}`, { assignedTo: 'tse-2' }, { 'if-match': `"${deal.version}"` })).status).toBe(200);
    expect((await api.as(admin).post('/v1/staff/tse-gone/deactivate')).status).toBe(200);
    expect((await arrives(client.id, '2026-11-22T10:00:00.000Z')).counted).toEqual(['tse-2']);
    const mine = (await api.as(tse2).get('/v1/messages/unread')).body;
    // Newest first: this one (22 Nov) before the deal talk (21 Nov).
    expect(mine.clients.map((c: { companyName: string; count: number }) => `${c.companyName} ${c.count}`)).toEqual(['Left Behind 1', 'Deal Talk 1']);
    expect(mine.total).toBe(2);
  });
});
