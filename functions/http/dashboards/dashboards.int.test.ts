import { createHmac } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalStack } from '../../../test/stack';
import { periodTargets } from '../../../domain/targets/achievement';
import { localDay, periodOf } from '../../../domain/targets/periods';
import { seedTargets } from '../../../domain/targets/targets';

/**
 * Traceability (issue #9 item 7): a known history made through the API — a skipped-stage win, a
 * lost deal, a win closed by a co-seller (split credit), a reassignment, a backward correction, a
 * co-seller taken off a deal — flows through the real pipeline into chDB, and every dashboard
 * number is checked exactly, with the facts behind it.
 */
const api = useLocalStack({ pipeline: true });
const tse1 = { tenantId: 'demo', staffId: 'tse-1', role: 'tse' } as const;
const tse2 = { tenantId: 'demo', staffId: 'tse-2', role: 'tse' } as const;
const manager = { tenantId: 'demo', staffId: 'manager', role: 'manager' } as const;
const analyst = { tenantId: 'demo', staffId: 'an-1', role: 'analyst' } as const;
const admin = { tenantId: 'demo', staffId: 'admin', role: 'tenant_admin' } as const;
const IST = { timeZone: 'Asia/Kolkata', weekStartsOn: 'monday' as const };

let phone = 9847300000;
const newClient = async (who: typeof tse1 | typeof tse2 = tse1) => {
  phone += 1;
  const res = await api.as(who).post('/v1/clients', { companyName: `Client ${phone}`, ownerName: 'Owner', mobile: String(phone) });
  expect(res.status).toBe(201);
  return res.body.id as string;
};
type Who = typeof tse1 | typeof tse2 | typeof manager;
const ok = async (res: Promise<{ status: number; body: any }>, status = 200) => {
  const r = await res;
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
};
const open = (who: Who, clientId: string, body: Record<string, unknown>) => ok(api.as(who).post(`/v1/clients/${clientId}/opportunities`, body), 201);
const move = async (who: Who, id: string, body: Record<string, unknown>) => (await ok(api.as(who).post(`/v1/opportunities/${id}/stage`, body))).opportunity;
const patch = (who: Who, o: { id: string; version: number }, body: Record<string, unknown>) => ok(api.as(who).patch(`/v1/opportunities/${o.id}`, body, { 'if-match': `"${o.version}"` }));
const schedule = (who: Who, opportunityId: string, type: string, extra: Record<string, unknown> = {}) =>
  ok(api.as(who).post(`/v1/opportunities/${opportunityId}/events`, { type, scheduledAt: '2027-01-15T05:00:00.000Z', ...extra }), 201);
const complete = (who: Who, eventId: string) => ok(api.as(who).post(`/v1/events/${eventId}/complete`, {}));

const settled = async () => {
  await api.stack().pipeline!.poller.caughtUp();
  await api.stack().pipeline!.bus.idle();
};

/** What the history leaves, by name. */
const h: Record<string, any> = {};
let today: string;

