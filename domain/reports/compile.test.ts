import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../errors';
import { compileReport, scopePredicate, stillVisible, TENANT_PREDICATE, type CompileContext, type ReportScope } from './compile';
import { ReportSpec, type ReportSpecInput } from './spec';
import { bucketSql, buckets, joins, sources, type Source } from './sources';
import { anyScope, anySpec, AS_OF, TOKEN } from './testing';

const ctx = (scope: ReportScope = { kind: 'tenant' }): CompileContext => ({ tenantId: 'acme', scope, timeZone: 'Asia/Kolkata', asOf: AS_OF });
const compile = (spec: ReportSpecInput, scope?: ReportScope) => compileReport(ReportSpec.parse(spec), ctx(scope));

/** The outer WHERE's conjuncts: what lies between the top-level WHERE and GROUP BY/ORDER BY/LIMIT, cut at top-level ANDs. */
function outerWhere(sql: string): string[] {
  // Blank out everything nested, keeping offsets: only top-level keywords remain visible.
  let depth = 0;
  let quoted = false;
  const flat = [...sql].map((ch) => {
    if (ch === "'") {
      quoted = !quoted;
      return '_';
    }
    if (quoted) return '_';
    if (ch === '(') depth++;
    if (ch === ')') {
      depth--;
      return '_';
    }
    return depth > 0 ? '_' : ch;
  });
  const text = flat.join('');
  const start = text.indexOf('\nWHERE ');
  const end = text.slice(start + 1).search(/\n(GROUP BY|ORDER BY|LIMIT|SETTINGS) /) + start + 1;
  const conjuncts: string[] = [];
  let from = start + '\nWHERE '.length;
  for (const m of text.slice(from, end).matchAll(/ AND /g)) {
    conjuncts.push(sql.slice(from, start + '\nWHERE '.length + m.index!).trim());
    from = start + '\nWHERE '.length + m.index! + ' AND '.length;
  }
  conjuncts.push(sql.slice(from, end).trim());
  return conjuncts;
}

/** Every identifier, string literal and number the compiler may write: the allow-list's and its own keywords. */
function vocabulary(source: Source) {
  const code = [
    ...Object.values(source.fields).flatMap((f) => [f.sql, ...(f.values ?? []).map((v) => `'${v}'`)]),
    ...Object.values(source.time).flatMap((t) => [t.sql, ...buckets.flatMap((b) => [bucketSql(b, t, 'monday'), bucketSql(b, t, 'sunday')])]),
    ...Object.values(joins).map((j) => j(source)),
    source.table,
    ...source.scope.staff.map((c) => c.sql),
    source.scope.opportunity ?? '',
    // A staff scope's rows that name their deal, client or follow-up: only of deals the caller may still GET.
    stillVisible(source.scope.opportunity ?? 'opportunity_id'),
    TENANT_PREDICATE,
    "SELECT AS FROM FINAL WHERE AND OR GROUP BY ORDER ASC DESC LIMIT SETTINGS IN NULL if count countIf sum avg min max uniqExact quantileExactInclusive(0.5) quantileExactInclusive(0.9) toBool has hasAny indexOf",
    "max_execution_time = 10 max_result_rows = 10000 result_overflow_mode = 'throw' join_use_nulls = 1 use_index_for_in_with_subqueries = 0 readonly = 1",
    // The lead-response join's window: completions from a day before the period.
    'INTERVAL 1 DAY',
    ...Array.from({ length: 12 }, (_, i) => `d${i} m${i} r${i}`),
  ].join(' ');
  return tokens(code);
}

function tokens(sql: string) {
  const bare = sql.replace(/\{[a-zA-Z0-9]+:[^}]+\}/g, ' ');
  const literals = new Set(bare.match(/'[^']*'/g) ?? []);
  const rest = bare.replace(/'[^']*'/g, ' ');
  return { literals, identifiers: new Set(rest.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []), numbers: new Set(rest.replace(/[A-Za-z_][A-Za-z0-9_]*/g, ' ').match(/\d+(\.\d+)?/g) ?? []) };
}

