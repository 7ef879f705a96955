import { describe, expect, it } from 'vitest';
import { useLocalStack } from '../../../test/stack';

const api = useLocalStack();
const tse1 = { tenantId: 'demo', staffId: 'tse-1', role: 'tse' } as const;
const tse2 = { tenantId: 'demo', staffId: 'tse-2', role: 'tse' } as const;
const manager = { tenantId: 'demo', staffId: 'manager', role: 'manager' } as const;
const acmeAdmin = { tenantId: 'acme', staffId: 'admin', role: 'tenant_admin' } as const;

let phone = 9847100000;
const newClient = async (who = tse1) => {
  phone += 1;
  const res = await api.as(who).post('/v1/clients', { companyName: `Client ${phone}`, ownerName: 'Owner', mobile: String(phone) });
  expect(res.status).toBe(201);
  return res.body.id as string;
};

const feedback = {
  customerFeedback: 'Liked the catalogue view',
  requirementDetails: 'Two branches, 40 SKUs',
  suggestions: 'Add Malayalam UI',
  budget: 2_500_000,
  expectedClosingTimeline: '2026-12-15',
  competitorInfo: 'Local vendor at ₹20k',
  staffRemarks: 'Strong intent',
  customerCommitments: 'Sign after branch visit',
};

describe('opportunities', () => {
  it('defaults value, probability and owners from the catalogue and the stage', async () => {
    const clientId = await newClient();
    const res = await api.as(tse1).post(`/v1/clients/${clientId}/opportunities`, { productId: 'jewellery' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      clientId,
      productId: 'jewellery',
      stage: 'Lead',
      dealValue: 3_000_000,
      currency: 'INR',
      closingProbability: 2,
      expectedRevenue: 60_000,
      assignedTo: 'tse-1',
      leadOwner: 'tse-1',
      coSalespersons: [],
      stagesReached: ['Lead'],
      version: 1,
    });
    const read = await api.as(tse1).get(`/v1/opportunities/${res.body.id}`);
    expect(read.body).toEqual(res.body);
  });

  it('allows one open opportunity per client and product: the second is 409 naming the first', async () => {
    const clientId = await newClient();
    const first = await api.as(tse1).post(`/v1/clients/${clientId}/opportunities`, { productId: 'website' });
    const second = await api.as(tse1).post(`/v1/clients/${clientId}/opportunities`, { productId: 'website' });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ code: 'open_opportunity_exists', existingOpportunityId: first.body.id });
    const other = await api.as(tse1).post(`/v1/clients/${clientId}/opportunities`, { productId: 'kml' });
    expect(other.status).toBe(201);
  });

  it('lets two concurrent creates of the same product produce exactly one opportunity', async () => {
    const clientId = await newClient();
    const results = await Promise.all(Array.from({ length: 5 }, () => api.as(tse1).post(`/v1/clients/${clientId}/opportunities`, { productId: 'chitty' })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    const profile = await api.as(tse1).get(`/v1/clients/${clientId}/profile`);
    expect(profile.body.activeOpportunities).toHaveLength(1);
  });

  it('frees the product slot when the opportunity closes', async () => {
    const clientId = await newClient();
    const first = await api.as(tse1).post(`/v1/clients/${clientId}/opportunities`, { productId: 'website' });
    const lost = await api.as(tse1).post(`/v1/opportunities/${first.body.id}/stage`, { stage: 'Closed', outcome: 'Lost', reason: 'price' });
    expect(lost.status).toBe(200);
    expect(lost.body.opportunity).toMatchObject({ stage: 'Closed', outcome: 'Lost', lostReason: 'price', expectedRevenue: 0 });
    const again = await api.as(tse1).post(`/v1/clients/${clientId}/opportunities`, { productId: 'website' });
    expect(again.status).toBe(201);
  });

  it('records every stage passed once on a forward skip and keeps immutable history', async () => {
    const clientId = await newClient();
    const o = (await api.as(tse1).post(`/v1/clients/${clientId}/opportunities`, { productId: 'kml' })).body;
    const demo = await api.as(tse1).post(`/v1/opportunities/${o.id}/stage`, { stage: 'Demo' });
    expect(demo.status).toBe(200);
    expect(demo.body.opportunity).toMatchObject({ stage: 'Demo', stagesReached: ['Lead', 'Qualified', 'Potential', 'Demo'], closingProbability: 25, expectedRevenue: 500_000, version: 2 });
    expect(demo.body.transition).toMatchObject({ from: 'Lead', to: 'Demo', direction: 'forward', newlyReached: ['Qualified', 'Potential', 'Demo'], by: 'tse-1', dealValue: 2_000_000 });

    const back = await api.as(tse1).post(`/v1/opportunities/${o.id}/stage`, { stage: 'Qualified', reason: 'not ready' });
    expect(back.status).toBe(403);
    expect(back.body.code).toBe('backward_move_forbidden');
    const noReason = await api.as(manager).post(`/v1/opportunities/${o.id}/stage`, { stage: 'Qualified' });
    expect(noReason.status).toBe(422);
    const corrected = await api.as(manager).post(`/v1/opportunities/${o.id}/stage`, { stage: 'Qualified', reason: 'demo was premature' });
    expect(corrected.status).toBe(200);
    expect(corrected.body.opportunity.stagesReached).toEqual(['Lead', 'Qualified', 'Potential', 'Demo']);
    const visit = await api.as(tse1).post(`/v1/opportunities/${o.id}/stage`, { stage: 'Visit' });
    expect(visit.body.transition.newlyReached).toEqual(['Visit']);

    const history = await api.as(tse1).get(`/v1/opportunities/${o.id}/history`);
    expect(history.body.items.map((t: { from: string; to: string }) => `${t.from}>${t.to}`)).toEqual(['Lead>Demo', 'Demo>Qualified', 'Qualified>Visit']);
  });

  it('splits won revenue between lead owner and closer', async () => {
    const clientId = await newClient();
    const o = (await api.as(tse1).post(`/v1/clients/${clientId}/opportunities`, { productId: 'microfinance', coSalespersons: ['tse-2'] })).body;
    const won = await api.as(tse2).post(`/v1/opportunities/${o.id}/stage`, { stage: 'Closed', outcome: 'Won' });
    expect(won.status).toBe(200);
    expect(won.body.opportunity).toMatchObject({ outcome: 'Won', closingOwner: 'tse-2', leadOwner: 'tse-1', expectedRevenue: 5_500_000 });
    expect(won.body.opportunity.credit).toEqual([
      { staffId: 'tse-1', percent: 50, amount: 2_750_000 },
      { staffId: 'tse-2', percent: 50, amount: 2_750_000 },
    ]);
    const after = await api.as(tse1).post(`/v1/opportunities/${o.id}/stage`, { stage: 'Visit' });
    expect(after.status).toBe(409);
    expect(after.body.code).toBe('opportunity_closed');
  });

  it('requires If-Match on PATCH, refuses a stale one with 412 and keeps the lead owner immutable', async () => {
    const clientId = await newClient();
    const o = (await api.as(tse1).post(`/v1/clients/${clientId}/opportunities`, { productId: 'website' })).body;
    expect((await api.as(tse1).patch(`/v1/opportunities/${o.id}`, { dealValue: 1_800_000 })).status).toBe(428);
    const ok = await api.as(tse1).patch(`/v1/opportunities/${o.id}`, { dealValue: 1_800_000, closingProbability: 30 }, { 'if-match': '"1"' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ dealValue: 1_800_000, closingProbability: 30, probabilitySource: 'manual', expectedRevenue: 540_000, version: 2 });
    expect(ok.headers.get('etag')).toBe('"2"');
    const stale = await api.as(tse1).patch(`/v1/opportunities/${o.id}`, { dealValue: 1 }, { 'if-match': '"1"' });
    expect(stale.status).toBe(412);
    const owner = await api.as(tse1).patch(`/v1/opportunities/${o.id}`, { leadOwner: 'tse-2' }, { 'if-match': '"2"' });
    expect(owner.status).toBe(422);
    expect(owner.body.errors).toEqual([{ field: 'body.leadOwner', code: 'unknown_field', message: 'is not a known field' }]);
    // The manual probability survives a stage change.
    const moved = await api.as(tse1).post(`/v1/opportunities/${o.id}/stage`, { stage: 'Potential' });
    expect(moved.body.opportunity.closingProbability).toBe(30);
    expect((await api.as(tse1).get(`/v1/opportunities/${o.id}`)).body).toMatchObject({ dealValue: 1_800_000, leadOwner: 'tse-1', version: 3 });
  });

  it('hides opportunities from staff who are not on them and from other tenants', async () => {
    const clientId = await newClient();
    const o = (await api.as(tse1).post(`/v1/clients/${clientId}/opportunities`, { productId: 'website' })).body;
    expect((await api.as(tse2).get(`/v1/opportunities/${o.id}`)).status).toBe(404);
    expect((await api.as(tse2).post(`/v1/opportunities/${o.id}/stage`, { stage: 'Qualified' })).status).toBe(404);
    expect((await api.as(acmeAdmin).get(`/v1/opportunities/${o.id}`)).status).toBe(404);
    expect((await api.as(manager).get(`/v1/opportunities/${o.id}`)).status).toBe(200);
    expect((await api.as(tse1).get(`/v1/opportunities/${o.id}`)).body.stage).toBe('Lead');
  });

  it('refuses bad input with field errors and stores nothing', async () => {
    const clientId = await newClient();
    const bad = await api.as(tse1).post(`/v1/clients/${clientId}/opportunities`, { productId: 'website', dealValue: -5, stage: 'Closed', extra: 1 });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['body.dealValue', 'body.extra', 'body.stage']);
    const unknown = await api.as(tse1).post(`/v1/clients/${clientId}/opportunities`, { productId: 'spaceship' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors).toEqual([{ field: 'body.productId', code: 'unknown_product', message: 'is not a product of the catalogue' }]);
    const profile = await api.as(tse1).get(`/v1/clients/${clientId}/profile`);
    expect(profile.body.activeOpportunities).toEqual([]);
  });
});

