import { etag } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { getServices } from '../../lib/services';
import { contextOf } from '../../lib/use-cases/context';
import { deactivateStaff } from '../../lib/use-cases/staff';
import { StaffIdParams } from './params';

/** POST /v1/staff/{staffId}/deactivate */
export const handler = httpRoute({ params: StaffIdParams }, async (input) => {
  const staff = await deactivateStaff(contextOf(input, getServices()), input.params.staffId);
  return { body: staff, headers: { etag: etag(staff.version) } };
});