beforeAll(async () => {
  today = localDay(new Date(), 'Asia/Kolkata');
  // The analyst of the attack matrix, for the tenant-wide views.
  await ok(api.as(admin).post('/v1/staff', { staffId: 'an-1', name: 'Anu Analyst', email: 'an-1@demo.example', role: 'analyst' }), 201);

  // O1: a Website lead that tse-1 works: a call done, a call pending, Qualified, then Demo; the
  // manager corrects it back to Potential, and tse-1 moves it to Demo again (Demo counted once).
  const a = await newClient();
  h.o1 = await open(tse1, a, { productId: 'website' });
  h.call1 = await schedule(tse1, h.o1.id, 'Call');
  await complete(tse1, h.call1.id);
  h.pending = await schedule(tse1, h.o1.id, 'Call');
  await move(tse1, h.o1.id, { stage: 'Qualified' });
  await move(tse1, h.o1.id, { stage: 'Demo' });
  await move(manager, h.o1.id, { stage: 'Potential', reason: 'demo not yet booked' });
  h.o1 = await move(tse1, h.o1.id, { stage: 'Demo' });
  h.demo = await schedule(tse1, h.o1.id, 'DemoScheduled');

  // O2: a KML lead won straight from Lead by tse-1 (skips four stages; tse-1 gets 100 %).
  const b = await newClient();
  h.o2 = await open(tse1, b, { productId: 'kml' });
  h.o2 = await move(tse1, h.o2.id, { stage: 'Closed', outcome: 'Won' });

  // O3: Jewellery, to Potential, then lost (losing reaches no stage).
  h.o3 = await open(tse1, a, { productId: 'jewellery' });
  await move(tse1, h.o3.id, { stage: 'Potential' });
  h.o3 = await move(tse1, h.o3.id, { stage: 'Closed', outcome: 'Lost', reason: 'price' });

  // O4: Chitty by tse-1 with tse-2 as co-seller; tse-2 closes it: 50/50 credit.
  const c = await newClient();
  h.o4 = await open(tse1, c, { productId: 'chitty', coSalespersons: ['tse-2'] });
  h.o4 = await move(tse2, h.o4.id, { stage: 'Closed', outcome: 'Won' });

  // O5: a Website lead by tse-1, reassigned by the manager to tse-2, who qualifies it and books a visit.
  const d = await newClient();
  h.o5 = await open(tse1, d, { productId: 'website' });
  h.o5 = await patch(manager, h.o5, { assignedTo: 'tse-2' });
  h.o5 = await move(tse2, h.o5.id, { stage: 'Qualified' });
  h.visit = await schedule(tse2, h.o5.id, 'VisitScheduled');

  // O6: tse-2's own lead with no follow-up at all: no next step.
  const e = await newClient(tse2);
  h.o6 = await open(tse2, e, { productId: 'website' });

  // O7: tse-2's lead with tse-1 as co-seller; tse-1 completes a call, then is taken off the deal.
  const f = await newClient(tse2);
  h.o7 = await open(tse2, f, { productId: 'kml', coSalespersons: ['tse-1'] });
  h.call7 = await schedule(tse1, h.o7.id, 'Call');
  await complete(tse1, h.call7.id);
  h.o7 = await ok(api.as(tse2).get(`/v1/opportunities/${h.o7.id}`));
  h.o7 = await patch(tse2, h.o7, { coSalespersons: [] });
  h.next7 = await schedule(tse2, h.o7.id, 'Message');

  await settled();
}, 120_000);

const dashboard = async (who: Who | typeof analyst | typeof admin, path: string) => ok(api.as(who).get(path));
const week = () => periodOf('week', today, IST);
/** No lead from a lead source in the period (the demo history has none). */
const noLeads = { leads: 0, responded: 0, withinSla: 0, breached: 0, medianMinutes: null, p90Minutes: null, slaMinutes: 15 };

