import { pageBody, PageQuery } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { getServices } from '../../lib/services';
import { contextOf } from '../../lib/use-cases/context';
import { listStaff } from '../../lib/use-cases/staff';

/** GET /v1/staff */
export const handler = httpRoute({ query: PageQuery }, async (input) => ({
  body: pageBody(await listStaff(contextOf(input, getServices()), input.query)),
}));
