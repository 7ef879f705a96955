import { OpportunityIdParams, pageBody, PageQuery } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { getServices } from '../../lib/services';
import { contextOf } from '../../lib/use-cases/context';
import { opportunityAuditTrail } from '../../lib/use-cases/opportunities';

/** GET /v1/opportunities/{id}/audit — changes to the opportunity and its events. */
export const handler = httpRoute({ params: OpportunityIdParams, query: PageQuery }, async (input) => ({
  body: pageBody(await opportunityAuditTrail(contextOf(input, getServices()), input.params.id, input.query)),
}));
