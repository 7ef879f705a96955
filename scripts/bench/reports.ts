import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { catalogue, compileCatalogueReport, resolvePeriod, type CatalogueReport } from '../../domain/reports/catalogue';
import { DEFAULT_HIGH_VALUE_THRESHOLD, DEFAULT_LEAD_RESPONSE_SLA_MINUTES, rowsAndTotals, type CompileContext, type CompiledQuery, type ReportScope } from '../../domain/reports/compile';
import { addDays, localDay } from '../../domain/targets/periods';
import { openChdb, type ChdbAnalytics } from '../../functions/lib/analytics/analytics.chdb';
import type { QueryParams, ReportQuerySettings, Row } from '../../functions/lib/analytics/port';
import { applyMigrations } from '../../functions/lib/analytics/schema';
import { generate, MANAGERS, NOW, SELLERS, sellerId, teamOf, TENANT } from './dashboards/generate';
import { exportFromChdb, loadPostgres, startPostgres, type PgCluster } from './dashboards/postgres';
import { round, table } from './report';
import { PG_REPORT_INDEXES, PG_REPORTS, runPgReport, type PgRun, type PgRunArgs } from './reports/pg';
import { loadExtraTables } from './reports/tables';

/**
 * `npm run bench:reports` (issue #16): every prebuilt report of the catalogue on the benchmark
 * tenant of bench:dashboards (#7: 10 M activity facts, 1 M opportunities, and their leads), run as
 * the product runs it — compileCatalogueReport, then the query and its totals side by side through
 * the chDB adapter's runReport (functions/lib/use-cases/reports.ts) — with the caller's scope
 * varying per iteration: the whole tenant, a manager's subtree (21 staff), one seller.
 *
 *  1. Generates the tenant inside chDB (scripts/bench/dashboards/generate.ts).
 *  2. Times each report: warm-up, then the timed iterations (a third per scope); p50/p95 per
 *     report, the rows it returned per scope, the verdict against p95 ≤ 500 ms.
 *  3. The slowest five (that have a translation, scripts/bench/reports/pg.ts) on PostgreSQL 15 over
 *     the same data (exported and indexed as bench:dashboards does, plus the tables the reports read
 *     besides): answers checked equal on each scope, then timed the same way.
 *  4. The last line sums it up. JSON in .bench/reports.json.
 *
 * Periods: each report's default period as of the tenant's NOW (2026-12-01 00:00 India); a default
 * period holding under a week of the generated data (this_week: one day, this_month and today: none,
 * since the data ends at NOW) runs over the last full one of its kind instead (printed).
 *
 * Knobs (environment): BENCH_ITERATIONS (timed iterations per report, 15), BENCH_WARMUP (2),
 * BENCH_OPPORTUNITIES (1,000,000), BENCH_ACTIVITIES (10,000,000), BENCH_PG_ITERATIONS (per report
 * on PostgreSQL, as BENCH_ITERATIONS), BENCH_ONLY (comma-separated report ids to run), BENCH_COMPARE (ids
 * to compare on PostgreSQL instead of the slowest five), BENCH_DEADLINE_SECONDS
 * (1,800: past it everything is stopped). Everything it starts (the chDB directory, the PostgreSQL
 * cluster, the TSV files) is removed on success, error, Ctrl-C or the deadline.
 */
const knob = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};
const ids = (list: string | undefined) => (list ? new Set(list.split(',').map((s) => s.trim())) : undefined);
const iterations = knob('BENCH_ITERATIONS', 15);
const cfg = {
  iterations,
  pgIterations: knob('BENCH_PG_ITERATIONS', iterations),
  warmup: knob('BENCH_WARMUP', 2),
  opportunities: knob('BENCH_OPPORTUNITIES', 1_000_000),
  activities: knob('BENCH_ACTIVITIES', 10_000_000),
  deadlineMs: knob('BENCH_DEADLINE_SECONDS', 1800) * 1000,
  only: ids(process.env.BENCH_ONLY),
  compare: ids(process.env.BENCH_COMPARE),
};
const BUDGET_MS = 500;
const COMPARED = 5;
const t0 = performance.now();
const log = (s: string) => console.log(s);
const elapsed = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

// ── lifecycle: the chDB directory and the PostgreSQL cluster go, however the run ends ──────────

const state: { dir?: string; chdb?: ChdbAnalytics; pg?: PgCluster; done?: Promise<void> } = {};
const settle = async (f: () => Promise<unknown> | undefined) => {
  try {
    await f();
  } catch {
    /* best effort */
  }
};
const teardown = () =>
  (state.done ??= (async () => {
    await settle(() => state.chdb?.close());
    await settle(() => state.pg?.stop());
    if (state.dir) rmSync(state.dir, { recursive: true, force: true });
  })());
