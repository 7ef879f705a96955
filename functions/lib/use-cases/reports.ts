import { authorize, inScope, policy } from '../../../domain/access/policy';
import { DomainError, invalid, notFound } from '../../../domain/errors';
import { catalogue, catalogueReport, compileCatalogueReport, resolvePeriod, type CatalogueReport, type CatalogueRunRequest } from '../../../domain/reports/catalogue';
import { compileReport, rowsAndTotals, type CompileContext, type CompiledQuery, type CompiledReport, type ReportColumn, type ReportScope } from '../../../domain/reports/compile';
import { parseReportSpec, type ReportSpecInput } from '../../../domain/reports/spec';
import { stringify } from 'csv-stringify/sync';
import { defused } from '../exports/writers';
import { config } from '../config';
import { localDay } from '../../../domain/targets/periods';
import { buckets, sources, type SourceName } from '../../../domain/reports/sources';
import { unavailable } from '../http/errors';
import { logger } from '../logger';
import { tenantConfig, type UseCaseContext } from './context';
import type { Services } from './ports';
import { assertWithin, countInMinute, type MinuteCount } from './rate-limit';
import { joinsTargets, readTargets, targetJoins, withTargets } from './report-targets';
import { HttpError, badRequest } from '../http/errors';
import type { CursorCodec } from '../store/cursor';
import { MAX_LIMIT } from '../../../domain/reports/spec';

/**
 * Reports (#16; DESIGN §13): the catalogue of prebuilt reports, and runs of them and of custom
 * specs over the facts in ClickHouse. The caller's scope is derived here from their role, never
 * from the request (DESIGN §4): tenant admins and analysts the tenant, managers their reporting
 * subtree, sellers themselves, warriors and partners the opportunities handed to them (a source
 * that cannot be limited to those is 403 `report_scope_unsupported`). The compiler injects it.
 * Runs are the heaviest reads: at most REPORTS_PER_MINUTE a tenant (429 with Retry-After) and at
 * most REPORTS_CONCURRENT of them in flight at once (429 too_many_concurrent_reports). Large
 * results come a page at a time, continued by a signed cursor.
 */

/** What the catalogue says of a report: everything but how it is computed. */
export interface CatalogueEntry {
  id: string;
  title: string;
  area: CatalogueReport['area'];
  description: string;
  source: SourceName | 'credits';
  defaultPeriod: CatalogueReport['defaultPeriod'];
  chart: CatalogueReport['chart'];
  /** The time column the period applies to (null: the source's first, or none for a snapshot). */
  periodOn: string | null;
  dimensions: string[];
  measures: string[];
  /** What `groupBy` may name (empty: the report takes no groupBy) and what `filters` may name. */
  groupBy: string[];
  filters: string[];
  needs: string[];
}

export function catalogueEntry(report: CatalogueReport): CatalogueEntry {
  const special = report.special !== undefined;
  const sourceName: SourceName = special ? 'credits' : report.spec!.source;
  const source = sources[sourceName];
  const fields = Object.entries(source.fields);
  return {
    id: report.id,
    title: report.title,
    area: report.area,
    description: report.description,
    source: sourceName,
    defaultPeriod: report.defaultPeriod,
    chart: report.chart,
    periodOn: special ? null : (report.spec!.periodOn ?? null),
    dimensions: special ? ['month'] : [...(report.spec!.dimensions ?? [])],
    measures: special ? [] : [...report.spec!.measures],
    groupBy: special ? [] : [...buckets, ...fields.filter(([, f]) => f.dimension).map(([name]) => name)],
    filters: special ? [] : fields.filter(([, f]) => f.ops.length > 0).map(([name]) => name),
    needs: [...(report.needs ?? [])],
  };
}

export async function listReports(ctx: UseCaseContext): Promise<CatalogueEntry[]> {
  authorize(ctx.actor, 'report:run');
  // A tenant that was never provisioned is refused, as by every other report route.
  await tenantConfig(ctx);
  return catalogue.map(catalogueEntry);
}