describe('compileReport: for random valid specs and scopes', () => {
  it('injects the tenant predicate once, first in the outer WHERE, and the scope right after it', () => {
    fc.assert(
      fc.property(anySpec, anyScope, (spec, scope) => {
        const { sql, params } = compile(spec, scope);
        const where = outerWhere(sql);
        expect(where[0]).toBe(TENANT_PREDICATE);
        expect(where.filter((c) => c === TENANT_PREDICATE)).toHaveLength(1);
        // Elsewhere only inside a subquery of an allow-listed field (the pending follow-ups of hasNextStep).
        expect(where.slice(1).filter((c) => c.replace(/\(SELECT [^]*\)/g, '').includes('tenant_id'))).toEqual([]);
        expect(params.tenant).toBe('acme');
        if (scope.kind === 'tenant') expect(params).not.toHaveProperty('scope');
        else {
          expect(where[1]).toContain('{scope:Array(String)}');
          expect(params.scope).toEqual(scope.kind === 'staff' ? scope.staffIds : scope.opportunityIds);
        }
        expect(sql).toMatch(new RegExp(`^SELECT [^]*?\\nFROM ${sources[spec.source].table} FINAL\\n`));
      }),
      { numRuns: 300 },
    );
  });

  it('binds every value as a parameter: no literal from the spec is in the SQL text, and each placeholder has its value', () => {
    fc.assert(
      fc.property(anySpec, anyScope, (spec, scope) => {
        const { sql, params } = compile(spec, scope);
        const placeholders = new Set([...sql.matchAll(/\{([a-zA-Z0-9]+):[^}]+\}/g)].map((m) => m[1]!));
        expect([...placeholders].sort()).toEqual(Object.keys(params).sort());
        (spec.filters ?? []).forEach((f, i) => {
          expect(params).toHaveProperty(`p${i}`);
          const values = Array.isArray(f.value) ? f.value : [f.value];
          for (const v of values) {
            if (typeof v === 'string' && TOKEN.test(v)) expect(sql).not.toContain(v);
            if (typeof v === 'number' && v > 100_000) expect(sql).not.toMatch(new RegExp(`\\b${v}\\b`));
            if (typeof v === 'string' && /^\d{4}-/.test(v)) expect(sql).not.toContain(v.slice(0, 10));
          }
          if (!/^\d{4}-/.test(String(values[0]))) expect(params[`p${i}`]).toEqual(f.value);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('writes only identifiers, literals and numbers of the allow-list and the compiler', () => {
    fc.assert(
      fc.property(anySpec, anyScope, (spec, scope) => {
        const allowed = vocabulary(sources[spec.source]);
        const used = tokens(compile(spec, scope).sql);
        for (const id of used.identifiers) expect(allowed.identifiers, id).toContain(id);
        for (const l of used.literals) expect(allowed.literals, l).toContain(l);
        for (const n of used.numbers) expect(allowed.numbers, n).toContain(n);
      }),
      { numRuns: 300 },
    );
  });
});

describe('compileReport', () => {
  const spec: ReportSpecInput = {
    source: 'opportunities',
    dimensions: ['stage', 'month'],
    measures: ['count', 'sum:dealValue'],
    filters: [{ field: 'status', op: 'eq', value: 'open' }],
    period: { from: '2026-11-01', to: '2026-11-30' },
    sort: [{ by: 'sum:dealValue', dir: 'desc' }],
    limit: 50,
  };

  it('reads the period as the tenant’s local days, and buckets months in its time zone', () => {
    const { sql, params, columns } = compile(spec);
    expect(params).toMatchObject({ start: '2026-10-31 18:30:00.000', end: '2026-11-30 18:30:00.000', tz: 'Asia/Kolkata', p0: 'open', limit: 50 });
    expect(sql).toContain('toStartOfMonth(created_at, {tz:String}) AS d1');
    expect(sql).toContain("ORDER BY m1 DESC, indexOf(['Lead', 'Qualified', 'Potential', 'Demo', 'Visit', 'Closed'], d0) ASC, d1 ASC");
    expect(columns).toEqual([
      { name: 'stage', type: 'string', role: 'dimension' },
      { name: 'month', type: 'date', role: 'dimension' },
      { name: 'count', type: 'int', role: 'measure' },
      { name: 'sum:dealValue', type: 'money', role: 'measure' },
    ]);
  });

  it('bounds every query: max_execution_time, max_result_rows with overflow an error, readonly', () => {
    const { sql, settings, totals } = compile(spec);
    expect(settings).toEqual({ max_execution_time: 10, max_result_rows: 10_000, result_overflow_mode: 'throw', readonly: 1 });
    expect(sql.split('\n').at(-1)).toBe("SETTINGS max_execution_time = 10, max_result_rows = 10000, result_overflow_mode = 'throw', readonly = 1");
    expect(totals!.sql).not.toContain('GROUP BY');
    expect(totals!.sql.split('\n').at(-1)).toBe(sql.split('\n').at(-1));
  });

  it('scopes a seller or a manager to the staff columns of the source, and warriors to what they were handed', () => {
    expect(compile(spec, { kind: 'staff', staffIds: ['s1'] }).sql).toContain(
      '(assigned_to IN {scope:Array(String)} OR lead_owner IN {scope:Array(String)} OR closing_owner IN {scope:Array(String)} OR hasAny(co_salespersons, {scope:Array(String)}))',
    );
    const credits = compile({ source: 'credits', measures: ['sum:amount'], period: { from: '2026-11-01', to: '2026-11-30' } }, { kind: 'staff', staffIds: ['s1'] });
    expect(outerWhere(credits.sql)[1]).toBe('(staff_id IN {scope:Array(String)})');
    expect(outerWhere(compile(spec, { kind: 'handed', opportunityIds: ['o1'] }).sql)[1]).toBe('opportunity_id IN {scope:Array(String)}');
  });

  it('refuses a handed scope on a source without an opportunity column', () => {
    const bare: Source = { ...sources.credits, scope: { staff: sources.credits.scope.staff } };
    expect(() => scopePredicate(bare, { kind: 'handed', opportunityIds: [] }, 'credits')).toThrow(DomainError);
  });

  it('reads a date filter on a time as the local day: after the 3rd starts at the 4th’s midnight', () => {
    const { params, sql } = compile({
      source: 'activities',
      measures: ['count'],
      filters: [
        { field: 'scheduledAt', op: 'gt', value: '2026-11-03' },
        { field: 'scheduledAt', op: 'lte', value: '2026-11-05' },
        { field: 'at', op: 'lt', value: '2026-11-10T10:00:00+05:30' },
      ],
      period: { from: '2026-11-01', to: '2026-11-30' },
    });
    expect(params).toMatchObject({ p0: '2026-11-03 18:30:00.000', p1: '2026-11-05 18:30:00.000', p2: '2026-11-10 04:30:00.000' });
    expect(sql).toContain("(scheduled_at) >= {p0:DateTime64(3, 'UTC')}");
    expect(sql).toContain("(scheduled_at) < {p1:DateTime64(3, 'UTC')}");
    expect(sql).toContain("(at) < {p2:DateTime64(3, 'UTC')}");
  });

  it('adds a join only when a field needs it, and divides ratios safely', () => {
    const plain = compile({ source: 'leads', dimensions: ['channel'], measures: ['count'], period: { from: '2026-11-01', to: '2026-11-30' } });
    expect(plain.sql).not.toContain('JOIN');
    const timed = compile({
      source: 'leads',
      dimensions: ['team'],
      measures: ['count', 'sum:withinSla', 'median:responseMinutes'],
      ratios: [{ name: 'slaRate', numerator: 'sum:withinSla', denominator: 'count' }],
      period: { from: '2026-11-01', to: '2026-11-30' },
    });
    expect(timed.sql.match(/LEFT JOIN/g)).toHaveLength(2);
    expect(timed.sql).toContain('if(m0 = 0, NULL, m1 / m0) AS r0');
    expect(timed.settings.join_use_nulls).toBe(1);
    expect(timed.params).toMatchObject({ sla: 15 });
  });
});
