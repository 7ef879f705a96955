import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { catalogue } from '../../../domain/reports/catalogue';
import { addDays, localDay } from '../../../domain/targets/periods';
import { useLocalStack } from '../../../test/stack';
import { getServices } from '../../lib/services';
import { contextOf } from '../../lib/use-cases/context';
import { reportsDeps, runCatalogueReport, runCustomReport, type ReportsDeps } from '../../lib/use-cases/reports';

/**
 * Reports (#16) through HTTP on the local stack: a small known history made through the API flows
 * through the real pipeline into chDB, and prebuilt and custom reports are checked value by value,
 * per caller — a seller sees only their own rows, a manager their subtree, a warrior what was
 * handed to them — as JSON and as CSV; bad specs are 422 at exact paths.
 */
const api = useLocalStack({ pipeline: true, analytics: true });
const tse1 = { tenantId: 'demo', staffId: 'tse-1', role: 'tse' } as const;
const tse2 = { tenantId: 'demo', staffId: 'tse-2', role: 'tse' } as const;
const manager = { tenantId: 'demo', staffId: 'manager', role: 'manager' } as const;
const admin = { tenantId: 'demo', staffId: 'admin', role: 'tenant_admin' } as const;
const warrior = { tenantId: 'demo', staffId: 'rw-1', role: 'warrior' } as const;
const platform = { tenantId: 'demo', staffId: 'root', role: 'platform_admin' } as const;
const other = { tenantId: 'demo', staffId: 'rt-9', role: 'tse' } as const;
type Who = typeof tse1 | typeof tse2 | typeof manager | typeof admin | typeof warrior | typeof platform | typeof other;

const ok = async (res: Promise<{ status: number; body: any }>, status = 200) => {
  const r = await res;
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
};
let phone = 9847400000;
const newClient = async (who: Who) => {
  phone += 1;
  return (await ok(api.as(who).post('/v1/clients', { companyName: `Report client ${phone}`, ownerName: 'Owner', mobile: String(phone) }), 201)).id as string;
};
const open = async (who: Who, body: Record<string, unknown>) => ok(api.as(who).post(`/v1/clients/${await newClient(who)}/opportunities`, body), 201);
const move = async (who: Who, id: string, body: Record<string, unknown>) => (await ok(api.as(who).post(`/v1/opportunities/${id}/stage`, body))).opportunity;
const run = (who: Who, id: string, body: Record<string, unknown> = {}, headers?: Record<string, string>) => api.as(who).post(`/v1/reports/${id}/run`, body, headers);
const custom = (who: Who, body: Record<string, unknown>, headers?: Record<string, string>) => api.as(who).post('/v1/reports/custom/run', body, headers);

const h: Record<string, any> = {};
let today: string;
const FORMULA = '=HYPERLINK("http://evil.example","x")';

beforeAll(async () => {
  today = localDay(new Date(), 'Asia/Kolkata');
  await ok(api.as(admin).post('/v1/staff', { staffId: 'rw-1', name: 'Report Warrior', email: 'rw-1@demo.example', role: 'warrior', managerId: 'manager' }), 201);
  // tse-1: an open Website lead handed to the warrior (₹1,000), a KML deal won (₹2,000), a Jewellery deal lost for "price" (₹3,000).
  h.o1 = await open(tse1, { productId: 'website', dealValue: 100_000, warriors: ['rw-1'] });
  h.o2 = await open(tse1, { productId: 'kml', dealValue: 200_000 });
  h.o2 = await move(tse1, h.o2.id, { stage: 'Closed', outcome: 'Won' });
  h.o3 = await open(tse1, { productId: 'jewellery', dealValue: 300_000 });
  h.o3 = await move(tse1, h.o3.id, { stage: 'Closed', outcome: 'Lost', reason: 'price' });
  // tse-2: an open Website lead (₹4,000) and a KML deal lost with a reason that reads as a formula (₹5,000).
  h.o4 = await open(tse2, { productId: 'website', dealValue: 400_000 });
  h.o5 = await open(tse2, { productId: 'kml', dealValue: 500_000 });
  h.o5 = await move(tse2, h.o5.id, { stage: 'Closed', outcome: 'Lost', reason: FORMULA });
  // Outside the manager's subtree: another manager's seller with a deal of their own (₹6,000).
  await ok(api.as(admin).post('/v1/staff', { staffId: 'rm-2', name: 'Other Manager', email: 'rm-2@demo.example', role: 'manager', managerId: 'admin' }), 201);
  await ok(api.as(admin).post('/v1/staff', { staffId: 'rt-9', name: 'Other Seller', email: 'rt-9@demo.example', role: 'tse', managerId: 'rm-2' }), 201);
  h.o6 = await open(other, { productId: 'website', dealValue: 600_000 });
  await api.stack().pipeline!.poller.caughtUp();
  await api.stack().pipeline!.bus.idle();
}, 120_000);

