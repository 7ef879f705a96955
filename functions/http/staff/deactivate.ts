import { Staff } from '../../../domain/staff/staff';
import { StaffIdParams } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { deactivateStaff } from '../../lib/use-cases/staff';

/** POST /v1/staff/{staffId}/deactivate */
export const handler = httpRoute(
  {
    summary: 'Deactivate a staff member',
    description: 'tenant_admin. Their sign-in account is disabled and signed out; a manager or partner loses their scope at once.',
    params: StaffIdParams,
    ifMatch: 'optional',
    response: { status: 200, schema: Staff },
  },
  async ({ ctx, params, expectedVersion }) => {
    const staff = await deactivateStaff(ctx, params.staffId, expectedVersion);
    return { body: staff, version: staff.version };
  },
);
