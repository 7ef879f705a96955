import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../domain/access/roles';
import { useLocalStack } from '../../../test/stack';

const api = useLocalStack();
const tse1 = { tenantId: 'demo', staffId: 'tse-1', role: 'tse' } as const;
const tse2 = { tenantId: 'demo', staffId: 'tse-2', role: 'tse' } as const;
const admin = { tenantId: 'demo', staffId: 'admin', role: 'tenant_admin' } as const;
const warrior = { tenantId: 'demo', staffId: 'w-1', role: 'warrior' } as const;

const create = async (overrides: Record<string, unknown>) =>
  api.as(tse1).post('/v1/clients', { companyName: 'Kerala Chits', ownerName: 'Mary', mobile: '9895000001', ...overrides });

describe('PATCH /v1/clients/{id}', () => {
  it('updates with If-Match, moves the phone index and refuses a stale version with 412', async () => {
    const c = (await create({ mobile: '9895000011', email: 'mary@keralachits.in' })).body;
    const ok = await api.as(tse1).patch(`/v1/clients/${c.id}`, { mobile: '9895000012', landmark: 'Opp. bus stand' }, { 'if-match': '"1"' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ mobile: '+919895000012', landmark: 'Opp. bus stand', email: 'mary@keralachits.in', version: 2, createdAt: c.createdAt });
    expect(ok.headers.get('etag')).toBe('"2"');

    const stale = await api.as(tse1).patch(`/v1/clients/${c.id}`, { ownerName: 'Someone' }, { 'if-match': '"1"' });
    expect(stale.status).toBe(412);
    expect(stale.body.code).toBe('stale_version');
    expect((await api.as(tse1).patch(`/v1/clients/${c.id}`, { ownerName: 'X' })).status).toBe(428);
    expect((await api.as(tse1).patch(`/v1/clients/${c.id}`, { ownerName: 'X' }, { 'if-match': 'nonsense' })).status).toBe(400);

    // The old phone is free again, the new one is taken.
    expect((await create({ mobile: '9895000011' })).status).toBe(201);
    const dup = await create({ mobile: '9895000012' });
    expect(dup.status).toBe(409);
    expect(dup.body.existingClientId).toBe(c.id);
    expect((await api.as(tse1).get(`/v1/clients/${c.id}`)).body.ownerName).toBe('Mary');
  });

  it('refuses a change onto another client’s email with 409 and changes nothing', async () => {
    const a = (await create({ mobile: '9895000021', email: 'a@example.com' })).body;
    const b = (await create({ mobile: '9895000022', email: 'b@example.com' })).body;
    const res = await api.as(tse1).patch(`/v1/clients/${b.id}`, { email: 'A@Example.com', ownerName: 'Changed' }, { 'if-match': '"1"' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ existingClientId: a.id, matchedOn: 'email' });
    expect((await api.as(tse1).get(`/v1/clients/${b.id}`)).body).toMatchObject({ email: 'b@example.com', ownerName: 'Mary', version: 1 });
  });

  it("hides a salesperson's client from another salesperson, but not from the admin", async () => {
    const c = (await create({ mobile: '9895000031' })).body;
    expect((await api.as(tse2).get(`/v1/clients/${c.id}`)).status).toBe(404);
    expect((await api.as(tse2).patch(`/v1/clients/${c.id}`, { ownerName: 'X' }, { 'if-match': '"1"' })).status).toBe(404);
    expect((await api.as(admin).get(`/v1/clients/${c.id}`)).status).toBe(200);
    expect((await api.as(warrior).post('/v1/clients', { companyName: 'W', ownerName: 'W', mobile: '9895000032' })).status).toBe(403);
  });
});

describe('GET /v1/clients?q=', () => {
  it('finds clients by name, phone or email prefix, within the caller’s scope', async () => {
    const c = (await create({ companyName: 'Malabar Gold House', mobile: '9895000041', email: 'owner@malabar-gold.in' })).body;
    const ids = async (q: string, who: Principal = tse1) => (await api.as(who).get(`/v1/clients?q=${encodeURIComponent(q)}`)).body.items.map((x: { id: string }) => x.id);
    expect(await ids('malabar g')).toEqual([c.id]);
    expect(await ids('MALABAR')).toEqual([c.id]);
    expect(await ids('98950 00041')).toEqual([c.id]);
    expect(await ids('+91989500004')).toContain(c.id);
    expect(await ids('owner@malabar')).toEqual([c.id]);
    expect(await ids('malabar', tse2)).toEqual([]);
    expect((await api.as(tse1).get('/v1/clients?q=m')).status).toBe(422);
  });
});

describe('configuration', () => {
  it('serves the seed catalogue and stages, and lets only the admin replace them with If-Match', async () => {
    const products = await api.as(tse1).get('/v1/config/products');
    expect(products.status).toBe(200);
    expect(products.body.products.map((p: { id: string; standardValue: number }) => [p.id, p.standardValue])).toEqual([
      ['website', 1_500_000],
      ['kml', 2_000_000],
      ['jewellery', 3_000_000],
      ['chitty', 3_000_000],
      ['microfinance', 5_500_000],
      ['nbfc-mscs', 10_000_000],
    ]);
    const etag = products.headers.get('etag')!;
    const next = [...products.body.products, { id: 'gold-loan', name: 'Gold Loan', standardValue: 4_000_000, tier: 'sales', active: true }];
    expect((await api.as(tse1).put('/v1/config/products', { products: next }, { 'if-match': etag })).status).toBe(403);
    const put = await api.as(admin).put('/v1/config/products', { products: next }, { 'if-match': etag });
    expect(put.status).toBe(200);
    expect(put.headers.get('etag')).toBe('"2"');
    expect((await api.as(admin).put('/v1/config/products', { products: next }, { 'if-match': etag })).status).toBe(412);
    const dropped = await api.as(admin).put('/v1/config/products', { products: next.slice(1) }, { 'if-match': '"2"' });
    expect(dropped.status).toBe(422);
    expect(dropped.body.errors[0]).toMatchObject({ code: 'product_removed' });

    const stages = await api.as(tse1).get('/v1/config/stages');
    expect(stages.body.stages).toEqual([
      { stage: 'Lead', multiplier: 50 },
      { stage: 'Qualified', multiplier: 20 },
      { stage: 'Potential', multiplier: 8 },
      { stage: 'Demo', multiplier: 4 },
      { stage: 'Visit', multiplier: 2.5 },
      { stage: 'Closed', multiplier: 1 },
    ]);
    expect(stages.headers.get('etag')).toBe('"0"');
    const bad = await api.as(admin).put('/v1/config/stages', { stages: stages.body.stages.slice(1) }, { 'if-match': '"0"' });
    expect(bad.status).toBe(422);
    const doubled = stages.body.stages.map((s: { stage: string; multiplier: number }) => ({ ...s, multiplier: s.stage === 'Lead' ? 100 : s.multiplier }));
    const ok = await api.as(admin).put('/v1/config/stages', { stages: doubled }, { 'if-match': '"0"' });
    expect(ok.status).toBe(200);
    // New opportunities now default to 1 % at Lead.
    const client = (await create({ mobile: '9895000051' })).body;
    const o = await api.as(tse1).post(`/v1/clients/${client.id}/opportunities`, { productId: 'gold-loan' });
    expect(o.body).toMatchObject({ closingProbability: 1, dealValue: 4_000_000, expectedRevenue: 40_000 });
  });
});
