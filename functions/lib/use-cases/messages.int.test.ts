import { describe, expect, it } from 'vitest';
import type { Message } from '../../../domain/messages/message';
import { useLocalStack } from '../../../test/stack';
import { ids } from '../ids';
import { getServices } from '../services';
import { contextOf } from './context';
import { listMessages } from './messages';

/** #14 item 4's scope rule, on the local stack: a thread shows its caller only the messages of deals they may open. */
const api = useLocalStack();
const admin = { tenantId: 'demo', staffId: 'admin', role: 'tenant_admin' } as const;
const tse = { tenantId: 'demo', staffId: 'tse-1', role: 'tse' } as const;

const message = (clientId: string, opportunityId?: string): Message => {
  const id = ids.message(clientId);
  return { id, clientId, ...(opportunityId && { opportunityId }), channel: 'email', direction: 'outbound', from: 'x@demo.example', to: ['c@example.com'], subject: 's', text: 't', attachments: [], providerMessageId: `<${id}@demo.example>`, status: 'sent', statusAt: '2026-12-01T10:00:00.000Z', createdBy: 'tse-1', createdAt: '2026-12-01T10:00:00.000Z', version: 1 };
};

describe('a client’s messages', () => {
  it('are shown per the deals the caller may open: warriors see only their handed deal’s, sellers also the client’s own', async () => {
    expect((await api.as(admin).post('/v1/staff', { staffId: 'w-9', name: 'Warrior', email: 'w-9@demo.example', role: 'warrior', managerId: 'manager' })).status).toBe(201);
    const client = (await api.as(tse).post('/v1/clients', { companyName: 'Thread Traders', ownerName: 'T', mobile: '9871234500' })).body;
    const mine = (await api.as(tse).post(`/v1/clients/${client.id}/opportunities`, { productId: 'website', warriors: ['w-9'] })).body;
    const theirs = (await api.as(admin).post(`/v1/clients/${client.id}/opportunities`, { productId: 'kml', assignedTo: 'tse-2' })).body;
    const [general, onMine, onTheirs] = [message(client.id), message(client.id, mine.id), message(client.id, theirs.id)];
    for (const m of [general, onMine, onTheirs]) await getServices().messages.create('demo', m);
    const seen = async (who: { tenantId: string; staffId: string; role: 'tenant_admin' | 'tse' | 'warrior' }) => (await listMessages(contextOf(who, new Date(), getServices()), client.id, { limit: 50 })).items.map((m) => m.id);
    expect(await seen(admin)).toEqual([general.id, onMine.id, onTheirs.id]);
    expect(await seen(tse)).toEqual([general.id, onMine.id]);
    expect(await seen({ tenantId: 'demo', staffId: 'w-9', role: 'warrior' })).toEqual([onMine.id]);
    await expect(seen({ tenantId: 'acme', staffId: 'admin', role: 'tenant_admin' })).rejects.toMatchObject({ kind: 'not_found' });
  });
});
