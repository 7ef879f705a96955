import { describe, expect, it } from 'vitest';
import { useLocalStack } from '../../../test/stack';

/** #12 item 3: merging duplicate clients, with the merged ids kept as aliases. */
const api = useLocalStack();
const admin = { tenantId: 'demo', staffId: 'admin', role: 'tenant_admin' } as const;
const manager = { tenantId: 'demo', staffId: 'manager', role: 'manager' } as const;
const tse = { tenantId: 'demo', staffId: 'tse-1', role: 'tse' } as const;
const acmeAdmin = { tenantId: 'acme', staffId: 'admin', role: 'tenant_admin' } as const;

let phone = 9723400000;
const client = async (who: typeof tse | typeof admin, extra: Record<string, unknown> = {}) => {
  const res = await api.as(who).post('/v1/clients', { companyName: `Merge ${++phone}`, ownerName: 'M', mobile: String(phone), ...extra });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; mobile: string; version: number };
};
const opportunity = async (clientId: string, productId: string, stage = 'Lead') => {
  const res = await api.as(tse).post(`/v1/clients/${clientId}/opportunities`, { productId, stage });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; version: number };
};

describe('merging clients', () => {
  it('moves the deals, events and contact points to the survivor; the more advanced of two open deals for one product stays open', async () => {
    const survivor = await client(tse);
    const merged = await client(tse, { email: 'dup@merge.example', gstin: '29AAGCR4375J1ZU', externalRefs: { tally: 'T-9' } });
    const survivorsWebsite = await opportunity(survivor.id, 'website');
    const mergedWebsite = await opportunity(merged.id, 'website', 'Demo');
    const mergedKml = await opportunity(merged.id, 'kml');
    const call = await api.as(tse).post(`/v1/opportunities/${mergedKml.id}/events`, { type: 'Call', scheduledAt: '2026-12-15T05:00:00Z' });
    expect(call.status).toBe(201);

    const res = await api.as(manager).post(`/v1/clients/${survivor.id}/merge`, { from: [merged.id] });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ merged: [merged.id], closed: [survivorsWebsite.id], moved: { opportunities: 2, events: 1 } });
    expect(res.body.survivor).toMatchObject({ id: survivor.id, externalRefs: { tally: 'T-9' }, version: survivor.version + 1 });

    const profile = (await api.as(tse).get(`/v1/clients/${survivor.id}/profile`)).body;
    expect(profile.activeOpportunities.map((o: { id: string }) => o.id).sort()).toEqual([mergedKml.id, mergedWebsite.id].sort());
    expect(profile.activeOpportunities.every((o: { clientId: string }) => o.clientId === survivor.id)).toBe(true);
    const closed = (await api.as(tse).get(`/v1/opportunities/${survivorsWebsite.id}`)).body;
    expect(closed).toMatchObject({ stage: 'Closed', outcome: 'Lost', lostReason: 'merged' });
    // Ids of opportunities and events never change: they keep working, now the survivor's.
    expect((await api.as(tse).get(`/v1/opportunities/${mergedKml.id}`)).body).toMatchObject({ clientId: survivor.id, version: mergedKml.version + 1 });
    expect((await api.as(tse).get(`/v1/events/${call.body.id}`)).body).toMatchObject({ clientId: survivor.id });
    expect((await api.as(tse).get(`/v1/opportunities/${mergedKml.id}/history`)).status).toBe(200);

    // The merged id is an alias: reads answer the survivor, writes are refused naming it.
    expect((await api.as(tse).get(`/v1/clients/${merged.id}`)).body).toMatchObject({ id: survivor.id });
    expect((await api.as(tse).get(`/v1/clients/${merged.id}/profile`)).body.client.id).toBe(survivor.id);
    const patch = await api.as(tse).patch(`/v1/clients/${merged.id}`, { city: 'Kochi' }, { 'if-match': '"2"' });
    expect(patch.status).toBe(409);
    expect(patch.body).toMatchObject({ code: 'client_merged', survivorId: survivor.id });
    expect((await api.as(tse).post(`/v1/clients/${merged.id}/opportunities`, { productId: 'chitty' })).body).toMatchObject({ code: 'client_merged', survivorId: survivor.id });

    // Its contact points find the survivor; a new client with one of them is a duplicate of the survivor.
    expect((await api.as(tse).get(`/v1/clients?q=${merged.mobile.slice(3)}`)).body.items.map((c: { id: string }) => c.id)).toEqual([survivor.id]);
    const again = await api.as(tse).post('/v1/clients', { companyName: 'Again', ownerName: 'A', mobile: merged.mobile, email: 'other@merge.example' });
    expect(again.body).toMatchObject({ code: 'duplicate_client', existingClientId: survivor.id });

    // New activity on a moved deal lands on the survivor.
    const later = await api.as(tse).post(`/v1/opportunities/${mergedKml.id}/events`, { type: 'Call', scheduledAt: '2026-12-16T05:00:00Z' });
    expect(later.body).toMatchObject({ clientId: survivor.id });

    // Audited on both clients.
    const trail = (await api.as(admin).get(`/v1/clients/${survivor.id}/audit`)).body.items;
    expect(trail.find((e: { action: string; after?: { merged?: string } }) => e.action === 'updated' && e.after?.merged === merged.id)).toBeDefined();

    // Safe to repeat: nothing more moves, nothing more closes.
    const repeat = await api.as(manager).post(`/v1/clients/${survivor.id}/merge`, { from: [merged.id] });
    expect(repeat.status).toBe(200);
    expect(repeat.body).toMatchObject({ merged: [merged.id], closed: [], moved: { opportunities: 0, events: 0 } });
  });

  it('is safe under concurrent writes: events logged on a moving deal all end up the survivor’s, none lost', async () => {
    const survivor = await client(tse);
    const merged = await client(tse);
    const deal = await opportunity(merged.id, 'jewellery');
    const writes = Array.from({ length: 8 }, (_, i) => api.as(tse).post(`/v1/opportunities/${deal.id}/events`, { type: 'Call', scheduledAt: `2026-12-2${i % 8}T05:00:00Z` }));
    const [merge, ...events] = await Promise.all([api.as(manager).post(`/v1/clients/${survivor.id}/merge`, { from: [merged.id] }), ...writes]);
    expect(merge.status).toBe(200);
    const created = events.filter((e) => e.status === 201).map((e) => e.body.id as string);
    // A write that lost the race was told so (and may be retried); none half-landed.
    for (const e of events.filter((x) => x.status !== 201)) expect(e.body.code).toBe('concurrent_update');
    // The survivor's history holds exactly the events that were created, each now the survivor's.
    const history = (await api.as(tse).get(`/v1/clients/${survivor.id}/profile`)).body.history as { id: string; clientId: string }[];
    expect(history.map((e) => e.id).sort()).toEqual([...created].sort());
    expect(history.every((e) => e.clientId === survivor.id)).toBe(true);
    for (const id of created) expect((await api.as(tse).get(`/v1/events/${id}`)).body.clientId, id).toBe(survivor.id);
  });

  it('is for managers within their scope and admins; other clients and tenants are refused', async () => {
    const a = await client(tse);
    const b = await client(tse);
    expect((await api.as(tse).post(`/v1/clients/${a.id}/merge`, { from: [b.id] })).status).toBe(403);
    const adminsOwn = await client(admin);
    expect((await api.as(manager).post(`/v1/clients/${a.id}/merge`, { from: [adminsOwn.id] })).status).toBe(404);
    expect((await api.as(acmeAdmin).post(`/v1/clients/${a.id}/merge`, { from: [b.id] })).status).toBe(404);
    const bad = await api.as(admin).post(`/v1/clients/${a.id}/merge`, { from: [a.id, a.id] });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { field: string; message: string }) => `${e.field}: ${e.message}`)).toEqual(['body.from: must not name a client twice']);
    expect((await api.as(admin).post(`/v1/clients/${a.id}/merge`, { from: [a.id] })).body.errors[0].code).toBe('merge_into_itself');
    // Nothing moved by any of the refusals.
    expect((await api.as(tse).get(`/v1/clients/${b.id}`)).body.id).toBe(b.id);
    expect((await api.as(admin).post(`/v1/clients/${a.id}/merge`, { from: [b.id] })).status).toBe(200);
    // The survivor of one merge cannot be merged into the client merged into it.
    expect((await api.as(admin).post(`/v1/clients/${b.id}/merge`, { from: [a.id] })).body).toMatchObject({ code: 'client_merged', survivorId: a.id });
  });
});
