import { httpRoute } from '../../lib/http/route';
import { getStages } from '../../lib/use-cases/config';
import { StagesDocument } from './schemas';

/** GET /v1/config/stages */
export const handler = httpRoute({ summary: 'The stage multipliers', response: { status: 200, schema: StagesDocument } }, async ({ ctx }) => {
  const stages = await getStages(ctx);
  return { body: { stages: stages.value }, version: stages.version };
});
