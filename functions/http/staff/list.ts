import { Staff } from '../../../domain/staff/staff';
import { PageOf, pageBody, PageQuery } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { listStaff } from '../../lib/use-cases/staff';

/** GET /v1/staff */
export const handler = httpRoute(
  { summary: 'List staff', description: 'The tenant’s staff for tenant-wide roles; a manager’s own team; a salesperson only themselves.', query: PageQuery, response: { status: 200, schema: PageOf(Staff) } },
  async ({ ctx, query }) => ({ body: pageBody(await listStaff(ctx, query)) }),
);
