import { etag } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { getServices } from '../../lib/services';
import { contextOf } from '../../lib/use-cases/context';
import { getStaff } from '../../lib/use-cases/staff';
import { StaffIdParams } from './params';

/** GET /v1/staff/{staffId} */
export const handler = httpRoute({ params: StaffIdParams }, async (input) => {
  const staff = await getStaff(contextOf(input, getServices()), input.params.staffId);
  return { body: staff, headers: { etag: etag(staff.version) } };
});
