import { forbidden } from '../errors';
import { addDays, localMidnight } from '../targets/periods';
import { DEFAULT_LIMIT, MAX_LIMIT, fieldOf, isBucket, parseMeasure, type ReportFilter, type ReportSpec } from './spec';
import { bucketSql, joins, sources, type Field, type FieldType, type JoinName, type Source, type TimeColumn } from './sources';

/**
 * A validated spec (spec.ts) → one parameterised ClickHouse SELECT. Identifiers come from the
 * allow-list only (sources.ts); every value of the spec is a `{pN:Type}` parameter bound by the
 * engine; the output columns are positional aliases (d0…, m0…, r0…) named in `columns`.
 * The compiler, not the spec, adds the tenant predicate (first in the WHERE), the caller's scope,
 * the period, and the settings that bound the query:
 *
 *   max_execution_time, max_result_rows + result_overflow_mode = 'throw' (a result that would be
 *   cut is an error, never a silent truncation), readonly = 1 (the engine refuses anything but a
 *   read, whatever the text). They are written in the query's own SETTINGS clause, which
 *   ClickHouse and chDB both apply to that query (chDB 3.4 / ClickHouse 26.7: an INSERT with
 *   `SETTINGS readonly = 1` is refused with READONLY); `settings` lists them for the adapter's logs.
 *
 * Facts are read with FINAL, which collapses the copies at-least-once delivery leaves until
 * ClickHouse merges them, so counts are exact (the dashboards do the same: insights.ts).
 */

/** Whose rows a caller sees (DESIGN §4), resolved by the caller's use case from their role. */
export type ReportScope =
  /** tenant_admin, analyst: the whole tenant. */
  | { kind: 'tenant' }
  /** A seller: themselves; a manager: their reporting subtree (themselves included). */
  | { kind: 'staff'; staffIds: readonly string[] }
  /** Warriors and partners: the opportunities they were handed. */
  | { kind: 'handed'; opportunityIds: readonly string[] };

export interface CompileContext {
  tenantId: string;
  scope: ReportScope;
  /** The tenant's IANA time zone: periods, day/week/month buckets and date filters are local. */
  timeZone: string;
  weekStartsOn?: 'monday' | 'sunday';
  /** Now, ISO-8601: ages and days in stage are counted to it. */
  asOf: string;
  /** Paise; a deal of at least this value is high-value (tenant setting, DESIGN §3). */
  highValueThreshold?: number;
  /** Lead response SLA (the assignment config's firstResponseMinutes). */
  leadResponseSlaMinutes?: number;
  maxExecutionSeconds?: number;
}

export type ReportParams = Record<string, string | number | boolean | readonly (string | number)[]>;
export type ColumnType = Exclude<FieldType, 'strings'>;

export interface ReportColumn {
  /** As the spec named it: `month`, `sum:dealValue`, a ratio's name. */
  name: string;
  type: ColumnType;
  role: 'dimension' | 'measure' | 'ratio';
}

export interface ReportSettings {
  max_execution_time: number;
  max_result_rows: number;
  result_overflow_mode: 'throw';
  join_use_nulls?: 1;
  /** 0 when the query holds an `x IN (SELECT …)`: the set is only filtered by, never worth an index analysis (bench:reports: 2–3× faster). */
  use_index_for_in_with_subqueries?: 0;
  readonly: 1;
}

export interface CompiledQuery {
  sql: string;
  params: ReportParams;
  settings: ReportSettings;
}

export interface CompiledReport extends CompiledQuery {
  /** One per selected column, in order: the rows' values are positional aliases d0…, m0…, r0…. */
  columns: ReportColumn[];
  /** The measures over every row the query reads (no grouping): present when the spec has dimensions. */
  totals?: CompiledQuery;
  /**
   * When every measure is exact to combine over groups (a count, a sum of whole numbers or money, a
   * minimum or maximum): how, and each ratio's measures — so a result that holds every group gives
   * its totals without reading the facts a second time (totalsFromRows).
   */
  additive?: { measures: ('sum' | 'min' | 'max')[]; ratios: [number, number][] };
}

