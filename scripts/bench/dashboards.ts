import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { periodOf } from '../../domain/targets/periods';
import { openChdb, type ChdbAnalytics } from '../../functions/lib/analytics/analytics.chdb';
import { ClickHouseInsights } from '../../functions/lib/analytics/insights';
import { applyMigrations } from '../../functions/lib/analytics/schema';
import type { FactWindow } from '../../functions/lib/use-cases/ports';
import { generate, MANAGERS, NOW, OTHER_TENANT, SELLERS, sellerId, teamOf, TENANT } from './dashboards/generate';
import { PgInsights } from './dashboards/pg-insights';
import { exportFromChdb, loadPostgres, PG_INDEXES, pgSizes, startPostgres, type PgCluster } from './dashboards/postgres';
import { round, table } from './report';

/**
 * `npm run bench:dashboards` (issue #9; DESIGN §7 Budgets): the dashboards' fact queries on one
 * tenant with 10 M activity facts and 1 M opportunities, in chDB (in this process) and, side by
 * side, the same queries on the same data in PostgreSQL 15 with the indexes a good engineer would
 * add.
 *
 *  1. Generates the tenant inside chDB (its own temp data directory, the real migrations) with
 *     INSERT … SELECT … FROM numbers(N) (scripts/bench/dashboards/generate.ts), plus a small second
 *     tenant with the same staff ids.
 *  2. Times each dashboard's queries as the product issues them: the real adapter
 *     (ClickHouseInsights), the same methods in parallel as the use cases
 *     (functions/lib/use-cases/dashboards.ts); the staff member or manager varies per iteration.
 *  3. Exports the tables as TSV, COPYs them into a temp PostgreSQL cluster, indexes, VACUUM ANALYZE;
 *     checks that every query answers the same on both engines; times the translations
 *     (scripts/bench/dashboards/pg-insights.ts) the same way.
 *  4. Prints p50/p95 per dashboard and engine, the ratio and the budget verdicts, peak RSS; the
 *     last line names the smallest PostgreSQL/chDB ratio. JSON in .bench/dashboards.json.
 *
 * Knobs (environment): BENCH_ITERATIONS (timed iterations per dashboard, 40; tenant-wide ones
 * BENCH_TENANT_ITERATIONS, 30), BENCH_WARMUP (3), BENCH_OPPORTUNITIES (1,000,000),
 * BENCH_ACTIVITIES (10,000,000), BENCH_DEADLINE_SECONDS (1,200: past it everything is stopped).
 * Everything it starts (the chDB directory, the PostgreSQL cluster, the TSV files) is removed on
 * success, error, Ctrl-C or the deadline.
 */
const num = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};
const cfg = {
  iterations: Math.max(30, num('BENCH_ITERATIONS', 40)),
  tenantIterations: Math.max(30, num('BENCH_TENANT_ITERATIONS', 30)),
  warmup: num('BENCH_WARMUP', 3),
  opportunities: num('BENCH_OPPORTUNITIES', 1_000_000),
  activities: num('BENCH_ACTIVITIES', 10_000_000),
  deadlineMs: num('BENCH_DEADLINE_SECONDS', 1200) * 1000,
};
const started = performance.now();
const log = (s: string) => console.log(s);
const times = (r: number) => `${r < 1 ? r.toFixed(2) : r.toFixed(1)}x`;
const seconds = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

// ── lifecycle: everything started is stopped and removed, on success, error, Ctrl-C or the deadline ──

