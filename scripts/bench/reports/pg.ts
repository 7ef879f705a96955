import type pg from 'pg';

/**
 * PostgreSQL translations of the prebuilt reports that bench:reports finds slowest on chDB, written
 * by hand from the SQL compileCatalogueReport emits (domain/reports/compile.ts), with the same
 * semantics and output aliases (d0…, m0…, r0…) so the benchmark can check both engines return the
 * same rows and totals:
 *   opportunity_state FINAL              → DISTINCT ON (opportunity_id) … ORDER BY opportunity_id, version DESC
 *   (the other facts: one row per key)   → the table itself
 *   uniqExact / countIf / sum of a bool  → COUNT(DISTINCT …) / COUNT(*) FILTER (WHERE …)
 *   quantileExactInclusive(p)            → percentile_cont(p) WITHIN GROUP (ORDER BY …)
 *   toStartOfMonth(x, tz)                → date_trunc('month', x AT TIME ZONE tz)::date
 *   if(d = 0, NULL, n / d)               → n::float8 / NULLIF(d, 0)
 * The scope predicate is the compiler's (the source's staff columns, any of them in the caller's
 * staff); the planner gets the SQL as written, with the indexes of PG_REPORT_INDEXES.
 */

/** A report run's inputs, as compileCatalogueReport binds them (instants ISO-8601, dates YYYY-MM-DD). */
export interface PgRunArgs {
  tenant: string;
  /** The staff scope; undefined: the whole tenant. */
  staff?: readonly string[];
  /** The period as instants (datetime periods) and as local days (date periods). */
  start?: string;
  end?: string;
  from?: string;
  to?: string;
  asOf: string;
  highValue: number;
  sla: number;
  tz: string;
  limit: number;
}

/** Named placeholders, numbered in order of appearance when the text is done (a name written but dropped binds nothing). */
class Query {
  constructor(readonly args: PgRunArgs) {}
  private bind(name: keyof PgRunArgs, cast: string): string {
    return `\u0000${name}\u0000::${cast}`;
  }
  /** The text with $1…$n for the names it holds, and their values. */
  render(text: string): { text: string; values: unknown[] } {
    const order: (keyof PgRunArgs)[] = [];
    const out = text.replace(/\u0000(\w+)\u0000/g, (_, name: keyof PgRunArgs) => {
      if (!order.includes(name)) order.push(name);
      return `$${order.indexOf(name) + 1}`;
    });
    return { text: out, values: order.map((n) => (Array.isArray(this.args[n]) ? [...(this.args[n] as string[])] : (this.args[n] ?? null))) };
  }
  get tenant() {
    return this.bind('tenant', 'text');
  }
  get asOf() {
    return this.bind('asOf', 'timestamptz');
  }
  get tz() {
    return this.bind('tz', 'text');
  }
  get highValue() {
    return this.bind('highValue', 'bigint');
  }
  get sla() {
    return this.bind('sla', 'float8');
  }
  get limit() {
    return this.bind('limit', 'int');
  }
  /** The placeholder of an instant of the period. */
  bound(name: 'start' | 'end'): string {
    return this.bind(name, 'timestamptz');
  }
  /** `AND column >= start AND column < end` (a datetime period). */
  period(column: string): string {
    return `AND ${column} >= ${this.bind('start', 'timestamptz')} AND ${column} < ${this.bind('end', 'timestamptz')}`;
  }
  /** `AND column BETWEEN from AND to` (a date period). */
  days(column: string): string {
    return `AND ${column} >= ${this.bind('from', 'date')} AND ${column} <= ${this.bind('to', 'date')}`;
  }
  /** The compiler's scope predicate: any of the columns (arrays: any element) in the caller's staff. */
  scope(columns: readonly string[], arrays: readonly string[] = []): string {
    if (!this.args.staff) return '';
    const staff = this.bind('staff', 'text[]');
    return `AND (${[...columns.map((c) => `${c} = ANY(${staff})`), ...arrays.map((c) => `${c} && ${staff}`)].join(' OR ')})`;
  }
}

/** A translation: the rows query, or (totals) the same measures over every row read, no grouping. */
type Translation = (q: Query, totals: boolean) => string;

/** The latest version of each opportunity (opportunity_state FINAL). */
const latestOpportunities = (q: Query) => `
  SELECT DISTINCT ON (opportunity_id) * FROM opportunity_state WHERE tenant_id = ${q.tenant} ORDER BY opportunity_id, version DESC`;
