import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { beforeAll, describe, expect, it } from 'vitest';
import { localDay } from '../../domain/targets/periods';
import { useLocalStack } from '../../test/stack';

/**
 * Issue #10 end to end: a history made through the API, then each job run at chosen instants (the
 * clock is an input: `at`), asserting the exact alerts, escalations, tasks and email. Wednesday
 * 10 March 2027 in India: the follow-ups are due that morning, the sweep runs at 15:30 IST.
 */
const api = useLocalStack({ pipeline: true });
const tse1 = { tenantId: 'demo', staffId: 'tse-1', role: 'tse' } as const;
const tse2 = { tenantId: 'demo', staffId: 'tse-2', role: 'tse' } as const;
const manager = { tenantId: 'demo', staffId: 'manager', role: 'manager' } as const;
const admin = { tenantId: 'demo', staffId: 'admin', role: 'tenant_admin' } as const;
const analyst = { tenantId: 'demo', staffId: 'an-1', role: 'analyst' } as const;
type Who = typeof tse1 | typeof tse2 | typeof manager | typeof admin | typeof analyst;

const ok = async (res: Promise<{ status: number; body: any }>, status = 200) => {
  const r = await res;
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
};
let phone = 9847400000;
const newClient = async (who: Who) => (await ok(api.as(who).post('/v1/clients', { companyName: `Client ${++phone}`, ownerName: 'Owner', mobile: String(phone) }), 201)).id as string;
const open = async (who: Who, productId: string) => ok(api.as(who).post(`/v1/clients/${await newClient(who)}/opportunities`, { productId }), 201);
const schedule = (who: Who, opportunityId: string, type: string, scheduledAt: string) => ok(api.as(who).post(`/v1/opportunities/${opportunityId}/events`, { type, scheduledAt }), 201);
const settled = async () => {
  await api.stack().pipeline!.poller.caughtUp();
  await api.stack().pipeline!.bus.idle();
};
const job = async (name: 'missed-sweep' | 'daily-tasks' | 'gap-analysis', at: string) => {
  const { runJobCommand } = await import('../../scripts/job');
  const out = await runJobCommand({ job: name, at, tenant: 'demo' });
  await settled();
  return out.tenants.demo!;
};
const alerts = async (who: Who, query = '') => (await ok(api.as(who).get(`/v1/alerts${query}`))).alerts as any[];

const h: Record<string, any> = {};
const SWEEP = '2027-03-10T10:00:00.000Z'; // 15:30 IST

beforeAll(async () => {
  await ok(api.as(admin).post('/v1/staff', { staffId: 'an-1', name: 'Anu Analyst', email: 'an-1@demo.example', role: 'analyst' }), 201);
  // tse-1: three calls due that morning (IST 08:30, 09:30, 10:30), all to be missed; a fourth due at 14:30, inside the 2 h grace at 15:30.
  h.o1 = await open(tse1, 'website');
  h.o2 = await open(tse1, 'kml');
  h.c1 = await schedule(tse1, h.o1.id, 'Call', '2027-03-10T03:00:00.000Z');
  h.c2 = await schedule(tse1, h.o2.id, 'Call', '2027-03-10T04:00:00.000Z');
  h.c3 = await schedule(tse1, h.o1.id, 'Message', '2027-03-10T05:00:00.000Z');
  h.c4 = await schedule(tse1, h.o2.id, 'DemoScheduled', '2027-03-10T09:00:00.000Z');
  // tse-2: one call due at 09:00 IST, missed; and a deal with no follow-up at all.
  h.o3 = await open(tse2, 'jewellery');
  h.c5 = await schedule(tse2, h.o3.id, 'Call', '2027-03-10T03:30:00.000Z');
  h.o4 = await open(tse2, 'chitty');
  await settled();
}, 120_000);

