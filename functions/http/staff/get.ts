import { Staff } from '../../../domain/staff/staff';
import { StaffIdParams } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { getStaff } from '../../lib/use-cases/staff';

/** GET /v1/staff/{staffId} */
export const handler = httpRoute({ summary: 'Read a staff member', params: StaffIdParams, response: { status: 200, schema: Staff } }, async ({ ctx, params }) => {
  const staff = await getStaff(ctx, params.staffId);
  return { body: staff, version: staff.version };
});