const opportunityScope = (q: Query) => q.scope(['assigned_to', 'lead_owner', 'closing_owner'], ['co_salespersons']);
const STAGE_ORDER = "ARRAY['Lead', 'Qualified', 'Potential', 'Demo', 'Visit', 'Closed']";

/** GROUP BY / ORDER BY / LIMIT of a rows query; nothing for totals. */
const grouped = (q: Query, totals: boolean, group: string, order: string) => (totals ? '' : `GROUP BY ${group} ORDER BY ${order} LIMIT ${q.limit}`);
/** The dimensions' select items, left out of totals (a function: its placeholders are bound only when used). */
const dims = (totals: boolean, ...items: (string | (() => string))[]) => (totals ? '' : `${items.map((i) => (typeof i === 'string' ? i : i())).join(', ')},`);
/** ClickHouse Date text of a local bucket. */
const day = (expr: string) => `to_char(${expr}, 'YYYY-MM-DD')`;
const week = (q: Query, column: string) => day(`date_trunc('week', ${column} AT TIME ZONE ${q.tz})`);
/** dateDiff('day', a, b) of DateTime64(3, 'UTC'): UTC calendar days crossed. */
const utcDays = (a: string, b: string) => `((${b} AT TIME ZONE 'UTC')::date - (${a} AT TIME ZONE 'UTC')::date)`;
const ratio = (n: string, d: string) => `(${n})::float8 / NULLIF(${d}, 0)`;
const median = (p: number, expr: string) => `percentile_cont(${p}) WITHIN GROUP (ORDER BY ${expr})`;

/** An opportunities report: the latest versions, the caller's scope, the report's own predicates. */
const opportunities = (q: Query, totals: boolean, o: { dims: (string | (() => string))[]; measures: string[]; where: string; group?: string; order: string }) => `
  SELECT ${dims(totals, ...o.dims)} ${o.measures.join(', ')}
  FROM (${latestOpportunities(q)}) AS o
  WHERE true ${opportunityScope(q)} ${o.where}
  ${grouped(q, totals, o.group ?? o.dims.map((_, i) => `d${i}`).join(', '), o.order)}`;
const COHORT = ['COUNT(*) AS m0', ...['Qualified', 'Potential', 'Demo', 'Visit', 'Closed'].map((s, i) => `COUNT(*) FILTER (WHERE '${s}' = ANY(stages_reached)) AS m${i + 1}`)];

/**
 * The leads of the period in the scope, with their first response (sources.ts firstResponse: the
 * first completed follow-up, from a day before the period on); response minutes as dateDiff('second') / 60.
 */
const leadsWithResponse = (q: Query) => `
  WITH l AS (SELECT * FROM lead_arrivals WHERE tenant_id = ${q.tenant} ${q.scope(['assigned_to'])} ${q.period('arrived_at')}),
  f AS (SELECT opportunity_id, MIN(at) AS first_response_at FROM activities
        WHERE tenant_id = ${q.tenant} AND kind = 'completed' AND at >= ${q.bound('start')} - interval '1 day' AND opportunity_id IN (SELECT opportunity_id FROM l)
        GROUP BY opportunity_id)
  SELECT l.*, f.first_response_at,
         GREATEST(floor(extract(epoch FROM f.first_response_at)) - floor(extract(epoch FROM l.arrived_at)), 0)::float8 / 60 AS response_minutes
  FROM l LEFT JOIN f USING (opportunity_id)`;
const LEAD_RESPONSE = (q: Query) => [
  'COUNT(*) AS m0',
  'COUNT(first_response_at) AS m1',
  `${median(0.5, 'response_minutes')} AS m2`,
  `${median(0.9, 'response_minutes')} AS m3`,
  `AVG(CASE WHEN response_minutes <= ${q.sla} THEN 1 ELSE 0 END)::float8 AS m4`,
];

/**
 * The messages of the period in the scope (messages FINAL: one merged row each) with their response
 * (sources.ts response): each client's thread in time order, in turns (the outbound messages before
 * a message); an inbound message answered by its turn's outbound one, an outbound one answering its
 * turn's inbound ones (a turn holds at most one outbound message, its last).
 */