describe('the missed sweep (every 15 minutes)', () => {
  it('marks what is past its time plus the grace, raises one alert each, and escalates three misses in a row to the manager', async () => {
    expect(await job('missed-sweep', SWEEP)).toEqual({ marked: 4, raised: 5, resolved: 0, escalated: 0 });
    expect((await ok(api.as(tse1).get(`/v1/events/${h.c4.id}`))).status).toBe('Pending');
    const mine = await alerts(tse1);
    expect(mine.map((a) => [a.kind, a.subject.split('#')[0], a.status, a.escalatedTo ?? null]).sort()).toEqual(
      [
        ['missed_follow_up', h.c1.id, 'open', null],
        ['missed_follow_up', h.c2.id, 'open', null],
        ['missed_follow_up', h.c3.id, 'open', null],
        ['escalation', 'missed-in-a-row', 'open', 'manager'],
      ].sort(),
    );
    expect(mine).toHaveLength(4);
    const escalation = mine.find((a) => a.kind === 'escalation');
    expect(escalation).toMatchObject({
      staffId: 'tse-1',
      level: 1,
      period: '2027-03-10',
      subject: `missed-in-a-row#${h.c3.id}`,
      message: '3 follow-ups missed in a row (the last, a Message, due 2027-03-10 10:30).',
      evidence: { missed: [h.c3, h.c2, h.c1].map((e) => ({ eventId: e.id, type: e.type, scheduledAt: e.scheduledAt })) },
      createdAt: SWEEP,
      deadline: '2027-03-11T10:00:00.000Z',
    });
    expect(mine.find((a) => a.subject === h.c1.id)).toMatchObject({
      kind: 'missed_follow_up',
      message: 'Call due 2027-03-10 08:30 was missed: follow the client up and put the next step in the diary.',
      evidence: { eventId: h.c1.id, type: 'Call', opportunityId: h.o1.id, clientId: h.o1.clientId, scheduledAt: '2027-03-10T03:00:00.000Z' },
    });
  });

  it('creates nothing twice when run again for the same instant', async () => {
    expect(await job('missed-sweep', SWEEP)).toEqual({ marked: 0, raised: 0, resolved: 0, escalated: 0 });
    expect(await alerts(manager)).toHaveLength(5);
  });

  it('shows each alert to whom it concerns and those above: tse-2 sees one, the manager and the analyst five, another tenant none', async () => {
    expect((await alerts(tse2)).map((a) => [a.kind, a.subject])).toEqual([['missed_follow_up', h.c5.id]]);
    expect(await alerts(analyst)).toHaveLength(5);
    expect(await alerts(manager, '?staffId=tse-2')).toHaveLength(1);
    expect((await api.as(tse2).get('/v1/alerts?staffId=tse-1')).status).toBe(404);
    expect(await alerts({ tenantId: 'acme', staffId: 'admin', role: 'tenant_admin' } as never)).toEqual([]);
  });
});

