import { StaffInput } from '../../../domain/staff/staff';
import { etag } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { getServices } from '../../lib/services';
import { contextOf } from '../../lib/use-cases/context';
import { createStaff } from '../../lib/use-cases/staff';

/** POST /v1/staff — tenant_admin; also creates the Cognito sign-in account in AWS. */
export const handler = httpRoute({ body: StaffInput, idempotent: true }, async (input) => {
  const staff = await createStaff(contextOf(input, getServices()), input.body);
  return { status: 201, body: staff, headers: { location: `/v1/staff/${staff.staffId}`, etag: etag(staff.version) } };
});
