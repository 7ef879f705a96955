import { z } from 'zod';
import { areas, chartTypes, defaultPeriods } from '../../../domain/reports/catalogue/types';
import { MAX_LIMIT, ReportFilter, ReportSpec } from '../../../domain/reports/spec';
import { IsoDate, IsoDateTime } from '../../../domain/shared/schemas';

const Cursor = z.string().min(1).max(2_000);

export const ReportIdParams = z.strictObject({ id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,79}$/, 'is not a report id (lower-case letters, digits and -)') });

const Chart = z.object({ type: z.enum(chartTypes), x: z.string().optional(), y: z.array(z.string()).readonly() });

export const CatalogueEntry = z
  .object({
    id: z.string(),
    title: z.string(),
    area: z.enum(areas),
    /** The definition of every number the report shows. */
    description: z.string(),
    source: z.string(),
    defaultPeriod: z.enum(defaultPeriods),
    chart: Chart,
    periodOn: z.string().nullable(),
    dimensions: z.array(z.string()),
    measures: z.array(z.string()),
    /** What the run's `groupBy` may name (empty: it takes none). */
    groupBy: z.array(z.string()),
    /** What the run's `filters` may name (empty: it takes none). */
    filters: z.array(z.string()),
    /** `targets`: the report compares its rows with targets (columns after the report's own; the description says which). */
    needs: z.array(z.string()),
  })
  .meta({ id: 'ReportDefinition' });

export const Catalogue = z.object({ reports: z.array(CatalogueEntry) });

export const CatalogueRunBody = z
  .strictObject({
    /** Local days of the tenant's time zone; default the report's defaultPeriod. */
    period: z.strictObject({ from: IsoDate, to: IsoDate }).optional(),
    /** Added to the report's own filters. */
    filters: z.array(ReportFilter).max(20).optional(),
    /** Replaces the report's dimensions. */
    groupBy: z.array(z.string().max(64)).max(4).optional(),
    /** Rows a page (default the report's own, 1 000); `cursor` in the answer when more follow. */
    limit: z.number().int().min(1).max(MAX_LIMIT).optional(),
    /** The previous page's `cursor`, with the same period, filters and groupBy (else 400 invalid_cursor). */
    cursor: Cursor.optional(),
  })
  .meta({ id: 'ReportRunRequest' });

/** A custom spec (DESIGN §13), and the previous page's `cursor` to continue it (the same spec; `limit` rows a page). */
export const CustomRunBody = ReportSpec.safeExtend({ cursor: Cursor.optional() }).meta({ id: 'CustomReportRunRequest' });

export const ReportResult = z
  .object({
    /** The catalogue report's id; null for a custom report. */
    reportId: z.string().nullable(),
    /** The local days the report covered; null for a snapshot of now. */
    period: z.object({ from: IsoDate, to: IsoDate }).nullable(),
    /** Now, when the report ran: ages and days in stage are counted to it. */
    asOf: IsoDateTime,
    columns: z.array(z.object({ name: z.string(), type: z.enum(['string', 'int', 'money', 'float', 'boolean', 'date', 'datetime']), role: z.enum(['dimension', 'measure', 'ratio']) })),
    /** One array per row, in the order of `columns`. */
    rows: z.array(z.array(z.unknown())),
    /** The measures and ratios over every row read (null in the dimensions' places); null without dimensions. */
    totals: z.array(z.unknown()).nullable(),
    chart: Chart.nullable(),
    /** Present (null) on a report that compares with targets when the request's groupBy left out the rows they are of: the facts alone. */
    targets: z.null().optional(),
    /** Present when more rows follow: send the same request with it for the next page. */
    cursor: z.string().optional(),
  })
  .meta({ id: 'ReportResult' });

export const CSV_ALTERNATIVE = [{ contentType: 'text/csv', description: 'With `Accept: text/csv`: a header of the column names, then the rows (no totals); RFC 4180 with CRLF after a BOM, cells that a spreadsheet would run as formulas defused with a leading `\'`' }] as const;