export async function getReport(ctx: UseCaseContext, id: string): Promise<CatalogueEntry> {
  authorize(ctx.actor, 'report:run');
  await tenantConfig(ctx);
  const report = catalogueReport(id);
  if (!report) throw notFound('report', id);
  return catalogueEntry(report);
}

export interface ReportResult {
  reportId: string | null;
  period: { from: string; to: string } | null;
  asOf: string;
  columns: ReportColumn[];
  /** One array per row, in the order of `columns`. */
  rows: unknown[][];
  /** The measures and ratios over every row read, in the order of `columns` (null for a dimension); null when the report has no dimension or no totals. */
  totals: unknown[] | null;
  chart: CatalogueReport['chart'] | null;
  /**
   * Reports that compare with targets (needs: targets) whose request's groupBy left out the rows the
   * targets are of (a staff member, a team, an assignee and stage): null, the facts shown alone.
   */
  targets?: null;
  /** Present when more rows follow: the same request with this cursor answers the next page. */
  cursor?: string;
  /** The tenant's runs this minute (RateLimit-* on the answer, not in its body). */
  rateLimit?: RateBudget;
}

/** draft-ietf-httpapi-ratelimit-headers: the limit, what is left of it, and seconds until it resets. */
export interface RateBudget {
  limit: number;
  remaining: number;
  reset: number;
}

export interface ReportsDeps {
  /** Runs a compiled query (the analytics port's runReport). */
  run(sql: string, params: CompiledQuery['params'], settings: CompiledQuery['settings']): Promise<Record<string, unknown>[]>;
  perMinute: number;
  /** Runs a tenant may have in flight at once (default REPORTS_CONCURRENT). */
  concurrent?: number;
  /** Signs and checks the runs' cursors (default: the API's cursor keys, as every list signs its cursors). */
  cursors?: Pick<CursorCodec, 'encode' | 'decode'>;
}

export const DEFAULT_REPORTS_PER_MINUTE = 30;
export const DEFAULT_REPORTS_CONCURRENT = 4;
/** The tenant's report runs in flight: a slot counter beside the webhook sender's (one per tenant, `wh_…` ids never clash). */
export const REPORT_RUNS_LEASE = 'report-runs';
/** Warriors and partners: the opportunities handed to them, read at most this many. */
const MAX_HANDED = 2_000;

/**
 * POST /v1/reports/{id}/run: a page of at most `limit` rows (default the report's row cap, 1 000)
 * from `cursor`'s position, with a `cursor` when more follow; totals over every row.
 */
export async function runCatalogueReport(ctx: UseCaseContext, deps: ReportsDeps, id: string, request: CatalogueRunRequest): Promise<ReportResult> {
  authorize(ctx.actor, 'report:run');
  const report = catalogueReport(id);
  if (!report) throw notFound('report', id);
  const { cursor, limit: _limit, ...asked } = request;
  const bound = cursorScope(ctx, `catalogue:${report.id}`, { period: asked.period ?? null, filters: asked.filters ?? [], groupBy: asked.groupBy ?? null });
  const position = await readCursor(deps, cursor, bound);
  const compileCtx = await compileContext(ctx, position?.asOf);
  // The default period resolved here (the tenant's today), so the answer can say which it was.
  const period = request.period ?? resolvePeriod(report.defaultPeriod, localDay(new Date(compileCtx.asOf), compileCtx.timeZone), compileCtx.weekStartsOn);
  const compiled = compileCatalogueReport(report, { ...request, ...(period && { period }) }, compileCtx);
  const join = targetJoins[report.id];
  const joined = joinsTargets(join, compiled.columns) ? join : undefined;
  const periodView = period ? { from: period.from, to: period.to } : null;
  const result = await execute(ctx, deps, compiled, { offset: position?.offset ?? 0, asOf: compileCtx.asOf, bound }, joined && (async (all) => withTargets(joined, all, await readTargets(ctx, joined, all.rows, periodView, await tenantConfig(ctx), new Date(compileCtx.asOf)))));
  return { reportId: report.id, period: periodView, asOf: compileCtx.asOf, ...result, chart: report.chart, ...(report.needs?.includes('targets') && !joined && { targets: null }) };
}