const messagesWithResponse = (q: Query) => `
  WITH m AS (SELECT * FROM messages WHERE tenant_id = ${q.tenant} ${q.scope(['staff_id'])} ${q.period('at')}),
  thread AS (
    SELECT message_id, client_id, direction, staff_id, at,
           COUNT(*) FILTER (WHERE direction = 'outbound') OVER (PARTITION BY client_id ORDER BY at, message_id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS turn
    FROM message_thread WHERE tenant_id = ${q.tenant} AND client_id IN (SELECT client_id FROM m)),
  response AS (
    SELECT message_id,
           CASE WHEN direction = 'inbound' THEN MIN(at) FILTER (WHERE direction = 'outbound') OVER turns END AS answered_at,
           CASE WHEN direction = 'outbound' THEN MIN(at) FILTER (WHERE direction = 'inbound') OVER turns END AS waited_since
    FROM thread WINDOW turns AS (PARTITION BY client_id, turn))
  SELECT m.*, r.answered_at, r.waited_since,
         extract(epoch FROM r.answered_at - m.at)::float8 / 60 AS response_minutes,
         extract(epoch FROM m.at - r.waited_since)::float8 / 60 AS reply_minutes
  FROM m LEFT JOIN response AS r USING (message_id)`;
const ANSWERED = ["COUNT(*) AS m0", 'COUNT(answered_at) AS m1', `${median(0.5, 'response_minutes')} AS m2`, `${median(0.9, 'response_minutes')} AS m3`, ratio('COUNT(answered_at)', 'COUNT(*)') + ' AS r0'];

