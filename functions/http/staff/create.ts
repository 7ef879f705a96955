import { Staff, StaffInput } from '../../../domain/staff/staff';
import { httpRoute } from '../../lib/http/route';
import { createStaff, getStaff } from '../../lib/use-cases/staff';

/** POST /v1/staff */
export const handler = httpRoute(
  {
    summary: 'Add a staff member',
    description: 'tenant_admin; in AWS also creates the Cognito sign-in account (invited by email) in the role’s group.',
    body: StaffInput,
    idempotent: true,
    onReplay: (ctx, staff) => getStaff(ctx, staff.staffId),
    response: { status: 201, schema: Staff },
  },
  async ({ ctx, body }) => {
    const staff = await createStaff(ctx, body);
    return { body: staff, version: staff.version, headers: { location: `/v1/staff/${staff.staffId}` } };
  },
);