describe('acknowledging and resolving', () => {
  it('lets the seller acknowledge but not resolve; the manager resolves, once', async () => {
    const [alert] = (await alerts(tse2)) as [any];
    const acked = await ok(api.as(tse2).post(`/v1/alerts/${alert.id}/acknowledge`, { note: 'calling back tomorrow' }));
    expect(acked).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'tse-2', acknowledgeNote: 'calling back tomorrow', version: 2 });
    expect((await api.as(tse2).post(`/v1/alerts/${alert.id}/acknowledge`, {})).body).toMatchObject({ status: 409, code: 'alert_not_open' });
    expect((await api.as(tse2).post(`/v1/alerts/${alert.id}/resolve`, {})).status).toBe(403);
    expect((await api.as(tse1).post(`/v1/alerts/${alert.id}/acknowledge`, {})).status).toBe(404);
    // If-Match, when sent, must name the version read (412 otherwise).
    expect((await api.as(manager).post(`/v1/alerts/${alert.id}/resolve`, {}, { 'if-match': '"1"' })).status).toBe(412);
    const resolved = await api.as(manager).post(`/v1/alerts/${alert.id}/resolve`, { note: 'spoke to them' }, { 'if-match': '"2"' });
    expect(resolved.headers.get('etag')).toBe('"3"');
    expect(resolved.body).toMatchObject({ status: 'resolved', resolution: 'resolved', resolvedBy: 'manager', acknowledgeNote: 'calling back tomorrow', resolveNote: 'spoke to them', version: 3 });
    expect((await api.as(manager).post(`/v1/alerts/${alert.id}/resolve`, {})).body).toMatchObject({ status: 409, code: 'alert_resolved' });
    expect(await alerts(tse2)).toEqual([]);
    expect((await alerts(tse2, '?status=resolved')).map((a) => a.id)).toEqual([alert.id]);
    expect((await api.as(manager).post('/v1/alerts/al_0000/resolve', {})).status).toBe(422);
    expect((await api.as(manager).post(`/v1/alerts/al_${'0'.repeat(32)}/resolve`, {})).status).toBe(404);
  });

  it('clears a missed follow-up itself once it is done after all', async () => {
    await ok(api.as(tse1).post(`/v1/events/${h.c1.id}/complete`, { remarks: 'reached them in the afternoon' }));
    expect(await job('missed-sweep', '2027-03-10T10:15:00.000Z')).toEqual({ marked: 0, raised: 0, resolved: 1, escalated: 0 });
    expect((await alerts(tse1, '?status=resolved')).map((a) => [a.subject, a.resolution, a.resolvedBy])).toEqual([[h.c1.id, 'condition_cleared', 'system']]);
  });

  it('escalates what is still unresolved past its deadline to the manager, and an unresolved escalation on to the admin', async () => {
    // A day later: the demo due at 14:30 IST is missed too (four in a row now); c2's and c3's
    // alerts go to the manager, the first three-in-a-row escalation on up to the admin.
    expect(await job('missed-sweep', '2027-03-11T10:30:00.000Z')).toEqual({ marked: 1, raised: 2, resolved: 0, escalated: 3 });
    const up = (await alerts(admin)).filter((a) => a.kind === 'escalation' && a.createdAt === '2027-03-11T10:30:00.000Z');
    expect(up.map((a) => [a.escalatedTo, a.level, a.evidence.kind ?? 'in a row', a.subject.split('#')[0]]).sort()).toEqual(
      [
        ['admin', 2, 'escalation', (await alerts(admin)).find((a) => a.subject === `missed-in-a-row#${h.c3.id}`).id],
        ['manager', 1, 'in a row', 'missed-in-a-row'],
        ['manager', 1, 'missed_follow_up', (await alerts(admin)).find((a) => a.subject === h.c2.id).id],
        ['manager', 1, 'missed_follow_up', (await alerts(admin)).find((a) => a.subject === h.c3.id).id],
      ].sort(),
    );
    expect(up.find((a) => a.level === 2)).toMatchObject({ staffId: 'tse-1', message: 'Still unresolved after escalation: 3 follow-ups missed in a row (the last, a Message, due 2027-03-10 10:30).' });
    expect(await job('missed-sweep', '2027-03-11T10:30:00.000Z')).toEqual({ marked: 0, raised: 0, resolved: 0, escalated: 0 });
  });
});

describe('tasks (GET /v1/tasks)', () => {
  it('lists tse-1’s day: the follow-ups done and missed in time order, the targets still to do, the deals left with no next step', async () => {
    const t = await ok(api.as(tse1).get('/v1/tasks?date=2027-03-10'));
    expect(t).toMatchObject({ date: '2027-03-10', staffId: 'tse-1' });
    const since = localDay(new Date(h.o1.createdAt), 'Asia/Kolkata');
    expect(t.tasks.map((x: any) => [x.kind, x.status, x.text])).toEqual([
      ['event', 'completed', 'Call at 08:30'],
      ['overdue', 'pending', 'Call at 09:30 (missed)'],
      ['overdue', 'pending', 'Message at 10:30 (missed)'],
      ['overdue', 'pending', 'Demo at 14:30 (missed)'],
      ['target', 'pending', 'calls: 60 of 60 to go'],
      ['target', 'pending', 'qualified: 20 of 20 to go'],
      ['target', 'pending', 'potential: 5 of 5 to go'],
      ['target', 'pending', 'demos: 2 of 2 to go'],
      ['target', 'pending', 'visits: 1 of 1 to go'],
      ['no_next_step', 'pending', `No next step on a deal at Lead since ${since}: schedule a follow-up`],
      ['no_next_step', 'pending', `No next step on a deal at Lead since ${since}: schedule a follow-up`],
    ]);
    expect(t.tasks.filter((x: any) => x.kind === 'no_next_step').map((x: any) => x.opportunityId).sort()).toEqual([h.o1.id, h.o2.id].sort());
    expect(t.counts).toEqual({ pending: 10, completed: 1 });
  });

  it('completes a task the moment its follow-up is completed', async () => {
    await ok(api.as(tse1).post(`/v1/events/${h.c4.id}/complete`, { feedback: { customerFeedback: 'liked it', requirementDetails: 'site', suggestions: 'none', budget: 1500000, expectedClosingTimeline: '2027-04-01', competitorInfo: 'none', staffRemarks: 'warm', customerCommitments: 'call back' } }));
    const t = await ok(api.as(tse1).get('/v1/tasks?date=2027-03-10'));
    expect(t.tasks.find((x: any) => x.eventId === h.c4.id)).toMatchObject({ kind: 'event', status: 'completed', text: 'Demo at 14:30' });
  });

  it('flags tse-2’s deal with no next step, and keeps scope: a seller cannot read a teammate’s tasks', async () => {
    const t = await ok(api.as(manager).get('/v1/tasks?date=2027-03-10&staffId=tse-2'));
    expect(t.tasks.filter((x: any) => x.kind === 'no_next_step').map((x: any) => x.opportunityId).sort()).toEqual([h.o3.id, h.o4.id].sort());
    expect((await api.as(tse1).get('/v1/tasks?staffId=tse-2')).status).toBe(404);
    expect((await api.as(tse1).get('/v1/tasks?date=2027-02-30')).status).toBe(422);
  });
});