export const PG_REPORTS: Record<string, Translation> = {
  'no-next-step-list': (q, totals) =>
    opportunities(q, totals, {
      dims: ['opportunity_id AS d0', 'assigned_to AS d1', 'stage AS d2'],
      measures: ['COALESCE(SUM(deal_value), 0) AS m0', `MAX(${utcDays('stage_changed_at', q.asOf)}) AS m1`],
      where: `AND status = 'open' AND NOT EXISTS (SELECT 1 FROM followups AS f WHERE f.tenant_id = ${q.tenant} AND f.opportunity_id = o.opportunity_id)`,
      order: `m1 DESC, d0, d1, array_position(${STAGE_ORDER}, stage)`,
    }),
  'no-next-step-by-staff': (q, totals) =>
    opportunities(q, totals, {
      dims: ['assigned_to AS d0'],
      measures: ['COUNT(*) AS m0', 'COALESCE(SUM(deal_value), 0) AS m1'],
      where: `AND status = 'open' AND NOT EXISTS (SELECT 1 FROM followups AS f WHERE f.tenant_id = ${q.tenant} AND f.opportunity_id = o.opportunity_id)`,
      order: 'm0 DESC, d0',
    }),
  'cohort-funnel-by-staff': (q, totals) =>
    opportunities(q, totals, { dims: ['assigned_to AS d0'], measures: [...COHORT, `${ratio("COUNT(*) FILTER (WHERE 'Closed' = ANY(stages_reached))", 'COUNT(*)')} AS r0`], where: q.period('created_at'), order: 'd0' }),
  'cohort-funnel-by-product': (q, totals) =>
    opportunities(q, totals, { dims: ['product_id AS d0'], measures: [...COHORT, `${ratio("COUNT(*) FILTER (WHERE 'Closed' = ANY(stages_reached))", 'COUNT(*)')} AS r0`], where: q.period('created_at'), order: 'd0' }),
  'average-deal-size': (q, totals) =>
    opportunities(q, totals, { dims: ['product_id AS d0'], measures: ['AVG(deal_value)::float8 AS m0', 'COUNT(*) AS m1'], where: `${q.period('closed_at')} AND status = 'won'`, order: 'd0' }),
  'win-rate-by-product': (q, totals) =>
    opportunities(q, totals, {
      dims: ['product_id AS d0'],
      measures: ["COUNT(*) FILTER (WHERE status = 'won') AS m0", "COUNT(*) FILTER (WHERE status = 'lost') AS m1", "AVG(CASE WHEN status = 'won' THEN 1 ELSE 0 END)::float8 AS m2"],
      where: `${q.period('closed_at')} AND status != 'open'`,
      order: 'd0',
    }),
  'forecast-by-close-month': (q, totals) =>
    opportunities(q, totals, {
      dims: [`${day("date_trunc('month', expected_close_date)")} AS d0`],
      measures: ['COALESCE(SUM(expected_revenue), 0) AS m0', 'COALESCE(SUM(deal_value), 0) AS m1', 'COUNT(*) AS m2'],
      where: `${q.days('expected_close_date')} AND status = 'open'`,
      order: 'd0',
    }),
  'forecast-by-staff': (q, totals) =>
    opportunities(q, totals, {
      dims: ['assigned_to AS d0'],
      measures: ['COALESCE(SUM(expected_revenue), 0) AS m0', 'COALESCE(SUM(deal_value), 0) AS m1'],
      where: `${q.days('expected_close_date')} AND status = 'open'`,
      order: 'm0 DESC, d0',
    }),
  'forecast-by-product': (q, totals) =>
    opportunities(q, totals, {
      dims: [`${day("date_trunc('month', expected_close_date)")} AS d0`, 'product_id AS d1'],
      measures: ['COALESCE(SUM(expected_revenue), 0) AS m0'],
      where: `${q.days('expected_close_date')} AND status = 'open'`,
      order: 'd0, d1',
    }),
  'stale-deals': (q, totals) =>
    opportunities(q, totals, {
      dims: ['opportunity_id AS d0', 'assigned_to AS d1', 'stage AS d2'],
      measures: ['COALESCE(SUM(deal_value), 0) AS m0', `MAX(${utcDays('stage_changed_at', q.asOf)}) AS m1`],
      where: `AND status = 'open' AND ${utcDays('stage_changed_at', q.asOf)} >= 14`,
      order: `m1 DESC, d0, d1, array_position(${STAGE_ORDER}, stage)`,
    }),
  'pipeline-by-stage': (q, totals) =>
    opportunities(q, totals, {
      dims: ['stage AS d0'],
      measures: ['COUNT(*) AS m0', 'COALESCE(SUM(deal_value), 0) AS m1', 'COALESCE(SUM(expected_revenue), 0) AS m2'],
      where: "AND status = 'open'",
      order: `array_position(${STAGE_ORDER}, stage)`,
    }),
  'days-in-stage': (q, totals) =>
    opportunities(q, totals, {
      dims: ['stage AS d0'],
      measures: [`AVG(${utcDays('stage_changed_at', q.asOf)})::float8 AS m0`, `${median(0.5, utcDays('stage_changed_at', q.asOf))} AS m1`, `MAX(${utcDays('stage_changed_at', q.asOf)}) AS m2`],
      where: "AND status = 'open'",
      order: `array_position(${STAGE_ORDER}, stage)`,
    }),
  'pipeline-aging': (q, totals) => {
    const days = utcDays('stage_changed_at', q.asOf);
    const bucket = `CASE WHEN ${days} < 8 THEN '0-7' WHEN ${days} < 15 THEN '8-14' WHEN ${days} < 31 THEN '15-30' WHEN ${days} < 61 THEN '31-60' ELSE '61+' END`;
    return opportunities(q, totals, {
      dims: ['stage AS d0', `${bucket} AS d1`],
      measures: ['COUNT(*) AS m0', 'COALESCE(SUM(deal_value), 0) AS m1'],
      where: "AND status = 'open'",
      group: 'd0, d1',
      order: `array_position(${STAGE_ORDER}, stage), array_position(ARRAY['0-7', '8-14', '15-30', '31-60', '61+'], ${bucket})`,
    });
  },
  'new-opportunities-monthly': (q, totals) =>
    opportunities(q, totals, {
      dims: [() => `${day(`date_trunc('month', created_at AT TIME ZONE ${q.tz})`)} AS d0`],
      measures: ['COUNT(*) AS m0', 'COALESCE(SUM(deal_value), 0) AS m1'],
      where: q.period('created_at'),
      group: 'd0',
      order: 'd0',
    }),
  'weighted-pipeline-by-staff': (q, totals) =>
    opportunities(q, totals, { dims: ['assigned_to AS d0'], measures: ['COALESCE(SUM(expected_revenue), 0) AS m0', 'COALESCE(SUM(deal_value), 0) AS m1'], where: "AND status = 'open'", order: 'm0 DESC, d0' }),
  'pipeline-by-product': (q, totals) =>
    opportunities(q, totals, {
      dims: ['product_id AS d0'],
      measures: ['COUNT(*) AS m0', 'COALESCE(SUM(deal_value), 0) AS m1', 'COALESCE(SUM(expected_revenue), 0) AS m2'],
      where: "AND status = 'open'",
      order: 'd0',
    }),
  'pipeline-coverage-by-stage': (q, totals) =>
    opportunities(q, totals, {
      dims: ['assigned_to AS d0', 'stage AS d1'],
      measures: ['COALESCE(SUM(deal_value), 0) AS m0', 'COUNT(*) AS m1'],
      where: "AND status = 'open'",
      order: `d0, array_position(${STAGE_ORDER}, stage)`,
    }),
  'loss-reasons': (q, totals) =>
    opportunities(q, totals, { dims: ['lost_reason AS d0'], measures: ['COUNT(*) AS m0', 'COALESCE(SUM(deal_value), 0) AS m1'], where: `${q.period('closed_at')} AND status = 'lost'`, order: 'm0 DESC, d0' }),
  'win-rate-by-staff': (q, totals) =>
    opportunities(q, totals, {
      dims: ['assigned_to AS d0'],
      measures: ["COUNT(*) FILTER (WHERE status = 'won') AS m0", "COUNT(*) FILTER (WHERE status = 'lost') AS m1", "AVG(CASE WHEN status = 'won' THEN 1 ELSE 0 END)::float8 AS m2"],
      where: `${q.period('closed_at')} AND status != 'open'`,
      order: 'd0',
    }),
  'lead-response-weekly': (q, totals) => `
    SELECT ${dims(totals, () => `${week(q, 'arrived_at')} AS d0`)} ${LEAD_RESPONSE(q).join(', ')} FROM (${leadsWithResponse(q)}) AS leads ${grouped(q, totals, 'd0', 'd0')}`,
  'lead-response-by-staff': (q, totals) => `
    SELECT ${dims(totals, 'assigned_to AS d0')} ${LEAD_RESPONSE(q).join(', ')} FROM (${leadsWithResponse(q)}) AS leads ${grouped(q, totals, 'd0', 'd0')}`,
  'lead-response-by-channel': (q, totals) => `
    SELECT ${dims(totals, 'channel AS d0')} ${LEAD_RESPONSE(q).join(', ')} FROM (${leadsWithResponse(q)}) AS leads ${grouped(q, totals, 'd0', 'd0')}`,
  'message-response-time-weekly': (q, totals) => `
    SELECT ${dims(totals, () => `${week(q, 'at')} AS d0`)} ${ANSWERED.join(', ')} FROM (${messagesWithResponse(q)}) AS x WHERE direction = 'inbound' ${grouped(q, totals, 'd0', 'd0')}`,
  'message-response-time-by-channel': (q, totals) => `
    SELECT ${dims(totals, 'channel AS d0')} ${ANSWERED.join(', ')} FROM (${messagesWithResponse(q)}) AS x WHERE direction = 'inbound' ${grouped(q, totals, 'd0', 'd0')}`,
  'message-response-time-by-staff': (q, totals) => `
    SELECT ${dims(totals, 'staff_id AS d0')} COUNT(*) AS m0, ${median(0.5, 'reply_minutes')} AS m1, ${median(0.9, 'reply_minutes')} AS m2,
           COUNT(*) FILTER (WHERE reply_minutes <= 60) AS m3, ${ratio('COUNT(*) FILTER (WHERE reply_minutes <= 60)', 'COUNT(*)')} AS r0
    FROM (${messagesWithResponse(q)}) AS x WHERE waited_since IS NOT NULL ${grouped(q, totals, 'd0', 'd0')}`,
  'unanswered-client-messages': (q, totals) => `
    SELECT ${dims(totals, 'client_id AS d0', 'channel AS d1')} COUNT(*) AS m0, COALESCE(MIN(at), to_timestamp(0)) AS m1, MAX(extract(epoch FROM ${q.asOf} - at)::float8 / 60) AS m2
    FROM (${messagesWithResponse(q)}) AS x WHERE direction = 'inbound' AND answered_at IS NULL ${grouped(q, totals, 'd0, d1', 'm2 DESC, d0, d1')}`,
};

export interface PgRun {
  rows: Record<string, unknown>[];
  totals?: Record<string, unknown>;
}

/** Runs a translated report (rows and totals side by side, as the use case does on ClickHouse). */
export async function runPgReport(pool: pg.Pool, id: string, args: PgRunArgs, withTotals: boolean): Promise<PgRun> {
  const t = PG_REPORTS[id]!;
  const build = (totals: boolean) => {
    const q = new Query(args);
    return q.render(t(q, totals));
  };
  const [rows, totals] = await Promise.all([pool.query(build(false)), withTotals ? pool.query(build(true)) : undefined]);
  return { rows: rows.rows, ...(totals && { totals: totals.rows[0] }) };
}

/** Indexes for the translated reports' reads, beyond the dashboards' (scripts/bench/dashboards/postgres.ts). */
export const PG_REPORT_INDEXES: string[] = [
  // a lead's first completed follow-up
  "CREATE INDEX activities_opportunity_completed ON activities (tenant_id, opportunity_id, at) WHERE kind = 'completed'",
  // the opportunities' periods (latest versions are read whole: DISTINCT ON over opportunity_state_latest)
];

