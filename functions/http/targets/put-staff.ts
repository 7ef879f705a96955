import { StaffIdParams } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { putStaffTargets } from '../../lib/use-cases/targets';
import { StaffTargetsDocument, StaffTargetsInput } from './schemas';

/** PUT /v1/staff/{staffId}/targets */
export const handler = httpRoute(
  {
    summary: 'Set a staff member’s own targets from a day on',
    description:
      'An admin for anyone, a manager for their reports (not themselves). Replaces their own targets from `effectiveFrom` (today or later; default today): activity targets metric by metric, and/or a weekly revenue target; what is left out is their role’s. `If-Match: 0` before they have any.',
    params: StaffIdParams,
    body: StaffTargetsInput,
    ifMatch: 'required',
    response: { status: 200, schema: StaffTargetsDocument },
  },
  async ({ ctx, params, body, expectedVersion }) => {
    const targets = await putStaffTargets(ctx, params.staffId, body, expectedVersion);
    return { body: targets.value, version: targets.version };
  },
);