describe('the staff dashboard, number by number', () => {
  it('counts tse-1’s week from the facts alone', async () => {
    const d = await dashboard(tse1, `/v1/dashboards/staff/tse-1?period=week&date=${today}`);
    const w = week();
    expect(d.period).toEqual({ kind: 'week', from: w.from, to: w.to, start: w.start, end: w.end });
    expect(d.activity.map((a: any) => [a.metric, a.target, a.achieved])).toEqual([
      ['calls', 360, 2], // O1's call, and O7's (credited to who did it, wherever the deal went since)
      ['qualified', 120, 4], // O1, O2 (skipped), O3, O4 — not O5, reassigned to tse-2 before it got there
      ['potential', 30, 4], // O1 (once, despite the correction), O2, O3, O4
      ['demos', 12, 1], // the Demo Scheduled event on O1
      ['visits', 6, 0],
    ]);
    expect(d.revenue).toMatchObject({ target: 40_000_000, achieved: 3_500_000, display: { target: '₹4L', achieved: '₹35,000' } }); // O2 100 % of ₹20,000 + O4 50 % of ₹30,000
    expect(d.conversion).toEqual([
      { from: 'Call', to: 'Qualified', ratio: 2, assumption: 0.4, numerator: 4, denominator: 2 },
      { from: 'Qualified', to: 'Potential', ratio: 1, assumption: 0.3, numerator: 4, denominator: 4 },
      { from: 'Potential', to: 'Demo', ratio: 0.75, assumption: 0.5, numerator: 3, denominator: 4 }, // O1, O2, O4
      { from: 'Demo', to: 'Closed', ratio: 0.6667, assumption: 0.24, numerator: 2, denominator: 3 }, // O2, O4 won
    ]);
    // Open now: O1 at Demo (₹15,000); at Closed, the week's credited revenue; required = ₹4L × multiplier.
    expect(d.pipeline.map((p: any) => [p.stage, p.required, p.actual, p.coverage])).toEqual([
      ['Lead', 2_000_000_000, 0, 0],
      ['Qualified', 800_000_000, 0, 0],
      ['Potential', 320_000_000, 0, 0],
      ['Demo', 160_000_000, 1_500_000, 0.0094],
      ['Visit', 100_000_000, 0, 0],
      ['Closed', 40_000_000, 3_500_000, 0.0875],
    ]);
    expect(d.productMix).toMatchObject({
      products: [
        { productId: 'kml', name: 'KML', revenue: 2_000_000, share: 0.5714, deals: 1 },
        { productId: 'chitty', name: 'Chitty', revenue: 1_500_000, share: 0.4286, deals: 1 },
      ],
      highValue: { revenue: 0, share: 0 },
      lowValue: { revenue: 3_500_000, share: 1 },
      overLowTicketLimit: true,
      total: 3_500_000,
    });
    // Today's tasks (GET /v1/tasks): no follow-up due today (they are in 2027), no deal without a
    // next step; on a working day the five activity targets are still to do (2 of 60 calls, …).
    const working = new Date(`${today}T12:00:00Z`).getUTCDay() !== 0;
    expect(d.tasks).toEqual({ pending: working ? 5 : 0, completed: 0 });
    const listed = await dashboard(tse1, `/v1/tasks?date=${today}`);
    expect(listed.counts).toEqual(d.tasks);
    if (working) expect(listed.tasks.find((t: any) => t.metric === 'calls')).toMatchObject({ kind: 'target', target: 60, achieved: 2, remaining: 58, text: 'calls: 58 of 60 to go' });
    // Due by now, pro-rata, as the domain computes it at the answer's instant.
    const due = periodTargets(w, { role: 'tse', tenant: [seedTargets] }, { now: new Date(d.asOf), timeZone: 'Asia/Kolkata' })!;
    expect(d.activity.map((a: any) => a.due)).toEqual([due.activity.calls, due.activity.qualified, due.activity.potential, due.activity.demos, due.activity.visits]);
    expect(d.revenue.due).toBe(due.revenue);
    expect(d.leadResponse).toEqual(noLeads);
  });

  it('counts tse-2’s: the reassigned lead qualified by them, the visit they booked, half of the deal they closed', async () => {
    const d = await dashboard(manager, `/v1/dashboards/staff/tse-2?period=week&date=${today}`);
    expect(d.activity.map((a: any) => [a.metric, a.achieved])).toEqual([
      ['calls', 0],
      ['qualified', 1],
      ['potential', 0],
      ['demos', 0],
      ['visits', 1],
    ]);
    expect(d.revenue.achieved).toBe(1_500_000);
    // O5 at Qualified; O6 and O7 at Lead; at Closed, their half of O4.
    expect(d.pipeline.filter((p: any) => p.actual > 0).map((p: any) => [p.stage, p.actual])).toEqual([
      ['Lead', 3_500_000],
      ['Qualified', 1_500_000],
      ['Closed', 1_500_000],
    ]);
    expect(d.productMix.products).toEqual([{ productId: 'chitty', name: 'Chitty', revenue: 1_500_000, share: 1, deals: 1 }]);
  });

  it('explains each figure with the facts it counted, hiding from the seller the deal they were taken off', async () => {
    const d = await dashboard(tse1, `/v1/dashboards/staff/tse-1?period=week&date=${today}&explain=1`);
    const ids = (figure: string) => d.explain[figure].facts.map((f: any) => f.eventId ?? f.opportunityId).sort();
    expect(ids('calls')).toEqual([h.call1.id]);
    expect(d.explain.calls).toMatchObject({ hidden: 1, truncated: false }); // O7's call: counted, not shown
    expect(ids('qualified')).toEqual([h.o1.id, h.o2.id, h.o3.id, h.o4.id].sort());
    expect(ids('potential')).toEqual([h.o1.id, h.o2.id, h.o3.id, h.o4.id].sort());
    expect(ids('demo')).toEqual([h.o1.id, h.o2.id, h.o4.id].sort());
    expect(ids('won')).toEqual([h.o2.id, h.o4.id].sort());
    expect(ids('demos')).toEqual([h.demo.id]);
    expect(ids('visits')).toEqual([]);
    expect(d.explain.revenue.facts.map((f: any) => [f.opportunityId, f.amount]).sort()).toEqual(
      [
        [h.o2.id, 2_000_000],
        [h.o4.id, 1_500_000],
      ].sort(),
    );
    expect(d.explain.pipeline.facts.map((f: any) => [f.opportunityId, f.amount])).toEqual([[h.o1.id, 1_500_000]]);

    // The manager sees O7 (tse-2's deal, in the subtree): nothing hidden.
    const m = await dashboard(manager, `/v1/dashboards/staff/tse-1?period=week&date=${today}&explain=1`);
    expect(m.explain.calls.facts.map((f: any) => f.eventId).sort()).toEqual([h.call1.id, h.call7.id].sort());
    expect(m.explain.calls.hidden).toBe(0);
  });
});

