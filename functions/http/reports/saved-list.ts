import { httpRoute } from '../../lib/http/route';
import { PageOf, pageBody, PageQuery } from '../../lib/http/params';
import { listSavedReports } from '../../lib/use-cases/saved-reports';
import { SavedReport } from './saved-schemas';

/** GET /v1/reports/saved */
export const handler = httpRoute(
  { summary: 'List saved reports', description: 'The caller’s own saved reports and those shared with the tenant (tenant admins: all), oldest first.', query: PageQuery, response: { status: 200, schema: PageOf(SavedReport) } },
  async ({ ctx, query }) => ({ body: pageBody(await listSavedReports(ctx, query)) }),
);
