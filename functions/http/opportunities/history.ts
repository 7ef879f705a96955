import { OpportunityIdParams } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { getServices } from '../../lib/services';
import { contextOf } from '../../lib/use-cases/context';
import { stageHistory } from '../../lib/use-cases/opportunities';

/** GET /v1/opportunities/{id}/history — the immutable stage transitions, oldest first. */
export const handler = httpRoute({ params: OpportunityIdParams }, async (input) => ({
  body: { items: await stageHistory(contextOf(input, getServices()), input.params.id) },
}));
