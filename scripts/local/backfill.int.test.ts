import { describe, expect, it } from 'vitest';
import { factTotals } from '../../functions/lib/analytics/totals';
import { aFeedback } from '../../domain/testing/builders';
import { useLocalStack } from '../../test/stack';
import { REBUILT, runBackfill } from '../backfill';

/**
 * Backfill against the live path, on the same history (issue #8 item 5): a day of work through
 * the HTTP API, loaded live (stream → publisher → bus → loader → chDB); then the facts are emptied
 * and rebuilt from a DynamoDB scan, and every total must be what the live path gave.
 */
const api = useLocalStack({ pipeline: true });
const who = (staffId: string, role: 'tse' | 'sales_officer' | 'manager' | 'tenant_admin') => ({ tenantId: 'demo', staffId, role }) as const;
const [admin, manager, tse1, tse2] = [who('admin', 'tenant_admin'), who('manager', 'manager'), who('tse-1', 'tse'), who('tse-2', 'tse')];

async function aDayOfWork() {
  let phone = 9_747_300_000;
  const ok = async <T>(p: Promise<{ status: number; body: T }>, status = 200) => {
    const res = await p;
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    return res.body as T & Record<string, any>;
  };
  expect((await api.as(admin).post('/v1/staff', { staffId: 'tse-7', name: 'Temp', email: 'tse-7@demo.backfill.example', role: 'tse', managerId: 'manager' })).status).toBe(201);
  for (let c = 0; c < 4; c++) {
    const seller = c % 2 === 0 ? tse1 : tse2;
    const client = await ok(api.as(seller).post('/v1/clients', { companyName: `Backfill ${c}`, ownerName: 'Owner', mobile: String(++phone) }), 201);
    const lead = await ok(api.as(seller).post(`/v1/clients/${client.id}/opportunities`, { productId: 'website', coSalespersons: ['so-1'] }), 201);
    const demo = await ok(api.as(seller).post(`/v1/clients/${client.id}/opportunities`, { productId: 'jewellery', stage: 'Demo' }), 201);
    await ok(api.as(seller).post(`/v1/clients/${client.id}/messages`, { channel: 'email', subject: 'Your quote', text: 'Attached.', to: `owner${c}@backfill.example` }), 201);
    for (let k = 0; k < 2; k++) {
      const call = await ok(api.as(seller).post(`/v1/opportunities/${lead.id}/events`, { type: 'Call', scheduledAt: `2026-12-0${k + 2}T10:00:00+05:30` }), 201);
      await ok(api.as(seller).post(`/v1/events/${call.id}/complete`, { remarks: 'spoke' }));
    }
    await ok(api.as(seller).post(`/v1/opportunities/${lead.id}/events`, { type: 'Message', scheduledAt: '2026-12-02T10:00:00Z', status: 'Completed' }), 201);
    const scheduled = await ok(api.as(seller).post(`/v1/opportunities/${demo.id}/events`, { type: 'DemoScheduled', scheduledAt: '2026-12-03T11:00:00+05:30' }), 201);
    await ok(api.as(seller).post(`/v1/events/${scheduled.id}/complete`, { feedback: aFeedback() }));
    await ok(api.as(seller).post(`/v1/opportunities/${lead.id}/stage`, { stage: 'Potential' }));
    if (c === 0) await ok(api.as(manager).post(`/v1/opportunities/${lead.id}/stage`, { stage: 'Qualified', reason: 'not yet' }));
    if (c % 2 === 0) await ok(api.as(seller).post(`/v1/opportunities/${demo.id}/stage`, { stage: 'Closed', outcome: 'Won', closingOwner: seller.staffId }));
    else await ok(api.as(seller).post(`/v1/opportunities/${demo.id}/stage`, { stage: 'Closed', outcome: 'Lost', reason: 'price' }));
    if (c === 3) await ok(api.as(manager).patch(`/v1/opportunities/${lead.id}`, { assignedTo: 'tse-1' }, { 'if-match': `"${(await api.as(manager).get(`/v1/opportunities/${lead.id}`)).body.version}"` }));
  }
  expect((await api.as(admin).post('/v1/staff/tse-7/deactivate')).status).toBe(200);
}

describe('backfill versus the live path', () => {
  it('rebuilds from a DynamoDB scan exactly the totals the live path loaded', async () => {
    await aDayOfWork();
    const { pipeline, dynamoEndpoint, tableName } = api.stack();
    const analytics = pipeline!.analytics;
    await pipeline!.poller.caughtUp();
    await pipeline!.bus.idle();
    const live = await factTotals(analytics, 'demo');
    // Not an empty comparison: calls, demos, the funnel, wins and losses, credits, staff, audit.
    expect(live.activities['completed Call tse-1']).toBe(4);
    expect(live.activities['completed DemoCompleted tse-2']).toBe(2);
    expect(live.revenue).toEqual({ 'tse-1': 6_000_000 });
    expect(Object.keys(live.stagesReached).length).toBeGreaterThan(4);
    expect(live.staff['tse 0']).toBe(1);
    // The feedback of the four demos completed (aFeedback: ₹15,000, Zoho), and the message each seller sent.
    expect(live.feedback).toEqual({ 'DemoCompleted zoho quoted ₹18,000': [4, 6_000_000] });
    expect(live.messages).toEqual({ 'outbound email tse-1 sent': 2, 'outbound email tse-2 sent': 2 });

    const result = await runBackfill({ dynamoEndpoint, region: 'ap-south-1', tableName, analytics }, { tenant: 'demo', truncate: true });
    expect(result.truncated).toBe(true);
    expect(result.items).toBeGreaterThan(100);
    expect(await factTotals(analytics, 'demo')).toEqual(live);

    // A second backfill over the rebuilt facts changes no total either.
    await runBackfill({ dynamoEndpoint, region: 'ap-south-1', tableName, analytics }, { tenant: 'demo' });
    expect(await factTotals(analytics, 'demo')).toEqual(live);
    expect(REBUILT).toEqual(['activities', 'stage_transitions', 'opportunity_state', 'revenue_credits', 'staff', 'audit_log', 'lead_arrivals', 'messages', 'opportunity_by_staff', 'followups', 'message_thread']);
  });

  it('runs through the running stack’s control channel, with its token only', async () => {
    const { url, control } = api.stack();
    const refused = await fetch(`${url}/__local/backfill`, { method: 'POST', headers: { authorization: 'Bearer nope' }, body: '{}' });
    expect(refused.status).toBe(404);
    const res = await fetch(`${url}/__local/backfill`, { method: 'POST', headers: { authorization: `Bearer ${control.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ tenant: 'acme' }) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ truncated: false, items: expect.any(Number) });
  });
});
