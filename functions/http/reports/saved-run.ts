import { httpRoute } from '../../lib/http/route';
import { reportAnswer, reportsDeps } from '../../lib/use-cases/reports';
import { runSavedReport } from '../../lib/use-cases/saved-reports';
import { CSV_ALTERNATIVE, ReportResult } from './schemas';
import { SavedReportIdParams } from './saved-schemas';

/** POST /v1/reports/saved/{savedId}/run */
export const handler = httpRoute(
  {
    summary: 'Run a saved report',
    description: 'Whoever may read it, over their own scope (as POST /v1/reports/{id}/run), its relative period resolved on the tenant’s today. `Accept: text/csv` answers CSV. Counted against the tenant’s report limits (429 with Retry-After).',
    params: SavedReportIdParams,
    rateLimited: true,
    response: { status: 200, schema: ReportResult, alternatives: CSV_ALTERNATIVE },
  },
  async ({ ctx, params, headers }) => reportAnswer(await runSavedReport(ctx, await reportsDeps(), params.savedId), headers.accept),
);
