import { Opportunity, OpportunityPatch } from '../../../domain/pipeline/opportunity';
import { OpportunityIdParams } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { updateOpportunity } from '../../lib/use-cases/opportunities';

/** PATCH /v1/opportunities/{id} */
export const handler = httpRoute(
  {
    summary: 'Edit an opportunity',
    description: 'Deal value, probability (null: back to the stage default), close date, co-salespersons, warriors; reassignment and partner hand-over are for managers.',
    params: OpportunityIdParams,
    body: OpportunityPatch,
    ifMatch: 'required',
    response: { status: 200, schema: Opportunity },
  },
  async ({ ctx, params, body, expectedVersion }) => {
    const o = await updateOpportunity(ctx, params.id, body, expectedVersion);
    return { body: o, version: o.version };
  },
);
