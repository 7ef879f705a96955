import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChdb, type ChdbAnalytics } from '../../functions/lib/analytics/analytics.chdb';
import { applyMigrations } from '../../functions/lib/analytics/schema';
import { stages } from '../pipeline/stages';
import { catalogue } from './catalogue';
import { compileCatalogueReport } from './catalogue/run';
import { compileReport, OBJECT_IDS, totalsFromRows, type CompileContext, type CompiledQuery, type ReportScope } from './compile';
import { ReportSpec, type ReportSpecInput } from './spec';
import type { SourceName } from './sources';
import { anyScope, anySpec, AS_OF, dealStillVisible, factRows, TABLE_OF, visible, type FactRows } from './testing';

/**
 * The compiled SQL on the engine (chDB, its own temporary data directory, the schema's
 * migrations): it parses and runs, and returns exactly what the caller may see. The oracle: the
 * same spec compiled for the whole tenant, run on a copy of the data holding only that tenant's
 * rows and, of the source's table, only the rows the scope may see (chosen by testing.ts's
 * `visible`, written apart from the compiler). Equal answers mean the compiled query read nothing
 * of the other tenant and nothing outside the scope.
 */

const dir = mkdtempSync(join(tmpdir(), 'chdb-reports-'));
let analytics: ChdbAnalytics;
const rows: FactRows = factRows();
const SIDE_TABLES = ['staff', 'opportunity_state', 'activities', 'stage_transitions', 'revenue_credits', 'lead_arrivals', 'followups', 'messages', 'message_thread'] as const;

const ctx = (scope: ReportScope): CompileContext => ({ tenantId: 'acme', scope, timeZone: 'Asia/Kolkata', asOf: AS_OF, highValueThreshold: 5_000_000, leadResponseSlaMinutes: 30 });

beforeAll(async () => {
  analytics = openChdb(dir);
  await applyMigrations(analytics);
  for (const [table, list] of Object.entries(rows)) await analytics.insert(table, list);
});

afterAll(async () => {
  await analytics?.close();
  rmSync(dir, { recursive: true, force: true });
});

const run = async (q: CompiledQuery) => (await analytics.query<Record<string, unknown>>(q.sql, q.params as never)).map((r) => Object.values(r).map(round));
const round = (v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(9)) : v);

/** A database with tenant acme's rows only, and of the source's table only what `scope` may see. */
const oracles = new Map<string, string>();
async function oracle(source: SourceName, scope: ReportScope, named = false): Promise<string> {
  const key = JSON.stringify([source, scope, named]);
  const known = oracles.get(key);
  if (known) return known;
  const db = `oracle_${oracles.size}`;
  await analytics.command(`CREATE DATABASE ${db}`);
  const own = TABLE_OF[source];
  for (const table of SIDE_TABLES) {
    await analytics.command(`CREATE TABLE ${db}.${table} AS default.${table}`);
    // A spec that names its rows' deals, clients or follow-ups: under a staff scope, only of deals the caller may still GET.
    if (table === own) await analytics.insert(`${db}.${table}`, rows[own].filter((r) => r.tenant_id === 'acme' && visible(source, r, scope) && (!named || dealStillVisible(rows, r, scope))));
    else await analytics.command(`INSERT INTO ${db}.${table} SELECT * FROM default.${table} WHERE tenant_id = 'acme'`);
  }
  oracles.set(key, db);
  return db;
}

async function inDatabase<T>(db: string, fn: () => Promise<T>): Promise<T> {
  await analytics.command(`USE ${db}`);
  try {
    return await fn();
  } finally {
    await analytics.command('USE default');
  }
}