describe('the manager dashboard', () => {
  it('shows the team, its pipeline health and who is behind, with reasons', async () => {
    const d = await dashboard(manager, `/v1/dashboards/manager/manager?period=week&date=${today}`);
    expect(d.team.map((t: any) => t.staffId)).toEqual(['so-1', 'tse-1', 'tse-2']);
    const row = (id: string) => d.team.find((t: any) => t.staffId === id);
    expect(row('tse-1').revenue.achieved).toBe(3_500_000);
    expect(row('tse-1').coverage).toEqual({ stage: 'Lead', coverage: 0 });
    // O6 has no follow-up; O1 (pending call, demo), O5 (visit) and O7 (message) have.
    expect(d.pipelineHealth.noNextStep).toMatchObject({ count: 1, deals: [{ opportunityId: h.o6.id, assignedTo: 'tse-2', stage: 'Lead', dealValue: 1_500_000 }] });
    expect(d.pipelineHealth.stale).toEqual({ count: 0, deals: [] });
    expect(d.pipelineHealth.staleDays).toBe(14);
    // The team's roll-up: everyone's open deals at each stage (O1; O5; O6, O7), and the week's revenue at Closed.
    expect(d.pipelineHealth.stages.map((s: any) => [s.stage, s.actual])).toEqual([
      ['Lead', 3_500_000],
      ['Qualified', 1_500_000],
      ['Potential', 0],
      ['Demo', 1_500_000],
      ['Visit', 0],
      ['Closed', 5_000_000],
    ]);
    expect(d.missedFollowUps).toEqual({ total: 0, byStaff: [] });
    // Team conversion: the sums of so-1, tse-1, tse-2 and the manager's own.
    expect(d.conversion.map((c: any) => [c.numerator, c.denominator])).toEqual([
      [5, 2],
      [4, 5],
      [3, 4],
      [2, 3],
    ]);
    // Everyone is behind something unless the week has only just begun.
    for (const u of d.underperforming) for (const r of u.reasons) expect(r.achieved).toBeLessThan(0.7 * r.due);
    expect(d.leadResponse).toEqual({ ...noLeads, byStaff: [] });
  });

  it('answers 422 for someone who is not a manager, and 404 outside the caller’s subtree', async () => {
    expect((await api.as(manager).get('/v1/dashboards/manager/tse-1')).body).toMatchObject({ status: 422, errors: [{ field: 'path.staffId', code: 'not_a_manager' }] });
    expect((await api.as(tse1).get('/v1/dashboards/manager/manager')).status).toBe(404);
  });
});

describe('the events and tenant dashboards', () => {
  it('counts follow-ups per staff member and for the team', async () => {
    const d = await dashboard(manager, `/v1/dashboards/events?period=week&date=${today}`);
    const of = (id: string) => d.staff.find((s: any) => s.staffId === id);
    expect(of('tse-1')).toMatchObject({ calls: { scheduled: 3, completed: 2, missed: 0 }, demos: { scheduled: 1, completed: 0 } });
    expect(of('tse-2')).toMatchObject({ visits: { scheduled: 1, completed: 0 }, messages: { scheduled: 1, completed: 0, missed: 0 } });
    expect(d.team).toMatchObject({ calls: { scheduled: 3, completed: 2 }, demos: { scheduled: 1 }, visits: { scheduled: 1 }, messages: { scheduled: 1 } });
    // A seller sees only their own row.
    const own = await dashboard(tse1, `/v1/dashboards/events?period=week&date=${today}`);
    expect(own.staff.map((s: any) => s.staffId)).toEqual(['tse-1']);
  });

  it('shows the tenant’s conversion and product mix to an analyst', async () => {
    const d = await dashboard(analyst, `/v1/dashboards/tenant?period=week&date=${today}`);
    expect(d.revenue).toEqual({ achieved: 5_000_000, display: '₹50,000' }); // O2 ₹20,000 + O4 ₹30,000
    expect(d.productMix.products.map((p: any) => [p.productId, p.revenue, p.deals])).toEqual([
      ['chitty', 3_000_000, 1],
      ['kml', 2_000_000, 1],
    ]);
    expect(d.conversion.map((c: any) => [c.from, c.numerator, c.denominator])).toEqual([
      ['Call', 5, 2],
      ['Qualified', 4, 5],
      ['Potential', 3, 4],
      ['Demo', 2, 3],
    ]);
    expect((await api.as(manager).get('/v1/dashboards/tenant')).status).toBe(403);
    expect(d.leadResponse).toEqual(noLeads);
  });
});

