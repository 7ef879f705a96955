import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../domain/access/roles';
import { TenantSettings } from '../../../domain/tenants/tenant';
import type { UseCaseContext } from './context';
import { catalogue, catalogueReport } from '../../../domain/reports/catalogue';
import { targetJoins, withTargets, type Targets } from './report-targets';
import { seedStages } from '../../../domain/pipeline/stages';
import { seedTargets } from '../../../domain/targets/targets';
import { CursorCodec } from '../store/cursor';
import { aliasesOf, reportAnswer, reportCsv, runCustomReport, TooManyConcurrentReports, type ReportResult, type ReportsDeps } from './reports';

const result: ReportResult = {
  reportId: 'loss-reasons',
  period: { from: '2026-09-01', to: '2026-11-30' },
  asOf: '2026-11-30T10:00:00.000Z',
  columns: [
    { name: 'lostReason', type: 'string', role: 'dimension' },
    { name: 'count', type: 'int', role: 'measure' },
    { name: 'share', type: 'float', role: 'ratio' },
  ],
  rows: [
    ['=SUM(A1:A9)', 2, 0.25],
    ['+91 price', -1, null],
    ['@me, "quoted"', 0, 1],
  ],
  totals: [null, 1, 0.5],
  chart: null,
};

describe('report CSV', () => {
  it('writes a BOM, the column names, then the rows with CRLF; text a spreadsheet would run is defused, numbers stay numbers', () => {
    expect(reportCsv(result)).toBe('\uFEFFlostReason,count,share\r\n\'=SUM(A1:A9),2,0.25\r\n\'+91 price,-1,\r\n"\'@me, ""quoted""",0,1\r\n');
  });

  it('answers CSV only when the caller accepts text/csv', () => {
    expect(reportAnswer(result, 'application/json').text).toBeUndefined();
    expect(reportAnswer(result, undefined).text).toBeUndefined();
    const csv = reportAnswer(result, 'text/html, text/csv;q=0.9');
    expect(csv.text?.contentType).toBe('text/csv; charset=utf-8');
    expect(csv.headers).toEqual({ 'content-disposition': 'attachment; filename="loss-reasons.csv"' });
  });

  it('names each column by its positional alias', () => {
    expect(aliasesOf([...result.columns, { name: 'sum:x', type: 'int', role: 'measure' }, { name: 'm', type: 'date', role: 'dimension' }])).toEqual(['d0', 'm0', 'r0', 'm1', 'd1']);
  });
});