let chdbDir: string | undefined;
let analytics: ChdbAnalytics | undefined;
let postgres: PgCluster | undefined;
let cleaning: Promise<void> | undefined;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    try {
      await analytics?.close();
    } catch {
      /* best effort */
    }
    try {
      await postgres?.stop();
    } catch {
      /* best effort */
    }
    if (chdbDir) rmSync(chdbDir, { recursive: true, force: true });
  })();
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping PostgreSQL, closing chDB, removing the temp directories…`);
    void cleanup().finally(() => process.exit(130));
  });
}
const watchdog = setTimeout(() => {
  console.error(`bench:dashboards exceeded ${cfg.deadlineMs / 1000} s; stopping.`);
  void cleanup().finally(() => process.exit(124));
}, cfg.deadlineMs);
watchdog.unref();

// ── the dashboards, as the use cases query them ─────────────────────────────────────────────────

/** What both engines answer to: the methods of ClickHouseInsights the dashboards call. */
type Engine = Pick<ClickHouseInsights, 'figures' | 'openPipeline' | 'eventTallies' | 'productRevenue' | 'pipelineHealth'>;

const TZ = { timeZone: 'Asia/Kolkata', weekStartsOn: 'monday' } as const;
/** The last full week and month before NOW (2026-12-01 00:00 IST): Mon 23 – Sun 29 November, November. */
const week: FactWindow = (({ start, end }) => ({ start, end }))(periodOf('week', '2026-11-29', TZ));
const month: FactWindow = (({ start, end }) => ({ start, end }))(periodOf('month', '2026-11-30', TZ));
/** Tenant defaults (domain/tenants/tenant.ts): high value from ₹50,000; a stage is stale after 14 days. */
const HIGH_VALUE = 5_000_000;
const staleBefore = new Date(Date.parse(NOW) - 14 * 86_400_000).toISOString();
const HEALTH_LIMIT = 50;

/** Iteration i's seller and manager: spread over all of them, a different one each time. */
const seller = (i: number) => sellerId(1 + ((i * 397 + 11) % SELLERS));
const manager = (i: number) => 1 + ((i * 7 + 3) % MANAGERS);

interface Dashboard {
  name: string;
  calls: string;
  /** p95 budget, ms (DESIGN §7), and the least PostgreSQL/chDB ratio allowed. */
  budgetMs: number;
  minRatio: number;
  tenantWide: boolean;
  input: (i: number) => string;
  run: (e: Engine, i: number) => Promise<unknown>;
}

const dashboards: Dashboard[] = [
  {
    name: 'staff dashboard',
    calls: 'figures + openPipeline + productRevenue (1 seller, week)',
    budgetMs: 50,
    minRatio: 1,
    tenantWide: false,
    input: seller,
    run: (e, i) => {
      const s = [seller(i)];
      return Promise.all([e.figures(TENANT, s, week), e.openPipeline(TENANT, s), e.productRevenue(TENANT, s, week, HIGH_VALUE)]);
    },
  },
  {
    name: 'manager dashboard',
    calls: 'figures + openPipeline + eventTallies + pipelineHealth + productRevenue (21 staff, week)',
    budgetMs: 200,
    minRatio: 1,
    tenantWide: false,
    input: (i) => teamOf(manager(i))[0]!,
    run: (e, i) => {
      const team = teamOf(manager(i));
      return Promise.all([
        e.figures(TENANT, team, week),
        e.openPipeline(TENANT, team),
        e.eventTallies(TENANT, team, week),
        e.pipelineHealth(TENANT, team, { staleBefore, limit: HEALTH_LIMIT }),
        e.productRevenue(TENANT, team, week, HIGH_VALUE),
      ]);
    },
  },
  {
    name: 'events dashboard',
    calls: 'eventTallies (21 staff, week)',
    budgetMs: 200,
    minRatio: 1,
    tenantWide: false,
    input: (i) => teamOf(manager(i))[0]!,
    run: (e, i) => e.eventTallies(TENANT, teamOf(manager(i)), week),
  },
  {
    name: 'tenant conversion',
    calls: 'figures (tenant, month)',
    budgetMs: 200,
    minRatio: 10,
    tenantWide: true,
    input: () => TENANT,
    run: (e) => e.figures(TENANT, undefined, month),
  },
  {
    name: 'tenant product mix',
    calls: 'productRevenue (tenant, month)',
    budgetMs: 200,
    minRatio: 10,
    tenantWide: true,
    input: () => TENANT,
    run: (e) => e.productRevenue(TENANT, undefined, month, HIGH_VALUE),
  },
  {
    name: 'tenant pipeline',
    calls: 'openPipeline (tenant)',
    budgetMs: 200,
    minRatio: 10,
    tenantWide: true,
    input: () => TENANT,
    run: (e) => e.openPipeline(TENANT, undefined),
  },
];

// ── timing and comparing ────────────────────────────────────────────────────────────────────────

interface Timing {
  p50: number;
  p95: number;
  max: number;
  n: number;
  /** CPU time of this process per wall-clock time over the timed iterations (chDB runs in it: ~1 = one core busy). */
  cpuPerWall: number;
}

/** Nearest rank. */
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function time(d: Dashboard, engine: Engine): Promise<Timing> {
  const n = d.tenantWide ? cfg.tenantIterations : cfg.iterations;
  for (let k = 0; k < cfg.warmup; k++) await d.run(engine, 10_000 + k);
  const samples: number[] = [];
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await d.run(engine, i);
    samples.push(performance.now() - t);
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuPerWall = (cpu.user + cpu.system) / 1000 / (performance.now() - wall0);
  samples.sort((a, b) => a - b);
  return { p50: round(percentile(samples, 50), 1), p95: round(percentile(samples, 95), 1), max: round(samples.at(-1)!, 1), n, cpuPerWall: round(cpuPerWall, 2) };
}

/** A comparable form: Maps as sorted objects, object keys sorted, product lists (unordered in both SQLs) by product. */
function canon(v: unknown): unknown {
  if (v instanceof Map) return canon(Object.fromEntries([...v].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
  if (Array.isArray(v)) {
    const items = v.map(canon);
    if (items.every((x) => x && typeof x === 'object' && 'productId' in x)) items.sort((a, b) => ((a as { productId: string }).productId < (b as { productId: string }).productId ? -1 : 1));
    return items;
  }
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon((v as Record<string, unknown>)[k])]));
  return v;
}

/** A few figures of an answer, to show what was compared. */
function gist(d: Dashboard, r: unknown): string {
  const figures = (m: Map<string, { achievement: Record<string, number>; conversion: Record<string, number> }>) => {
    const sum = (k: string, part: 'achievement' | 'conversion' = 'achievement') => [...m.values()].reduce((s, f) => s + (f[part][k] ?? 0), 0);
    return `${m.size} staff, calls ${sum('calls')}, demos ${sum('demos')}, qualified ${sum('qualified')}, won ${sum('won', 'conversion')}, revenue ₹${Math.round(sum('revenue') / 100).toLocaleString('en-IN')}`;
  };
  const pipeline = (m: Map<string, Record<string, number>>) => `open pipeline ₹${Math.round([...m.values()].reduce((s, o) => s + Object.values(o).reduce((a, b) => a + b, 0), 0) / 100).toLocaleString('en-IN')} over ${m.size} staff`;
  const mix = (l: { revenue: number; deals: number }[]) => `${l.length} products, ${l.reduce((s, p) => s + p.deals, 0)} deals, ₹${Math.round(l.reduce((s, p) => s + p.revenue, 0) / 100).toLocaleString('en-IN')}`;
  const tallies = (l: { scheduled: number; completed: number; missed: number }[]) => `${l.length} tallies, ${l.reduce((s, t) => s + t.scheduled, 0)} scheduled, ${l.reduce((s, t) => s + t.completed, 0)} completed, ${l.reduce((s, t) => s + t.missed, 0)} missed`;
  const any = r as never;
  switch (d.name) {
    case 'staff dashboard':
      return `${figures(any[0])}; ${pipeline(any[1])}; ${mix(any[2])}`;
    case 'manager dashboard': {
      const h = (r as unknown[])[3] as { noNextStep: { count: number }; stale: { count: number } };
      return `${figures(any[0])}; ${pipeline(any[1])}; ${tallies(any[2])}; no next step ${h.noNextStep.count}, stale ${h.stale.count}; ${mix(any[4])}`;
    }
    case 'events dashboard':
      return tallies(any);
    case 'tenant conversion':
      return figures(any);
    case 'tenant product mix':
      return mix(any);
    default:
      return pipeline(any);
  }
}

// ── main ────────────────────────────────────────────────────────────────────────────────────────

async function main() {
  log(`bench:dashboards — ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  log(`Periods: week ${week.start} – ${week.end}, month ${month.start} – ${month.end} (Asia/Kolkata); stale before ${staleBefore}`);

  // ── 1. data ──
  chdbDir = mkdtempSync(join(tmpdir(), 'bench-dashboards-chdb-'));
  analytics = openChdb(join(chdbDir, 'db'));
  const chdbVersion = (await analytics.query<{ v: string }>('SELECT version() AS v'))[0]!.v;
  await applyMigrations(analytics);
  log(`\nGenerating the data in chDB ${chdbVersion} (${chdbDir}):`);
  const tGen = performance.now();
  await generate(analytics, { opportunities: cfg.opportunities, activities: cfg.activities }, log);
  const generation = (performance.now() - tGen) / 1000;
  const counts = await analytics.query<{ table: string; tenant: string; rows: number }>(
    `SELECT 'activities' AS table, tenant_id AS tenant, count() AS rows FROM activities GROUP BY tenant_id
     UNION ALL SELECT 'stage_transitions', tenant_id, count() FROM stage_transitions GROUP BY tenant_id
     UNION ALL SELECT 'opportunity_state', tenant_id, count() FROM opportunity_state GROUP BY tenant_id
     UNION ALL SELECT 'opportunity_state (distinct)', tenant_id, uniqExact(opportunity_id) FROM opportunity_state GROUP BY tenant_id
     UNION ALL SELECT 'revenue_credits', tenant_id, count() FROM revenue_credits GROUP BY tenant_id
     UNION ALL SELECT 'staff', tenant_id, count() FROM staff GROUP BY tenant_id
     UNION ALL SELECT 'opportunity_by_staff', tenant_id, count() FROM opportunity_by_staff GROUP BY tenant_id
     UNION ALL SELECT 'followups', tenant_id, count() FROM followups GROUP BY tenant_id`,
  );
  const parts = await analytics.query<{ table: string; parts: number; bytes: number }>(
    "SELECT table, count() AS parts, sum(bytes_on_disk) AS bytes FROM system.parts WHERE active AND database = currentDatabase() GROUP BY table",
  );
  const mix = await analytics.query<Record<string, number>>(
    `SELECT countIf(status = 'won') AS won, countIf(status = 'lost') AS lost, countIf(status = 'open') AS open FROM (SELECT argMax(status, version) AS status FROM opportunity_state WHERE tenant_id = {t:String} GROUP BY opportunity_id)`,
    { t: TENANT },
  );
  const at = (iso: string) => iso.replace('T', ' ').slice(0, 23);
  const recent = await analytics.query<Record<string, number>>(
    `SELECT countIf(at >= {m:DateTime64(3, 'UTC')}) / count() AS last_month, countIf(at >= {w:DateTime64(3, 'UTC')} AND at < {we:DateTime64(3, 'UTC')}) AS week_rows
     FROM activities WHERE tenant_id = {t:String}`,
    { t: TENANT, m: at(month.start), w: at(week.start), we: at(week.end) },
  );
  const pending = await analytics.query<{ n: number }>(
    `SELECT count() AS n FROM (SELECT event_id FROM activities WHERE tenant_id = {t:String} GROUP BY event_id HAVING countIf(kind = 'scheduled') > 0 AND countIf(kind != 'scheduled') = 0)`,
    { t: TENANT },
  );
  const size = (t: string) => parts.find((p) => p.table === t);
  log(`\nData generation: ${generation.toFixed(1)} s. Rows (tenant ${TENANT}; tenant ${OTHER_TENANT}), active parts, on disk:`);
  log(
    table(
      ['table', TENANT, OTHER_TENANT, 'parts', 'MB'],
      [...new Set(counts.map((c) => c.table))].map((t) => {
        const of = (tenant: string) => Number(counts.find((c) => c.table === t && c.tenant === tenant)?.rows ?? 0).toLocaleString('en');
        const p = size(t.replace(' (distinct)', ''));
        return [t, of(TENANT), of(OTHER_TENANT), t.includes('distinct') ? '' : String(p?.parts ?? ''), t.includes('distinct') ? '' : String(Math.round(Number(p?.bytes ?? 0) / 2 ** 20))];
      }),
    ),
  );
  const m0 = mix[0]!;
  const total = m0.won! + m0.lost! + m0.open!;
  log(
    `Opportunities now: ${((m0.won! / total) * 100).toFixed(1)} % won, ${((m0.lost! / total) * 100).toFixed(1)} % lost, ${((m0.open! / total) * 100).toFixed(1)} % open; ` +
      `activities: ${(recent[0]!.last_month! * 100).toFixed(1)} % in the last month, ${Number(recent[0]!.week_rows).toLocaleString('en')} in the week, ${Number(pending[0]!.n).toLocaleString('en')} events pending`,
  );

  // ── 2. chDB ──
  const ch = new ClickHouseInsights(async () => analytics!);
  const chdb: Record<string, Timing> = {};
  log(`\nTiming chDB (ClickHouseInsights, in this process): ${cfg.warmup} warm-up + ${cfg.iterations} timed iterations (${cfg.tenantIterations} tenant-wide)…`);
  for (const d of dashboards) {
    const t0 = performance.now();
    chdb[d.name] = await time(d, ch);
    log(`  ${d.name.padEnd(20)} p50 ${chdb[d.name]!.p50} ms, p95 ${chdb[d.name]!.p95} ms (${seconds(t0)})`);
  }

  // ── 3. PostgreSQL ──
  log('\nPostgreSQL:');
  const tPg = performance.now();
  postgres = await startPostgres(log);
  const tExport = performance.now();
  const files = await exportFromChdb(analytics, postgres.exchangeDir, 2);
  log(`  export from chDB as TSV ${seconds(tExport)}`);
  await loadPostgres(postgres.pool, files, log);
  for (const list of Object.values(files)) for (const f of list) rmSync(f, { force: true });
  const pgLoad = (performance.now() - tPg) / 1000;
  log(`  ready in ${pgLoad.toFixed(1)} s (start, export, COPY, indexes, VACUUM ANALYZE). Tables:`);
  const sizes = await pgSizes(postgres.pool);
  log(table(['table', 'rows', 'heap MB', 'indexes MB'], sizes.map((s) => [s.table, s.rows.toLocaleString('en'), String(s.heapMb), String(s.indexMb)])).replace(/^/gm, '  '));
  log(`  Indexes:\n${PG_INDEXES.map((i) => `    ${i.replace('CREATE INDEX ', '')}`).join('\n')}`);

  const pgi = new PgInsights(postgres.pool);
  log('\nSame answers? Each dashboard on 3 inputs, chDB against PostgreSQL:');
  const mismatches: string[] = [];
  for (const d of dashboards) {
    const inputs = d.tenantWide ? [0] : [0, 1, 2];
    let first = '';
    const bad: string[] = [];
    for (const i of inputs) {
      const [a, b] = await Promise.all([d.run(ch, i), d.run(pgi, i)]);
      if (JSON.stringify(canon(a)) !== JSON.stringify(canon(b))) {
        bad.push(d.input(i));
        log(`    ${d.name} ${d.input(i)} differs:\n      chDB       ${JSON.stringify(canon(a)).slice(0, 600)}\n      PostgreSQL ${JSON.stringify(canon(b)).slice(0, 600)}`);
      }
      if (!first) first = `${d.input(i)}: ${gist(d, a)}`;
    }
    if (bad.length) mismatches.push(d.name);
    log(`  ${bad.length ? 'DIFFERENT' : 'equal    '} ${d.name} (${inputs.map(d.input).join(', ')}) — ${first}`);
  }
  log(mismatches.length ? `RESULTS DIFFER for ${mismatches.join(', ')}: the comparison below is not valid.` : 'All answers equal: PostgreSQL computes exactly what chDB computes.');

  const pgTimes: Record<string, Timing> = {};
  log(`\nTiming PostgreSQL (pg pool, same inputs, same parallel calls)…`);
  for (const d of dashboards) {
    const t0 = performance.now();
    pgTimes[d.name] = await time(d, pgi);
    log(`  ${d.name.padEnd(20)} p50 ${pgTimes[d.name]!.p50} ms, p95 ${pgTimes[d.name]!.p95} ms (${seconds(t0)})`);
  }

  // ── 4. results ──
  const rows = dashboards.map((d) => {
    const c = chdb[d.name]!;
    const p = pgTimes[d.name]!;
    const ratio = p.p95 / c.p95;
    const misses = [c.p95 > d.budgetMs && `p95 > ${d.budgetMs} ms`, ratio < d.minRatio && `ratio < ${d.minRatio}×`, mismatches.includes(d.name) && 'answers differ'].filter(Boolean);
    return { d, c, p, ratio, verdict: misses.length ? `MISS (${misses.join(', ')})` : 'PASS' };
  });
  const rssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  log(`\nDashboards on ${Number(counts.find((c) => c.table === 'activities' && c.tenant === TENANT)?.rows).toLocaleString('en')} activity facts and ${Number(counts.find((c) => c.table === 'opportunity_state (distinct)' && c.tenant === TENANT)?.rows).toLocaleString('en')} opportunities (2 cores), ms:`);
  log(
    table(
      ['dashboard', 'n', 'chDB p50', 'chDB p95', 'chDB cores', 'PG p50', 'PG p95', 'PG/chDB p95', 'budget (DESIGN §7)', 'verdict'],
      rows.map((r) => [
        r.d.name,
        String(r.c.n),
        r.c.p50.toFixed(1),
        r.c.p95.toFixed(1),
        r.c.cpuPerWall.toFixed(2),
        r.p.p50.toFixed(1),
        r.p.p95.toFixed(1),
        times(r.ratio),
        `p95 ≤ ${r.d.budgetMs}, ≥ ${r.d.minRatio}× PG`,
        r.verdict,
      ]),
      new Set([0, 8, 9]),
    ),
  );
  log(`(What each runs: ${rows.map((r) => `${r.d.name} = ${r.d.calls}`).join('; ')}. The events dashboard of a team is held to the manager budget. chDB cores: CPU of this process per wall time while timing chDB.)`);
  log(`\nPeak RSS of this process (chDB in-process, its data generation included): ${rssMb} MB`);
  log(`Data generation ${generation.toFixed(1)} s in chDB; PostgreSQL ready ${pgLoad.toFixed(1)} s later; whole run ${seconds(started)}; load average at end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  mkdirSync('.bench', { recursive: true });
  writeFileSync(
    '.bench/dashboards.json',
    JSON.stringify({ counts, generationSeconds: generation, pgLoadSeconds: pgLoad, pgSizes: sizes, peakRssMb: rssMb, mismatches, results: rows.map((r) => ({ dashboard: r.d.name, chdb: r.c, postgres: r.p, ratio: round(r.ratio, 2), verdict: r.verdict })) }, null, 2),
  );
  const worst = rows.reduce((w, r) => (r.ratio < w.ratio ? r : w));
  log(`worst ratio vs PostgreSQL: ${times(worst.ratio)} (${worst.d.name})`);
  if (mismatches.length) process.exitCode = 1;
}

try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await cleanup();
}
process.exit(process.exitCode ?? 0);
