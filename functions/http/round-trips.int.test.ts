import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CONFIG_MAX_AGE_MS } from '../lib/store/tenants.dynamodb';
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

afterEach(() => vi.useRealTimers());

/** The clock (Date only: the server's timers stay real) past the container's copy of the tenant configuration. */
let ahead = 0;
const configCopyExpires = () => {
  // Further ahead each time: a copy read at an earlier test's shifted time must have expired too.
  ahead += CONFIG_MAX_AGE_MS;
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(vi.getRealSystemTime() + ahead);
};

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

  it('builds the 360 view from one Query of the client partition (plus the catalogue, unless read in the last 10 s)', async () => {
    const client = (await api.as(tse1).post('/v1/clients', { companyName: 'Three Sixty Co', ownerName: 'R', mobile: '9961000002' })).body;
    for (const productId of ['website', 'kml', 'chitty']) {
      const o = (await api.as(tse1).post(`/v1/clients/${client.id}/opportunities`, { productId })).body;
      await api.as(tse1).post(`/v1/opportunities/${o.id}/events`, { type: 'Call', scheduledAt: '2026-12-01T09:00:00Z' });
      await api.as(tse1).post(`/v1/opportunities/${o.id}/stage`, { stage: 'Qualified' });
    }
    configCopyExpires();
    const res = await count(() => api.as(tse1).get(`/v1/clients/${client.id}/profile`));
    expect(res.status).toBe(200);
    expect(res.commands.sort()).toEqual(['BatchGetItemCommand', 'QueryCommand'].sort());
    // Within 10 s the container's copy of the configuration serves (README, Capacity).
    expect(await count(() => api.as(tse1).get(`/v1/clients/${client.id}/profile`))).toEqual({ status: 200, commands: ['QueryCommand'] });
  });

  it('creates a client in one transaction after one config read (none within 10 s of the last) and one Query per fuzzy duplicate key', async () => {
    configCopyExpires();
    // No city or PIN code: the owner-and-phone key alone is looked up (domain/clients/dedup.ts).
    const res = await count(() => api.as(tse1).post('/v1/clients', { companyName: 'Tx Co', ownerName: 'R', mobile: '9961000003', email: 'tx@example.com' }));
    expect(res).toEqual({ status: 201, commands: ['BatchGetItemCommand', 'QueryCommand', 'TransactWriteItemsCommand'] });
    const again = await count(() => api.as(tse1).post('/v1/clients', { companyName: 'Tx Two Co', ownerName: 'R', mobile: '9961000004', city: 'Kochi', pincode: '682001' }));
    // Name + city, name + PIN code, owner + phone: three keys, three Queries, no config read.
    expect(again).toEqual({ status: 201, commands: ['QueryCommand', 'QueryCommand', 'QueryCommand', 'TransactWriteItemsCommand'] });
  });
});