/** POST /v1/reports/custom/run: pages as prebuilt runs do — the spec's `limit` rows from `cursor`. */
export async function runCustomReport(ctx: UseCaseContext, deps: ReportsDeps, input: ReportSpecInput & { cursor?: string | undefined }): Promise<ReportResult> {
  authorize(ctx.actor, 'report:run');
  const { cursor, ...specInput } = input;
  const spec = parseReportSpec(specInput, 'body');
  const { limit: _limit, ...asked } = spec;
  const bound = cursorScope(ctx, 'custom', asked);
  const position = await readCursor(deps, cursor, bound);
  const compileCtx = await compileContext(ctx, position?.asOf);
  const compiled = compileReport(spec, compileCtx);
  const result = await execute(ctx, deps, compiled, { offset: position?.offset ?? 0, asOf: compileCtx.asOf, bound });
  const chart = spec.dimensions.length > 0 ? { type: 'bar' as const, x: spec.dimensions[0]!, y: [...spec.measures, ...spec.ratios.map((r) => r.name)] } : null;
  return { reportId: null, period: spec.period ? { from: spec.period.from, to: spec.period.to } : null, asOf: compileCtx.asOf, ...result, chart };
}

/** `asOf`: the first page's, when continuing a cursor (ages, days in stage and the default period stay those of the first page). */
async function compileContext(ctx: UseCaseContext, asOf?: string): Promise<CompileContext> {
  const config = await tenantConfig(ctx);
  return {
    tenantId: ctx.actor.tenantId,
    scope: await reportScope(ctx),
    timeZone: config.settings.timeZone,
    weekStartsOn: config.settings.weekStartsOn,
    asOf: asOf ?? ctx.now.toISOString(),
    highValueThreshold: config.settings.highValueThreshold,
    leadResponseSlaMinutes: config.assignment.value?.firstResponseMinutes ?? 15,
  };
}

// ── cursors ───────────────────────────────────────────────────────────────────────────────────

/** What a cursor is bound to: the tenant, the caller, and the request it continues (all but its cursor and limit). */
const cursorScope = (ctx: UseCaseContext, what: string, request: unknown) => `report|${ctx.actor.tenantId}|${ctx.actor.staffId}|${ctx.actor.role}|${what}|${JSON.stringify(request)}`;

/** The API's cursor keys (as every list's cursors are signed), read on the first cursor a run signs or checks. */
let defaultCodec: Promise<Pick<CursorCodec, 'encode' | 'decode'>> | undefined;
const codecOf = async (deps: ReportsDeps) =>
  deps.cursors ??
  (await (defaultCodec ??= Promise.all([import('../store/cursor'), import('../services')]).then(([{ CursorCodec: Codec }, { cursorKeys }]) => new Codec(cursorKeys(config())))));

interface Position {
  offset: number;
  asOf: string;
}

/** The position a cursor holds (signed, so it is one this API gave for this request), or a 400. */
async function readCursor(deps: ReportsDeps, cursor: string | undefined, bound: string): Promise<Position | undefined> {
  if (cursor === undefined) return undefined;
  const decoded = (await (await codecOf(deps)).decode(cursor, bound))!;
  const { offset, asOf } = decoded as Record<string, unknown>;
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0 || typeof asOf !== 'string' || Number.isNaN(Date.parse(asOf))) throw badRequest('invalid_cursor', 'The cursor is not valid for this query.');
  return { offset, asOf };
}