describe('daily tasks (06:00) and the nightly gap analysis and email (21:00)', () => {
  it('counts the day’s tasks and raises a target gap for everyone behind the week so far, once', async () => {
    const first = await job('daily-tasks', '2027-03-11T00:30:00.000Z'); // Thursday 06:00 IST
    expect(first).toMatchObject({ date: '2027-03-11', staff: 6, raised: 4 });
    expect(await job('daily-tasks', '2027-03-11T00:30:00.000Z')).toMatchObject({ raised: 0 });
    const gap = (await alerts(manager)).find((a) => a.kind === 'target_gap' && a.staffId === 'tse-2');
    // Due by 06:00 on Thursday: Monday to Wednesday and a quarter of Thursday, 3.25 working days.
    expect(gap).toMatchObject({ period: '2027-03-11', message: 'Behind the target due by now (below 70 %): calls 0 of 195, demos 0 of 7, potential 0 of 16, qualified 0 of 65, revenue ₹0 of ₹2.17L, visits 0 of 3.' });
  });

  it('emails the manager once a night, with the team table, diagnoses, open alerts and two inline charts', async () => {
    // A manager with no one reporting to them gets no email.
    await ok(api.as(admin).post('/v1/staff', { staffId: 'm-new', name: 'Mini Manager', email: 'm-new@demo.example', role: 'manager', managerId: 'admin' }), 201);
    const first = await job('gap-analysis', '2027-03-11T15:30:00.000Z');
    expect(first).toMatchObject({ date: '2027-03-11', week: '2027-W10', emailed: ['manager'] });
    expect(await job('gap-analysis', '2027-03-11T15:30:00.000Z')).toMatchObject({ emailed: [] });
    const files = readdirSync(api.stack().outboxDir);
    expect(files).toEqual(['nightly-demo-2027-03-11-manager.eml']);
    const mail = await simpleParser(readFileSync(join(api.stack().outboxDir, files[0]!)), { skipImageLinks: true });
    expect(mail.to).toMatchObject({ text: '"Manoj Manager" <manager@demo.example>' });
    expect(mail.subject).toBe('Demo Traders: your team on 2027-03-11 — 3 of 3 need attention, 11 open alerts');
    expect(mail.attachments.map((a) => [a.contentType, a.cid, a.contentDisposition])).toEqual([
      ['image/png', 'coverage@crm', 'inline'],
      ['image/png', 'revenue@crm', 'inline'],
    ]);
    expect(mail.html).toContain('src="cid:coverage@crm"');
    expect(mail.text).toBe(
      [
        'Demo Traders · week 2027-W10 · 2027-03-11',
        '',
        'Team pipeline coverage: Lead 0 %, Qualified 0 %, Potential 0 %, Demo 0 %, Visit 0 %, Closed 0 %',
        '',
        'Sona Sales Officer (sales_officer)',
        '  Revenue ₹0 of ₹5L; qualified 0/90, potential 0/30, demos 0/12, visits 0/12',
        '  Lowest coverage: 0 % at Lead',
        '  Lead generation: Lead pipeline of ₹0 covers 0 % of the ₹2.5 Cr a ₹5L week needs: generate about ₹2 Cr more in leads before anything else.',
        '  Alert (Target gap): Behind the target due by now (below 70 %): demos 0 of 7, potential 0 of 16, qualified 0 of 49, revenue ₹0 of ₹2.71L, visits 0 of 7.',
        '',
        'Tara TSE (tse)',
        '  Revenue ₹0 of ₹4L; calls 0/360, qualified 0/120, potential 0/30, demos 0/12, visits 0/6',
        '  Lowest coverage: 0 % at Qualified',
        // O1 (Website ₹15,000) and O2 (KML ₹20,000), still at Lead.
        '  Lead generation: Lead pipeline of ₹35,000 covers 0.2 % of the ₹2 Cr a ₹4L week needs: generate about ₹1.6 Cr more in leads before anything else.',
        // Newest first: the four escalations of the sweep a day later (the missed demo it raised, the target gap and the first day's alerts are counted).
        '  Alert (Escalation): 3 follow-ups missed in a row (the last, a Demo, due 2027-03-10 14:30).',
        '  Alert (Escalation): Still unresolved after escalation: 3 follow-ups missed in a row (the last, a Message, due 2027-03-10 10:30).',
        '  Alert (Escalation): Unresolved past its deadline: Call due 2027-03-10 09:30 was missed: follow the client up and put the next step in the diary.',
        '  Alert (Escalation): Unresolved past its deadline: Message due 2027-03-10 10:30 was missed: follow the client up and put the next step in the diary.',
        '  … and 5 more open alerts',
        '',
        'Tomy TSE (tse)',
        '  Revenue ₹0 of ₹4L; calls 0/360, qualified 0/120, potential 0/30, demos 0/12, visits 0/6',
        '  Lowest coverage: 0 % at Qualified',
        // O3 (Jewellery ₹30,000) and O4 (Chitty ₹30,000).
        '  Lead generation: Lead pipeline of ₹60,000 covers 0.3 % of the ₹2 Cr a ₹4L week needs: generate about ₹1.59 Cr more in leads before anything else.',
        '  Alert (Target gap): Behind the target due by now (below 70 %): calls 0 of 195, demos 0 of 7, potential 0 of 16, qualified 0 of 65, revenue ₹0 of ₹2.17L, visits 0 of 3.',
        '',
      ].join('\n'),
    );
  });

  it('retries a failed send on the next run of the job, and sends it only once', async () => {
    const [{ runJob }, { nightlySender }, { getMailer }, { getServices }] = await Promise.all([
      import('../lib/use-cases/jobs'),
      import('../lib/use-cases/nightly'),
      import('../lib/mail/mailer'),
      import('../lib/services'),
    ]);
    const night = new Date('2027-03-12T15:30:00.000Z');
    const refusing = { services: getServices(), sendNightly: async () => Promise.reject(new Error('MessageRejected: throttled')) };
    await expect(runJob(refusing, 'gap-analysis', 'demo', night)).rejects.toThrow('nightly email failed for manager (sent: none)');
    expect(readdirSync(api.stack().outboxDir)).toEqual(['nightly-demo-2027-03-11-manager.eml']);
    const working = { services: getServices(), sendNightly: nightlySender(getMailer()) };
    expect(await runJob(working, 'gap-analysis', 'demo', night)).toMatchObject({ date: '2027-03-12', emailed: ['manager'] });
    expect(await runJob(working, 'gap-analysis', 'demo', night)).toMatchObject({ emailed: [] });
    expect(readdirSync(api.stack().outboxDir).sort()).toEqual(['nightly-demo-2027-03-11-manager.eml', 'nightly-demo-2027-03-12-manager.eml']);
  });
});

