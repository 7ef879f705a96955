import { beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../../domain/access/roles';
import { useLocalStack } from '../../../test/stack';

const api = useLocalStack();
const demo = (staffId: string, role: Principal['role']): Principal => ({ tenantId: 'demo', staffId, role });
const admin = demo('admin', 'tenant_admin');
const manager = demo('manager', 'manager');
const tse1 = demo('tse-1', 'tse');
const tse2 = demo('tse-2', 'tse');
const am1 = demo('am-1', 'asst_manager');
const tse3 = demo('tse-3', 'tse');
const warrior = demo('w-1', 'warrior');
const partner = demo('p-1', 'partner');
const otherPartner = demo('p-2', 'partner');

let phone = 9745000000;
const clientFor = async (who: Principal) => {
  phone += 1;
  return (await api.as(who).post('/v1/clients', { companyName: `Access ${phone}`, ownerName: 'O', mobile: String(phone) })).body.id as string;
};
const opportunityFor = async (who: Principal, body: Record<string, unknown> = {}) => {
  const clientId = await clientFor(who);
  const res = await api.as(who).post(`/v1/clients/${clientId}/opportunities`, { productId: 'website', ...body });
  expect(res.status).toBe(201);
  return res.body as { id: string; clientId: string; version: number };
};

beforeAll(async () => {
  const staff = [
    { staffId: 'am-1', name: 'Anu Asst', email: 'am1@demo.example', role: 'asst_manager', managerId: 'manager' },
    { staffId: 'tse-3', name: 'Tina TSE', email: 'tse3@demo.example', role: 'tse', managerId: 'am-1' },
    { staffId: 'w-1', name: 'Wasim Warrior', email: 'w1@demo.example', role: 'warrior', managerId: 'manager' },
    { staffId: 'p-1', name: 'Pooja Partner', email: 'p1@demo.example', role: 'partner', partnerCompanyId: 'kochi-agents' },
    { staffId: 'p-2', name: 'Paul Partner', email: 'p2@demo.example', role: 'partner', partnerCompanyId: 'other-agents' },
  ];
  for (const s of staff) expect((await api.as(admin).post('/v1/staff', s)).status).toBe(201);
});

describe('staff and hierarchy', () => {
  it('lets only the tenant admin create staff, with field errors for bad input', async () => {
    expect((await api.as(manager).post('/v1/staff', { staffId: 'x-1', name: 'X', email: 'x@demo.example', role: 'tse' })).status).toBe(403);
    const dup = await api.as(admin).post('/v1/staff', { staffId: 'tse-1', name: 'T', email: 't9@demo.example', role: 'tse' });
    expect(dup.status).toBe(409);
    const bad = await api.as(admin).post('/v1/staff', { staffId: 'Bad Id', name: '', email: 'nope', role: 'platform_admin' });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['body.email', 'body.name', 'body.role', 'body.staffId']);
    const noCompany = await api.as(admin).post('/v1/staff', { staffId: 'p-9', name: 'P', email: 'p9@demo.example', role: 'partner' });
    expect(noCompany.status).toBe(422);
    const underTse = await api.as(admin).post('/v1/staff', { staffId: 'x-2', name: 'X', email: 'x2@demo.example', role: 'tse', managerId: 'tse-1' });
    expect(underTse.body.errors).toEqual([{ field: 'body.managerId', code: 'wrong_role', message: 'tse-1 is a tse and cannot have reports' }]);
  });

  it('shows a manager the whole reporting subtree, an assistant only theirs', async () => {
    const ids = async (who: Principal) => (await api.as(who).get('/v1/staff')).body.items.map((s: { staffId: string }) => s.staffId).sort();
    expect(await ids(manager)).toEqual(['am-1', 'manager', 'so-1', 'tse-1', 'tse-2', 'tse-3', 'w-1']);
    expect(await ids(am1)).toEqual(['am-1', 'tse-3']);
    expect(await ids(tse1)).toEqual(['tse-1']);
    expect((await api.as(am1).get('/v1/staff/tse-1')).status).toBe(404);
    expect((await api.as(manager).get('/v1/staff/tse-3')).body.path).toBe('admin/manager/am-1/tse-3');

    const deep = await opportunityFor(tse3);
    expect((await api.as(manager).get(`/v1/opportunities/${deep.id}`)).status).toBe(200);
    expect((await api.as(am1).get(`/v1/opportunities/${deep.id}`)).status).toBe(200);
    const shallow = await opportunityFor(tse1);
    expect((await api.as(am1).get(`/v1/opportunities/${shallow.id}`)).status).toBe(404);
    expect((await api.as(manager).get(`/v1/opportunities?assignee=tse-3`)).body.items.map((o: { id: string }) => o.id)).toEqual([deep.id]);
    expect((await api.as(am1).get(`/v1/opportunities?assignee=tse-1`)).status).toBe(404);
  });

  it('moves a subtree with its visibility, and refuses cycles', async () => {
    const o = await opportunityFor(tse3);
    const cycle = await api.as(admin).put('/v1/staff/am-1/manager', { managerId: 'tse-3' });
    expect(cycle.status).toBe(422);
    expect(cycle.body.errors[0]).toMatchObject({ field: 'body.managerId', code: 'cycle' });
    const moved = await api.as(admin).put('/v1/staff/am-1/manager', { managerId: 'admin' });
    expect(moved.status).toBe(200);
    expect(moved.body.path).toBe('admin/am-1');
    expect((await api.as(admin).get('/v1/staff/tse-3')).body.path).toBe('admin/am-1/tse-3');
    expect((await api.as(manager).get(`/v1/opportunities/${o.id}`)).status).toBe(404);
    expect((await api.as(am1).get(`/v1/opportunities/${o.id}`)).status).toBe(200);
    expect((await api.as(admin).put('/v1/staff/am-1/manager', { managerId: 'manager' })).status).toBe(200);
    expect((await api.as(manager).get(`/v1/opportunities/${o.id}`)).status).toBe(200);
  });

  it('moves visibility with a reassignment', async () => {
    const o = await opportunityFor(manager, { assignedTo: 'tse-1' });
    expect((await api.as(tse1).get(`/v1/opportunities/${o.id}`)).status).toBe(200);
    expect((await api.as(tse1).patch(`/v1/opportunities/${o.id}`, { assignedTo: 'tse-2' }, { 'if-match': '"1"' })).status).toBe(403);
    const reassigned = await api.as(manager).patch(`/v1/opportunities/${o.id}`, { assignedTo: 'tse-2' }, { 'if-match': '"1"' });
    expect(reassigned.status).toBe(200);
    expect((await api.as(tse1).get(`/v1/opportunities/${o.id}`)).status).toBe(404);
    expect((await api.as(tse2).get(`/v1/opportunities/${o.id}`)).status).toBe(200);
    const lists = async (who: Principal) => (await api.as(who).get('/v1/opportunities')).body.items.map((x: { id: string }) => x.id);
    expect(await lists(tse1)).not.toContain(o.id);
    expect(await lists(tse2)).toContain(o.id);
    const toWarrior = await api.as(manager).patch(`/v1/opportunities/${o.id}`, { assignedTo: 'w-1' }, { 'if-match': '"2"' });
    expect(toWarrior.status).toBe(422);
    expect(toWarrior.body.errors[0]).toMatchObject({ field: 'body.assignedTo', code: 'wrong_role' });
  });
});