describe('a run that the engine refuses', () => {
  const actor: Principal = { tenantId: 'acme', staffId: 'admin', role: 'tenant_admin' };
  const ctx = (hits = 1): UseCaseContext => ({
    actor,
    now: new Date('2026-11-30T10:00:20.000Z'),
    viewer: async () => actor,
    services: {
      tenants: { config: async () => ({ settings: TenantSettings.parse({ tenantId: 'acme', name: 'Acme' }), assignment: { value: undefined, version: 0 } }) },
      integrations: { increment: async () => hits },
      webhookLeases: { acquire: async () => true, release: async () => undefined },
    } as never,
  });
  const failing = (message: string): ReportsDeps => ({ run: async () => Promise.reject(new Error(message)), perMinute: 30 });
  const spec = { source: 'opportunities' as const, dimensions: ['stage'], measures: ['count'] };

  it('is a 422 when the result would pass its row cap, a 503 when it timed out or the store failed', async () => {
    await expect(runCustomReport(ctx(), failing('Code: 396. DB::Exception: Limit for result exceeded, max rows: 10.00 thousand. (TOO_MANY_ROWS_OR_BYTES)'), spec)).rejects.toMatchObject({
      kind: 'invalid',
      code: 'validation_failed',
      details: { errors: [{ field: 'body', code: 'result_too_large' }] },
    });
    await expect(runCustomReport(ctx(), failing('Code: 159. DB::Exception: Timeout exceeded: elapsed 10.1 seconds. (TIMEOUT_EXCEEDED)'), spec)).rejects.toMatchObject({ kind: 'unavailable', code: 'report_timeout', retryAfterSeconds: 30 });
    await expect(runCustomReport(ctx(), failing('connect ECONNREFUSED'), spec)).rejects.toMatchObject({ kind: 'unavailable', code: 'analytics_unavailable' });
  });

  it('reads a page as LIMIT n+1 OFFSET o, with the row cap one above a page of 10 000; more rows than the page: a cursor, and the RateLimit budget', async () => {
    const seen: { sql: string; params: Record<string, unknown>; settings: Record<string, unknown> }[] = [];
    const rows = Array.from({ length: 3 }, (_, i) => ({ d0: `s${i}`, m0: i }));
    const deps: ReportsDeps = { run: async (sql, params, settings) => (seen.push({ sql, params, settings: { ...settings } }), sql.includes('GROUP BY') ? rows : [{ m0: 3 }]), perMinute: 30, cursors: new CursorCodec({ current: 'k'.repeat(32) }) };
    const page = await runCustomReport(ctx(7), deps, { ...spec, limit: 2 });
    expect(page.rows).toEqual([
      ['s0', 0],
      ['s1', 1],
    ]);
    expect(page.totals).toEqual([null, 3]);
    expect(page.cursor).toMatch(/^[\w-]+\.[\w-]+$/);
    expect(page.rateLimit).toEqual({ limit: 30, remaining: 23, reset: 40 });
    const [query] = seen;
    expect(query!.sql).toContain('\nLIMIT {limit:UInt32} OFFSET {offset:UInt64}\n');
    expect(query!.sql).toContain('max_result_rows = 10001,');
    expect([query!.params.limit, query!.params.offset, query!.settings.max_result_rows]).toEqual([3, 0, 10_001]);
    seen.length = 0;
    await runCustomReport(ctx(8), deps, { ...spec, limit: 2, cursor: page.cursor! });
    expect([seen[0]!.params.limit, seen[0]!.params.offset]).toEqual([3, 2]);
    seen.length = 0;
    const whole = await runCustomReport(ctx(9), deps, { ...spec, limit: 10_000 });
    // Every group on the first page and a count: the totals from its rows (0 + 1 + 2), no second query.
    expect(seen.map((q) => q.params.limit)).toEqual([10_001]);
    expect(whole.totals).toEqual([null, 3]);
    expect(reportAnswer(page, undefined).headers).toEqual({ 'ratelimit-limit': '30', 'ratelimit-remaining': '23', 'ratelimit-reset': '40' });
    expect(reportAnswer(page, undefined).body).not.toHaveProperty('rateLimit');
    expect(reportAnswer(page, 'text/csv').headers).toEqual({ 'content-disposition': 'attachment; filename="custom-report.csv"', 'report-cursor': page.cursor, 'ratelimit-limit': '30', 'ratelimit-remaining': '23', 'ratelimit-reset': '40' });
  });

  it('over the tenant’s runs in flight: 429 too_many_concurrent_reports, Retry-After 1 and RateLimit fields, no query run', async () => {
    let ran = 0;
    const full = ctx(1);
    (full.services as unknown as { webhookLeases: unknown }).webhookLeases = { acquire: async () => false, release: async () => undefined };
    const refused = runCustomReport(full, { run: async () => (ran++, []), perMinute: 30, concurrent: 4 }, spec);
    await expect(refused).rejects.toBeInstanceOf(TooManyConcurrentReports);
    await expect(refused).rejects.toMatchObject({ kind: 'too_many_requests', code: 'too_many_concurrent_reports', retryAfterSeconds: 1, headers: { 'ratelimit-limit': '4', 'ratelimit-remaining': '0', 'ratelimit-reset': '1' } });
    expect(ran).toBe(0);
  });

  it('is a 429 past the tenant’s runs a minute, before any query', async () => {
    let ran = 0;
    const deps: ReportsDeps = { run: async () => (ran++, []), perMinute: 30 };
    await expect(runCustomReport(ctx(31), deps, spec)).rejects.toMatchObject({ kind: 'too_many_requests', code: 'rate_limited', retryAfterSeconds: 40 });
    expect(ran).toBe(0);
    await runCustomReport(ctx(30), deps, spec);
    expect(ran).toBe(2); // the rows and the totals
  });
});