describe('lead response alerts (issue #13 item 7), in another tenant', () => {
  const acmeAdmin = { tenantId: 'acme', staffId: 'admin', role: 'tenant_admin' } as const;
  const acmeSeller = { tenantId: 'acme', staffId: 'tse-2', role: 'tse' } as const;
  const sweep = async (at: string) => {
    const { runJobCommand } = await import('../../scripts/job');
    const out = await runJobCommand({ job: 'missed-sweep', at, tenant: 'acme' });
    await settled();
    return out.tenants.acme!;
  };
  /** Standard Webhooks signing, from the specification: HMAC-SHA256 of id.timestamp.body with the base64-decoded key. */
  const deliver = async (conn: { id: string; secret: string }, id: string, record: unknown) => {
    const body = JSON.stringify(record);
    const at = String(Math.floor(Date.now() / 1000));
    const signature = createHmac('sha256', Buffer.from(conn.secret.replace(/^whsec_/, ''), 'base64')).update(`${id}.${at}.${body}`).digest('base64');
    const res = await api.anonymous().post(`/hooks/acme/${conn.id}`, body, { 'webhook-id': id, 'webhook-timestamp': at, 'webhook-signature': `v1,${signature}`, 'content-type': 'application/json' });
    expect(res.status).toBe(202);
    await api.stack().inboundQueue.idle();
  };
  const sellerAlerts = async (query = '') => (await ok(api.as(acmeSeller).get(`/v1/alerts${query}`))).alerts as any[];
  const lead = (externalId: string, mobile: string, receivedAt: string) => ({ type: 'lead.received', externalId, data: { ownerName: `Lead ${externalId}`, mobile, productId: 'website', receivedAt } });

  it('raises one at the first-response call’s due time (before the grace marks it missed), once, and clears it when the lead is answered', async () => {
    await ok(api.as(acmeAdmin).put('/v1/config/assignment', { rules: [], defaultOwner: 'tse-2', firstResponseMinutes: 10 }, { 'if-match': '"0"' }));
    const conn = await ok(api.as(acmeAdmin).post('/v1/integrations', { provider: 'generic', name: 'Acme website', settings: {} }), 201);
    // Two leads arriving on Wednesday 10 March 2027 at 14:30 and 14:50 IST: calls due 14:40 and 15:00.
    await deliver(conn, 'lead-1', lead('LEAD-1', '9847500001', '2027-03-10T09:00:00.000Z'));
    await deliver(conn, 'lead-2', lead('LEAD-2', '9847500002', '2027-03-10T09:20:00.000Z'));
    const calls = ((await ok(api.as(acmeAdmin).get('/v1/events?status=Pending'))).items as any[]).filter((e) => e.purpose === 'first_response');
    expect(calls.map((e) => [e.type, e.assignee, e.scheduledAt])).toEqual([
      ['Call', 'tse-2', '2027-03-10T09:10:00.000Z'],
      ['Call', 'tse-2', '2027-03-10T09:30:00.000Z'],
    ]);
    const [first, second] = calls;

    expect(await sweep('2027-03-10T09:09:59.999Z')).toEqual({ marked: 0, raised: 0, resolved: 0, escalated: 0 });
    expect(await sweep('2027-03-10T09:10:00.000Z')).toEqual({ marked: 0, raised: 1, resolved: 0, escalated: 0 });
    expect(await sweep('2027-03-10T09:10:00.000Z')).toEqual({ marked: 0, raised: 0, resolved: 0, escalated: 0 });
    const [alert, ...others] = await sellerAlerts();
    expect(others).toEqual([]);
    expect(alert).toMatchObject({
      kind: 'lead_response',
      staffId: 'tse-2',
      status: 'open',
      period: '2027-03-10',
      subject: first.id,
      message: 'New lead from an integration not called within 10 minutes (the call was due 2027-03-10 14:40): call them now.',
      evidence: { eventId: first.id, opportunityId: first.opportunityId, clientId: first.clientId, dueAt: '2027-03-10T09:10:00.000Z', slaMinutes: 10, channel: 'generic', connectionId: conn.id, arrivedAt: '2027-03-10T09:00:00.000Z' },
      createdAt: '2027-03-10T09:10:00.000Z',
      deadline: '2027-03-11T09:10:00.000Z',
    });
    // Another tenant's manager never sees it.
    expect((await alerts(manager)).map((a) => a.id)).not.toContain(alert.id);

    // tse-2 calls the first lead (late); at 15:05 IST the second call is overdue and the first alert clears.
    await ok(api.as(acmeSeller).post(`/v1/events/${first.id}/complete`, { remarks: 'spoke to them' }));
    expect(await sweep('2027-03-10T09:35:00.000Z')).toEqual({ marked: 0, raised: 1, resolved: 1, escalated: 0 });
    expect((await sellerAlerts('?status=resolved')).map((a) => [a.kind, a.subject, a.resolution])).toEqual([['lead_response', first.id, 'condition_cleared']]);
    // Two hours' grace after 15:00 IST the second call is Missed: a missed follow-up of its own; the lead is still unanswered.
    expect(await sweep('2027-03-10T11:30:00.000Z')).toEqual({ marked: 1, raised: 1, resolved: 0, escalated: 0 });
    expect((await sellerAlerts()).map((a) => [a.kind, a.subject]).sort()).toEqual(
      [
        ['lead_response', second.id],
        ['missed_follow_up', second.id],
      ].sort(),
    );
  });
});