describe('lead response time (issue #13 item 7), in another tenant', () => {
  const acme = (staffId: string, role: string) => ({ tenantId: 'acme', staffId, role }) as never;
  const [acmeAdmin, acmeManager, acmeTse1, acmeTse2] = [acme('admin', 'tenant_admin'), acme('manager', 'manager'), acme('tse-1', 'tse'), acme('tse-2', 'tse')];
  /** Standard Webhooks signing, from the specification: HMAC-SHA256 of id.timestamp.body with the base64-decoded key. */
  const deliver = async (conn: { id: string; secret: string }, id: string, record: unknown) => {
    const body = JSON.stringify(record);
    const at = String(Math.floor(Date.now() / 1000));
    const signature = createHmac('sha256', Buffer.from(conn.secret.replace(/^whsec_/, ''), 'base64')).update(`${id}.${at}.${body}`).digest('base64');
    const res = await api.anonymous().post(`/hooks/acme/${conn.id}`, body, { 'webhook-id': id, 'webhook-timestamp': at, 'webhook-signature': `v1,${signature}`, 'content-type': 'application/json' });
    expect(res.status).toBe(202);
  };
  const withoutSla = ({ slaMinutes: _, ...figure }: Record<string, unknown>) => figure;
  const minutes = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 60_000;
  const tenth = (x: number) => Math.round(x * 10) / 10;
  /** Interpolated quantile of sorted values (what "p90 of 4, 8 and 20 minutes" means: 8 + 0.8 × 12). */
  const quantile = (sorted: number[], q: number) => {
    const h = q * (sorted.length - 1);
    const i = Math.floor(h);
    return sorted[i]! + (h - i) * ((sorted[i + 1] ?? sorted[i]!) - sorted[i]!);
  };

  it('times each lead from its arrival to the first follow-up completed on its deal, per seller and for the team, against the tenant’s SLA', async () => {
    await ok(api.as(acmeAdmin).put('/v1/config/assignment', { rules: [{ name: 'Kochi', match: { city: 'Kochi' }, strategy: 'fixed', staff: ['tse-1'] }], defaultOwner: 'tse-2', firstResponseMinutes: 10 }, { 'if-match': '"0"' }));
    const conn = await ok(api.as(acmeAdmin).post('/v1/integrations', { provider: 'generic', name: 'Acme website', settings: {} }), 201);
    const now = Date.now();
    const ago = (m: number) => new Date(now - m * 60_000).toISOString();
    // tse-1 (Kochi): answered after 4 and 20 minutes, and one not answered after 30; tse-2: one answered after 8, one 2 minutes old.
    // (Arrivals a few minutes back: in the week unless the test runs in the first half hour of a Monday.)
    const leads = [
      ['L1', '9847600001', 'Kochi', 4],
      ['L2', '9847600002', 'Kochi', 20],
      ['L3', '9847600003', 'Kochi', 30],
      ['L4', '9847600004', 'Thrissur', 2],
      ['L5', '9847600005', 'Thrissur', 8],
    ] as const;
    for (const [id, mobile, city, m] of leads) await deliver(conn, `d-${id}`, { type: 'lead.received', externalId: id, data: { ownerName: `Lead ${id}`, mobile, city, productId: 'website', receivedAt: ago(m) } });
    await api.stack().inboundQueue.idle();
    const dealOf = async (mobile: string) => {
      const client = (await ok(api.as(acmeAdmin).get(`/v1/clients?q=${mobile}`))).items[0];
      return (await ok(api.as(acmeAdmin).get(`/v1/clients/${client.id}/profile`))).activeOpportunities[0];
    };
    const [d1, d2, , , d5] = await Promise.all(leads.map(([, mobile]) => dealOf(mobile)));
    expect([d1.assignedTo, d2.assignedTo, d5.assignedTo]).toEqual(['tse-1', 'tse-1', 'tse-2']);
    const firstCall = async (who: never, deal: { id: string }) => ((await ok(api.as(who).get('/v1/events?status=Pending'))).items as any[]).find((e) => e.opportunityId === deal.id && e.purpose === 'first_response');
    // L1 and L5: their first-response calls; L2: a message logged as done instead (any follow-up answers a lead).
    const { event: done1 } = await ok(api.as(acmeTse1).post(`/v1/events/${(await firstCall(acmeTse1, d1)).id}/complete`, { remarks: 'spoke' }));
    const done2 = await ok(api.as(acmeTse1).post(`/v1/opportunities/${d2.id}/events`, { type: 'Message', scheduledAt: new Date().toISOString(), status: 'Completed' }), 201);
    const { event: done5 } = await ok(api.as(acmeTse2).post(`/v1/events/${(await firstCall(acmeTse2, d5)).id}/complete`, { remarks: 'spoke' }));
    await settled();
    const [a, b, c] = [minutes(d1.source.arrivedAt, done1.completedAt), minutes(d2.source.arrivedAt, done2.completedAt), minutes(d5.source.arrivedAt, done5.completedAt)];
    expect([a, b, c].map(Math.floor)).toEqual([4, 20, 8]);

    const mine = await dashboard(acmeTse1, `/v1/dashboards/staff/tse-1?period=week&date=${today}`);
    expect(mine.leadResponse).toEqual({ leads: 3, responded: 2, withinSla: 1, breached: 2, medianMinutes: tenth((a + b) / 2), p90Minutes: tenth(quantile([a, b], 0.9)), slaMinutes: 10 });
    const theirs = await dashboard(acmeManager, `/v1/dashboards/staff/tse-2?period=week&date=${today}`);
    expect(theirs.leadResponse).toEqual({ leads: 2, responded: 1, withinSla: 1, breached: 0, medianMinutes: tenth(c), p90Minutes: tenth(c), slaMinutes: 10 });

    // The team's median is that of its five leads' answers (4, 8, 20 minutes), not of the sellers' medians.
    const team = await dashboard(acmeManager, `/v1/dashboards/manager/manager?period=week&date=${today}`);
    expect(team.leadResponse).toEqual({
      leads: 5,
      responded: 3,
      withinSla: 2,
      breached: 2,
      medianMinutes: tenth(c),
      p90Minutes: tenth(quantile([a, c, b], 0.9)),
      slaMinutes: 10,
      byStaff: [
        { staffId: 'tse-1', ...withoutSla(mine.leadResponse) },
        { staffId: 'tse-2', ...withoutSla(theirs.leadResponse) },
      ],
    });
    const { byStaff: _, ...teamFigure } = team.leadResponse;
    expect((await dashboard(acmeAdmin, `/v1/dashboards/tenant?period=week&date=${today}`)).leadResponse).toEqual(teamFigure);
    // Last week: none of them.
    const before = localDay(new Date(Date.parse(week().start) - 86_400_000), 'Asia/Kolkata');
    expect((await dashboard(acmeTse1, `/v1/dashboards/staff/tse-1?period=week&date=${before}`)).leadResponse).toEqual({ ...noLeads, slaMinutes: 10 });
  });
});

