import { httpRoute } from '../../lib/http/route';
import { updateSavedReport } from '../../lib/use-cases/saved-reports';
import { SavedReport, SavedReportIdParams, SavedReportPatchBody } from './saved-schemas';

/** PATCH /v1/reports/saved/{savedId} */
export const handler = httpRoute(
  {
    summary: 'Change a saved report',
    description: 'Its owner or a tenant admin (else 403 `not_owner`). Any of `name`, `description` (`""` clears it), `filters`, `groupBy` (prebuilt), `spec` (custom), `period`, `shared`, `schedule` (`null` stops it; a new one is checked as on saving and runs next at its next time). What it runs stays a prebuilt report or a custom spec, as it was saved.',
    params: SavedReportIdParams,
    body: SavedReportPatchBody,
    ifMatch: 'required',
    response: { status: 200, schema: SavedReport },
  },
  async ({ ctx, params, body, expectedVersion }) => {
    const saved = await updateSavedReport(ctx, params.savedId, body, expectedVersion);
    return { body: saved, version: saved.version };
  },
);