const stopWith = (code: number, why: string) => {
  console.error(why);
  void teardown().finally(() => process.exit(code));
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => stopWith(130, `\n${signal}: closing chDB, stopping PostgreSQL, removing the temp directories…`));
setTimeout(() => stopWith(124, `bench:reports exceeded ${cfg.deadlineMs / 1000} s; stopping.`), cfg.deadlineMs).unref();

// ── the runs ────────────────────────────────────────────────────────────────────────────────────

const TIME_ZONE = 'Asia/Kolkata';
const TODAY = localDay(new Date(NOW), TIME_ZONE);
const ctxBase: Omit<CompileContext, 'scope'> = {
  tenantId: TENANT,
  timeZone: TIME_ZONE,
  weekStartsOn: 'monday',
  asOf: NOW,
  highValueThreshold: DEFAULT_HIGH_VALUE_THRESHOLD,
  leadResponseSlaMinutes: DEFAULT_LEAD_RESPONSE_SLA_MINUTES,
};
/** The previous full period of the same kind, for a default that holds under a week of the data. */
const LAST_FULL: Partial<Record<CatalogueReport['defaultPeriod'], CatalogueReport['defaultPeriod']>> = { this_week: 'last_week', this_month: 'last_month', today: 'yesterday' };

/** The period a report runs with here, and why. */
function periodFor(r: CatalogueReport): { period?: { from: string; to: string }; label: string } {
  const own = resolvePeriod(r.defaultPeriod, TODAY, 'monday');
  if (!own) return { label: 'none (now)' };
  const before = own.to < TODAY ? own.to : addDays(TODAY, -1);
  const dataDays = before < own.from ? 0 : Math.round((Date.parse(before) - Date.parse(own.from)) / 86_400_000) + 1;
  const instead = LAST_FULL[r.defaultPeriod];
  if (dataDays < 7 && instead) {
    const p = resolvePeriod(instead, TODAY, 'monday')!;
    return { period: p, label: `${instead} ${p.from}…${p.to} (for ${r.defaultPeriod})` };
  }
  return { period: own, label: `${r.defaultPeriod} ${own.from}…${own.to}` };
}

type ScopeKind = 'tenant' | 'team' | 'seller';
const SCOPE_KINDS: ScopeKind[] = ['tenant', 'team', 'seller'];
/** Iteration i's caller: the whole tenant, a manager's subtree, or one seller, each a different one each time. */
function caller(i: number): { kind: ScopeKind; scope: ReportScope; staff?: string[] } {
  const kind = SCOPE_KINDS[i % 3]!;
  const k = Math.floor(i / 3);
  if (kind === 'tenant') return { kind, scope: { kind: 'tenant' } };
  const staff = kind === 'team' ? teamOf(1 + ((k * 11 + 5) % MANAGERS)) : [sellerId(1 + ((k * 389 + 17) % SELLERS))];
  return { kind, scope: { kind: 'staff', staffIds: staff }, staff };
}

interface Answer {
  rows: Row[];
  totals?: Row;
}
const runQuery = (q: CompiledQuery) => state.chdb!.runReport(q.sql, q.params as QueryParams, q.settings as unknown as ReportQuerySettings);
/**
 * As the use case's execute(): compile for the caller, then rowsAndTotals — the rows and the totals
 * side by side, or, when the measures combine exactly and the first page holds every group, the totals from the rows.
 */
async function runChdb(r: CatalogueReport, period: { from: string; to: string } | undefined, scope: ReportScope): Promise<Answer> {
  const compiled = compileCatalogueReport(r, period ? { period } : {}, { ...ctxBase, scope });
  const read = await rowsAndTotals(runQuery, compiled, compiled, (got) => got.length < Number(compiled.params.limit));
  return { rows: read.rows, ...(read.totals && { totals: read.totals }) };
}

/** The inputs of a PostgreSQL translation, as the compiler binds them. */
function pgArgs(r: CatalogueReport, period: { from: string; to: string } | undefined, staff: string[] | undefined): PgRunArgs {
  const compiled = compileCatalogueReport(r, period ? { period } : {}, { ...ctxBase, scope: staff ? { kind: 'staff', staffIds: staff } : { kind: 'tenant' } });
  const p = compiled.params;
  const instant = (v: unknown) => (typeof v === 'string' ? `${v.replace(' ', 'T')}Z` : undefined);
  return {
    tenant: TENANT,
    staff,
    start: instant(p.start),
    end: instant(p.end),
    from: period?.from,
    to: period?.to,
    asOf: NOW,
    highValue: ctxBase.highValueThreshold!,
    sla: ctxBase.leadResponseSlaMinutes!,
    tz: TIME_ZONE,
    limit: Number(p.limit ?? 1000),
  };
}

