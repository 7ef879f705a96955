import { httpRoute } from '../../lib/http/route';
import { reportAnswer, reportsDeps, runCustomReport } from '../../lib/use-cases/reports';
import { CSV_ALTERNATIVE, CustomRunBody, ReportResult } from './schemas';

/** POST /v1/reports/custom/run */
export const handler = httpRoute(
  {
    summary: 'Run a custom report',
    description:
      'A typed spec (DESIGN §13): `source`, `dimensions` (fields or the time buckets day, week, month, quarter, year), `measures` (`count`, `<aggregate>:<field>`), `ratios`, `filters` `{field, op, value}`, `period` `{from, to, on?}`, `sort`, `limit` (≤ 10 000) — every name checked against the source’s allow-list, each error at its path (`body.dimensions.2` `unknown_dimension`, `body.filters.0.op` `op_not_allowed`, `body.period` `period_required`). Compiled to parameterised SQL with the tenant and the caller’s scope injected (as for prebuilt reports), read-only and time-boxed; there is no raw SQL. `Accept: text/csv` answers CSV. Counted with the prebuilt runs against REPORTS_PER_MINUTE (429 with Retry-After).',
    body: CustomRunBody,
    rateLimited: true,
    response: { status: 200, schema: ReportResult, alternatives: CSV_ALTERNATIVE },
  },
  async ({ ctx, body, headers }) => reportAnswer(await runCustomReport(ctx, await reportsDeps(), body), headers.accept),
);
