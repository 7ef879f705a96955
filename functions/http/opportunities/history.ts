import { z } from 'zod';
import { StageTransition } from '../../../domain/pipeline/stage-change';
import { OpportunityIdParams } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { stageHistory } from '../../lib/use-cases/opportunities';

/** GET /v1/opportunities/{id}/history */
export const handler = httpRoute(
  { summary: 'Stage history of an opportunity', description: 'The immutable stage transitions, oldest first.', params: OpportunityIdParams, response: { status: 200, schema: z.object({ items: z.array(StageTransition) }) } },
  async ({ ctx, params }) => ({ body: { items: await stageHistory(ctx, params.id) } }),
);
