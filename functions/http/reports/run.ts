import { httpRoute } from '../../lib/http/route';
import { reportAnswer, reportsDeps, runCatalogueReport } from '../../lib/use-cases/reports';
import { CatalogueRunBody, CSV_ALTERNATIVE, ReportIdParams, ReportResult } from './schemas';

/** POST /v1/reports/{id}/run */
export const handler = httpRoute(
  {
    summary: 'Run a prebuilt report',
    description:
      '`period` (local days, at most 366; default the report’s defaultPeriod), `filters` added to the report’s own, `groupBy` replacing its dimensions — each checked against the report’s source (422 naming the field: `body.groupBy.0` `unknown_dimension`, `body.filters.0.op` `op_not_allowed`, …). Over the facts the caller may see: the tenant (admins, analysts), a manager’s reporting subtree, a seller’s own records, the opportunities handed to a warrior or partner (403 `report_scope_unsupported` where the source cannot be limited to them). `Accept: text/csv` answers CSV. A tenant runs at most 30 reports a minute (REPORTS_PER_MINUTE): the next is 429 with Retry-After until the minute ends.',
    params: ReportIdParams,
    body: CatalogueRunBody,
    rateLimited: true,
    response: { status: 200, schema: ReportResult, alternatives: CSV_ALTERNATIVE },
  },
  async ({ ctx, params, body, headers }) => reportAnswer(await runCatalogueReport(ctx, await reportsDeps(), params.id, body), headers.accept),
);
