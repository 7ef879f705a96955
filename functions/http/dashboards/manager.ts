import { StaffIdParams } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { managerDashboard } from '../../lib/use-cases/dashboards';
import { ManagerDashboard, PeriodQuery } from './schemas';

/** GET /v1/dashboards/manager/{staffId}?period=&date= */
export const handler = httpRoute(
  {
    summary: 'A manager’s team dashboard',
    description:
      'Everyone below the manager: target against achieved, bottleneck coverage, conversion; the team’s pipeline health (coverage per stage, open deals with no pending follow-up, deals in one stage longer than the tenant’s stale days), missed follow-ups, and who is behind 70 % of the target due by now, with the figures.',
    params: StaffIdParams,
    query: PeriodQuery.omit({ explain: true }),
    response: { status: 200, schema: ManagerDashboard },
  },
  async ({ ctx, params, query }) => ({ body: await managerDashboard(ctx, params.staffId, query) }),
);
