import { StaffIdParams } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { getStaffTargets } from '../../lib/use-cases/targets';
import { StaffTargetsDocument } from './schemas';

/** GET /v1/staff/{staffId}/targets */
export const handler = httpRoute(
  { summary: 'A staff member’s targets', description: 'What is in force today (their own where set, else their role’s) and their own versions.', params: StaffIdParams, response: { status: 200, schema: StaffTargetsDocument } },
  async ({ ctx, params }) => {
    const targets = await getStaffTargets(ctx, params.staffId);
    return { body: targets.value, version: targets.version };
  },
);
