import { httpRoute } from '../../lib/http/route';
import { reportAnswer, reportsDeps, runCatalogueReport } from '../../lib/use-cases/reports';
import { CatalogueRunBody, CSV_ALTERNATIVE, ReportIdParams, ReportResult } from './schemas';

/** POST /v1/reports/{id}/run */
export const handler = httpRoute(
  {
    summary: 'Run a prebuilt report',
    description:
      '`period` (local days, at most 366; default the report’s defaultPeriod), `filters` added to the report’s own, `groupBy` replacing its dimensions — each checked against the report’s source (422 naming the field: `body.groupBy.0` `unknown_dimension`, `body.filters.0.op` `op_not_allowed`, …). Over the facts the caller may see: the tenant (admins, analysts), a manager’s reporting subtree, a seller’s own records, the opportunities handed to a warrior or partner (403 `report_scope_unsupported` where the source cannot be limited to them). Reports that compare with targets (catalogue `needs: [\'targets\']`) add target columns after their own — `target:calls|demos|visits` and `achievement:…`, `target` and `achievement`, or `required` and `coverage`, each defined in the report’s description — unless a `groupBy` leaves out the rows they are of (then `targets: null`). Large results a page at a time: `limit` rows (1–10 000; default the report’s own, 1 000) in a stable order (every dimension sorted), with a `cursor` when more follow; the same request with that `cursor` answers the next page (ages and the default period stay those of the first page; totals are over every row on each page). A cursor is bound to the report, its period, filters and groupBy and the caller: any other, or edited, is 400 `invalid_cursor`. `Accept: text/csv` answers CSV: the page’s rows (up to `limit`), the next page’s cursor in the `Report-Cursor` header. A tenant runs at most 30 reports a minute (REPORTS_PER_MINUTE; every answer carries `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`): the next is 429 `rate_limited` with Retry-After until the minute ends; and at most 4 at once (REPORTS_CONCURRENT): the next is 429 `too_many_concurrent_reports` with Retry-After 1 (a slot a crashed run held comes back once none was taken for 2 minutes).',
    params: ReportIdParams,
    body: CatalogueRunBody,
    rateLimited: true,
    response: { status: 200, schema: ReportResult, alternatives: CSV_ALTERNATIVE },
  },
  async ({ ctx, params, body, headers }) => reportAnswer(await runCatalogueReport(ctx, await reportsDeps(), params.id, body), headers.accept),
);
