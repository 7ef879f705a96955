import { httpRoute } from '../../lib/http/route';
import { getReport } from '../../lib/use-cases/reports';
import { CatalogueEntry, ReportIdParams } from './schemas';

/** GET /v1/reports/{id} */
export const handler = httpRoute(
  { summary: 'A prebuilt report’s definition', description: 'As listed by GET /v1/reports; an unknown id is 404.', params: ReportIdParams, response: { status: 200, schema: CatalogueEntry } },
  async ({ ctx, params }) => ({ body: await getReport(ctx, params.id) }),
);
