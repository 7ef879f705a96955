import { authorize, inScope, policy } from '../../../domain/access/policy';
import { DomainError, invalid, notFound } from '../../../domain/errors';
import { catalogue, catalogueReport, compileCatalogueReport, resolvePeriod, type CatalogueReport, type CatalogueRunRequest } from '../../../domain/reports/catalogue';
import { compileReport, type CompileContext, type CompiledQuery, type CompiledReport, type ReportColumn, type ReportScope } from '../../../domain/reports/compile';
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
import { assertWithin, countInMinute } from './rate-limit';

/**
 * Reports (#16; DESIGN §13): the catalogue of prebuilt reports, and runs of them and of custom
 * specs over the facts in ClickHouse. The caller's scope is derived here from their role, never
 * from the request (DESIGN §4): tenant admins and analysts the tenant, managers their reporting
 * subtree, sellers themselves, warriors and partners the opportunities handed to them (a source
 * that cannot be limited to those is 403 `report_scope_unsupported`). The compiler injects it.
 * Runs are the heaviest reads: at most REPORTS_PER_MINUTE a tenant (429 with Retry-After).
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

export function listReports(ctx: UseCaseContext): CatalogueEntry[] {
  authorize(ctx.actor, 'report:run');
  return catalogue.map(catalogueEntry);
}

export function getReport(ctx: UseCaseContext, id: string): CatalogueEntry {
  authorize(ctx.actor, 'report:run');
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
  /** Reports that compare with targets (needs: targets): the targets are not joined yet; the facts are shown alone. */
  targets?: null;
}

export interface ReportsDeps {
  /** Runs a compiled query (the analytics port's runReport). */
  run(sql: string, params: CompiledQuery['params'], settings: CompiledQuery['settings']): Promise<Record<string, unknown>[]>;
  perMinute: number;
}

export const DEFAULT_REPORTS_PER_MINUTE = 30;
/** Warriors and partners: the opportunities handed to them, read at most this many. */
const MAX_HANDED = 2_000;

/** POST /v1/reports/{id}/run */
export async function runCatalogueReport(ctx: UseCaseContext, deps: ReportsDeps, id: string, request: CatalogueRunRequest): Promise<ReportResult> {
  authorize(ctx.actor, 'report:run');
  const report = catalogueReport(id);
  if (!report) throw notFound('report', id);
  const compileCtx = await compileContext(ctx);
  // The default period resolved here (the tenant's today), so the answer can say which it was.
  const period = request.period ?? resolvePeriod(report.defaultPeriod, localDay(ctx.now, compileCtx.timeZone), compileCtx.weekStartsOn);
  const compiled = compileCatalogueReport(report, { ...request, ...(period && { period }) }, compileCtx);
  const result = await execute(ctx, deps, compiled);
  return { reportId: report.id, period: period ? { from: period.from, to: period.to } : null, asOf: compileCtx.asOf, ...result, chart: report.chart, ...(report.needs?.includes('targets') && { targets: null }) };
}

/** POST /v1/reports/custom/run */
export async function runCustomReport(ctx: UseCaseContext, deps: ReportsDeps, input: ReportSpecInput): Promise<ReportResult> {
  authorize(ctx.actor, 'report:run');
  const spec = parseReportSpec(input, 'body');
  const compileCtx = await compileContext(ctx);
  const compiled = compileReport(spec, compileCtx);
  const result = await execute(ctx, deps, compiled);
  const chart = spec.dimensions.length > 0 ? { type: 'bar' as const, x: spec.dimensions[0]!, y: [...spec.measures, ...spec.ratios.map((r) => r.name)] } : null;
  return { reportId: null, period: spec.period ? { from: spec.period.from, to: spec.period.to } : null, asOf: compileCtx.asOf, ...result, chart };
}

async function compileContext(ctx: UseCaseContext): Promise<CompileContext> {
  const config = await tenantConfig(ctx);
  return {
    tenantId: ctx.actor.tenantId,
    scope: await reportScope(ctx),
    timeZone: config.settings.timeZone,
    weekStartsOn: config.settings.weekStartsOn,
    asOf: ctx.now.toISOString(),
    highValueThreshold: config.settings.highValueThreshold,
    leadResponseSlaMinutes: config.assignment.value?.firstResponseMinutes ?? 15,
  };
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

/** Counts the run against the tenant's minute, then runs the query and its totals side by side. */
async function execute(ctx: UseCaseContext, deps: ReportsDeps, compiled: CompiledReport): Promise<Pick<ReportResult, 'columns' | 'rows' | 'totals'>> {
  assertWithin(await countInMinute(ctx.services as Pick<Services, 'integrations'>, ctx.actor.tenantId, 'reports', ctx.now), deps.perMinute, 'report runs from this tenant');
  const aliases = aliasesOf(compiled.columns);
  const [rows, totals] = await Promise.all([runQuery(deps, compiled), compiled.totals ? runQuery(deps, compiled.totals) : undefined]);
  const cell = (column: ReportColumn, value: unknown) => (value === undefined ? null : column.type === 'datetime' && typeof value === 'string' ? `${value.replace(' ', 'T')}Z` : value);
  return {
    columns: compiled.columns,
    rows: rows.map((r) => compiled.columns.map((c, i) => cell(c, r[aliases[i]!]))),
    totals: totals?.[0] ? compiled.columns.map((c, i) => (c.role === 'dimension' ? null : cell(c, totals[0]![aliases[i]!]))) : null,
  };
}

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
      throw invalid([{ field: 'body', code: 'result_too_large', message: 'The report would return more rows than allowed; narrow the period or the filters, or group by less.' }]);
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

/** The route's answer: JSON, or CSV when the caller accepts text/csv. */
export function reportAnswer(result: ReportResult, accept: string | undefined): { body: ReportResult; text?: { contentType: string; body: string }; headers?: Record<string, string> } {
  if (accept && /(^|,)\s*text\/csv\b/i.test(accept)) {
    const name = result.reportId ?? 'custom-report';
    return { body: result, text: { contentType: 'text/csv; charset=utf-8', body: reportCsv(result) }, headers: { 'content-disposition': `attachment; filename="${name}.csv"` } };
  }
  return { body: result };
}