/** The caller's scope, from their role (DESIGN §4). */
export async function reportScope(ctx: UseCaseContext): Promise<ReportScope> {
  const viewer = await ctx.viewer();
  switch (policy[viewer.role].scope) {
    case 'tenant':
      return { kind: 'tenant' };
    case 'subtree':
      return { kind: 'staff', staffIds: [...(viewer.subtree ?? [viewer.staffId])].sort() };
    case 'none':
      return { kind: 'staff', staffIds: [] };
    case 'linked':
      if (viewer.role !== 'warrior' && viewer.role !== 'partner') return { kind: 'staff', staffIds: [viewer.staffId] };
  }
  // Warriors and partners: the deals listed under them (listOpportunities' membership partition), each checked again.
  const subject = viewer.role === 'partner' ? (viewer.partnerCompanyId ? `partner:${viewer.partnerCompanyId}` : undefined) : viewer.staffId;
  const opportunityIds: string[] = [];
  let cursor: string | undefined;
  while (subject !== undefined && opportunityIds.length < MAX_HANDED) {
    const page = await ctx.services.pipeline.listOpportunities(ctx.actor.tenantId, { limit: 100, subject, ...(cursor && { cursor }) });
    opportunityIds.push(...page.items.filter((o) => inScope(viewer, o)).map((o) => o.id));
    if (!page.cursor) break;
    cursor = page.cursor;
  }
  return { kind: 'handed', opportunityIds: opportunityIds.sort() };
}

/** Over the tenant's runs in flight: 429 with Retry-After 1 (a run takes seconds at most). */
export class TooManyConcurrentReports extends HttpError {
  constructor(limit: number) {
    super('too_many_requests', 'too_many_concurrent_reports', `Too many report runs from this tenant at once: at most ${limit}; try again in a second.`, {}, 1, {
      'ratelimit-limit': String(limit),
      'ratelimit-remaining': '0',
      'ratelimit-reset': '1',
    });
  }
}

type Computed = Pick<ReportResult, 'columns' | 'rows' | 'totals'>;

/**
 * Counts the run against the tenant's minute and takes one of its slots in flight (given back
 * however the run ends), then runs the page's query and the totals side by side. A page is
 * `LIMIT n+1 OFFSET o` over the compiler's total order (its ORDER BY ends with every dimension);
 * with `join` (targets), every row is read and joined, so the totals cover them all, and the page
 * is cut from them.
 */
