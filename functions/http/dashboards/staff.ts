import { StaffIdParams } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { staffDashboard } from '../../lib/use-cases/dashboards';
import { PeriodQuery, StaffDashboard } from './schemas';

/** GET /v1/dashboards/staff/{staffId}?period=day|week|month&date=&explain= */
export const handler = httpRoute(
  {
    summary: 'A staff member’s dashboard',
    description:
      'Target against achieved for each activity and revenue (counted from what was done: no counter is ever written), the open pipeline against what the weekly revenue target requires, conversion ratios with the seed’s assumptions, product mix, and the metrics behind 70 % of the target due by now. `explain=1` lists the facts behind each figure. A seller sees their own, a manager their reports’, analysts and admins anyone’s.',
    params: StaffIdParams,
    query: PeriodQuery,
    response: { status: 200, schema: StaffDashboard },
  },
  async ({ ctx, params, query }) => ({ body: await staffDashboard(ctx, params.staffId, query) }),
);