interface Timing {
  p50: number;
  p95: number;
  max: number;
  n: number;
  byScope: Record<ScopeKind, number>;
}
/** Nearest rank. */
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function timed(n: number, run: (i: number) => Promise<unknown>): Promise<Timing> {
  for (let k = 0; k < cfg.warmup; k++) await run(1000 + k);
  const samples: number[] = [];
  const byScope: Record<ScopeKind, number[]> = { tenant: [], team: [], seller: [] };
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await run(i);
    const ms = performance.now() - t;
    samples.push(ms);
    byScope[caller(i).kind].push(ms);
  }
  samples.sort((a, b) => a - b);
  const p95Of = (l: number[]) => (l.length ? round(percentile([...l].sort((a, b) => a - b), 95), 1) : NaN);
  return {
    p50: round(percentile(samples, 50), 1),
    p95: round(percentile(samples, 95), 1),
    max: round(samples.at(-1)!, 1),
    n,
    byScope: { tenant: p95Of(byScope.tenant), team: p95Of(byScope.team), seller: p95Of(byScope.seller) },
  };
}

/** A comparable form of an answer: keys sorted, numbers (and numeric text) as numbers, dates and instants as ISO text. */
function canon(a: Answer | PgRun): { rows: Record<string, unknown>[]; totals: Record<string, unknown> | null } {
  const value = (v: unknown): unknown => {
    if (v === null || v === undefined) return null;
    if (v instanceof Date) return v.toISOString();
    // chDB writes DateTime64(3, 'UTC') as "2026-11-02 01:00:00.123"
    if (typeof v === 'string' && /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/.test(v)) return new Date(`${v.replace(' ', 'T')}Z`).toISOString();
    if (typeof v === 'number' || typeof v === 'bigint' || (typeof v === 'string' && /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(v))) {
      const x = Number(v);
      return Number.isFinite(x) ? x : null;
    }
    return v;
  };
  const row = (r: Row) => Object.fromEntries(Object.keys(r).sort().map((k) => [k, value(r[k])]));
  return { rows: a.rows.map(row), totals: a.totals ? row(a.totals) : null };
}

/** Equal, numbers to a relative 1e-9 (floats summed in another order, minutes from seconds or milliseconds). */
function same(x: unknown, y: unknown): boolean {
  if (typeof x === 'number' && typeof y === 'number') return x === y || Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y));
  if (Array.isArray(x) && Array.isArray(y)) return x.length === y.length && x.every((v, i) => same(v, y[i]));
  if (x && y && typeof x === 'object' && typeof y === 'object') {
    const [kx, ky] = [Object.keys(x), Object.keys(y)];
    return kx.length === ky.length && kx.every((k) => same((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k]));
  }
  return x === y;
}

/** Where two answers part: the row counts, the first differing row, or the totals. */
function difference(a: Answer, b: PgRun): string {
  const [ca, cb] = [canon(a), canon(b)];
  const i = ca.rows.findIndex((r, k) => !same(r, cb.rows[k]));
  const text = (v: unknown) => JSON.stringify(v ?? null);
  return (
    `${ca.rows.length} rows vs ${cb.rows.length}` +
    (i >= 0 ? `; row ${i}: chDB ${text(ca.rows[i])} PostgreSQL ${text(cb.rows[i])}` : '') +
    (same(ca.totals, cb.totals) ? '' : `; totals: chDB ${text(ca.totals)} PostgreSQL ${text(cb.totals)}`)
  );
}

// ── main ────────────────────────────────────────────────────────────────────────────────────────

interface Result {
  id: string;
  source: string;
  period: string;
  chdb: Timing;
  rows: Record<ScopeKind, number>;
}