async function execute(ctx: UseCaseContext, deps: ReportsDeps, compiled: CompiledReport, page: { offset: number; asOf: string; bound: string }, join?: (all: Computed) => Promise<Computed>): Promise<Computed & Pick<ReportResult, 'cursor' | 'rateLimit'>> {
  const minute: MinuteCount = await countInMinute(ctx.services as Pick<Services, 'integrations'>, ctx.actor.tenantId, 'reports', ctx.now);
  assertWithin(minute, deps.perMinute, 'report runs from this tenant');
  const rateLimit: RateBudget = { limit: deps.perMinute, remaining: Math.max(0, deps.perMinute - minute.hits), reset: minute.retryAfterSeconds };
  const concurrent = deps.concurrent ?? DEFAULT_REPORTS_CONCURRENT;
  const leases = ctx.services.webhookLeases;
  if (!(await leases.acquire(ctx.actor.tenantId, REPORT_RUNS_LEASE, { max: concurrent, now: ctx.now }))) throw new TooManyConcurrentReports(concurrent);
  try {
    const size = Number(compiled.params.limit);
    const { offset } = page;
    const whole = join !== undefined;
    const query: CompiledQuery = {
      ...compiled,
      sql: paged(compiled.sql),
      settings: { ...compiled.settings, max_result_rows: MAX_LIMIT + 1 },
      // One row past the page (or past the cap, for every row) says whether more follow.
      params: { ...compiled.params, limit: (whole ? MAX_LIMIT : size) + 1, offset: whole ? 0 : offset },
    };
    const aliases = aliasesOf(compiled.columns);
    // The page holds every group when it starts at the first and no row came past it: totals that combine exactly are then read from it.
    const read = await rowsAndTotals((q) => runQuery(deps, q), compiled, query, (got) => (whole || offset === 0) && got.length <= (whole ? MAX_LIMIT : size));
    const rows = read.rows;
    const totals = read.totals ? [read.totals] : undefined;
    const cell = (column: ReportColumn, value: unknown) => (value === undefined ? null : column.type === 'datetime' && typeof value === 'string' ? `${value.replace(' ', 'T')}Z` : value);
    let result: Computed = {
      columns: compiled.columns,
      rows: rows.map((r) => compiled.columns.map((c, i) => cell(c, r[aliases[i]!]))),
      totals: totals?.[0] ? compiled.columns.map((c, i) => (c.role === 'dimension' ? null : cell(c, totals[0]![aliases[i]!]))) : null,
    };
    let more: boolean;
    if (join) {
      if (result.rows.length > MAX_LIMIT) throw tooLarge();
      result = await join(result);
      more = result.rows.length > offset + size;
      result = { ...result, rows: result.rows.slice(offset, offset + size) };
    } else {
      more = result.rows.length > size;
      result = { ...result, rows: result.rows.slice(0, size) };
    }
    const cursor = more ? await (await codecOf(deps)).encode({ offset: offset + size, asOf: page.asOf }, page.bound) : undefined;
    return { ...result, ...(cursor && { cursor }), rateLimit };
  } finally {
    await leases.release(ctx.actor.tenantId, REPORT_RUNS_LEASE).catch((error: unknown) => logger.warn('report slot not given back', { error: error instanceof Error ? error.message : String(error) }));
  }
}

/**
 * The compiler's `LIMIT {limit}` with an `{offset}` after it (both bound, never text), and its
 * row cap one higher: a page of 10 000 reads a 10 001st row to know whether another page follows.
 */
function paged(sql: string): string {
  const limit = '\nLIMIT {limit:UInt32}\n';
  const cap = `max_result_rows = ${MAX_LIMIT},`;
  if (!sql.includes(limit) || !sql.includes(cap)) throw new Error('a report query without its LIMIT clause or row cap');
  return sql.replace(limit, '\nLIMIT {limit:UInt32} OFFSET {offset:UInt64}\n').replace(cap, `max_result_rows = ${MAX_LIMIT + 1},`);
}

const tooLarge = () => invalid([{ field: 'body', code: 'result_too_large', message: 'The report would return more rows than allowed; narrow the period or the filters, or group by less.' }]);

/** The positional alias of each column: d0… for dimensions, m0… for measures, r0… for ratios, in order. */
export function aliasesOf(columns: readonly ReportColumn[]): string[] {
  const n = { dimension: 0, measure: 0, ratio: 0 };
  const prefix = { dimension: 'd', measure: 'm', ratio: 'r' } as const;
  return columns.map((c) => `${prefix[c.role]}${n[c.role]++}`);
}