describe('warriors', () => {
  it('see only what they were handed; may follow up and move the stage, not close nor change the deal', async () => {
    const o = await opportunityFor(tse1);
    const other = await opportunityFor(tse1);
    expect((await api.as(warrior).get(`/v1/opportunities/${o.id}`)).status).toBe(404);
    const handed = await api.as(tse1).patch(`/v1/opportunities/${o.id}`, { warriors: ['w-1'] }, { 'if-match': '"1"' });
    expect(handed.status).toBe(200);
    expect((await api.as(warrior).get(`/v1/opportunities/${o.id}`)).status).toBe(200);
    expect((await api.as(warrior).get(`/v1/opportunities/${other.id}`)).status).toBe(404);
    expect((await api.as(warrior).get(`/v1/clients/${o.clientId}`)).status).toBe(200);
    expect((await api.as(warrior).get(`/v1/clients/${other.clientId}`)).status).toBe(404);
    expect((await api.as(warrior).get('/v1/opportunities')).body.items.map((x: { id: string }) => x.id)).toEqual([o.id]);

    const call = await api.as(warrior).post(`/v1/opportunities/${o.id}/events`, { type: 'Call', scheduledAt: '2026-12-02T09:00:00Z' });
    expect(call.status).toBe(201);
    expect((await api.as(warrior).post(`/v1/events/${call.body.id}/complete`)).status).toBe(200);
    expect((await api.as(warrior).post(`/v1/opportunities/${o.id}/stage`, { stage: 'Qualified' })).status).toBe(200);
    const close = await api.as(warrior).post(`/v1/opportunities/${o.id}/stage`, { stage: 'Closed', outcome: 'Won' });
    expect(close.status).toBe(403);
    expect(close.body.code).toBe('close_forbidden');
    expect((await api.as(warrior).patch(`/v1/opportunities/${o.id}`, { dealValue: 1 }, { 'if-match': '"3"' })).status).toBe(403);
    expect((await api.as(warrior).post('/v1/clients', { companyName: 'W', ownerName: 'W', mobile: '9745999999' })).status).toBe(403);
    expect((await api.as(tse1).get(`/v1/opportunities/${o.id}`)).body).toMatchObject({ stage: 'Qualified', dealValue: 1_500_000 });

    const toTse = await api.as(tse1).patch(`/v1/opportunities/${o.id}`, { warriors: ['tse-2'] }, { 'if-match': '"3"' });
    expect(toTse.status).toBe(422);
  });
});

