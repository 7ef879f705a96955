import { OpportunityPatch } from '../../../domain/pipeline/opportunity';
import { etag, OpportunityIdParams } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { getServices } from '../../lib/services';
import { contextOf, requireIfMatch } from '../../lib/use-cases/context';
import { updateOpportunity } from '../../lib/use-cases/opportunities';

export const handler = httpRoute({ params: OpportunityIdParams, body: OpportunityPatch }, async (input) => {
  const o = await updateOpportunity(contextOf(input, getServices()), input.params.id, input.body, requireIfMatch(input.headers['if-match']));
  return { body: o, headers: { etag: etag(o.version) } };
});
