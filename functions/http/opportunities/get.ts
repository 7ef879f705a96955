import { etag, OpportunityIdParams } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { getServices } from '../../lib/services';
import { contextOf } from '../../lib/use-cases/context';
import { visibleOpportunity } from '../../lib/use-cases/opportunities';

export const handler = httpRoute({ params: OpportunityIdParams }, async (input) => {
  const o = await visibleOpportunity(contextOf(input, getServices()), input.params.id, 'opportunity:read');
  return { body: o, headers: { etag: etag(o.version) } };
});