describe('partner companies', () => {
  it('see only the leads a manager handed to their company', async () => {
    const o = await opportunityFor(tse1);
    expect((await api.as(tse1).patch(`/v1/opportunities/${o.id}`, { partnerCompanyId: 'kochi-agents' }, { 'if-match': '"1"' })).status).toBe(403);
    expect((await api.as(partner).get(`/v1/opportunities/${o.id}`)).status).toBe(404);
    expect((await api.as(manager).patch(`/v1/opportunities/${o.id}`, { partnerCompanyId: 'kochi-agents' }, { 'if-match': '"1"' })).status).toBe(200);
    expect((await api.as(partner).get(`/v1/opportunities/${o.id}`)).status).toBe(200);
    expect((await api.as(partner).get(`/v1/clients/${o.clientId}/profile`)).status).toBe(200);
    expect((await api.as(otherPartner).get(`/v1/opportunities/${o.id}`)).status).toBe(404);
    expect((await api.as(partner).get('/v1/opportunities')).body.items.map((x: { id: string }) => x.id)).toEqual([o.id]);
    expect((await api.as(otherPartner).get('/v1/opportunities')).body.items).toEqual([]);
    expect((await api.as(partner).get('/v1/opportunities?assignee=tse-1')).status).toBe(404);
    expect((await api.as(partner).post(`/v1/opportunities/${o.id}/stage`, { stage: 'Qualified' })).status).toBe(403);
    expect((await api.as(partner).post(`/v1/opportunities/${o.id}/events`, { type: 'Call', scheduledAt: '2026-12-03T09:00:00Z' })).status).toBe(201);
    expect((await api.as(partner).get('/v1/staff')).status).toBe(403);
  });
});