describe('compiled reports on chDB', () => {
  it('parse, run, and return only the rows of the tenant and the scope, for random valid specs', async () => {
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(anySpec, anyScope, async (input, scope) => {
        const spec = ReportSpec.parse(input);
        const scoped = await run(compileReport(spec, ctx(scope)));
        const named = spec.source !== 'opportunities' && spec.dimensions.some((d) => (OBJECT_IDS as readonly string[]).includes(d));
        const db = await oracle(spec.source, scope, named);
        const expected = await inDatabase(db, () => run(compileReport(spec, ctx({ kind: 'tenant' }))));
        expect(scoped).toEqual(expected);
        if (scoped.some((row) => row.some((v) => typeof v === 'number' && v > 0))) answered++;
      }),
      { numRuns: 80 },
    );
    // Not an empty comparison: a good share of the random specs find rows (filters on random values find none).
    expect(answered).toBeGreaterThan(15);
  });

  it('counts what each tenant and staff member has, exactly', async () => {
    const spec = ReportSpec.parse({ source: 'credits', dimensions: ['staffId'], measures: ['count', 'sum:amount'], period: { from: '2026-01-01', to: '2026-03-31' } } satisfies ReportSpecInput);
    const expected = (staff: readonly string[]) => {
      const mine = rows.revenue_credits.filter((r) => r.tenant_id === 'acme' && staff.includes(r.staff_id as string));
      return [...new Set(mine.map((r) => r.staff_id as string))].sort().map((s) => {
        const of = mine.filter((r) => r.staff_id === s);
        return [s, of.length, of.reduce((n, r) => n + (r.amount as number), 0)];
      });
    };
    expect(await run(compileReport(spec, ctx({ kind: 'staff', staffIds: ['s1', 's2'] })))).toEqual(expected(['s1', 's2']));
    expect(await run(compileReport(spec, ctx({ kind: 'tenant' })))).toEqual(expected(['m1', 'm2', 's1', 's2', 's3', 's4']));
    expect((await run(compileReport(spec, ctx({ kind: 'tenant' })))).length).toBeGreaterThan(0);
  });

  it('answers a catalogue report as its description defines it: open pipeline per stage, in pipeline order', async () => {
    const report = catalogue.find((r) => r.id === 'pipeline-by-stage')!;
    const open = rows.opportunity_state.filter((r) => r.tenant_id === 'acme' && r.status === 'open');
    const expected = stages
      .map((stage) => open.filter((r) => r.stage === stage))
      .filter((of) => of.length > 0)
      .map((of) => [of[0]!.stage, of.length, of.reduce((n, r) => n + (r.deal_value as number), 0), of.reduce((n, r) => n + (r.expected_revenue as number), 0)]);
    expect(await run(compileCatalogueReport(report, {}, ctx({ kind: 'tenant' })))).toEqual(expected);
  });

  it('runs read-only: the settings refuse a write', async () => {
    await expect(analytics.command("INSERT INTO staff (tenant_id, staff_id) VALUES ('x', 'y') SETTINGS readonly = 1")).rejects.toThrow(/readonly/i);
  });

  it('for random valid specs whose measures combine exactly, the totals from the rows are the totals query’s', async () => {
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(anySpec, anyScope, async (input, scope) => {
        const compiled = compileReport(ReportSpec.parse(input), ctx(scope));
        if (!compiled.additive || !compiled.totals) return;
        const rows = await analytics.query<Record<string, unknown>>(compiled.sql, compiled.params as never);
        if (rows.length === 0 || rows.length >= Number(compiled.params.limit)) return;
        const [totals] = await analytics.query<Record<string, unknown>>(compiled.totals.sql, compiled.totals.params as never);
        const numeric = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v]));
        expect(numeric(totalsFromRows(compiled.additive, rows))).toEqual(numeric(totals!));
        compared++;
      }),
      // Most random specs mix in a measure that does not combine (uniq, avg, a median), or find no rows: many runs, to compare a good number.
      { numRuns: 500 },
    );
    expect(compared).toBeGreaterThan(15);
  });

  it('runs every catalogue report, and its totals, for a manager and for the tenant', async () => {
    for (const report of catalogue) {
      for (const scope of [{ kind: 'tenant' }, { kind: 'staff', staffIds: ['m1', 's1', 's2'] }] as ReportScope[]) {
        const compiled = compileCatalogueReport(report, { period: { from: '2026-01-01', to: '2026-03-31' } }, ctx(scope));
        await expect(run(compiled), report.id).resolves.toBeInstanceOf(Array);
        if (compiled.totals) await expect(run(compiled.totals), `${report.id} totals`).resolves.toHaveLength(1);
      }
    }
  });
});