/**
 * The totals of a result that holds every group, from its rows (what `totals` would answer):
 * sums, the least and the greatest (nulls left out), each ratio over the totals of its measures.
 */
export function totalsFromRows(additive: NonNullable<CompiledReport['additive']>, rows: readonly Record<string, unknown>[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  additive.measures.forEach((how, i) => {
    const values = rows.map((r) => r[`m${i}`]).filter((v) => v !== null && v !== undefined);
    // A sum of a nullable column is null when every group's is (as sum() over only NULLs).
    if (how === 'sum') out[`m${i}`] = values.length === 0 ? null : values.reduce<number>((n, v) => n + Number(v), 0);
    else out[`m${i}`] = values.length === 0 ? null : values.reduce((a, b) => ((how === 'min' ? (b as never) < (a as never) : (b as never) > (a as never)) ? b : a));
  });
  additive.ratios.forEach(([n, d], i) => {
    const [num, den] = [out[`m${n}`], out[`m${d}`]];
    // As the SQL's if(den = 0, NULL, num / den): null over nothing, or when either side is null.
    out[`r${i}`] = num === null || den === null || Number(den) === 0 ? null : Number(num) / Number(den);
  });
  return out;
}

/**
 * A compiled report's rows and totals, as a run reads them: with its totals side by side, or — when
 * the measures combine exactly and the rows hold every group (`whole`) — the totals from the rows.
 */
export async function rowsAndTotals(run: (q: CompiledQuery) => Promise<Record<string, unknown>[]>, compiled: CompiledReport, rowsQuery: CompiledQuery, whole: (rows: readonly Record<string, unknown>[]) => boolean): Promise<{ rows: Record<string, unknown>[]; totals?: Record<string, unknown> }> {
  if (!compiled.totals) return { rows: await run(rowsQuery) };
  if (!compiled.additive) {
    const [rows, totals] = await Promise.all([run(rowsQuery), run(compiled.totals)]);
    return { rows, ...(totals[0] && { totals: totals[0] }) };
  }
  const rows = await run(rowsQuery);
  if (rows.length > 0 && whole(rows)) return { rows, totals: totalsFromRows(compiled.additive, rows) };
  const totals = await run(compiled.totals);
  return { rows, ...(totals[0] && { totals: totals[0] }) };
}

export const DEFAULT_MAX_EXECUTION_SECONDS = 10;
export const DEFAULT_HIGH_VALUE_THRESHOLD = 50_000 * 100;
export const DEFAULT_LEAD_RESPONSE_SLA_MINUTES = 15;

/** The tenant predicate, verbatim: always the first conjunct of the outer WHERE. */
export const TENANT_PREDICATE = 'tenant_id = {tenant:String}';

/** ISO-8601 → ClickHouse DateTime64(3) text in UTC (as functions/lib/analytics/facts.ts writes it). */
export const toDateTime64 = (iso: string) => new Date(iso).toISOString().replace('T', ' ').slice(0, 23);

const DATETIME = "DateTime64(3, 'UTC')";

export function compileReport(spec: ReportSpec, ctx: CompileContext): CompiledReport {
  const source: Source = sources[spec.source];
  const params: ReportParams = { tenant: ctx.tenantId };
  const usedJoins = new Set<JoinName>();
  const use = (f: Field) => {
    if (f.join) usedJoins.add(f.join);
    return f.sql;
  };
  const timeColumn: TimeColumn = source.time[spec.period?.on ?? Object.keys(source.time)[0]!]!;

  // SELECT: dimensions, measures, ratios — each under a positional alias.
  const select: string[] = [];
  const columns: ReportColumn[] = [];
  const alias = new Map<string, string>();
  spec.dimensions.forEach((d, i) => {
    let sql: string;
    let type: ColumnType;
    if (isBucket(d)) {
      sql = bucketSql(d, timeColumn, ctx.weekStartsOn ?? 'monday');
      type = 'date';
    } else {
      const f = fieldOf(source, d)!;
      sql = f.type === 'boolean' ? `toBool(${use(f)})` : use(f);
      type = f.type as ColumnType;
    }
    select.push(`${sql} AS d${i}`);
    alias.set(d, `d${i}`);
    columns.push({ name: d, type, role: 'dimension' });
  });
  const measures = spec.measures.map((text, i) => {
    const { sql, type } = measureSql(source, text, use);
    alias.set(text, `m${i}`);
    columns.push({ name: text, type, role: 'measure' });
    return `${sql} AS m${i}`;
  });
  const ratios = spec.ratios.map((r, i) => {
    alias.set(r.name, `r${i}`);
    columns.push({ name: r.name, type: 'float', role: 'ratio' });
    const [n, dn] = [alias.get(r.numerator)!, alias.get(r.denominator)!];
    return `if(${dn} = 0, NULL, ${n} / ${dn}) AS r${i}`;
  });
  select.push(...measures, ...ratios);

  // WHERE: tenant first, then scope, period and the spec's filters.
  const where = [TENANT_PREDICATE];
  const scope = scopePredicate(source, ctx.scope, spec.source);
  if (scope) {
    where.push(scope.sql);
    params.scope = scope.values;
  }
  // A history row is its actor's (the call they made, the move, the credit), but a row that names
  // its deal, client or follow-up shows an object: under a staff scope only those of deals the
  // caller may still GET — a deal reassigned since stays counted, not named (DESIGN §4).
  const named = spec.dimensions.some((d) => (OBJECT_IDS as readonly string[]).includes(d));
  if (named && ctx.scope.kind === 'staff' && spec.source !== 'opportunities' && source.scope.opportunity) where.push(stillVisible(source.scope.opportunity));
  // What the rows read before the spec's filters: a join that needs only those rows' keys reads them (sources.ts JoinReads).
  let since: string | undefined;
  if (spec.period) {
    const { from, to } = spec.period;
    if (timeColumn.type === 'date') {
      where.push(`${timeColumn.sql} >= {start:Date} AND ${timeColumn.sql} <= {end:Date}`);
      Object.assign(params, { start: from, end: to });
    } else {
      where.push(`${timeColumn.sql} >= {start:${DATETIME}} AND ${timeColumn.sql} < {end:${DATETIME}}`);
      Object.assign(params, periodInstants(from, to, ctx.timeZone));
      since = `{start:${DATETIME}}`;
    }
  }
  const reads = { where: where.join(' AND '), ...(since && { since }) };
  spec.filters.forEach((flt, i) => {
    const f = fieldOf(source, flt.field)!;
    const compiled = filterSql(`(${use(f)})`, f, flt, `p${i}`, ctx.timeZone);
    where.push(compiled.sql);
    params[`p${i}`] = compiled.value;
  });

  const from = [`FROM ${source.table} FINAL`, ...[...usedJoins].sort().map((j) => joins[j](source, reads))].join('\n');
  const whereSql = `WHERE ${where.join('\n  AND ')}`;
  const settings = boundSettings(ctx, usedJoins.size > 0, /\bIN \(SELECT\b/.test(`${from}\n${whereSql}`));
  const settingsSql = settingsClause(settings);

  const dims = spec.dimensions.map((d) => alias.get(d)!);
  // Sort keys first, then every dimension not sorted by (a total order: the same rows come back in the same order).
  const orderBy = (name: string, dir: 'asc' | 'desc') => {
    const f = isBucket(name) ? undefined : fieldOf(source, name);
    const key = f?.ordered ? `indexOf([${f.values!.map((v) => `'${v}'`).join(', ')}], ${alias.get(name)!})` : alias.get(name)!;
    return `${key} ${dir.toUpperCase()}`;
  };
  const order = [...spec.sort.map((s) => orderBy(s.by, s.dir)), ...spec.dimensions.filter((d) => !spec.sort.some((s) => s.by === d)).map((d) => orderBy(d, 'asc'))];
  const sql = [
    `SELECT ${select.join(',\n       ')}`,
    from,
    whereSql,
    ...(dims.length ? [`GROUP BY ${dims.join(', ')}`] : []),
    ...(order.length ? [`ORDER BY ${order.join(', ')}`] : []),
    'LIMIT {limit:UInt32}',
    settingsSql,
  ].join('\n');
  Object.assign(params, { limit: spec.limit ?? DEFAULT_LIMIT }, contextParams(sql, ctx));

  const compiled: CompiledReport = { sql, params, settings, columns };
  if (dims.length > 0) {
    const totalsSql = [`SELECT ${[...measures, ...ratios].join(',\n       ')}`, from, whereSql, settingsSql].join('\n');
    const { limit: _limit, ...totalsParams } = params;
    compiled.totals = { sql: totalsSql, params: { ...totalsParams, ...contextParams(totalsSql, ctx) }, settings };
    const how = spec.measures.map((text, i): 'sum' | 'min' | 'max' | undefined => {
      const m = parseMeasure(text)!;
      if (m.kind === 'count') return 'sum';
      if (m.aggregate === 'min' || m.aggregate === 'max') return m.aggregate;
      // Sums of whole numbers and money add exactly; a float's sum would differ in its last digits.
      const type = columns[spec.dimensions.length + i]!.type;
      return m.aggregate === 'sum' && (type === 'int' || type === 'money') ? 'sum' : undefined;
    });
    if (how.every((h) => h !== undefined)) {
      compiled.additive = { measures: how as ('sum' | 'min' | 'max')[], ratios: spec.ratios.map((r) => [spec.measures.indexOf(r.numerator), spec.measures.indexOf(r.denominator)] as [number, number]) };
    }
  }
  return compiled;
}

/** The settings every report query runs with (see the header). */
export function boundSettings(ctx: Pick<CompileContext, 'maxExecutionSeconds'>, joined: boolean, inSubquery = false): ReportSettings {
  return {
    max_execution_time: ctx.maxExecutionSeconds ?? DEFAULT_MAX_EXECUTION_SECONDS,
    max_result_rows: MAX_LIMIT,
    result_overflow_mode: 'throw',
    ...(joined && { join_use_nulls: 1 as const }),
    ...(inSubquery && { use_index_for_in_with_subqueries: 0 as const }),
    // Last: after it, the query may change no setting.
    readonly: 1,
  };
}

export const settingsClause = (settings: ReportSettings) =>
  `SETTINGS ${Object.entries(settings)
    .map(([k, v]) => `${k} = ${typeof v === 'string' ? `'${v}'` : v}`)
    .join(', ')}`;

/** A period of local days as the `{start}` and `{end}` instants: from's local midnight, and the one after to. */
export const periodInstants = (from: string, to: string, timeZone: string) => ({
  start: toDateTime64(localMidnight(from, timeZone)),
  end: toDateTime64(localMidnight(addDays(to, 1), timeZone)),
});

/** Dimensions whose values are objects a caller GETs (their deal's visibility decides). */
export const OBJECT_IDS = ['opportunityId', 'clientId', 'eventId'] as const;

/** The row's deal is one the staff scope may GET now (as the opportunities source scopes: assignee, lead owner, closing owner, co-seller); rows about no deal stay. */
export const stillVisible = (column: string) =>
  `(${column} = '' OR ${column} IN (SELECT opportunity_id FROM opportunity_state FINAL WHERE tenant_id = {tenant:String} AND (assigned_to IN {scope:Array(String)} OR lead_owner IN {scope:Array(String)} OR closing_owner IN {scope:Array(String)} OR hasAny(co_salespersons, {scope:Array(String)}))))`;

/** The scope predicate and its values, or none for the whole tenant. */
export function scopePredicate(source: Source, scope: ReportScope, name: string): { sql: string; values: string[] } | undefined {
  switch (scope.kind) {
    case 'tenant':
      return undefined;
    case 'staff':
      return {
        sql: `(${source.scope.staff.map((c) => (c.array ? `hasAny(${c.sql}, {scope:Array(String)})` : `${c.sql} IN {scope:Array(String)}`)).join(' OR ')})`,
        values: [...scope.staffIds],
      };
    case 'handed':
      if (!source.scope.opportunity) throw forbidden('report_scope_unsupported', `The ${name} report cannot be limited to the opportunities handed to you.`);
      return { sql: `${source.scope.opportunity} IN {scope:Array(String)}`, values: [...scope.opportunityIds] };
  }
}

/** The parameters the context supplies, for the placeholders the SQL holds. */
export function contextParams(sql: string, ctx: CompileContext): ReportParams {
  const out: ReportParams = {};
  if (sql.includes('{tz:String}')) out.tz = ctx.timeZone;
  if (sql.includes('{asOf:')) out.asOf = toDateTime64(ctx.asOf);
  if (sql.includes('{highValue:')) out.highValue = ctx.highValueThreshold ?? DEFAULT_HIGH_VALUE_THRESHOLD;
  if (sql.includes('{sla:')) out.sla = ctx.leadResponseSlaMinutes ?? DEFAULT_LEAD_RESPONSE_SLA_MINUTES;
  return out;
}

function measureSql(source: Source, text: string, use: (f: Field) => string): { sql: string; type: ColumnType } {
  const m = parseMeasure(text)!;
  if (m.kind === 'count') return { sql: 'count()', type: 'int' };
  const f = fieldOf(source, m.field)!;
  const e = use(f);
  switch (m.aggregate) {
    case 'sum':
      return f.type === 'boolean' ? { sql: `countIf(${e})`, type: 'int' } : { sql: `sum(${e})`, type: f.type === 'float' ? 'float' : (f.type as ColumnType) };
    case 'avg':
      return { sql: `avg(${e})`, type: 'float' };
    case 'min':
    case 'max':
      return { sql: `${m.aggregate}(${e})`, type: f.type as ColumnType };
    case 'uniq':
      return { sql: `uniqExact(${e})`, type: 'int' };
    case 'median':
      return { sql: `quantileExactInclusive(0.5)(${e})`, type: 'float' };
    case 'p90':
      return { sql: `quantileExactInclusive(0.9)(${e})`, type: 'float' };
  }
}

const SQL_OP = { eq: '=', ne: '!=', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;
const SCALAR_TYPE: Record<Exclude<FieldType, 'strings' | 'datetime'>, string> = { string: 'String', int: 'Int64', money: 'Int64', float: 'Float64', boolean: 'Bool', date: 'Date' };
const isDateOnly = (v: string) => /^\d{4}-\d{2}-\d{2}$/.test(v);

function filterSql(expr: string, f: Field, flt: ReportFilter, p: string, timeZone: string): { sql: string; value: ReportParams[string] } {
  const value = flt.value;
  if (f.type === 'strings') {
    return flt.op === 'in' ? { sql: `hasAny(${expr}, {${p}:Array(String)})`, value: value as string[] } : { sql: `has(${expr}, {${p}:String})`, value: value as string };
  }
  if (f.type === 'datetime') {
    // A date is the tenant's local day: after the 3rd is from the 4th's midnight, before the 3rd until its midnight.
    const v = value as string;
    const op = flt.op as 'gt' | 'gte' | 'lt' | 'lte';
    if (!isDateOnly(v)) return { sql: `${expr} ${SQL_OP[op]} {${p}:${DATETIME}}`, value: toDateTime64(v) };
    const [sqlOp, day] = op === 'gt' ? ['>=', addDays(v, 1)] : op === 'gte' ? ['>=', v] : op === 'lt' ? ['<', v] : ['<', addDays(v, 1)];
    return { sql: `${expr} ${sqlOp} {${p}:${DATETIME}}`, value: toDateTime64(localMidnight(day, timeZone)) };
  }
  const type = SCALAR_TYPE[f.type];
  if (flt.op === 'in') return { sql: `${expr} IN {${p}:Array(${type})}`, value: value as (string | number)[] };
  return { sql: `${expr} ${SQL_OP[flt.op]} {${p}:${type}}`, value: value as string | number | boolean };
}