describe('the catalogue', () => {
  it('lists every prebuilt report with what it takes', async () => {
    const body = await ok(api.as(tse1).get('/v1/reports'));
    expect(body.reports).toHaveLength(catalogue.length);
    expect(body.reports.length).toBeGreaterThanOrEqual(50);
    const loss = body.reports.find((r: any) => r.id === 'loss-reasons');
    expect({ ...loss, groupBy: undefined, filters: undefined }).toEqual({
      id: 'loss-reasons',
      title: 'Win/loss: loss reasons',
      area: 'pipeline',
      description: 'Opportunities closed Lost in the period, by the lost reason given when closing: the number of them (count) and the deal value lost.',
      source: 'opportunities',
      defaultPeriod: 'last_90_days',
      chart: { type: 'pie', x: 'lostReason', y: ['count'] },
      periodOn: 'closedAt',
      dimensions: ['lostReason'],
      measures: ['count', 'sum:dealValue'],
      needs: [],
    });
    expect(loss.groupBy).toContain('productId');
    expect(loss.groupBy).toContain('month');
    expect(loss.filters).toContain('dealValue');
  });

  it('shows one report, and answers 404 for an unknown one', async () => {
    expect((await ok(api.as(tse1).get('/v1/reports/revenue-monthly'))).title).toBe('Revenue, month by month');
    const res = await api.as(tse1).get('/v1/reports/no-such-report');
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('report_not_found');
  });

  it('is refused to platform admins (no tenant data)', async () => {
    expect((await api.as(platform).get('/v1/reports')).status).toBe(403);
    expect((await run(platform, 'loss-reasons')).status).toBe(403);
  });
});

