import { httpRoute } from '../../lib/http/route';
import { reportAnswer, reportsDeps, runCustomReport } from '../../lib/use-cases/reports';
import { CSV_ALTERNATIVE, CustomRunBody, ReportResult } from './schemas';

/** POST /v1/reports/custom/run */
export const handler = httpRoute(
  {
    summary: 'Run a custom report',
    description:
      'A typed spec (DESIGN §13): `source`, `dimensions` (fields or the time buckets day, week, month, quarter, year), `measures` (`count`, `<aggregate>:<field>`), `ratios`, `filters` `{field, op, value}`, `period` `{from, to, on?}`, `sort`, `limit` (≤ 10 000) — every name checked against the source’s allow-list, each error at its path (`body.dimensions.2` `unknown_dimension`, `body.filters.0.op` `op_not_allowed`, `body.period` `period_required`). Compiled to parameterised SQL with the tenant and the caller’s scope injected (as for prebuilt reports), read-only and time-boxed; there is no raw SQL. `limit` is the page: rows in a stable order (the sort, then every dimension), with a `cursor` when more follow; the same spec with `cursor` answers the next page (totals over every row on each page; a cursor of another spec or caller, or edited, is 400 `invalid_cursor`). `Accept: text/csv` answers CSV: the page’s rows (up to `limit`), the next page’s cursor in the `Report-Cursor` header. Counted with the prebuilt runs against REPORTS_PER_MINUTE (`RateLimit-*` on every answer; 429 `rate_limited` with Retry-After) and REPORTS_CONCURRENT (429 `too_many_concurrent_reports`, Retry-After 1).',
    body: CustomRunBody,
    rateLimited: true,
    response: { status: 200, schema: ReportResult, alternatives: CSV_ALTERNATIVE },
  },
  async ({ ctx, body, headers }) => reportAnswer(await runCustomReport(ctx, await reportsDeps(), body), headers.accept),
);
