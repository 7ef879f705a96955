import { OpportunityInput } from '../../../domain/pipeline/opportunity';
import { ClientIdParams, etag } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { getServices } from '../../lib/services';
import { contextOf } from '../../lib/use-cases/context';
import { createOpportunity } from '../../lib/use-cases/opportunities';

/** POST /v1/clients/{id}/opportunities */
export const handler = httpRoute({ params: ClientIdParams, body: OpportunityInput, idempotent: true }, async (input) => {
  const o = await createOpportunity(contextOf(input, getServices()), input.params.id, input.body);
  return { status: 201, body: o, headers: { location: `/v1/opportunities/${o.id}`, etag: etag(o.version) } };
});