describe('prebuilt reports, value by value', () => {
  it('loss reasons: the tenant for an admin, own rows for a seller', async () => {
    const body = await ok(run(admin, 'loss-reasons'));
    expect(body.columns).toEqual([
      { name: 'lostReason', type: 'string', role: 'dimension' },
      { name: 'count', type: 'int', role: 'measure' },
      { name: 'sum:dealValue', type: 'money', role: 'measure' },
    ]);
    expect(body.rows).toEqual([
      [FORMULA, 1, 500_000],
      ['price', 1, 300_000],
    ]);
    expect(body.totals).toEqual([null, 2, 800_000]);
    expect(body.chart).toEqual({ type: 'pie', x: 'lostReason', y: ['count'] });
    expect(body.reportId).toBe('loss-reasons');
    expect(body.period.to).toBe(today);

    const own = await ok(run(tse1, 'loss-reasons'));
    expect(own.rows).toEqual([['price', 1, 300_000]]);
    expect(own.totals).toEqual([null, 1, 300_000]);
    expect(JSON.stringify(own)).not.toContain('evil.example');
  });

  it('pipeline by stage, a snapshot: the manager’s subtree, a seller’s own, a warrior’s handed deal', async () => {
    const columns = ['stage', 'count', 'sum:dealValue', 'sum:expectedRevenue'];
    const all = await ok(run(manager, 'pipeline-by-stage'));
    expect(all.columns.map((c: any) => c.name)).toEqual(columns);
    expect(all.period).toBeNull();
    // tse-1's and tse-2's open leads, not rt-9's (another manager's report).
    expect(all.rows.map((r: any[]) => r.slice(0, 3))).toEqual([['Lead', 2, 500_000]]);
    expect((await ok(run(admin, 'pipeline-by-stage'))).rows.map((r: any[]) => r.slice(0, 3))).toEqual([['Lead', 3, 1_100_000]]);
    expect((await ok(run(tse2, 'pipeline-by-stage'))).rows.map((r: any[]) => r.slice(0, 3))).toEqual([['Lead', 1, 400_000]]);
    const handed = await ok(run(warrior, 'pipeline-by-stage'));
    expect(handed.rows.map((r: any[]) => r.slice(0, 3))).toEqual([['Lead', 1, 100_000]]);
  });

  it('revenue month by month: the won deal credited in full to its seller', async () => {
    const month = `${today.slice(0, 7)}-01`;
    const body = await ok(run(admin, 'revenue-monthly', { period: { from: month, to: today } }));
    expect(body.columns.map((c: any) => c.name)).toEqual(['month', 'sum:amount', 'uniq:opportunityId']);
    expect(body.rows).toEqual([[month, 200_000, 1]]);
    expect(body.period).toEqual({ from: month, to: today });
    expect((await ok(run(tse2, 'revenue-monthly', { period: { from: month, to: today } }))).rows).toEqual([]);
  });

  it('groupBy and filters of the request replace the dimensions and add to the filters', async () => {
    const body = await ok(run(admin, 'loss-reasons', { groupBy: ['productId'], filters: [{ field: 'dealValue', op: 'gte', value: 400_000 }] }));
    expect(body.columns.map((c: any) => c.name)).toEqual(['productId', 'count', 'sum:dealValue']);
    expect(body.rows).toEqual([['kml', 1, 500_000]]);
  });

  it('answers CSV when asked, formulas defused', async () => {
    const res = await run(admin, 'loss-reasons', {}, { accept: 'text/csv' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="loss-reasons.csv"');
    // The text as fetch decodes it (the leading BOM, which reports.test.ts checks, is dropped by the decoder).
    expect(res.body).toBe(`lostReason,count,sum:dealValue\r\n"'=HYPERLINK(""http://evil.example"",""x"")",1,500000\r\nprice,1,300000\r\n`);
  });
});

describe('custom reports', () => {
  const spec = { source: 'opportunities', dimensions: ['assignedTo'], measures: ['count', 'sum:dealValue'] };

  it('counts per assignee over what the caller may see', async () => {
    const all = await ok(custom(admin, spec));
    expect(all.reportId).toBeNull();
    expect(all.rows).toEqual([
      ['rt-9', 1, 600_000],
      ['tse-1', 3, 600_000],
      ['tse-2', 2, 900_000],
    ]);
    expect(all.totals).toEqual([null, 6, 2_100_000]);
    expect(all.chart).toEqual({ type: 'bar', x: 'assignedTo', y: ['count', 'sum:dealValue'] });
    // The manager: their subtree only, totals included.
    const team = await ok(custom(manager, spec));
    expect(team.rows).toEqual(all.rows.slice(1));
    expect(team.totals).toEqual([null, 5, 1_500_000]);
    // A seller never sees another's rows.
    const own = await ok(custom(tse1, spec));
    expect(own.rows).toEqual([['tse-1', 3, 600_000]]);
    expect(JSON.stringify(own)).not.toContain('tse-2');
    expect((await ok(custom(warrior, spec))).rows).toEqual([['tse-1', 1, 100_000]]);
  });

  it('ratios, and a CSV of them', async () => {
    const body = { source: 'opportunities', dimensions: ['productId'], measures: ['sum:lost', 'count'], ratios: [{ name: 'lossRate', numerator: 'sum:lost', denominator: 'count' }], sort: [{ by: 'productId', dir: 'asc' }] };
    const json = await ok(custom(admin, body));
    expect(json.rows).toEqual([
      ['jewellery', 1, 1, 1],
      ['kml', 1, 2, 0.5],
      ['website', 0, 3, 0],
    ]);
    const csv = await custom(admin, body, { accept: 'text/csv' });
    expect(csv.body).toBe('productId,sum:lost,count,lossRate\r\njewellery,1,1,1\r\nkml,1,2,0.5\r\nwebsite,0,3,0\r\n');
  });

  it('refuses a bad spec with errors at exact paths', async () => {
    const res = await custom(admin, { source: 'opportunities', dimensions: ['password'], measures: ['sum:stage', 'count'], filters: [{ field: 'stage', op: 'gt', value: 'Lead' }] });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors.map((e: any) => [e.field, e.code])).toEqual([
      ['body.dimensions.0', 'unknown_dimension'],
      ['body.measures.0', 'aggregate_not_allowed'],
      ['body.filters.0.op', 'op_not_allowed'],
    ]);
    const noPeriod = await custom(admin, { source: 'activities', measures: ['count'] });
    expect(noPeriod.status).toBe(422);
    expect(noPeriod.body.errors).toEqual([{ field: 'body.period', code: 'period_required', message: 'activities reports need a period' }]);
    const sql = await custom(admin, { source: 'opportunities', measures: ['count'], sql: 'SELECT * FROM system.tables' });
    expect(sql.status).toBe(422);
    expect(sql.body.errors.map((e: any) => e.field)).toEqual(['body.sql']);
  });

  it('refuses a bad catalogue run with errors at the request’s own paths', async () => {
    const res = await run(admin, 'loss-reasons', { groupBy: ['nope'], period: { from: '2026-01-01', to: '2027-06-01' } });
    expect(res.status).toBe(422);
    expect(res.body.errors.map((e: any) => [e.field, e.code])).toEqual([
      ['body.groupBy.0', 'unknown_dimension'],
      ['body.period.to', 'period_too_long'],
    ]);
    const special = await run(admin, 'client-growth', { groupBy: ['month'] });
    expect(special.status).toBe(422);
    expect(special.body.errors).toEqual([{ field: 'body.groupBy', code: 'not_supported', message: 'the client-growth report takes no groupBy' }]);
    expect((await run(admin, 'no-such-report')).status).toBe(404);
  });
});

describe('large results a page at a time', () => {
  it('limit cuts a page and answers a cursor that continues the same request; CSV carries it in Report-Cursor', async () => {
    const first = await ok(run(admin, 'loss-reasons', { limit: 1 }));
    expect(first.rows).toEqual([[FORMULA, 1, 500_000]]);
    expect(first.totals).toEqual([null, 2, 800_000]);
    expect(typeof first.cursor).toBe('string');
    const second = await ok(run(admin, 'loss-reasons', { limit: 1, cursor: first.cursor }));
    expect(second.rows).toEqual([['price', 1, 300_000]]);
    expect(second.totals).toEqual([null, 2, 800_000]);
    expect(second.asOf).toBe(first.asOf);
    expect(second.cursor).toBeUndefined();
    const csv = await run(admin, 'loss-reasons', { limit: 1 }, { accept: 'text/csv' });
    expect(csv.body).toBe(`lostReason,count,sum:dealValue\r\n"'=HYPERLINK(""http://evil.example"",""x"")",1,500000\r\n`);
    expect(csv.headers.get('report-cursor')).toMatch(/^[\w-]+\.[\w-]+$/);
  });

  it('a cursor for another request, or edited, is 400 invalid_cursor; a limit out of range is 422', async () => {
    const first = await ok(run(admin, 'loss-reasons', { limit: 1 }));
    const other = await run(admin, 'loss-reasons', { limit: 1, cursor: first.cursor, filters: [{ field: 'dealValue', op: 'gte', value: 1 }] });
    expect([other.status, other.body.code]).toEqual([400, 'invalid_cursor']);
    const edited = await run(admin, 'loss-reasons', { limit: 1, cursor: `x${first.cursor}` });
    expect([edited.status, edited.body.code]).toEqual([400, 'invalid_cursor']);
    const tooMany = await run(admin, 'loss-reasons', { limit: 10_001 });
    expect([tooMany.status, tooMany.body.errors.map((e: any) => e.field)]).toEqual([422, ['body.limit']]);
  });
});

// Runs through the use case (the same code the route calls), not counted against the HTTP tests' minute: a budget of their own.
const direct = async (over: Partial<ReportsDeps> = {}): Promise<ReportsDeps> => ({ ...(await reportsDeps()), perMinute: 100_000, ...over });
const ctxOf = (who: Who | { tenantId: 'acme'; staffId: string; role: 'tenant_admin' }, now = new Date()) => contextOf(who, now, getServices());
const runDirect = async (who: Who, id: string, body: Record<string, unknown> = {}) => runCatalogueReport(ctxOf(who), await direct(), id, body);

describe('targets joined into the reports that compare with them', () => {
  // Seven days from today: six working days (Monday–Saturday) whatever today is, all after tse-1's own targets take effect.
  let week: { from: string; to: string };
  beforeAll(async () => {
    week = { from: today, to: addDays(today, 6) };
    const event = (who: Who, opportunityId: string, type: string) => ok(api.as(who).post(`/v1/opportunities/${opportunityId}/events`, { type, scheduledAt: '2027-01-15T05:00:00.000Z' }), 201);
    // tse-1: a call completed and a demo scheduled; tse-2: a visit scheduled; rt-9 (another manager's): a demo scheduled.
    const call = await event(tse1, h.o1.id, 'Call');
    await ok(api.as(tse1).post(`/v1/events/${call.id}/complete`, {}));
    await event(tse1, h.o1.id, 'DemoScheduled');
    await event(tse2, h.o4.id, 'VisitScheduled');
    await event(other, h.o6.id, 'DemoScheduled');
    // tse-1's own activity targets from today: 10 calls and 1 demo a working day (visits and revenue stay the TSE role's).
    await ok(api.as(manager).put('/v1/staff/tse-1/targets', { activity: { calls: 10, demos: 1 } }, { 'if-match': '"0"' }));
    await api.stack().pipeline!.poller.caughtUp();
    await api.stack().pipeline!.bus.idle();
  }, 60_000);

  it('revenue vs target by staff member, as CSV too: the period’s target (₹4,00,000 a week × 6 of 6 working days) and the share made', async () => {
    const res = await run(admin, 'revenue-vs-target-by-staff', { period: week }, { accept: 'text/csv' });
    expect(res.status).toBe(200);
    expect(res.body).toBe('staffId,sum:amount,uniq:opportunityId,target,achievement\r\ntse-1,200000,1,40000000,0.005\r\n');
    const body = await runDirect(admin, 'revenue-vs-target-by-staff', { period: week });
    expect(body.columns.slice(3)).toEqual([
      { name: 'target', type: 'money', role: 'measure' },
      { name: 'achievement', type: 'float', role: 'ratio' },
    ]);
    expect(body.rows).toEqual([['tse-1', 200_000, 1, 40_000_000, 0.005]]);
    expect(body.totals).toEqual([null, 200_000, 1, 40_000_000, 0.005]);
    expect(body.targets).toBeUndefined();
  });

  it('activity vs target by staff member: each counter beside its period target; another manager’s seller only for the admin', async () => {
    const body = await runDirect(admin, 'activity-vs-target-by-staff', { period: week });
    expect(body.columns.map((c) => [c.name, c.type])).toEqual([
      ['staffId', 'string'],
      ['sum:callCompleted', 'int'],
      ['sum:demoScheduled', 'int'],
      ['sum:visitScheduled', 'int'],
      ['target:calls', 'int'],
      ['achievement:calls', 'float'],
      ['target:demos', 'int'],
      ['achievement:demos', 'float'],
      ['target:visits', 'int'],
      ['achievement:visits', 'float'],
    ]);
    // tse-1: own 10 calls and 1 demo a day × 6 days, the role's 1 visit × 6; tse-2 and rt-9: the TSE role's 60, 2, 1 a day × 6.
    expect(body.rows).toEqual([
      ['rt-9', 0, 1, 0, 360, 0, 12, 0.0833, 6, 0],
      ['tse-1', 1, 1, 0, 60, 0.0167, 6, 0.1667, 6, 0],
      ['tse-2', 0, 0, 1, 360, 0, 12, 0, 6, 0.1667],
    ]);
    expect(body.totals).toEqual([null, 1, 2, 1, 780, 0.0013, 30, 0.0667, 18, 0.0556]);
    const team = await runDirect(manager, 'activity-vs-target-by-staff', { period: week });
    expect(team.rows).toEqual(body.rows.slice(1));
    expect(team.totals).toEqual([null, 1, 1, 1, 420, 0.0024, 18, 0.0556, 12, 0.0833]);
    const own = await runDirect(tse1, 'activity-vs-target-by-staff', { period: week });
    expect(own.rows).toEqual([body.rows[1]]);
  });

  it('activity vs target by team: the sum of the manager’s direct reports’ targets, only those the caller may see', async () => {
    const body = await runDirect(admin, 'activity-vs-target-by-team', { period: week });
    // manager's reports: so-1 (sales officer: no calls target; 2 demos, 2 visits a day), tse-1, tse-2 (and the warrior rw-1, with none).
    expect(body.rows).toEqual([
      ['manager', 1, 1, 1, 420, 0.0024, 30, 0.0333, 24, 0.0417],
      ['rm-2', 0, 1, 0, 360, 0, 12, 0.0833, 6, 0],
    ]);
    expect(body.totals).toEqual([null, 1, 2, 1, 780, 0.0013, 42, 0.0476, 30, 0.0333]);
    // A seller sees their own facts under their team, and their own target only.
    const own = await runDirect(tse1, 'activity-vs-target-by-team', { period: week });
    expect(own.rows).toEqual([['manager', 1, 1, 0, 60, 0.0167, 6, 0.1667, 6, 0]]);
  });

  it('revenue vs target by team', async () => {
    const body = await runDirect(manager, 'revenue-vs-target-by-team', { period: week });
    // so-1 ₹5,00,000, tse-1 and tse-2 ₹4,00,000 each a week, × 6 of 6 working days.
    expect(body.rows).toEqual([['manager', 200_000, 1, 130_000_000, 0.0015]]);
    expect((await runDirect(tse1, 'revenue-vs-target-by-team', { period: week })).rows).toEqual([['manager', 200_000, 1, 40_000_000, 0.005]]);
  });

  it('pipeline coverage by stage: the required pipeline of the week (weekly target × the stage multiplier), none for what the caller may not see', async () => {
    const body = await runDirect(admin, 'pipeline-coverage-by-stage');
    expect(body.columns.map((c) => c.name)).toEqual(['assignedTo', 'stage', 'sum:dealValue', 'count', 'required', 'coverage']);
    // Lead: ₹4,00,000 × 50 = ₹2 Cr for each TSE.
    expect(body.rows).toEqual([
      ['rt-9', 'Lead', 600_000, 1, 2_000_000_000, 0.0003],
      ['tse-1', 'Lead', 100_000, 1, 2_000_000_000, 0.0001],
      ['tse-2', 'Lead', 400_000, 1, 2_000_000_000, 0.0002],
    ]);
    expect(body.totals).toEqual([null, null, 1_100_000, 3, 6_000_000_000, 0.0002]);
    expect((await runDirect(manager, 'pipeline-coverage-by-stage')).totals).toEqual([null, null, 500_000, 2, 4_000_000_000, 0.0001]);
    // The warrior sees the deal handed to them, not tse-1's targets.
    expect((await runDirect(warrior, 'pipeline-coverage-by-stage')).rows).toEqual([['tse-1', 'Lead', 100_000, 1, null, null]]);
  });

  it('a groupBy that leaves out the rows targets are of shows the facts alone (targets: null)', async () => {
    const body = await runDirect(admin, 'revenue-vs-target-by-staff', { period: week, groupBy: ['productId'] });
    expect(body.columns.map((c) => c.name)).toEqual(['productId', 'sum:amount', 'uniq:opportunityId']);
    expect(body.rows).toEqual([['kml', 200_000, 1]]);
    expect(body.targets).toBeNull();
  });
});

describe('paging, exactly', () => {
  /** Every page of a run from the first, following the cursors. */
  const pages = async (next: (cursor: string | undefined) => Promise<{ rows: unknown[][]; totals: unknown[] | null; cursor?: string }>) => {
    const all: { rows: unknown[][]; totals: unknown[] | null; cursor?: string }[] = [];
    let cursor: string | undefined;
    do {
      const page = await next(cursor);
      all.push(page);
      cursor = page.cursor;
    } while (cursor && all.length < 50);
    return all;
  };

  it('custom reports: pages of any size, followed to the end, are exactly the unpaged rows — no row lost or repeated — each with the totals of all', async () => {
    const spec = { source: 'opportunities' as const, dimensions: ['assignedTo', 'productId', 'stage'], measures: ['count', 'sum:dealValue'] };
    const deps = await direct();
    const whole = await runCustomReport(ctxOf(admin), deps, { ...spec, limit: 10_000 });
    expect(whole.rows).toHaveLength(6);
    expect(whole.cursor).toBeUndefined();
    for (const limit of [1, 2, 3, 4, 5, 6, 7]) {
      const got = await pages((cursor) => runCustomReport(ctxOf(admin), deps, { ...spec, limit, ...(cursor && { cursor }) }));
      expect(got.map((p) => p.rows.length)).toEqual(Array.from({ length: Math.ceil(6 / limit) }, (_, i) => Math.min(limit, 6 - i * limit)));
      expect(got.flatMap((p) => p.rows)).toEqual(whole.rows);
      for (const p of got) expect(p.totals).toEqual(whole.totals);
    }
  });

  it('property: for any grouping, sort (ties included) and page size, the pages are the unpaged rows in order', async () => {
    const deps = await direct();
    await fc.assert(
      fc.asyncProperty(
        fc.subarray(['assignedTo', 'productId', 'stage', 'status', 'leadOwner'], { minLength: 1, maxLength: 3 }),
        fc.option(fc.constantFrom('count', 'sum:dealValue'), { nil: undefined }),
        fc.constantFrom<'asc' | 'desc'>('asc', 'desc'),
        fc.integer({ min: 1, max: 7 }),
        async (dimensions, sortBy, dir, limit) => {
          const spec = { source: 'opportunities' as const, dimensions, measures: ['count', 'sum:dealValue'], ...(sortBy && { sort: [{ by: sortBy, dir }] }) };
          const whole = await runCustomReport(ctxOf(admin), deps, { ...spec, limit: 10_000 });
          const got = await pages((cursor) => runCustomReport(ctxOf(admin), deps, { ...spec, limit, ...(cursor && { cursor }) }));
          expect(got.flatMap((p) => p.rows)).toEqual(whole.rows);
          expect(got).toHaveLength(Math.max(1, Math.ceil(whole.rows.length / limit)));
        },
      ),
      { numRuns: 15 },
    );
  }, 120_000);

  it('prebuilt reports with targets page the joined rows; the totals stay over all of them; asOf stays the first page’s', async () => {
    const deps = await direct();
    const whole = await runCatalogueReport(ctxOf(admin), deps, 'pipeline-coverage-by-stage', {});
    const t0 = new Date();
    const first = await runCatalogueReport(ctxOf(admin, t0), deps, 'pipeline-coverage-by-stage', { limit: 2 });
    const second = await runCatalogueReport(ctxOf(admin, new Date(t0.getTime() + 5_000)), deps, 'pipeline-coverage-by-stage', { limit: 2, cursor: first.cursor! });
    expect([...first.rows, ...second.rows]).toEqual(whole.rows);
    expect([first.totals, second.totals]).toEqual([whole.totals, whole.totals]);
    expect(second.asOf).toBe(first.asOf);
    expect(second.cursor).toBeUndefined();
  });

  it('a cursor is bound to its report, its request and its caller', async () => {
    const deps = await direct();
    const first = await runCatalogueReport(ctxOf(admin), deps, 'loss-reasons', { limit: 1 });
    const refused = { kind: 'bad_request', code: 'invalid_cursor' };
    await expect(runCatalogueReport(ctxOf(admin), deps, 'pipeline-by-stage', { limit: 1, cursor: first.cursor! })).rejects.toMatchObject(refused);
    await expect(runCatalogueReport(ctxOf(admin), deps, 'loss-reasons', { limit: 1, groupBy: ['productId'], cursor: first.cursor! })).rejects.toMatchObject(refused);
    await expect(runCatalogueReport(ctxOf(admin), deps, 'loss-reasons', { limit: 1, period: { from: today, to: today }, cursor: first.cursor! })).rejects.toMatchObject(refused);
    await expect(runCatalogueReport(ctxOf(manager), deps, 'loss-reasons', { limit: 1, cursor: first.cursor! })).rejects.toMatchObject(refused);
    await expect(runCustomReport(ctxOf(admin), deps, { source: 'opportunities', measures: ['count'], cursor: first.cursor! })).rejects.toMatchObject(refused);
    // The same request with another page size continues from the same row.
    expect((await runCatalogueReport(ctxOf(admin), deps, 'loss-reasons', { limit: 5, cursor: first.cursor! })).rows).toEqual([['price', 1, 300_000]]);
  });
});

describe('runs in flight', () => {
  it('at most REPORTS_CONCURRENT a tenant at once: the next is 429 too_many_concurrent_reports; a run gives its slot back however it ends', async () => {
    const acme = { tenantId: 'acme', staffId: 'admin', role: 'tenant_admin' } as const;
    // Runs held open by the test: each waits in deps.run until the test answers it, by name.
    const held = new Map<string, { resolve: (rows: Record<string, unknown>[]) => void; reject: (e: Error) => void }>();
    let waiting: { n: number; resolve: () => void } | undefined;
    const deps = async (name: string) =>
      direct({
        concurrent: 2,
        run: () =>
          new Promise<Record<string, unknown>[]>((resolve, reject) => {
            held.set(name, { resolve, reject });
            if (waiting && held.size >= waiting.n) waiting.resolve();
          }),
      });
    const inFlight = (n: number) => new Promise<void>((resolve) => (held.size >= n ? resolve() : (waiting = { n, resolve })));
    // A minute of its own (the clock is an input), apart from the HTTP tests' minute.
    const ctx = () => ctxOf(acme, new Date(Date.now() + 10 * 60_000));
    const spec = { source: 'opportunities' as const, measures: ['count'] };
    const start = async (name: string) => runCustomReport(ctx(), await deps(name), spec);
    const tooMany = { kind: 'too_many_requests', code: 'too_many_concurrent_reports', retryAfterSeconds: 1, headers: { 'ratelimit-limit': '2', 'ratelimit-remaining': '0', 'ratelimit-reset': '1' } };

    const a = start('a');
    const b = start('b');
    await inFlight(2);
    await expect(start('refused')).rejects.toMatchObject(tooMany);
    // One answers: its slot is free again.
    held.get('a')!.resolve([{ m0: 7 }]);
    expect((await a).rows).toEqual([[7]]);
    const c = start('c');
    await inFlight(3);
    await expect(start('refused')).rejects.toMatchObject(tooMany);
    // One fails: its slot is given back too.
    held.get('b')!.reject(new Error('connect ECONNREFUSED'));
    await expect(b).rejects.toMatchObject({ code: 'analytics_unavailable' });
    const d = start('d');
    await inFlight(4);
    await expect(start('refused')).rejects.toMatchObject(tooMany);
    held.get('c')!.resolve([{ m0: 1 }]);
    held.get('d')!.resolve([{ m0: 2 }]);
    expect([(await c).rows, (await d).rows]).toEqual([[[1]], [[2]]]);
    // No refused run reached the store.
    expect([...held.keys()].sort()).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('the per-tenant rate limit', () => {
  it('a run answers the tenant’s budget of the minute in RateLimit fields, as JSON and as CSV', async () => {
    const acme = { tenantId: 'acme', staffId: 'admin', role: 'tenant_admin' } as const;
    const body = { source: 'opportunities', measures: ['count'] };
    const first = await api.as(acme).post('/v1/reports/custom/run', body);
    expect(first.status).toBe(200);
    // The first of the tenant's runs in this minute.
    expect([first.headers.get('ratelimit-limit'), first.headers.get('ratelimit-remaining')]).toEqual(['30', '29']);
    const reset = Number(first.headers.get('ratelimit-reset'));
    expect(reset).toBeGreaterThanOrEqual(1);
    expect(reset).toBeLessThanOrEqual(60);
    expect(first.body).not.toHaveProperty('rateLimit');
    const csv = await api.as(acme).post('/v1/reports/custom/run', body, { accept: 'text/csv' });
    expect(csv.status).toBe(200);
    const crossed = Number(csv.headers.get('ratelimit-reset')) > reset; // a new minute began in between
    expect([csv.headers.get('ratelimit-limit'), csv.headers.get('ratelimit-remaining')]).toEqual(['30', crossed ? '29' : '28']);
  });

  it('answers 429 with Retry-After and RateLimit fields past 30 runs a minute', async () => {
    const acme = { tenantId: 'acme', staffId: 'admin', role: 'tenant_admin' } as const;
    let refused: Awaited<ReturnType<typeof custom>> | undefined;
    // At most 30 a minute: the 31st of one minute (62 cover a minute boundary crossed meanwhile).
    for (let i = 0; i < 62 && !refused; i++) {
      const res = await api.as(acme).post('/v1/reports/custom/run', { source: 'opportunities', measures: ['count'] });
      if (res.status === 429) refused = res;
      else expect(res.status).toBe(200);
    }
    expect(refused?.body.code).toBe('rate_limited');
    expect(refused!.headers.get('ratelimit-limit')).toBe('30');
    expect(refused!.headers.get('ratelimit-remaining')).toBe('0');
    const retry = Number(refused!.headers.get('retry-after'));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    expect(refused!.headers.get('ratelimit-reset')).toBe(String(retry));
  });
});
