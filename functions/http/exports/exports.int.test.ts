import { describe, expect, it } from 'vitest';
import { useLocalStack } from '../../../test/stack';

/** #12 item 5: exports of what the caller may read, streamed to a file and downloaded by a URL that expires. */
const api = useLocalStack();
const admin = { tenantId: 'demo', staffId: 'admin', role: 'tenant_admin' } as const;
const manager = { tenantId: 'demo', staffId: 'manager', role: 'manager' } as const;
const tse = { tenantId: 'demo', staffId: 'tse-1', role: 'tse' } as const;
const analyst = { tenantId: 'demo', staffId: 'analyst', role: 'analyst' } as const;
const acmeAdmin = { tenantId: 'acme', staffId: 'admin', role: 'tenant_admin' } as const;

async function runExport(who: typeof admin | typeof manager | typeof analyst | typeof acmeAdmin, request: Record<string, unknown>) {
  const created = await api.as(who).post('/v1/exports', request);
  expect(created.status, JSON.stringify(created.body)).toBe(202);
  expect(created.body).toMatchObject({ status: 'queued', rows: 0 });
  await api.stack().dataQueue.idle();
  const done = await api.as(who).get(`/v1/exports/${created.body.id}`);
  expect(done.status).toBe(200);
  const file = done.body.downloadUrl ? Buffer.from(await (await fetch(done.body.downloadUrl)).arrayBuffer()).toString('utf8') : undefined;
  return { job: done.body, file };
}

describe('exports', () => {
  it('hold only what the caller may read: a manager’s export leaves out a client outside their team, a tenant admin’s has it', async () => {
    const mine = await api.as(tse).post('/v1/clients', { companyName: 'Export Mine', ownerName: 'M', mobile: '9712300001', city: 'Kannur', externalRefs: { tally: 'E-1' } });
    const adminOwn = await api.as(admin).post('/v1/clients', { companyName: 'Export Hidden', ownerName: 'H', mobile: '9712300002', city: 'Kannur' });
    expect([mine.status, adminOwn.status]).toEqual([201, 201]);
    const { job, file } = await runExport(manager, { entity: 'clients', format: 'csv', filter: { city: 'kannur' } });
    expect(job).toMatchObject({ status: 'completed', rows: 1, entity: 'clients', format: 'csv', filter: { city: 'kannur' } });
    expect(Date.parse(job.downloadExpiresAt) - Date.now()).toBeGreaterThan(14 * 60 * 1000);
    expect(job.size).toBe(Buffer.byteLength(file!));
    const lines = file!.split('\r\n');
    expect(lines[0]).toBe('\uFEFFid,companyName,ownerName,mobile,whatsapp,email,address,landmark,geo.lat,geo.lng,city,pincode,gstin,createdBy,createdAt,updatedAt');
    expect(lines[1]).toBe(`${mine.body.id},Export Mine,M,+919712300001,,,,,,,Kannur,,,tse-1,${mine.body.createdAt},${mine.body.updatedAt}`);
    expect(lines.slice(2)).toEqual(['']);
    expect(file).not.toContain(adminOwn.body.id);
    const all = await runExport(admin, { entity: 'clients', format: 'json', filter: { city: 'Kannur' } });
    expect(JSON.parse(all.file!).map((c: { id: string }) => c.id).sort()).toEqual([mine.body.id, adminOwn.body.id].sort());
  });

  it('write opportunities as XML and events as JSON, filtered', async () => {
    const client = await api.as(tse).post('/v1/clients', { companyName: 'Export Deals & Co', ownerName: 'D', mobile: '9712300003' });
    const deal = await api.as(tse).post(`/v1/clients/${client.body.id}/opportunities`, { productId: 'chitty' });
    const call = await api.as(tse).post(`/v1/opportunities/${deal.body.id}/events`, { type: 'Call', scheduledAt: '2026-12-20T04:00:00Z' });
    expect([deal.status, call.status]).toEqual([201, 201]);
    const xml = await runExport(analyst, { entity: 'opportunities', format: 'xml', filter: { productId: 'chitty', outcome: 'open' } });
    expect(xml.job.rows).toBe(1);
    expect(xml.file).toContain(`<opportunity><id>${deal.body.id}</id><clientId>${client.body.id}</clientId><productId>chitty</productId><stage>Lead</stage>`);
    expect(xml.file!.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<opportunities>')).toBe(true);
    const events = await runExport(manager, { entity: 'events', format: 'json', filter: { status: 'Pending', type: 'Call', from: '2026-12-20T00:00:00Z', to: '2026-12-20T23:59:59Z' } });
    expect(JSON.parse(events.file!)).toMatchObject([{ id: call.body.id, opportunityId: deal.body.id, type: 'Call', status: 'Pending' }]);
  });

  it('are the creator’s (and the tenant admin’s); sellers may not export; a filter that does not apply is refused', async () => {
    expect((await api.as(tse).post('/v1/exports', { entity: 'clients', format: 'csv' })).status).toBe(403);
    const created = await api.as(manager).post('/v1/exports', { entity: 'clients', format: 'csv' });
    expect(created.status).toBe(202);
    await api.stack().dataQueue.idle();
    expect((await api.as(admin).get(`/v1/exports/${created.body.id}`)).status).toBe(200);
    expect((await api.as(analyst).get(`/v1/exports/${created.body.id}`)).status).toBe(404);
    expect((await api.as(acmeAdmin).get(`/v1/exports/${created.body.id}`)).status).toBe(404);
    const bad = await api.as(manager).post('/v1/exports', { entity: 'clients', format: 'csv', filter: { stage: 'Demo', from: '2026-12-02T00:00:00Z', to: '2026-12-01T00:00:00Z' } });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['body.filter.stage', 'body.filter.to']);
    expect((await api.as(manager).get('/v1/exports')).body.items.every((e: { createdBy: string }) => e.createdBy === 'manager')).toBe(true);
  });
});
