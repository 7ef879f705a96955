import { z } from 'zod';
import { StagesConfig } from '../../../domain/pipeline/stages';
import { etag } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { getServices } from '../../lib/services';
import { contextOf, requireIfMatch } from '../../lib/use-cases/context';
import { putStages } from '../../lib/use-cases/config';

/** GET|PUT /v1/config/stages — stage multipliers (default probability = 1 / multiplier). */
export const handler = httpRoute({ body: z.strictObject({ stages: StagesConfig }) }, async (input) => {
  const stages = await putStages(contextOf(input, getServices()), input.body.stages, requireIfMatch(input.headers['if-match']));
  return { body: { stages: stages.value }, headers: { etag: etag(stages.version) } };
});
