import { httpRoute } from '../../lib/http/route';
import { putAssignment } from '../../lib/use-cases/integrations';
import { AssignmentDocument, AssignmentReplacement } from './schemas';

/** PUT /v1/config/assignment */
export const handler = httpRoute(
  {
    summary: 'Replace the lead assignment rules',
    description:
      'tenant_admin. `rules` are tried in order; the first whose `match` (`source`: a provider or connection id, `productId`, `city`, `pincode` or a prefix of one) fits a lead decides: `round_robin` over `staff` (an atomic turn counter, so concurrent leads never share a turn), `least_loaded` (fewest open leads), `fixed` (the first active). Deactivated staff are skipped; no match → `defaultOwner`. `firstResponseMinutes` (default 15): the new lead\'s first call is due this long after it arrived. Send If-Match `"0"` the first time.',
    body: AssignmentReplacement,
    ifMatch: 'required',
    response: { status: 200, schema: AssignmentDocument },
  },
  async ({ ctx, body, expectedVersion }) => {
    const { value, version } = await putAssignment(ctx, body, expectedVersion);
    return { body: value, version };
  },
);
