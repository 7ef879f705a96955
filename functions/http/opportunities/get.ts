import { Opportunity } from '../../../domain/pipeline/opportunity';
import { OpportunityIdParams } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { getOpportunity } from '../../lib/use-cases/opportunities';

/** GET /v1/opportunities/{id} */
export const handler = httpRoute({ summary: 'Read an opportunity', params: OpportunityIdParams, response: { status: 200, schema: Opportunity } }, async ({ ctx, params }) => {
  const o = await getOpportunity(ctx, params.id);
  return { body: o, version: o.version };
});
