import { httpRoute } from '../../lib/http/route';
import { getSavedReport } from '../../lib/use-cases/saved-reports';
import { SavedReport, SavedReportIdParams } from './saved-schemas';

/** GET /v1/reports/saved/{savedId} */
export const handler = httpRoute(
  { summary: 'Get a saved report', description: 'Its owner’s, a shared one, or (tenant admins) any; someone else’s private report is 404. With its schedule, next run and how the last one went per recipient.', params: SavedReportIdParams, response: { status: 200, schema: SavedReport } },
  async ({ ctx, params }) => {
    const saved = await getSavedReport(ctx, params.savedId);
    return { body: saved, version: saved.version };
  },
);