describe('targets joined into reports', () => {
  it('every report that needs targets has a join, over the report’s own dimensions, and no other has one', () => {
    expect(Object.keys(targetJoins).sort()).toEqual(catalogue.filter((r) => r.needs?.includes('targets')).map((r) => r.id).sort());
    for (const [id, join] of Object.entries(targetJoins)) expect(catalogueReport(id)!.spec!.dimensions).toEqual(join.dimensions);
  });
});

describe('the target columns', () => {
  const staff = (staffId: string, role: 'tse' | 'manager', managerId = 'manager') => ({ staffId, name: staffId, email: `${staffId}@x.example`, role, managerId, path: `admin/${managerId}/${staffId}`, active: true, createdAt: '2026-01-01T00:00:00.000Z', version: 1 });
  const targets = (members: [string, ReturnType<typeof staff>[]][]): Targets => ({
    members: new Map(members),
    own: new Map([['tse-1', [{ effectiveFrom: '2026-11-30', revenueWeekly: 600_000 }]]]),
    config: { targets: { value: [seedTargets], version: 0 }, stages: { value: seedStages, version: 0 } } as never,
    // Monday 30 November to Sunday 6 December 2026: six working days.
    days: ['2026-11-30', '2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05', '2026-12-06'],
    week: undefined,
  });
  const revenue = {
    columns: [
      { name: 'staffId', type: 'string' as const, role: 'dimension' as const },
      { name: 'sum:amount', type: 'money' as const, role: 'measure' as const },
    ],
    rows: [
      ['tse-1', 300_000],
      ['tse-2', 0],
      ['admin', 900_000],
    ],
    totals: [null, 1_200_000],
  };

  it('a target and achievement per row (null without one); the totals sum the targets and divide the revenue of the rows that have one', () => {
    const joined = withTargets(targetJoins['revenue-vs-target-by-staff']!, revenue, targets([
      ['tse-1', [staff('tse-1', 'tse')]],
      ['tse-2', [staff('tse-2', 'tse')]],
    ]));
    expect(joined.columns.map((c) => [c.name, c.type, c.role])).toEqual([
      ['staffId', 'string', 'dimension'],
      ['sum:amount', 'money', 'measure'],
      ['target', 'money', 'measure'],
      ['achievement', 'float', 'ratio'],
    ]);
    // tse-1: own ₹6,000 a week; tse-2: the TSE role's ₹4,00,000; admin: none (and not a member the caller may see).
    expect(joined.rows).toEqual([
      ['tse-1', 300_000, 600_000, 0.5],
      ['tse-2', 0, 40_000_000, 0],
      ['admin', 900_000, null, null],
    ]);
    expect(joined.totals).toEqual([null, 1_200_000, 40_600_000, 0.0074]);
  });

  it('a team’s target is its members’ summed; a team with no member the caller may see has none', () => {
    const joined = withTargets(targetJoins['revenue-vs-target-by-team']!, { ...revenue, columns: [{ ...revenue.columns[0]!, name: 'team' }, revenue.columns[1]!], rows: [['manager', 300_000], ['rm-2', 100]], totals: [null, 300_100] }, targets([
      ['manager', [staff('tse-1', 'tse'), staff('tse-2', 'tse')]],
      ['rm-2', []],
    ]));
    expect(joined.rows).toEqual([
      ['manager', 300_000, 40_600_000, 0.0074],
      ['rm-2', 100, null, null],
    ]);
  });
});

describe('wantsCsv (Accept, RFC 9110 §12.5.1)', () => {
  it('answers CSV only when text/csv outweighs JSON', async () => {
    const { wantsCsv } = await import('./reports');
    const cases: [string | undefined, boolean][] = [
      [undefined, false],
      ['text/csv', true],
      ['TEXT/CSV', true],
      ['text/csv;q=0.1', true],
      ['text/csv;q=0', false],
      ['text/csv; q=0.0', false],
      ['application/json, text/csv;q=0.1', false],
      ['application/json, text/csv', false],
      ['application/json;q=0.5, text/csv', true],
      ['text/csv, */*', true],
      ['text/csv;q=0.5, */*', false],
      ['*/*', false],
      ['text/*', false],
      ['text/csv;q=abc', false],
      ['text/csv;charset=utf-8', true],
    ];
    expect(cases.map(([accept]) => wantsCsv(accept))).toEqual(cases.map(([, csv]) => csv));
  });
});
