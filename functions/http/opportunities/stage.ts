import { z } from 'zod';
import { Opportunity } from '../../../domain/pipeline/opportunity';
import { StageChangeInput, StageTransition } from '../../../domain/pipeline/stage-change';
import { OpportunityIdParams } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { moveStage } from '../../lib/use-cases/opportunities';

/** POST /v1/opportunities/{id}/stage */
export const handler = httpRoute(
  {
    summary: 'Move an opportunity to another stage',
    description:
      'Forward moves may skip stages (each passed counts once); backward moves are corrections for managers, with a reason. Closed needs an outcome: Won (credit split to the lead owner and the closing owner) or Lost (with a reason).',
    params: OpportunityIdParams,
    body: StageChangeInput,
    ifMatch: 'optional',
    response: { status: 200, schema: z.object({ opportunity: Opportunity, transition: StageTransition }) },
  },
  async ({ ctx, params, body, expectedVersion }) => {
    const result = await moveStage(ctx, params.id, body, expectedVersion);
    return { body: result, version: result.opportunity.version };
  },
);
