import { httpRoute } from '../../lib/http/route';
import { reportAnswer, reportsDeps } from '../../lib/use-cases/reports';
import { runSavedReport } from '../../lib/use-cases/saved-reports';
import { CSV_ALTERNATIVE, ReportResult } from './schemas';
import { SavedReportIdParams, SavedRunBody } from './saved-schemas';

/** POST /v1/reports/saved/{savedId}/run */
export const handler = httpRoute(
  {
    summary: 'Run a saved report',
    description: 'Whoever may read it, over their own scope (as POST /v1/reports/{id}/run), its relative period resolved on the tenant’s today. An optional body `{limit, cursor}` pages it as the other runs (default 1 000 rows; `cursor` in the answer when more follow). `Accept: text/csv` answers CSV. Counted against the tenant’s report limits (429 with Retry-After).',
    params: SavedReportIdParams,
    body: SavedRunBody.optional(),
    rateLimited: true,
    response: { status: 200, schema: ReportResult, alternatives: CSV_ALTERNATIVE },
  },
  async ({ ctx, params, body, headers }) => reportAnswer(await runSavedReport(ctx, await reportsDeps(), params.savedId, body ?? {}), headers.accept),
);