describe('the pipeline value engine', () => {
  it('gives a manager their own plan (Potential…Closed) and the team’s roll-up', async () => {
    const p = await dashboard(manager, '/v1/pipeline/manager?week=2026-W49');
    expect(p).toMatchObject({ staffId: 'manager', role: 'manager', week: '2026-W49', target: 80_000_000, currency: 'INR' });
    expect(p.stages.map((s: any) => [s.stage, s.required, s.display.required])).toEqual([
      ['Potential', 640_000_000, '₹64L'],
      ['Demo', 320_000_000, '₹32L'],
      ['Visit', 200_000_000, '₹20L'],
      ['Closed', 80_000_000, '₹8L'],
    ]);
    // The team: so-1 (₹5L), tse-1 and tse-2 (₹4L each) → Lead 50 × ₹13L.
    expect(p.team.members).toBe(3);
    expect(p.team.stages.find((s: any) => s.stage === 'Lead')).toMatchObject({ required: 6_500_000_000, actual: 3_500_000, display: { required: '₹6.5 Cr' } });
  });

  it('refuses a malformed or impossible week', async () => {
    expect((await api.as(tse1).get('/v1/pipeline/tse-1?week=2026-48')).status).toBe(422);
    expect((await api.as(tse1).get('/v1/pipeline/tse-1?week=2026-W54')).body).toMatchObject({ status: 422, errors: [{ field: 'query.week' }] });
    for (const week of ['0000-W01', '1999-W52', '2101-W01', '9999-W52']) expect((await api.as(tse1).get(`/v1/pipeline/tse-1?week=${week}`)).status).toBe(422);
  });
});

