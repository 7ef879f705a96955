import { DomainError, invalid } from '../../errors';
import { addDays, localDay, periodOf } from '../../targets/periods';
import { compileReport, type CompileContext, type CompiledReport } from '../compile';
import { compileSpecial } from '../special';
import { MAX_PERIOD_DAYS, parseReportSpec, type ReportFilter, type ReportSpecInput } from '../spec';
import type { CatalogueReport, DefaultPeriod } from './types';

/** `POST /v1/reports/{id}/run {period?, filters?, groupBy?}` (DESIGN §13), parsed by the route. */
export interface CatalogueRunRequest {
  period?: { from: string; to: string };
  /** Added to the report's own filters. */
  filters?: ReportFilter[];
  /** Replaces the report's dimensions. */
  groupBy?: string[];
  /** Rows a page (1–10 000; default the report's own, 1 000). */
  limit?: number;
  /** From the previous page's answer: continues the same request. */
  cursor?: string;
}

const endOfMonth = (first: string) => addDays(new Date(Date.UTC(Number(first.slice(0, 4)), Number(first.slice(5, 7)), 1)).toISOString().slice(0, 10), -1);
const monthStart = (day: string, back = 0) => {
  const d = new Date(Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1 - back, 1));
  return d.toISOString().slice(0, 10);
};

/** A default period as local days, relative to `today` (the tenant's local date); undefined for `none`. */
export function resolvePeriod(kind: DefaultPeriod, today: string, weekStartsOn: 'monday' | 'sunday' = 'monday'): { from: string; to: string } | undefined {
  const week = (day: string) => periodOf('week', day, { timeZone: 'UTC', weekStartsOn });
  const quarterStart = monthStart(today, (Number(today.slice(5, 7)) - 1) % 3);
  switch (kind) {
    case 'today':
      return { from: today, to: today };
    case 'yesterday':
      return { from: addDays(today, -1), to: addDays(today, -1) };
    case 'this_week': {
      const w = week(today);
      return { from: w.from, to: w.to };
    }
    case 'last_week': {
      const w = week(addDays(week(today).from, -1));
      return { from: w.from, to: w.to };
    }
    case 'this_month':
      return { from: monthStart(today), to: endOfMonth(monthStart(today)) };
    case 'last_month':
      return { from: monthStart(today, 1), to: endOfMonth(monthStart(today, 1)) };
    case 'this_quarter':
      return { from: quarterStart, to: endOfMonth(monthStart(quarterStart, -2)) };
    case 'last_quarter':
      return { from: monthStart(quarterStart, 3), to: addDays(quarterStart, -1) };
    case 'last_30_days':
      return { from: addDays(today, -29), to: today };
    case 'last_90_days':
      return { from: addDays(today, -89), to: today };
    case 'this_year':
      return { from: `${today.slice(0, 4)}-01-01`, to: `${today.slice(0, 4)}-12-31` };
    case 'next_3_months':
      return { from: monthStart(today), to: endOfMonth(monthStart(today, -2)) };
    case 'none':
      return undefined;
  }
}

/** The custom spec a catalogue report runs with the request's period, filters and grouping. */
export function catalogueRunSpec(report: CatalogueReport & { spec: object }, request: CatalogueRunRequest, period: { from: string; to: string } | undefined): ReportSpecInput {
  const { periodOn, ...spec } = report.spec;
  const dimensions = request.groupBy ?? spec.dimensions ?? [];
  const ratios = spec.ratios ?? [];
  const columns = new Set([...dimensions, ...spec.measures, ...ratios.map((r) => r.name)]);
  return {
    ...spec,
    dimensions,
    // The request's filters first, so their errors carry the request's own indexes.
    filters: [...(request.filters ?? []), ...(spec.filters ?? [])],
    sort: (spec.sort ?? []).filter((s) => columns.has(s.by)),
    ...(period && { period: { ...period, ...(periodOn && { on: periodOn }) } }),
    ...(request.limit !== undefined && { limit: request.limit }),
  };
}

/** Compiles a catalogue report for a run: validated like a custom spec (errors under `body`), scope and tenant injected. */
export function compileCatalogueReport(report: CatalogueReport, request: CatalogueRunRequest, ctx: CompileContext): CompiledReport {
  const today = localDay(new Date(ctx.asOf), ctx.timeZone);
  const period = request.period ?? resolvePeriod(report.defaultPeriod, today, ctx.weekStartsOn);
  if (report.special) {
    const unsupported = (['filters', 'groupBy'] as const).filter((k) => request[k]?.length);
    if (unsupported.length) throw invalid(unsupported.map((k) => ({ field: `body.${k}`, code: 'not_supported', message: `the ${report.id} report takes no ${k}` })));
    // The period as a spec's is checked (spec.ts): forwards, at most 366 days.
    const days = (Date.parse(period!.to) - Date.parse(period!.from)) / 86_400_000 + 1;
    if (days < 1) throw invalid([{ field: 'body.period.to', code: 'period_reversed', message: 'must not be before from' }]);
    if (days > MAX_PERIOD_DAYS) throw invalid([{ field: 'body.period.to', code: 'period_too_long', message: `a period spans at most ${MAX_PERIOD_DAYS} days` }]);
    return compileSpecial(report.special, period!, ctx, request.limit);
  }
  try {
    return compileReport(parseReportSpec(catalogueRunSpec(report, request, period), 'body'), ctx);
  } catch (error) {
    // The request names dimensions groupBy.
    if (error instanceof DomainError && error.details.errors) {
      for (const e of error.details.errors) e.field = e.field.replace(/^body\.dimensions\b/, 'body.groupBy');
    }
    throw error;
  }
}
