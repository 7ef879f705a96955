import { httpRoute } from '../../lib/http/route';
import { putTargets } from '../../lib/use-cases/targets';
import { TargetsDocument, TargetsInput } from './schemas';

/** PUT /v1/config/targets */
export const handler = httpRoute(
  {
    summary: 'Set the tenant’s targets from a day on',
    description:
      'tenant_admin. Activity targets per role per working day, revenue per role per week, and the working days, in force from `effectiveFrom` (today or later in the tenant’s time zone; default today). Earlier versions stay: a past period is judged by the target in force then.',
    body: TargetsInput,
    ifMatch: 'required',
    response: { status: 200, schema: TargetsDocument },
  },
  async ({ ctx, body, expectedVersion }) => {
    const targets = await putTargets(ctx, body, expectedVersion);
    return { body: targets.value, version: targets.version };
  },
);
