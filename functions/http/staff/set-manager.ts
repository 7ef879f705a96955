import { z } from 'zod';
import { Slug } from '../../../domain/access/roles';
import { Staff } from '../../../domain/staff/staff';
import { StaffIdParams } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { setManager } from '../../lib/use-cases/staff';

/** PUT /v1/staff/{staffId}/manager */
export const handler = httpRoute(
  {
    summary: 'Move a staff member under another manager',
    description: 'tenant_admin. Their whole team moves with them; null puts them at the top. Moving someone under one of their own reports is refused.',
    params: StaffIdParams,
    body: z.strictObject({ managerId: Slug.nullable() }),
    ifMatch: 'optional',
    response: { status: 200, schema: Staff },
  },
  async ({ ctx, params, body, expectedVersion }) => {
    const staff = await setManager(ctx, params.staffId, body.managerId, expectedVersion);
    return { body: staff, version: staff.version };
  },
);