describe('events and feedback', () => {
  const withOpportunity = async (productId = 'website') => {
    const clientId = await newClient();
    const o = (await api.as(tse1).post(`/v1/clients/${clientId}/opportunities`, { productId })).body;
    return { clientId, o };
  };

  it('completing a Demo Scheduled event needs all eight feedback fields and creates the Demo Completed record', async () => {
    const { o } = await withOpportunity();
    const scheduled = await api.as(tse1).post(`/v1/opportunities/${o.id}/events`, { type: 'DemoScheduled', scheduledAt: '2026-11-26T10:00:00+05:30', remarks: 'at shop' });
    expect(scheduled.status).toBe(201);
    expect(scheduled.body).toMatchObject({ type: 'DemoScheduled', status: 'Pending', scheduledAt: '2026-11-26T04:30:00.000Z', assignee: 'tse-1' });

    const missing = await api.as(tse1).post(`/v1/events/${scheduled.body.id}/complete`, { feedback: { ...feedback, budget: -1, competitorInfo: undefined } });
    expect(missing.status).toBe(422);
    expect(missing.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['body.feedback.budget', 'body.feedback.competitorInfo']);
    const none = await api.as(tse1).post(`/v1/events/${scheduled.body.id}/complete`);
    expect(none.status).toBe(422);
    expect(none.body.errors).toHaveLength(8);
    expect((await api.as(tse1).get(`/v1/events/${scheduled.body.id}`)).body.status).toBe('Pending');

    const done = await api.as(tse1).post(`/v1/events/${scheduled.body.id}/complete`, { feedback });
    expect(done.status).toBe(200);
    expect(done.body.event).toMatchObject({ status: 'Completed', completedBy: done.body.created.id });
    expect(done.body.created).toMatchObject({ type: 'DemoCompleted', status: 'Completed', feedback, completes: scheduled.body.id });
    const twice = await api.as(tse1).post(`/v1/events/${scheduled.body.id}/complete`, { feedback });
    expect(twice.status).toBe(409);
  });

  it('refuses a Demo Completed logged without feedback, and feedback on a call', async () => {
    const { o } = await withOpportunity();
    const res = await api.as(tse1).post(`/v1/opportunities/${o.id}/events`, { type: 'VisitCompleted', status: 'Completed', scheduledAt: '2026-11-25T09:00:00Z' });
    expect(res.status).toBe(422);
    const call = await api.as(tse1).post(`/v1/opportunities/${o.id}/events`, { type: 'Call', scheduledAt: '2026-11-25T09:00:00Z', feedback });
    expect(call.status).toBe(422);
    expect(call.body.errors[0]).toMatchObject({ field: 'body.feedback', code: 'not_applicable' });
    const profile = await api.as(tse1).get(`/v1/clients/${o.clientId}/profile`);
    expect(profile.body.history).toEqual([]);
  });

  it('refuses events on a closed opportunity', async () => {
    const { o } = await withOpportunity();
    const call = await api.as(tse1).post(`/v1/opportunities/${o.id}/events`, { type: 'Call', scheduledAt: '2026-11-25T09:00:00Z' });
    await api.as(tse1).post(`/v1/opportunities/${o.id}/stage`, { stage: 'Closed', outcome: 'Lost', reason: 'no budget' });
    const res = await api.as(tse1).post(`/v1/opportunities/${o.id}/events`, { type: 'Call', scheduledAt: '2026-11-25T09:00:00Z' });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('opportunity_closed');
    expect((await api.as(tse1).post(`/v1/events/${call.body.id}/complete`)).status).toBe(409);
  });

  it('lists pending events of the caller in a time window, paginated with opaque cursors', async () => {
    const { o } = await withOpportunity();
    for (const day of [1, 2, 3]) {
      await api.as(tse1).post(`/v1/opportunities/${o.id}/events`, { type: 'Call', scheduledAt: `2027-01-0${day}T09:00:00Z`, assignee: 'tse-1' });
    }
    const page1 = await api.as(tse1).get('/v1/events?status=Pending&from=2027-01-01T00:00:00Z&to=2027-01-31T00:00:00Z&limit=2');
    expect(page1.status).toBe(200);
    expect(page1.body.items.map((e: { scheduledAt: string }) => e.scheduledAt)).toEqual(['2027-01-01T09:00:00.000Z', '2027-01-02T09:00:00.000Z']);
    const page2 = await api.as(tse1).get(`/v1/events?status=Pending&from=2027-01-01T00:00:00Z&to=2027-01-31T00:00:00Z&limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items.map((e: { scheduledAt: string }) => e.scheduledAt)).toEqual(['2027-01-03T09:00:00.000Z']);
    expect(page2.body.nextCursor).toBeUndefined();
    const stolen = await api.as(tse2).get(`/v1/events?status=Pending&from=2027-01-01T00:00:00Z&to=2027-01-31T00:00:00Z&limit=2&cursor=${page1.body.nextCursor}`);
    expect(stolen.status).toBe(400);
    expect((await api.as(tse2).get('/v1/events?assignee=tse-1')).status).toBe(404);
  });
});

describe('client 360', () => {
  it('shows products owned, open, in lead and closing stage, the history and cross-sell', async () => {
    const clientId = await newClient();
    const website = (await api.as(tse1).post(`/v1/clients/${clientId}/opportunities`, { productId: 'website' })).body;
    await api.as(tse1).post(`/v1/opportunities/${website.id}/stage`, { stage: 'Closed', outcome: 'Won' });
    const kml = (await api.as(tse1).post(`/v1/clients/${clientId}/opportunities`, { productId: 'kml' })).body;
    const chitty = (await api.as(tse1).post(`/v1/clients/${clientId}/opportunities`, { productId: 'chitty' })).body;
    await api.as(tse1).post(`/v1/opportunities/${chitty.id}/events`, { type: 'Negotiation', scheduledAt: '2026-11-27T09:00:00Z' });
    await api.as(tse1).post(`/v1/opportunities/${kml.id}/events`, { type: 'Call', scheduledAt: '2026-11-26T09:00:00Z' });

    const res = await api.as(tse1).get(`/v1/clients/${clientId}/profile`);
    expect(res.status).toBe(200);
    expect(res.body.existingProducts).toEqual([{ productId: 'website', opportunityId: website.id, dealValue: 1_500_000, closedAt: expect.any(String) }]);
    expect(res.body.activeOpportunities.map((o: { productId: string }) => o.productId).sort()).toEqual(['chitty', 'kml']);
    expect(res.body.leadStageProducts.map((p: { productId: string }) => p.productId).sort()).toEqual(['chitty', 'kml']);
    expect(res.body.closingStageProducts).toEqual([{ productId: 'chitty', opportunityId: chitty.id, stage: 'Lead' }]);
    expect(res.body.history.map((e: { type: string }) => e.type)).toEqual(['Negotiation', 'Call']);
    // No analytics on this stack: cross-sell falls back to catalogue order (ranking: dashboards.int.test.ts).
    expect(res.body.crossSell.map((p: { productId: string }) => p.productId)).toEqual(['jewellery', 'microfinance', 'nbfc-mscs']);
    expect((await api.as(tse2).get(`/v1/clients/${clientId}/profile`)).status).toBe(404);
  });

  it('keeps an audit trail of every change, per client and per opportunity', async () => {
    const clientId = await newClient();
    const o = (await api.as(tse1).post(`/v1/clients/${clientId}/opportunities`, { productId: 'website' })).body;
    await api.as(tse1).post(`/v1/opportunities/${o.id}/stage`, { stage: 'Qualified' });
    await api.as(tse1).patch(`/v1/clients/${clientId}`, { landmark: 'Near the temple' }, { 'if-match': '"1"' });
    const clientAudit = await api.as(tse1).get(`/v1/clients/${clientId}/audit`);
    expect(clientAudit.body.items.map((a: { entity: string; action: string }) => `${a.entity}:${a.action}`).sort()).toEqual(
      ['client:created', 'client:updated', 'opportunity:created', 'opportunity:stage_changed'].sort(),
    );
    const oppAudit = await api.as(tse1).get(`/v1/opportunities/${o.id}/audit`);
    const stageChange = oppAudit.body.items.find((a: { action: string }) => a.action === 'stage_changed');
    expect(stageChange).toMatchObject({ actor: 'tse-1', entityId: o.id, before: { stage: 'Lead' }, after: { stage: 'Qualified' } });
  });
});