async function main() {
  log(`bench:reports — ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}, load average ${load()}`);
  state.dir = mkdtempSync(join(tmpdir(), 'bench-reports-chdb-'));
  state.chdb = openChdb(join(state.dir, 'db'));
  const analytics = state.chdb;
  await applyMigrations(analytics);
  log(`\nGenerating the tenant in chDB (${state.dir}): ${cfg.activities.toLocaleString('en')} activities, ${cfg.opportunities.toLocaleString('en')} opportunities`);
  const tGen = performance.now();
  await generate(analytics, { opportunities: cfg.opportunities, activities: cfg.activities }, log);
  const generationSeconds = round((performance.now() - tGen) / 1000, 1);
  const counts = await analytics.query<{ table: string; rows: number }>(
    `SELECT table, sum(rows) AS rows FROM system.parts WHERE active AND database = currentDatabase() AND table NOT LIKE '%schema%' GROUP BY table ORDER BY table`,
  );
  log(`Generated in ${generationSeconds} s; rows (both tenants): ${counts.map((c) => `${c.table} ${Number(c.rows).toLocaleString('en')}`).join(', ')}`);

  // ── chDB ──
  const reports = catalogue.filter((r) => !cfg.only || cfg.only.has(r.id));
  log(`\nTiming ${reports.length} reports on chDB (compile + rows and totals as a run reads them, the adapter's runReport): ${cfg.warmup} warm-up + ${cfg.iterations} timed iterations each, scope tenant / team of 21 / one seller in turn; load average ${load()}`);
  const tChdb = performance.now();
  const results: Result[] = [];
  for (const r of reports) {
    const { period, label } = periodFor(r);
    const rows = {} as Record<ScopeKind, number>;
    const t = await timed(cfg.iterations, async (i) => {
      const c = caller(i);
      const a = await runChdb(r, period, c.scope);
      rows[c.kind] ??= a.rows.length;
    });
    results.push({ id: r.id, source: r.spec?.source ?? `special:${r.special}`, period: label, chdb: t, rows });
    log(`  ${r.id.padEnd(34)} p50 ${String(t.p50).padStart(6)} ms  p95 ${String(t.p95).padStart(6)} ms  rows ${SCOPE_KINDS.map((k) => rows[k] ?? '—').join('/')}  ${label}`);
  }
  const chdbSeconds = round((performance.now() - tChdb) / 1000, 1);
  const loadAfterChdb = load();

  log(`\nEvery report on ${cfg.activities.toLocaleString('en')} activity facts and ${cfg.opportunities.toLocaleString('en')} opportunities (chDB in this process, 2 cores), ms; rows returned tenant/team/seller:`);
  const verdict = (t: Timing) => (t.p95 <= BUDGET_MS ? 'PASS' : `MISS (p95 > ${BUDGET_MS})`);
  log(
    table(
      ['report', 'source', 'p50', 'p95', 'max', 'p95 tenant', 'p95 team', 'p95 seller', 'rows', 'period', `p95 ≤ ${BUDGET_MS} ms`],
      results.map((x) => [
        x.id,
        x.source,
        x.chdb.p50.toFixed(1),
        x.chdb.p95.toFixed(1),
        x.chdb.max.toFixed(1),
        x.chdb.byScope.tenant.toFixed(1),
        x.chdb.byScope.team.toFixed(1),
        x.chdb.byScope.seller.toFixed(1),
        SCOPE_KINDS.map((k) => x.rows[k] ?? '—').join('/'),
        x.period,
        verdict(x.chdb),
      ]),
      new Set([0, 1, 8, 9, 10]),
    ),
  );
  const ranked = [...results].sort((a, b) => b.chdb.p95 - a.chdb.p95);
  const slowest = ranked.slice(0, COMPARED);
  log(`\nSlowest five (chDB p95):\n${slowest.map((x, i) => `  ${i + 1}. ${x.id} — p95 ${x.chdb.p95} ms, p50 ${x.chdb.p50} ms (${x.source}, ${x.period})`).join('\n')}`);
  const untranslated = slowest.filter((x) => !PG_REPORTS[x.id]);
  if (untranslated.length) log(`NO PostgreSQL translation for ${untranslated.map((x) => x.id).join(', ')} (of the slowest five): not compared; the next slowest with one stand in.`);
  const compared = ranked.filter((x) => PG_REPORTS[x.id] && (!cfg.compare || cfg.compare.has(x.id))).slice(0, cfg.compare ? undefined : COMPARED);

  // ── PostgreSQL ──
  const pgResults: { x: Result; pg: Timing; equal: boolean }[] = [];
  let pgLoadSeconds = 0;
  if (compared.length) {
    log('\nPostgreSQL:');
    const tPg = performance.now();
    state.pg = await startPostgres(log);
    const files = await exportFromChdb(analytics, state.pg.exchangeDir, 2);
    await loadPostgres(state.pg.pool, files, log);
    for (const list of Object.values(files)) for (const f of list) rmSync(f, { force: true });
    await loadExtraTables(analytics, state.pg.pool, state.pg.exchangeDir, PG_REPORT_INDEXES, log);
    pgLoadSeconds = round((performance.now() - tPg) / 1000, 1);
    log(`  ready in ${pgLoadSeconds} s`);
    const pool = state.pg.pool;
    log(`\nSame answers? Each compared report on three callers (tenant, a team, a seller), chDB against PostgreSQL:`);
    for (const x of compared) {
      const r = catalogue.find((c) => c.id === x.id)!;
      const { period } = periodFor(r);
      const bad: string[] = [];
      for (const i of [0, 1, 2]) {
        const c = caller(i);
        const [a, b] = await Promise.all([runChdb(r, period, c.scope), runPgReport(pool, x.id, pgArgs(r, period, c.staff), !!compileCatalogueReport(r, period ? { period } : {}, { ...ctxBase, scope: c.scope }).totals)]);
        if (!same(canon(a), canon(b))) {
          bad.push(c.kind);
          log(`    ${x.id} (${c.kind}) differs: ${difference(a, b)}`);
        } else if (i === 0) log(`    ${x.id}: ${a.rows.length} rows, e.g. ${JSON.stringify(a.rows[0] ?? null).slice(0, 160)}; totals ${JSON.stringify(a.totals ?? null).slice(0, 120)}`);
      }
      log(`  ${bad.length ? `DIFFERENT (${bad.join(', ')})` : 'equal    '} ${x.id}`);
      const t = await timed(cfg.pgIterations, (i) => {
        const c = caller(i);
        return runPgReport(pool, x.id, pgArgs(r, period, c.staff), !!compileCatalogueReport(r, period ? { period } : {}, { ...ctxBase, scope: c.scope }).totals);
      });
      pgResults.push({ x, pg: t, equal: bad.length === 0 });
      log(`    PostgreSQL p50 ${t.p50} ms, p95 ${t.p95} ms`);
    }
  }

  // ── results ──
  const ratio = (p: { x: Result; pg: Timing }) => p.pg.p95 / p.x.chdb.p95;
  const times = (r: number) => `${r < 10 ? r.toFixed(1) : r.toFixed(0)}x`;
  if (pgResults.length) {
    log(`\nThe slowest five${untranslated.length ? ' that have a translation' : ''}, side by side (same data, same callers, same ${cfg.iterations} iterations), ms:`);
    log(
      table(
        ['report', 'chDB p50', 'chDB p95', 'PG p50', 'PG p95', 'PG/chDB p95', 'same rows'],
        pgResults.map((p) => [p.x.id, p.x.chdb.p50.toFixed(1), p.x.chdb.p95.toFixed(1), p.pg.p50.toFixed(1), p.pg.p95.toFixed(1), times(ratio(p)), p.equal ? 'yes' : 'NO']),
      ),
    );
  }
  const within = results.filter((x) => x.chdb.p95 <= BUDGET_MS).length;
  const worst = ranked[0]!;
  const ratios = pgResults.map(ratio);
  const rssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  log(`\nPeak RSS ${rssMb} MB; generation ${generationSeconds} s, chDB timing ${chdbSeconds} s (load average after it ${loadAfterChdb}), PostgreSQL ready in ${pgLoadSeconds} s; whole run ${elapsed(t0)}; load average at end ${load()}`);
  mkdirSync('.bench', { recursive: true });
  writeFileSync(
    '.bench/reports.json',
    JSON.stringify(
      {
        config: { ...cfg, only: cfg.only && [...cfg.only], compare: cfg.compare && [...cfg.compare] },
        counts,
        generationSeconds,
        chdbSeconds,
        pgLoadSeconds,
        peakRssMb: rssMb,
        loadAverage: { afterChdb: loadAfterChdb, end: load() },
        reports: results,
        slowest: slowest.map((x) => x.id),
        untranslated: untranslated.map((x) => x.id),
        postgres: pgResults.map((p) => ({ id: p.x.id, chdb: p.x.chdb, postgres: p.pg, ratio: round(ratio(p), 2), equal: p.equal })),
      },
      null,
      2,
    ),
  );
  log(
    `${results.length} reports run, ${within} within ${BUDGET_MS} ms p95, worst p95 ${worst.chdb.p95} ms (${worst.id}); ` +
      (ratios.length ? `PostgreSQL/chDB p95 ${times(Math.min(...ratios))}–${times(Math.max(...ratios))} over ${ratios.length} of the slowest${pgResults.every((p) => p.equal) ? ', answers equal' : ', ANSWERS DIFFER'}` : 'no PostgreSQL comparison'),
  );
  if (pgResults.some((p) => !p.equal)) process.exitCode = 1;
}

try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await teardown();
}
process.exit(process.exitCode ?? 0);