async function runQuery(deps: ReportsDeps, q: CompiledQuery): Promise<Record<string, unknown>[]> {
  try {
    return await deps.run(q.sql, q.params, q.settings);
  } catch (error) {
    if (error instanceof DomainError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    if (/TOO_MANY_ROWS|TOO_MANY_ROWS_OR_BYTES|Limit for result exceeded/i.test(message)) {
      throw tooLarge();
    }
    if (/TIMEOUT_EXCEEDED|Timeout exceeded/i.test(message)) {
      logger.warn('report timed out', { error: message });
      throw unavailable('report_timeout', 'The report took longer than its time budget; narrow the period or the filters and try again.', 30);
    }
    logger.error('report query failed', { error: message });
    throw unavailable('analytics_unavailable', 'The reporting store is not reachable; try again shortly.');
  }
}

/** The analytics port's runReport, reached on the first run (not at cold start), and the tenant's limit. */
export async function reportsDeps(): Promise<ReportsDeps> {
  const { getAnalytics } = await import('../analytics');
  return {
    run: async (sql, params, settings) => {
      let analytics: Awaited<ReturnType<typeof getAnalytics>>;
      try {
        analytics = await getAnalytics();
      } catch (error) {
        logger.error('analytics unavailable', { error: error instanceof Error ? error.message : String(error) });
        throw unavailable('analytics_unavailable', 'The reporting store is not reachable; try again shortly.');
      }
      return analytics.runReport(sql, params as never, settings as unknown as Record<string, string | number>);
    },
    perMinute: config().REPORTS_PER_MINUTE,
    concurrent: config().REPORTS_CONCURRENT,
  };
}

/**
 * A report as CSV (Accept: text/csv): the column names, then the rows; RFC 4180 with CRLF after a
 * BOM (Excel reads it as UTF-8), as the exports write it; text that a spreadsheet would run as a
 * formula defused with a leading `'` (numbers are numbers).
 */
export function reportCsv(result: Pick<ReportResult, 'columns' | 'rows'>): string {
  const cell = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'number' ? String(v) : defused(typeof v === 'object' ? JSON.stringify(v) : String(v)));
  const line = (cells: string[]) => stringify([cells], { record_delimiter: 'windows', quote_record_delimiter: true, quoted_empty: result.columns.length === 1 });
  return `\uFEFF${line(result.columns.map((c) => defused(c.name)))}${result.rows.map((r) => line(r.map(cell))).join('')}`;
}

/**
 * The route's answer: JSON, or CSV when the caller accepts text/csv (the page's rows; when more
 * follow, the next page's cursor in `Report-Cursor`), with the tenant's minute in RateLimit-*.
 */
/**
 * Whether Accept prefers CSV (RFC 9110 §12.5.1): text/csv with a weight above 0, above a named
 * application/json's (equal: JSON) and at least a wildcard's (`*\/*`, `application/*`).
 */
export function wantsCsv(accept: string | undefined): boolean {
  if (!accept) return false;
  const weights = new Map<string, number>();
  for (const part of accept.split(',')) {
    const [range, ...params] = part.trim().toLowerCase().split(';');
    if (!range) continue;
    // A weight that does not read as one (q=abc) makes the range unacceptable.
    const q = params.find((p) => /^\s*q\s*=/.test(p));
    const weight = q === undefined ? 1 : /^\s*q\s*=\s*(0(\.\d{0,3})?|1(\.0{0,3})?)\s*$/.test(q) ? Number(q.split('=')[1]) : 0;
    weights.set(range.trim(), weight);
  }
  const csv = weights.get('text/csv') ?? 0;
  // Named text/csv beats a wildcard of the same weight (`text/csv, */*`); it must outweigh a named application/json.
  const wildcard = Math.max(weights.get('application/*') ?? 0, weights.get('*/*') ?? 0);
  return csv > 0 && csv >= wildcard && csv > (weights.get('application/json') ?? 0);
}

export function reportAnswer(result: ReportResult, accept: string | undefined): { body: ReportResult; text?: { contentType: string; body: string }; headers?: Record<string, string> } {
  const { rateLimit, ...body } = result;
  const budget: Record<string, string> = rateLimit ? { 'ratelimit-limit': String(rateLimit.limit), 'ratelimit-remaining': String(rateLimit.remaining), 'ratelimit-reset': String(rateLimit.reset) } : {};
  if (wantsCsv(accept)) {
    const name = result.reportId ?? 'custom-report';
    return {
      body,
      text: { contentType: 'text/csv; charset=utf-8', body: reportCsv(result) },
      headers: { 'content-disposition': `attachment; filename="${name}.csv"`, ...(result.cursor && { 'report-cursor': result.cursor }), ...budget },
    };
  }
  return { body, ...(rateLimit && { headers: budget }) };
}