describe('no counter moves except by doing the work', () => {
  it('refuses every attempt to write a figure, and the figures stay as they were', async () => {
    const path = `/v1/dashboards/staff/tse-1?period=week&date=${today}`;
    const before = await dashboard(tse1, path);
    const o1 = await ok(api.as(tse1).get(`/v1/opportunities/${h.o1.id}`));
    const attempts = [
      api.as(tse1).patch(`/v1/opportunities/${h.o1.id}`, { stagesReached: ['Lead', 'Qualified', 'Potential', 'Demo', 'Visit', 'Closed'] }, { 'if-match': `"${o1.version}"` }),
      api.as(tse1).patch(`/v1/opportunities/${h.o1.id}`, { stage: 'Closed' }, { 'if-match': `"${o1.version}"` }),
      api.as(tse1).patch(`/v1/opportunities/${h.o1.id}`, { credit: [{ staffId: 'tse-1', percent: 100, amount: 99_999_900 }] }, { 'if-match': `"${o1.version}"` }),
      api.as(tse1).post(`/v1/opportunities/${h.o1.id}/events`, { type: 'Call', scheduledAt: '2027-01-01T05:00:00.000Z', status: 'Completed', calls: 60 }),
      api.as(tse1).post(`/v1/events/${h.call1.id}/complete`, {}),
      api.as(tse1).post(`/v1/opportunities/${h.o2.id}/stage`, { stage: 'Closed', outcome: 'Won' }),
      api.as(tse1).put('/v1/dashboards/staff/tse-1', { activity: [{ metric: 'calls', achieved: 60 }] }),
      api.as(tse1).post('/v1/dashboards/staff/tse-1', { revenue: { achieved: 40_000_000 } }),
      api.as(tse1).put('/v1/staff/tse-1/targets', { activity: { calls: 0 } }, { 'if-match': '"0"' }),
      api.as(tse1).put('/v1/config/targets', { roles: { ...seedTargets.roles, tse: { ...seedTargets.roles.tse, activity: { calls: 1 } } }, workingDays: seedTargets.workingDays }, { 'if-match': '"0"' }),
    ];
    const statuses = (await Promise.all(attempts)).map((r) => r.status);
    expect(statuses).toEqual([422, 422, 422, 422, 409, 409, 405, 405, 403, 403]);
    await settled();
    const after = await dashboard(tse1, path);
    expect({ ...after, asOf: '', activity: after.activity.map((a: any) => ({ ...a, due: 0 })), revenue: { ...after.revenue, due: 0 }, behind: [] }).toEqual({
      ...before,
      asOf: '',
      activity: before.activity.map((a: any) => ({ ...a, due: 0 })),
      revenue: { ...before.revenue, due: 0 },
      behind: [],
    });
  });
});

