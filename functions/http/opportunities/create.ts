import { Opportunity, OpportunityInput } from '../../../domain/pipeline/opportunity';
import { ClientIdParams } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { createOpportunity, getOpportunity } from '../../lib/use-cases/opportunities';

/** POST /v1/clients/{id}/opportunities */
export const handler = httpRoute(
  {
    summary: 'Open an opportunity for one product',
    description:
      'At most one open opportunity per client and product (a second is a 409 naming the first). Deal value defaults to the product’s standard value, closing probability to the stage’s.',
    params: ClientIdParams,
    body: OpportunityInput,
    idempotent: true,
    onReplay: (ctx, o) => getOpportunity(ctx, o.id),
    response: { status: 201, schema: Opportunity },
  },
  async ({ ctx, params, body }) => {
    const o = await createOpportunity(ctx, params.id, body);
    return { body: o, version: o.version, headers: { location: `/v1/opportunities/${o.id}` } };
  },
);
