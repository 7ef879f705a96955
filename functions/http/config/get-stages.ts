import { etag } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { getServices } from '../../lib/services';
import { contextOf } from '../../lib/use-cases/context';
import { getStages } from '../../lib/use-cases/config';

/** GET|PUT /v1/config/stages — stage multipliers (default probability = 1 / multiplier). */
export const handler = httpRoute({}, async (input) => {
  const stages = await getStages(contextOf(input, getServices()));
  return { body: { stages: stages.value }, headers: { etag: etag(stages.version) } };
});
