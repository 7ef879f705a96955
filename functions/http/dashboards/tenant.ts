import { httpRoute } from '../../lib/http/route';
import { tenantDashboard } from '../../lib/use-cases/dashboards';
import { PeriodQuery, TenantDashboard } from './schemas';

/** GET /v1/dashboards/tenant?period=&date= */
export const handler = httpRoute(
  {
    summary: 'The tenant’s dashboard',
    description: 'Analysts and admins: the tenant’s activity, revenue, open pipeline, conversion ratios and product mix.',
    query: PeriodQuery.omit({ explain: true }),
    response: { status: 200, schema: TenantDashboard },
  },
  async ({ ctx, query }) => ({ body: await tenantDashboard(ctx, query) }),
);
