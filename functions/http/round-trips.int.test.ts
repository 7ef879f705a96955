import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalStack } from '../../test/stack';

const api = useLocalStack();
const tse1 = { tenantId: 'demo', staffId: 'tse-1', role: 'tse' } as const;

/** Every DynamoDB command the handlers send, by name (they share this process's services). */
const sent: string[] = [];
beforeAll(async () => {
  const { getStoreClients } = await import('../lib/services');
  getStoreClients().ddb.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push(context.commandName as string);
      return next(args);
    },
    { step: 'initialize', name: 'countCommands' },
  );
});

const count = async (call: () => Promise<{ status: number }>) => {
  sent.length = 0;
  const res = await call();
  return { status: res.status, commands: [...sent] };
};

describe('DynamoDB round trips (DESIGN §7)', () => {
  it('reads a client, an opportunity and an event with one GetItem each', async () => {
    const client = (await api.as(tse1).post('/v1/clients', { companyName: 'Round Trip Co', ownerName: 'R', mobile: '9961000001' })).body;
    const o = (await api.as(tse1).post(`/v1/clients/${client.id}/opportunities`, { productId: 'kml' })).body;
    const e = (await api.as(tse1).post(`/v1/opportunities/${o.id}/events`, { type: 'Call', scheduledAt: '2026-12-01T09:00:00Z' })).body;
    expect(await count(() => api.as(tse1).get(`/v1/clients/${client.id}`))).toEqual({ status: 200, commands: ['GetItemCommand'] });
    expect(await count(() => api.as(tse1).get(`/v1/opportunities/${o.id}`))).toEqual({ status: 200, commands: ['GetItemCommand'] });
    // An event's visibility follows its opportunity's: one read for each.
    expect(await count(() => api.as(tse1).get(`/v1/events/${e.id}`))).toEqual({ status: 200, commands: ['GetItemCommand', 'GetItemCommand'] });
  });

  it('builds the 360 view from one Query of the client partition (plus the catalogue)', async () => {
    const client = (await api.as(tse1).post('/v1/clients', { companyName: 'Three Sixty Co', ownerName: 'R', mobile: '9961000002' })).body;
    for (const productId of ['website', 'kml', 'chitty']) {
      const o = (await api.as(tse1).post(`/v1/clients/${client.id}/opportunities`, { productId })).body;
      await api.as(tse1).post(`/v1/opportunities/${o.id}/events`, { type: 'Call', scheduledAt: '2026-12-01T09:00:00Z' });
      await api.as(tse1).post(`/v1/opportunities/${o.id}/stage`, { stage: 'Qualified' });
    }
    const res = await count(() => api.as(tse1).get(`/v1/clients/${client.id}/profile`));
    expect(res.status).toBe(200);
    expect(res.commands.sort()).toEqual(['BatchGetItemCommand', 'QueryCommand'].sort());
  });

  it('creates a client in one transaction after one config read', async () => {
    const res = await count(() => api.as(tse1).post('/v1/clients', { companyName: 'Tx Co', ownerName: 'R', mobile: '9961000003', email: 'tx@example.com' }));
    expect(res).toEqual({ status: 201, commands: ['BatchGetItemCommand', 'TransactWriteItemsCommand'] });
  });
});
