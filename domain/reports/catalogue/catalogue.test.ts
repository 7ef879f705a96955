import { describe, expect, it } from 'vitest';
import { compileReport, type CompileContext } from '../compile';
import { compileSpecial, specialNames } from '../special';
import { fieldOf, parseMeasure, ReportSpec } from '../spec';
import { sources } from '../sources';
import { catalogue, catalogueReport, catalogueRunSpec, compileCatalogueReport, resolvePeriod } from '.';
import { areas } from './types';

const ctx: CompileContext = { tenantId: 'acme', scope: { kind: 'staff', staffIds: ['s1'] }, timeZone: 'Asia/Kolkata', asOf: '2026-11-18T06:00:00.000Z' };

describe('the report catalogue', () => {
  it('holds at least 50 reports with unique slug ids, covering every area', () => {
    expect(catalogue.length).toBeGreaterThanOrEqual(50);
    expect(new Set(catalogue.map((r) => r.id)).size).toBe(catalogue.length);
    for (const r of catalogue) expect(r.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(new Set(catalogue.map((r) => r.area))).toEqual(new Set(areas));
    expect(catalogueReport('funnel-tenant')?.title).toBe('Sales funnel');
  });

  it.each(catalogue.map((r) => [r.id, r] as const))('%s: its spec validates and compiles for every kind of scope', (_id, report) => {
    for (const scope of [{ kind: 'tenant' }, { kind: 'staff', staffIds: ['s1', 's2'] }, { kind: 'handed', opportunityIds: ['o1'] }] as const) {
      const compiled = compileCatalogueReport(report, {}, { ...ctx, scope });
      expect(compiled.sql).toMatch(/^(SELECT|WITH) /);
      expect(compiled.params.tenant).toBe('acme');
    }
    if (report.spec) {
      const period = resolvePeriod(report.defaultPeriod, '2026-11-18');
      expect(ReportSpec.safeParse(catalogueRunSpec(report, {}, period ?? { from: '2026-11-01', to: '2026-11-30' })).success).toBe(true);
    }
  });

  it.each(catalogue.map((r) => [r.id, r] as const))('%s: states its definition, naming each of its measures, and charts its own columns', (_id, report) => {
    const text = report.description.toLowerCase();
    expect(text.length).toBeGreaterThan(60);
    const columns = report.spec
      ? compileReport(ReportSpec.parse(catalogueRunSpec(report, {}, { from: '2026-11-01', to: '2026-11-30' })), ctx).columns
      : compileSpecial(report.special, { from: '2026-11-01', to: '2026-11-30' }, ctx).columns;
    for (const m of report.spec?.measures ?? []) {
      const measure = parseMeasure(m)!;
      if (measure.kind === 'count') expect(text, m).toMatch(/\b(count|number)\b/);
      else expect(text, m).toContain(fieldOf(sources[report.spec!.source], measure.field)!.term.toLowerCase());
    }
    // A special query's measures are named in its description by their column names.
    if (report.special) for (const c of columns.filter((c) => c.role === 'measure')) expect(text, c.name).toContain(c.name.toLowerCase());
    const names = columns.map((c) => c.name);
    if (report.chart.x) expect(columns.find((c) => c.name === report.chart.x)?.role).toBe('dimension');
    for (const y of report.chart.y) expect(names).toContain(y);
  });

  it('every special query compiles', () => {
    for (const name of specialNames) expect(compileSpecial(name, { from: '2026-01-01', to: '2026-12-31' }, ctx).sql).toContain('tenant_id = {tenant:String}');
  });
});

describe('running a catalogue report', () => {
  const report = catalogueReport('missed-followups-by-staff')!;

  it('opens with its default period in the tenant’s local days', () => {
    const { params } = compileCatalogueReport(report, {}, ctx);
    // this_week of Wednesday 18 November 2026: Monday 16th to Sunday 22nd, local midnights.
    expect(params).toMatchObject({ start: '2026-11-15 18:30:00.000', end: '2026-11-22 18:30:00.000' });
  });

  it('takes the request’s period, filters (before its own) and grouping', () => {
    const { columns, params } = compileCatalogueReport(report, { period: { from: '2026-10-01', to: '2026-10-31' }, filters: [{ field: 'eventType', op: 'eq', value: 'Call' }], groupBy: ['week'] }, ctx);
    expect(columns.map((c) => c.name)).toEqual(['week', 'count']);
    expect(params).toMatchObject({ p0: 'Call', p1: 'missed', start: '2026-09-30 18:30:00.000' });
  });

  it('answers 422 at the request’s own paths', () => {
    expect(() => compileCatalogueReport(report, { groupBy: ['nope'], filters: [{ field: 'kind', op: 'gt', value: 'x' }] }, ctx)).toThrow(
      expect.objectContaining({
        details: {
          errors: [
            expect.objectContaining({ field: 'body.groupBy.0', code: 'unknown_dimension' }),
            expect.objectContaining({ field: 'body.filters.0.op', code: 'op_not_allowed' }),
          ],
        },
      }),
    );
    expect(() => compileCatalogueReport(catalogueReport('client-growth')!, { groupBy: ['week'] }, ctx)).toThrow(
      expect.objectContaining({ details: { errors: [expect.objectContaining({ field: 'body.groupBy', code: 'not_supported' })] } }),
    );
  });

  it.each([
    ['today', { from: '2026-11-18', to: '2026-11-18' }],
    ['yesterday', { from: '2026-11-17', to: '2026-11-17' }],
    ['this_week', { from: '2026-11-16', to: '2026-11-22' }],
    ['last_week', { from: '2026-11-09', to: '2026-11-15' }],
    ['this_month', { from: '2026-11-01', to: '2026-11-30' }],
    ['last_month', { from: '2026-10-01', to: '2026-10-31' }],
    ['this_quarter', { from: '2026-10-01', to: '2026-12-31' }],
    ['last_quarter', { from: '2026-07-01', to: '2026-09-30' }],
    ['last_30_days', { from: '2026-10-20', to: '2026-11-18' }],
    ['last_90_days', { from: '2026-08-21', to: '2026-11-18' }],
    ['this_year', { from: '2026-01-01', to: '2026-12-31' }],
    ['next_3_months', { from: '2026-11-01', to: '2027-01-31' }],
    ['none', undefined],
  ] as const)('resolves %s', (kind, expected) => {
    expect(resolvePeriod(kind, '2026-11-18')).toEqual(expected);
  });
});