describe('co-selling', () => {
  it('lets co-salespersons see and follow up, while credit follows the split rules only', async () => {
    const o = await opportunityFor(tse1, { coSalespersons: ['tse-2'] });
    expect((await api.as(tse2).get(`/v1/opportunities/${o.id}`)).status).toBe(200);
    expect((await api.as(tse2).post(`/v1/opportunities/${o.id}/events`, { type: 'Message', scheduledAt: '2026-12-03T09:00:00Z' })).status).toBe(201);
    const won = await api.as(tse1).post(`/v1/opportunities/${o.id}/stage`, { stage: 'Closed', outcome: 'Won' });
    expect(won.body.opportunity.credit).toEqual([{ staffId: 'tse-1', percent: 100, amount: 1_500_000 }]);
  });
});

describe('deactivation', () => {
  it('locks a deactivated manager out of their scope at once', async () => {
    await api.as(admin).post('/v1/staff', { staffId: 'm-2', name: 'M2', email: 'm2@demo.example', role: 'manager', managerId: 'admin' });
    const m2 = demo('m-2', 'manager');
    expect((await api.as(m2).get('/v1/staff')).status).toBe(200);
    expect((await api.as(admin).post('/v1/staff/m-2/deactivate')).body.active).toBe(false);
    const res = await api.as(m2).get('/v1/staff/m-2');
    expect(res.status).toBe(403);
    expect((await api.as(m2).get('/v1/opportunities')).body.code).toBe('staff_inactive');
    expect((await api.as(admin).post('/v1/staff/admin/deactivate')).status).toBe(409);
  });
});

describe('taking access back', () => {
  it('takes the client, its 360 view and the events list away with the last opportunity handed over', async () => {
    const o = await opportunityFor(tse1);
    const other = await api.as(tse1).post(`/v1/clients/${o.clientId}/opportunities`, { productId: 'kml' });
    await api.as(tse1).post(`/v1/opportunities/${other.body.id}/events`, { type: 'Call', scheduledAt: '2026-12-04T09:00:00Z', remarks: 'private' });
    await api.as(tse1).patch(`/v1/opportunities/${o.id}`, { warriors: ['w-1'] }, { 'if-match': '"1"' });
    const call = await api.as(warrior).post(`/v1/opportunities/${o.id}/events`, { type: 'Call', scheduledAt: '2026-12-05T09:00:00Z' });
    expect(call.status).toBe(201);

    // The warrior's 360 view holds only the opportunity handed to them.
    const profile = await api.as(warrior).get(`/v1/clients/${o.clientId}/profile`);
    expect(profile.body.activeOpportunities.map((x: { id: string }) => x.id)).toEqual([o.id]);
    expect(profile.body.history.map((e: { id: string }) => e.id)).toEqual([call.body.id]);
    const listed = async () => (await api.as(warrior).get('/v1/events?status=Pending')).body.items.map((e: { id: string }) => e.id);
    expect(await listed()).toContain(call.body.id);

    await api.as(tse1).patch(`/v1/opportunities/${o.id}`, { warriors: [] }, { 'if-match': '"2"' });
    expect((await api.as(warrior).get(`/v1/clients/${o.clientId}`)).status).toBe(404);
    expect((await api.as(warrior).get(`/v1/clients/${o.clientId}/profile`)).status).toBe(404);
    expect(await listed()).not.toContain(call.body.id);
    expect((await api.as(tse1).get(`/v1/clients/${o.clientId}`)).status).toBe(200);
  });

  it('gives a follow-up only to someone on the opportunity', async () => {
    const o = await opportunityFor(tse1);
    const res = await api.as(tse1).post(`/v1/opportunities/${o.id}/events`, { type: 'Call', scheduledAt: '2026-12-05T09:00:00Z', assignee: 'manager' });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ field: 'body.assignee', code: 'not_on_opportunity', message: 'manager is not on this opportunity' }]);
  });
});
