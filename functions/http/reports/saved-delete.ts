import { httpRoute } from '../../lib/http/route';
import { deleteSavedReport } from '../../lib/use-cases/saved-reports';
import { SavedReportIdParams } from './saved-schemas';

/** DELETE /v1/reports/saved/{savedId} */
export const handler = httpRoute(
  { summary: 'Delete a saved report', description: 'Its owner or a tenant admin (else 403 `not_owner`); its schedule stops with it.', params: SavedReportIdParams, ifMatch: 'optional', response: { status: 204 } },
  async ({ ctx, params, expectedVersion }) => {
    await deleteSavedReport(ctx, params.savedId, expectedVersion);
    return { body: undefined };
  },
);