// Before the cross-sell tests, which add deals of their own to tse-1 and tse-2.
describe('gap analysis (issue #10 item 5) on the same history', () => {
  const leadGeneration = (leads: number, value: number, required: number, coverage: number, weeklyTarget: number, message: string, stage = 'Lead', multiplier = 50) => ({
    code: 'lead_generation',
    message,
    evidence: { stage, leads, leadValue: value, required, coverage, threshold: 0.8, weeklyTarget, multiplier },
  });

  it('diagnoses tse-1’s week: four leads worth ₹95,000 (O1–O4, all moved on and qualified) against the ₹2 Cr a ₹4L week needs', async () => {
    const g = await dashboard(tse1, '/v1/gap-analysis/tse-1');
    expect(g).toMatchObject({ staffId: 'tse-1', role: 'tse', week: expect.stringMatching(/^\d{4}-W\d{2}$/), currency: 'INR', thresholds: { leadCoveragePercent: 80, minimumLeads: 10, minimumDemos: 3, marginPoints: 10 } });
    expect(g.figures).toEqual({ role: 'tse', leadStage: 'Lead', weeklyTarget: 40_000_000, leads: { count: 4, value: 9_500_000, advanced: 4 }, demos: 3, won: 2 });
    expect(g.diagnoses).toEqual([
      leadGeneration(4, 9_500_000, 2_000_000_000, 0.0048, 40_000_000, 'Lead pipeline of ₹95,000 covers 0.5 % of the ₹2 Cr a ₹4L week needs: generate about ₹1.59 Cr more in leads before anything else.'),
    ]);
    expect(g.team).toBeUndefined();
  });

  it('counts the reassigned O5 as tse-2’s lead (moved on under them), with O6 and O7 still at Lead', async () => {
    const g = await dashboard(tse2, '/v1/gap-analysis/tse-2');
    expect(g.figures).toEqual({ role: 'tse', leadStage: 'Lead', weeklyTarget: 40_000_000, leads: { count: 3, value: 5_000_000, advanced: 1 }, demos: 0, won: 0 });
    expect(g.diagnoses.map((d: { code: string }) => d.code)).toEqual(['lead_generation']);
  });

  it('gives a manager their own week (planned from Potential) and the team’s roll-up', async () => {
    const g = await dashboard(manager, '/v1/gap-analysis/manager');
    expect(g.figures).toEqual({ role: 'manager', leadStage: 'Potential', weeklyTarget: 80_000_000, leads: { count: 0, value: 0, advanced: 0 }, demos: 0, won: 0 });
    expect(g.diagnoses).toEqual([
      leadGeneration(0, 0, 640_000_000, 0, 80_000_000, 'Potential pipeline of ₹0 covers 0 % of the ₹64L a ₹8L week needs: generate about ₹51.2L more in potentials before anything else.', 'Potential', 8),
    ]);
    expect(g.team.rollUp).toEqual({ members: 3, diagnosed: { lead_generation: 3, poor_filtering: 0, conversion: 0 }, leadValue: 14_500_000, leadRequired: 6_500_000_000, leadCoverage: 0.0022, demos: 3, won: 2 });
    expect(g.team.members.map((m: { staffId: string; figures: { leads: unknown } }) => [m.staffId, m.figures.leads])).toEqual([
      ['so-1', { count: 0, value: 0, advanced: 0 }],
      ['tse-1', { count: 4, value: 9_500_000, advanced: 4 }],
      ['tse-2', { count: 3, value: 5_000_000, advanced: 1 }],
    ]);
  });

  it('judges a past week by what was there then: a week before the history had nothing', async () => {
    const g = await dashboard(tse1, '/v1/gap-analysis/tse-1?week=2026-W01');
    expect(g.figures.leads).toEqual({ count: 0, value: 0, advanced: 0 });
    expect(g.period).toMatchObject({ from: '2025-12-29', to: '2026-01-04' });
  });

  it('keeps scope: a seller cannot see a teammate’s gaps (404); a bad week is 422', async () => {
    expect((await api.as(tse1).get('/v1/gap-analysis/tse-2')).status).toBe(404);
    expect((await api.as(tse1).get('/v1/gap-analysis/nobody')).status).toBe(404);
    const bad = await api.as(tse1).get('/v1/gap-analysis/tse-1?week=2026-W60');
    expect(bad.status).toBe(422);
    expect((await api.as(tse1).get('/v1/gap-analysis/tse-1?week=48')).status).toBe(422);
  });
});

describe('cross-sell in the 360 view', () => {
  it('ranks what the client lacks by co-ownership among the tenant’s clients, then catalogue order, with the reason', async () => {
    // Another client owning KML and Chitty: of KML's two owners (B, G), one owns Chitty.
    const g = await newClient(tse2);
    for (const productId of ['kml', 'chitty']) {
      const o = await open(tse2, g, { productId });
      await move(tse2, o.id, { stage: 'Closed', outcome: 'Won' });
    }
    await settled();
    const profile = await ok(api.as(tse1).get(`/v1/clients/${h.o2.clientId}/profile`));
    expect(profile.crossSell.map((s: any) => [s.productId, s.score, s.reason])).toEqual([
      ['chitty', 0.5, 'owned by 50 % of clients with KML'],
      ['website', 0, 'no client owns it together with this client’s products yet: catalogue order'],
      ['jewellery', 0, 'no client owns it together with this client’s products yet: catalogue order'],
      ['microfinance', 0, 'no client owns it together with this client’s products yet: catalogue order'],
      ['nbfc-mscs', 0, 'no client owns it together with this client’s products yet: catalogue order'],
    ]);
  });

  it('is built from what the caller sees: a product bought through a deal they cannot open is neither owned nor missing', async () => {
    const x = await newClient();
    await open(tse1, x, { productId: 'website' });
    const hidden = await ok(api.as(admin).post(`/v1/clients/${x}/opportunities`, { productId: 'jewellery', assignedTo: 'tse-2' }), 201);
    await move(tse2, hidden.id, { stage: 'Closed', outcome: 'Won' });
    await settled();
    const seller = await ok(api.as(tse1).get(`/v1/clients/${x}/profile`));
    expect((await api.as(tse1).get(`/v1/opportunities/${hidden.id}`)).status).toBe(404);
    expect(seller.existingProducts).toEqual([]);
    expect(seller.crossSell.map((s: any) => s.productId)).toContain('jewellery');
    const team = await ok(api.as(manager).get(`/v1/clients/${x}/profile`));
    expect(team.existingProducts.map((p: any) => p.productId)).toEqual(['jewellery']);
    expect(team.crossSell.map((s: any) => s.productId)).not.toContain('jewellery');
  });
});
